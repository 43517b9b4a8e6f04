import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, STATE_NAMES, type CellKind, type Network } from '../../src/engine/index.js';
import { InputError } from '../../src/io/errors.js';
import { ingest, type TraceRecord } from '../../src/trace/ingest.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { expectClose } from '../helpers/expect-close.js';
import { stateOf } from '../helpers/step-state.js';

function sequence(T: number, D: number, seed = 1): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: D }, () => rng.uniform(-2, 2)));
}

function fill(store: TraceStore, xs: Float64Array[]): void {
  xs.forEach((x, t) => store.append(x, `step ${t}`));
  store.finish();
}

describe('TraceStore', () => {
  const kinds: CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];
  for (const kind of kinds) {
    it(`stores every ${kind} state as the engine computed it, across chunk boundaries`, () => {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 7 });
      const xs = sequence(11, 3);
      const store = new TraceStore(net, { source: 'mem', chunkSteps: 4 });
      expect(store.streaming).toBe(true);
      fill(store, xs);
      const ref = runSequence(net, xs);
      expect(store.length).toBe(11);
      for (let t = 0; t < 11; t++) {
        for (let k = 0; k < 2; k++) {
          for (const name of STATE_NAMES[kind]) {
            expectClose(store.state(name, k, 0, t), stateOf(net, ref[t]!, name, k, 0), 1e-6, `${name}[l${k}, t=${t}, unit={i}]`);
          }
          expectClose(store.pre(k, 0, t), ref[t]!.layers[k]![0]!.pre, 1e-5, `pre[l${k}, t=${t}, row={i}]`);
        }
        expectClose(store.x(t), xs[t]!, 1e-6, `x[t=${t}, {i}]`);
        expect(store.label(t)).toBe(`step ${t}`);
      }
    });
  }

  it('buffers a bidirectional network until the input ends, then matches runSequence', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 3 });
    const xs = sequence(6, 2, 9);
    const store = new TraceStore(net, { source: 'mem' });
    expect(store.streaming).toBe(false);
    xs.forEach((x) => store.append(x, ''));
    expect(store.length).toBe(0);
    expect(store.pending).toBe(6);
    store.finish();
    expect(store.pending).toBe(0);
    expect(store.length).toBe(6);
    const ref = runSequence(net, xs);
    for (let t = 0; t < 6; t++) {
      for (let d = 0; d < 2; d++) {
        expectClose(store.state('c', 1, d, t), ref[t]!.layers[1]![d]!.c!, 1e-6, `c[l1 d${d} t=${t}, {i}]`);
      }
    }
  });

  it('tracks the largest |c| over the sequence per layer and direction', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 6, seed: 5 });
    // the store keeps inputs as float32 and computes from what it keeps
    const xs = sequence(20, 2, 4).map((x) => Float64Array.from(Float32Array.from(x.map((v) => v * 5))));
    const store = new TraceStore(net, { source: 'mem', engine: 'reference' });
    fill(store, xs);
    const ref = runSequence(net, xs);
    let maxAbs = 0;
    let min = Infinity;
    for (const s of ref) for (const v of s.layers[0]![0]!.c!) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
      min = Math.min(min, v);
    }
    const r = store.range('c', 0, 0);
    expect(r.maxAbs).toBeCloseTo(maxAbs, 12);
    expect(r.min).toBeCloseTo(min, 12);
    let xMax = 0;
    for (const x of xs) for (const v of x) xMax = Math.max(xMax, Math.abs(v));
    expect(store.inputRange().maxAbs).toBeCloseTo(xMax, 12);
  });

  it('shows invisible characters in feature names, so names that differ only by them look different', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 6, hiddenSize: 2 });
    const names = ['ab', 'a\u200bb', 'a\u200eb', 'a\u200fb', 'a\u061cb', '\ufeffab'];
    const store = new TraceStore(net, { source: 's', featureNames: names });
    expect(store.featureNames).toEqual(['ab', 'a\\u200bb', 'a\\u200eb', 'a\\u200fb', 'a\\u061cb', '\\ufeffab']);
    expect(new Set(store.featureNames).size).toBe(names.length);
  });

  it('makes labels, feature names and the source visible before anything can print them', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 2 });
    const store = new TraceStore(net, { source: 'evil\u001b[2J.csv', featureNames: ['\u001b]0;owned\u0007', 'ok'] });
    store.append([0, 1], 'a\u001b[31mred\n');
    expect(store.source).toBe('evil\\e[2J.csv');
    expect(store.featureNames).toEqual(['\\e]0;owned\\x07', 'ok']);
    expect(store.label(0)).toBe('a\\e[31mred\\n');
    for (const s of [store.source, ...store.featureNames, store.label(0)]) expect(s).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('names missing features x0, x1, ...', () => {
    const store = new TraceStore(randomNetwork({ kind: 'rnn_tanh', inputSize: 3, hiddenSize: 2 }), { source: 'm', featureNames: ['a'] });
    expect(store.featureNames).toEqual(['a', 'x1', 'x2']);
  });

  it('notifies subscribers on every append and on finish, until they unsubscribe', () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2 }), { source: 'm' });
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.append([1], '');
    store.append([2], '');
    expect(calls).toBe(2);
    off();
    store.finish();
    expect(calls).toBe(2);
    expect(store.status).toBe('done');
  });

  it('starts from the initial state: previous() at the sequence edge, per direction', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2, bidirectional: true, seed: 2 });
    const init = { h0: [[0.1, 0.2], [0.3, 0.4]], c0: [[1, 2], [3, 4]] };
    const store = new TraceStore(net, { source: 'm', init });
    fill(store, sequence(3, 1));
    // as the engine holds them: float32 on the fast engine, at either edge
    const held = (v: number[]): number[] => (store.engineKind === 'fast' ? v.map(Math.fround) : v);
    expect(Array.from(store.previous('c', 0, 0, 0))).toEqual(held([1, 2]));
    expect(Array.from(store.previous('h', 0, 1, 2))).toEqual(held([0.3, 0.4]));
    expect(Array.from(store.previous('h', 0, 0, 0))).toEqual(held([0.1, 0.2]));
    expectClose(store.previous('h', 0, 0, 2), store.state('h', 0, 0, 1), 0, 'forward h_prev');
    expectClose(store.previous('c', 0, 1, 0), store.state('c', 0, 1, 1), 0, 'reverse c_prev');
  });

  it('keeps every complete step when the input fails, with the message made visible', () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2 }), { source: 'm' });
    store.append([1], '');
    store.fail('x.csv:2: bad \u001b[2J');
    expect(store.length).toBe(1);
    expect(store.status).toBe('failed');
    expect(store.error).toBe('x.csv:2: bad \\e[2J');
    expect(() => store.append([1], '')).toThrow(/after the input ended/);
  });

  it('refuses steps and units outside the trace', () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2 }), { source: 'm' });
    store.append([1], '');
    expect(() => store.state('h', 0, 0, 1)).toThrow(RangeError);
    expect(() => store.value('h', 0, 0, 0, 2)).toThrow(RangeError);
    expect(() => store.state('z', 0, 0, 0)).toThrow(/no state "z"/);
    expect(() => store.state('h', 1, 0, 0)).toThrow(/no layer 1/);
  });

  it('fills a series with NaN past either end', () => {
    const store = new TraceStore(randomNetwork({ kind: 'gru', inputSize: 1, hiddenSize: 2, seed: 1 }), { source: 'm' });
    fill(store, sequence(3, 1));
    const out = store.series('h', 0, 0, 1, -1, new Float64Array(5));
    expect(Number.isNaN(out[0]!)).toBe(true);
    expect(out[1]).toBe(store.value('h', 0, 0, 0, 1));
    expect(out[3]).toBe(store.value('h', 0, 0, 2, 1));
    expect(Number.isNaN(out[4]!)).toBe(true);
  });

  it('computes the head prediction per step', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 1 });
    const head = { weight: Float32Array.from([0.5, -1, 2, 1, 1, 1]), bias: Float32Array.from([0.1, -0.2]), outSize: 2, inSize: 3 };
    const store = new TraceStore(net, { source: 'm', head });
    fill(store, sequence(2, 2));
    const h = store.state('h', 0, 0, 1);
    expectClose(store.prediction(1)!, [0.1 + 0.5 * h[0]! - h[1]! + 2 * h[2]!, -0.2 + h[0]! + h[1]! + h[2]!], 1e-6, 'pred');
  });
});

describe('ingest', () => {
  async function* records(xs: Float64Array[], failAt = -1): AsyncGenerator<TraceRecord> {
    for (let t = 0; t < xs.length; t++) {
      if (t === failAt) throw new InputError('expected 2 values, got 1', { source: 'x.csv', line: t + 2 });
      yield { values: xs[t]!, label: `r${t}`, line: t + 2 };
    }
  }

  it('appends every record and finishes the store', async () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 2 }), { source: 'm' });
    const n = await ingest(store, records(sequence(5, 2)));
    expect(n).toBe(5);
    expect(store.length).toBe(5);
    expect(store.status).toBe('done');
  });

  it('stops at a bad record, keeping the steps before it and its line in the message', async () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 2 }), { source: 'm' });
    await ingest(store, records(sequence(5, 2), 3));
    expect(store.length).toBe(3);
    expect(store.status).toBe('failed');
    expect(store.error).toBe('x.csv:5: expected 2 values, got 1');
  });

  it('reports a record of the wrong width without a stack', async () => {
    const store = new TraceStore(randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 2, bidirectional: true }), { source: 'm' });
    await ingest(store, records([Float64Array.of(1, 2), Float64Array.of(1)]));
    expect(store.status).toBe('failed');
    expect(store.error).toMatch(/expected 2 features, got 1/);
    expect(store.length).toBe(1);
  });

  it('rethrows what is not an input error', async () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2 }), { source: 'm' });
    async function* broken(): AsyncGenerator<TraceRecord> {
      yield { values: Float64Array.of(1), label: '', line: 1 };
      throw new TypeError('bug');
    }
    await expect(ingest(store, broken())).rejects.toThrow('bug');
  });

  it('yields to the event loop between slices of work', async () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2 }), { source: 'm' });
    let clock = 0;
    let lengthWhenOthersRan = -1;
    setImmediate(() => (lengthWhenOthersRan = store.length));
    async function* fast(): AsyncGenerator<TraceRecord> {
      for (let t = 0; t < 50; t++) {
        clock += 5; // each record "costs" 5 ms of work
        yield { values: Float64Array.of(t), label: '', line: t + 1 };
      }
    }
    await ingest(store, fast(), { sliceMs: 8, now: () => clock });
    expect(store.length).toBe(50);
    // an async generator alone never leaves the microtask queue: only a real yield lets this run
    expect(lengthWhenOthersRan).toBeGreaterThan(0);
    expect(lengthWhenOthersRan).toBeLessThan(50);
  });

  it('applies toX (an embedding) to each record', async () => {
    const store = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 2 }), { source: 'm' });
    await ingest(store, records([Float64Array.of(1), Float64Array.of(0)]), { toX: (r) => [r.values[0]!, 7] });
    expect(Array.from(store.x(0))).toEqual([1, 7]);
  });
});

describe('TraceStore history limit', () => {
  it('drops the oldest chunks of a long stream, keeping the state they ended on', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 9 });
    const xs = sequence(40, 2, 6);
    const store = new TraceStore(net, { source: 'live', chunkSteps: 4, maxSteps: 10 });
    xs.forEach((x, t) => store.append(x, `s${t}`));
    const ref = runSequence(net, xs);
    expect(store.length).toBe(40);
    expect(store.first).toBeGreaterThan(0);
    expect(store.first % 4).toBe(0);
    expect(store.length - store.first).toBeLessThanOrEqual(10 + 4);
    expect(() => store.state('h', 0, 0, store.first - 1)).toThrow(RangeError);
    expect(store.label(store.first)).toBe(`s${store.first}`);
    for (let t = store.first; t < 40; t++) expectClose(store.state('c', 0, 0, t), ref[t]!.layers[0]![0]!.c!, 1e-6, `c[t=${t}, {i}]`);
    // the first kept step still knows where it started: the checkpoint of the dropped chunk
    expectClose(store.previous('c', 0, 0, store.first), ref[store.first - 1]!.layers[0]![0]!.c!, 1e-6, 'c_prev at first');
    const row = store.series('h', 0, 0, 1, store.first - 2, new Float64Array(3));
    expect(Number.isNaN(row[0]!)).toBe(true);
    expect(row[2]).toBe(store.value('h', 0, 0, store.first, 1));
  });

  it('never drops steps of a whole-sequence (bidirectional) store', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 1, hiddenSize: 2, bidirectional: true });
    const store = new TraceStore(net, { source: 'm', chunkSteps: 2, maxSteps: 4 });
    fill(store, sequence(20, 1));
    expect(store.first).toBe(0);
    expect(store.length).toBe(20);
  });
});
