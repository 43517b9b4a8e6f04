import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, STATE_NAMES, type CellKind, type Network, type NetworkStep } from '../../src/engine/index.js';
import { fastAvailable, runSequenceFast } from '../../src/engine/fast/index.js';
import { createBlockEngine, defaultBlockSteps } from '../../src/engine/choose-runner.js';
import { widenStrided } from '../../src/engine/ranges.js';
import { allViews, type EngineKind } from '../../src/engine/runner.js';
import { RangeSet } from '../../src/trace/step-rows.js';
import { TraceStore, type RowSource } from '../../src/trace/trace-store.js';
import { stateOf } from '../helpers/step-state.js';

/** (T, D) inputs already rounded to float32, as the store keeps them. */
function sequence(T: number, D: number, seed = 1): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from(Float32Array.from({ length: D }, () => rng.uniform(-2, 2))));
}

/** The whole sequence in one run of the same engine: what recomputation must reproduce bit for bit. */
function fullRun(engine: EngineKind, net: Network, xs: Float64Array[]): NetworkStep[] {
  return engine === 'fast' ? runSequenceFast(net, xs) : runSequence(net, xs);
}

/**
 * Every state and pre-activation of every step, read in a scattered order, equals the full run
 * exactly (as float32: the rows the store keeps; the fast engine computes in float32 anyway).
 */
function expectExact(store: TraceStore, net: Network, ref: NetworkStep[], seed = 3): void {
  const rng = createRng(seed);
  const order = Array.from({ length: store.length - store.first }, (_, i) => store.first + i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform(0, i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const dirs = net.directions.length;
  let mismatches = 0;
  let firstBad = '';
  for (const t of order) {
    for (let k = 0; k < net.numLayers; k++) {
      for (let d = 0; d < dirs; d++) {
        for (const name of STATE_NAMES[net.kind]) {
          const got = store.state(name, k, d, t);
          const want = stateOf(net, ref[t]!, name, k, d);
          for (let u = 0; u < net.hiddenSize; u++) {
            if (!Object.is(got[u], Math.fround(want[u]!))) {
              mismatches++;
              if (firstBad === '') firstBad = `${name}[l${k} d${d} t=${t} u=${u}]: ${got[u]} != ${want[u]}`;
            }
          }
        }
        const pre = store.pre(k, d, t);
        const want = ref[t]!.layers[k]![d]!.pre;
        for (let j = 0; j < want.length; j++) {
          if (!Object.is(pre[j], Math.fround(want[j]!))) {
            mismatches++;
            if (firstBad === '') firstBad = `pre[l${k} d${d} t=${t} row=${j}]: ${pre[j]} != ${want[j]}`;
          }
        }
      }
    }
  }
  expect(firstBad).toBe('');
  expect(mismatches).toBe(0);
}

function rowSource(xs: Float64Array[], D: number, badAt = -1): RowSource & { reads: number } {
  const src = {
    length: xs.length,
    reads: 0,
    read(t0: number, n: number, out: Float32Array) {
      src.reads++;
      for (let i = 0; i < n; i++) {
        if (t0 + i === badAt) return { rows: i, error: `bad.npy: data[t=${badAt}, 0]: NaN` };
        out.set(xs[t0 + i]!, i * D);
      }
      return { rows: n, error: null };
    },
    label: (t: number) => `row ${t}`,
  };
  return src;
}

const engines: EngineKind[] = fastAvailable() ? ['fast', 'reference'] : ['reference'];
const kinds: CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];

describe('checkpointed trace store', () => {
  for (const engine of engines) {
    for (const kind of kinds) {
      it(`recomputes every ${kind} step bit for bit as a full run (${engine} engine, live appends)`, () => {
        const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 11 });
        const xs = sequence(101, 3, 2);
        // blocks of 8 steps and room for only 3 of them: almost every read recomputes
        const store = new TraceStore(net, { source: 'mem', chunkSteps: 8, cacheBytes: 1, engine });
        expect(store.engineKind).toBe(engine);
        xs.forEach((x, t) => store.append(x, `s${t}`));
        store.finish();
        expectExact(store, net, fullRun(engine, net, xs));
      });
    }

    it(`recomputes a bidirectional 2-layer network bit for bit (${engine} engine)`, () => {
      const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 6, numLayers: 2, bidirectional: true, seed: 4 });
      const xs = sequence(45, 2, 8);
      const store = new TraceStore(net, { source: 'mem', chunkSteps: 8, cacheBytes: 1, engine });
      xs.forEach((x, t) => store.append(x, `s${t}`));
      store.finish();
      expect(store.length).toBe(45);
      expectExact(store, net, fullRun(engine, net, xs));
      // the state a reverse step started from is the next step's
      expect(Array.from(store.previous('c', 1, 1, 20))).toEqual(Array.from(store.state('c', 1, 1, 21)));
    });

    it(`keeps a live stream exact when old blocks are recomputed between appends (${engine} engine)`, () => {
      const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 4, seed: 6 });
      const xs = sequence(60, 2, 5);
      const store = new TraceStore(net, { source: 'live', chunkSteps: 4, cacheBytes: 1, engine });
      xs.forEach((x, t) => {
        store.append(x, '');
        // a viewer reading back while data arrives: the running state must survive it
        if (t > 10 && t % 7 === 0) store.state('h', 0, 0, t - 9);
      });
      expectExact(store, net, fullRun(engine, net, xs));
    });
  }

  it('fills from a RowSource block by block, the first block at once', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 4, seed: 2 });
    const xs = sequence(70, 3, 9);
    const src = rowSource(xs, 3);
    const store = new TraceStore(net, { source: 'big.npy', chunkSteps: 16, rows: src, cacheBytes: 1 });
    expect(store.length).toBe(0);
    expect(store.expectedLength).toBe(70);
    expect(store.progress).toBe(0);
    const pass = store.sourcePass();
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.length));
    while (pass.next()) store.receivePass(pass.update());
    expect(store.status).toBe('reading');
    store.receivePass(pass.update());
    expect(seen).toEqual([16, 32, 48, 64, 70]);
    expect(store.status).toBe('done');
    expect(store.progress).toBeNull();
    expect(store.label(69)).toBe('row 69');
    expect(Array.from(store.x(5))).toEqual(Array.from(xs[5]!));
    expectExact(store, net, fullRun(store.engineKind, net, xs));
  });

  it('fills a bidirectional network from a RowSource only when every view is swept', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 12 });
    const xs = sequence(50, 2, 1);
    const store = new TraceStore(net, { source: 'm', chunkSteps: 8, rows: rowSource(xs, 2), cacheBytes: 1 });
    const pass = store.sourcePass();
    let last = 0;
    while (pass.next()) {
      const u = pass.update();
      store.receivePass(u);
      expect(store.length).toBe(0);
      expect(u.progress).toBeGreaterThanOrEqual(last);
      last = u.progress;
    }
    store.receivePass(pass.update());
    expect(store.length).toBe(50);
    expectExact(store, net, fullRun(store.engineKind, net, xs));
  });

  for (const bidirectional of [false, true]) {
    it(`stops at a bad row of a RowSource, keeping the steps before it${bidirectional ? ' (bidirectional)' : ''}`, () => {
      const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, bidirectional, seed: 1 });
      const xs = sequence(60, 2, 3);
      const store = new TraceStore(net, { source: 'm', chunkSteps: 8, rows: rowSource(xs, 2, 37) });
      const pass = store.sourcePass();
      while (pass.next());
      store.receivePass(pass.update());
      expect(store.status).toBe('failed');
      expect(store.error).toBe('bad.npy: data[t=37, 0]: NaN');
      expect(store.length).toBe(37);
      // as if the input had ended there
      expectExact(store, net, fullRun(store.engineKind, net, xs.slice(0, 37)));
    });
  }

  for (const engine of engines) {
    it(`gets the same value ranges from the pass as from stepping, infinities and all (${engine} engine)`, () => {
      const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 7, numLayers: 2, seed: 5 });
      const xs = sequence(90, 3, 6);
      xs[40]![1] = 3e38;
      xs[41]![2] = -3e38;
      const head = { weight: Float32Array.from({ length: 14 }, (_, i) => Math.sin(i)), bias: Float32Array.from([0.1, -0.2]), outSize: 2 };
      const stepped = new TraceStore(net, { source: 'm', chunkSteps: 8, engine, head });
      xs.forEach((x) => stepped.append(x, ''));
      stepped.finish();
      const passed = new TraceStore(net, { source: 'm', chunkSteps: 8, engine, head, rows: rowSource(xs, 3) });
      const pass = passed.sourcePass();
      while (pass.next());
      passed.receivePass(pass.update());
      for (let k = 0; k < 2; k++) {
        for (const name of [...STATE_NAMES.lstm, 'pre']) expect(passed.range(name, k, 0)).toEqual(stepped.range(name, k, 0));
      }
      expect(passed.inputRange()).toEqual(stepped.inputRange());
      expect(passed.predictionRange()).toEqual(stepped.predictionRange());
      expect(passed.predictionRange().maxAbs).toBeGreaterThan(0);
    });
  }

  it('widens ranges from strided buffers as value by value: NaN skipped, infinities kept out of maxAbs', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 50; trial++) {
      const H = 1 + Math.floor(rng.uniform(0, 11));
      const n = 1 + Math.floor(rng.uniform(0, 5));
      const stride = H + Math.floor(rng.uniform(0, 4));
      const a = Float32Array.from({ length: 2 + n * stride }, () => {
        const p = rng.uniform(0, 1);
        return p < 0.05 ? NaN : p < 0.1 ? Infinity : p < 0.15 ? -Infinity : rng.uniform(-5, 5);
      });
      const fast = new RangeSet(1, 1);
      const slow = new RangeSet(1, 1);
      widenStrided(fast, 0, a, 2, stride, n, H);
      for (let i = 0; i < n; i++) slow.widen(0, a, 2 + i * stride, 2 + i * stride + H);
      expect(fast.get(0)).toEqual(slow.get(0));
    }
  });

  it('holds checkpoints and a bounded cache, not the steps (counts of stored values)', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 8, seed: 3 });
    const T = 5000;
    const K = 32;
    const xs = sequence(T, 4, 4);
    const store = new TraceStore(net, { source: 'm', chunkSteps: K, rows: rowSource(xs, 4), cacheBytes: 4 * K * 1024 });
    const pass = store.sourcePass();
    while (pass.next());
    store.receivePass(pass.update());
    for (let t = 0; t < T; t += 97) store.value('h', 0, 0, t, 1);
    const f = store.footprint();
    const blocks = Math.ceil(T / K);
    expect(f.checkpoints).toBe(blocks);
    // h and c of the one view per checkpoint
    expect(f.checkpointValues).toBe(blocks * 2 * 8);
    // rows: 6 states + 4 gates' pre-activations, 8 units each
    const rowWidth = (6 + 4) * 8;
    const maxBlocks = Math.max(3, Math.floor((4 * K * 1024) / (K * rowWidth * 4)));
    expect(f.cachedSteps).toBeLessThanOrEqual(maxBlocks * K);
    expect(f.cachedValues).toBeLessThanOrEqual(maxBlocks * K * rowWidth);
    expect(f.inputValues).toBe(0);
    expect(f.labels).toBe(0);
    // against every step kept whole: T * rowWidth values
    expect(f.checkpointValues + f.cachedValues).toBeLessThan((T * rowWidth) / 4);
  });

  it('keeps a live stream within its history: inputs, labels and checkpoints of the kept blocks only', () => {
    const net = randomNetwork({ kind: 'rnn_tanh', inputSize: 2, hiddenSize: 3, seed: 3 });
    const store = new TraceStore(net, { source: 'live', chunkSteps: 16, maxSteps: 100, cacheBytes: 1 });
    const rng = createRng(1);
    for (let t = 0; t < 10_000; t++) store.append([rng.uniform(-1, 1), rng.uniform(-1, 1)], `${t}`);
    const f = store.footprint();
    const keptBlocks = Math.ceil((store.length - store.first) / 16);
    expect(store.length - store.first).toBeLessThanOrEqual(100 + 16);
    expect(f.checkpoints).toBe(keptBlocks);
    expect(f.inputValues).toBe(keptBlocks * 16 * 2);
    expect(f.labels).toBe(store.length - store.first);
    expect(f.cachedSteps).toBeLessThanOrEqual(3 * 16);
  });
});

describe('defaultBlockSteps', () => {
  it('recomputes about 2 ms a block, and keeps saved states within 64 bytes a step', () => {
    const lstm = (H: number) => randomNetwork({ kind: 'lstm', inputSize: 16, hiddenSize: H, seed: 0 });
    // H=64: a fast step costs ~4.7 us (flops and read-out), so 256 steps; its states (512 B) allow 8
    expect(defaultBlockSteps(lstm(64), 'fast')).toBe(256);
    // H=512: time alone would say 16, but 4 KB of state a step needs blocks of 64
    expect(defaultBlockSteps(lstm(512), 'fast')).toBe(64);
    expect(defaultBlockSteps(lstm(8), 'fast')).toBe(1024);
    expect(defaultBlockSteps(lstm(64), 'reference')).toBe(32);
  });
});

describe('BlockEngine.output', () => {
  for (const kind of ['fast', 'reference'] as const) {
    it(`is the last layer's y of each row, as step() gives it (${kind} engine)`, () => {
      const net = randomNetwork({ kind: 'gru', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 6 });
      const engine = createBlockEngine(net, undefined, 8, kind);
      const rng = createRng(2);
      for (let i = 0; i < 8; i++) engine.setInput(i, [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]);
      engine.run(8, allViews(net));
      for (let i = 0; i < 8; i++) {
        const y = Array.from(engine.output(i));
        expect(y).toEqual(Array.from(engine.step(i).y));
        expect(y.some((v) => v !== 0)).toBe(true);
      }
    });
  }
});
