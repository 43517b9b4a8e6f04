/**
 * The block runner contract (src/engine/runner.ts), the same cases through both implementations:
 * the fast one (WebAssembly SIMD, float32) and the reference (float64). Each must give the steps
 * runSequence gives, independently of how a sequence is cut into runs, resume exactly from a saved
 * state, and widen ranges from its own buffers as from its records.
 */
import { describe, expect, it } from 'vitest';
import { createBlockEngine, createStepQueue, engineKindFor, runSequenceOn } from '../../src/engine/choose-runner.js';
import { runSequenceIntervened, type Intervention } from '../../src/engine/intervene.js';
import { cloneStep, createRng, GATE_NAMES, randomNetwork, runSequence, ShapeError, STATE_NAMES, type CellKind, type Network, type NetworkStep } from '../../src/engine/index.js';
import { RangeSet } from '../../src/engine/ranges.js';
import { allViews, type BlockEngine, type EngineKind } from '../../src/engine/runner.js';
import { loadWeights } from '../../src/io/weights/index.js';
import { fixtureBytes } from '../io/weights/fixtures.js';

const KINDS: EngineKind[] = engineKindFor('fast') === 'fast' ? ['fast', 'reference'] : ['reference'];
/** float32 kernels against the float64 cells */
const TOL: Record<EngineKind, number> = { fast: 2e-5, reference: 0 };

function sequence(T: number, D: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: D }, () => rng.uniform(-2, 2)));
}

/** Runs xs through `engine` in runs of `cut` rows (whole sequence for a reverse direction), collecting copies of every step. */
function runAll(engine: BlockEngine, xs: readonly Float64Array[], cut: number): NetworkStep[] {
  const net = engine.network;
  const views = allViews(net);
  const reverse = net.directions.includes('reverse');
  const n = reverse ? xs.length : Math.min(cut, engine.capacity);
  const out: NetworkStep[] = [];
  const state = engine.initialState();
  for (const v of views) engine.setView(v, state);
  for (let t0 = 0; t0 < xs.length; t0 += n) {
    const m = Math.min(n, xs.length - t0);
    for (let i = 0; i < m; i++) engine.setInput(i, xs[t0 + i]!);
    engine.run(m, views);
    for (let i = 0; i < m; i++) {
      const s = engine.step(i);
      expect(Array.from(engine.output(i))).toEqual(Array.from(s.y));
      out.push({ y: s.y.slice(), layers: s.layers.map((d) => d.map((r) => ({ gates: r.gates.slice(), pre: r.pre.slice(), c: r.c?.slice() ?? null, h: r.h.slice() }))) });
    }
  }
  return out;
}

function expectSteps(got: readonly NetworkStep[], want: readonly NetworkStep[], tol: number, label: string): void {
  expect(got).toHaveLength(want.length);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
    expect(a.length, what).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      if (!(Math.abs(a[i]! - b[i]!) <= tol)) expect.fail(`${label} ${what}[${i}]: ${a[i]} vs ${b[i]}`);
    }
  };
  want.forEach((w, t) => {
    close(got[t]!.y, w.y, `t=${t} y`);
    w.layers.forEach((dirs, k) =>
      dirs.forEach((r, d) => {
        const g = got[t]!.layers[k]![d]!;
        close(g.gates, r.gates, `t=${t} l${k}d${d} gates`);
        close(g.pre, r.pre, `t=${t} l${k}d${d} pre`);
        close(g.h, r.h, `t=${t} l${k}d${d} h`);
        if (r.c !== null) close(g.c!, r.c, `t=${t} l${k}d${d} c`);
      }),
    );
  });
}

function bitsEqual(a: readonly NetworkStep[], b: readonly NetworkStep[]): void {
  expectSteps(a, b, 0, 'bits');
}

interface Case {
  name: string;
  net: Network;
}

const cases: Case[] = [
  ...(['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as CellKind[]).map((kind, i) => ({
    name: `${kind}, 2 layers`,
    net: randomNetwork({ kind, inputSize: 3, hiddenSize: 6, numLayers: 2, seed: 20 + i }),
  })),
  { name: 'lstm, 2 layers, bidirectional', net: randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 7 }) },
  { name: 'gru, bidirectional', net: randomNetwork({ kind: 'gru', inputSize: 4, hiddenSize: 7, bidirectional: true, seed: 8 }) },
  { name: 'lstm with proj_size (fixture)', net: loadWeights(fixtureBytes('lstm_proj_2l_nobias.json'), { source: 'proj' }).network },
];

describe('block runner contract', () => {
  for (const c of cases) {
    for (const kind of KINDS) {
      describe(`${c.name}, ${kind} engine asked for`, () => {
        const xs = sequence(37, c.net.inputSize, 3);
        // A reverse direction walks a whole block backwards: one block holds the sequence then.
        const make = (): BlockEngine => createBlockEngine(c.net, undefined, c.net.directions.includes('reverse') ? 64 : 16, kind);

        it('runs the kind it says: the fast one only where it covers the network', () => {
          const e = make();
          const projected = (c.net.projSize ?? 0) > 0;
          expect(e.kind).toBe(projected ? 'reference' : kind);
          expect(engineKindFor(kind, c.net)).toBe(e.kind);
        });

        it('gives the steps runSequence gives', () => {
          const e = make();
          expectSteps(runAll(e, xs, 16), runSequence(c.net, xs), TOL[e.kind], e.kind);
        });

        it('gives the same bits however the sequence is cut into runs', () => {
          const whole = runAll(make(), xs, 16);
          for (const cut of [1, 5, 16]) bitsEqual(runAll(make(), xs, cut), whole);
        });

        it('resumes from a saved state exactly (forward directions)', () => {
          if (c.net.directions.includes('reverse')) return;
          const e = make();
          const views = allViews(c.net);
          const whole = runAll(make(), xs, 8);
          const s = e.initialState();
          for (const v of views) e.setView(v, s);
          for (let i = 0; i < 8; i++) e.setInput(i, xs[i]!);
          e.run(8, views);
          const saved = e.newState();
          for (const v of views) e.getView(v, saved);
          // a fresh runner from the saved state computes steps 8.. as the first one did
          const f = make();
          for (const v of views) f.setView(v, saved);
          for (let i = 0; i < 8; i++) f.setInput(i, xs[8 + i]!);
          f.run(8, views);
          for (let i = 0; i < 8; i++) expect(Array.from(f.step(i).y)).toEqual(Array.from(whole[8 + i]!.y));
        });

        it('widens ranges from its buffers as from its records', () => {
          const e = make();
          const views = allViews(c.net);
          const states = STATE_NAMES[c.net.kind];
          const fromBuffers = new RangeSet(views.length, states.length);
          const fromRecords = new RangeSet(views.length, states.length);
          const n = c.net.directions.includes('reverse') ? xs.length : Math.min(16, e.capacity);
          const s = e.initialState();
          for (const v of views) e.setView(v, s);
          for (let i = 0; i < n; i++) e.setInput(i, xs[i]!);
          e.run(n, views);
          const H = c.net.hiddenSize;
          const gates = GATE_NAMES[c.net.kind];
          for (const v of views) {
            e.widenRun(n, v, fromBuffers);
            const dirs = c.net.directions.length;
            for (let i = 0; i < n; i++) {
              const r = e.step(i).layers[Math.floor(v / dirs)]![v % dirs]!;
              states.forEach((name, si) => {
                const src = name === 'h' ? r.h : name === 'c' ? r.c! : r.gates.subarray(gates.indexOf(name) * H, (gates.indexOf(name) + 1) * H);
                fromRecords.widen(fromRecords.slot(v, si), src, 0, src.length);
              });
              fromRecords.widen(fromRecords.slot(v, states.length), r.pre, 0, r.pre.length);
            }
          }
          expect(Array.from(fromBuffers.data)).toEqual(Array.from(fromRecords.data));
        });
      });
    }
  }

  it('refuses a run longer than its capacity', () => {
    const e = createBlockEngine(cases[0]!.net, undefined, 4, 'reference');
    expect(() => e.run(e.capacity + 1, allViews(cases[0]!.net))).toThrow(RangeError);
  });
});

describe('whole-sequence and streaming runs on the runner', () => {
  for (const c of cases) {
    for (const kind of KINDS) {
      const xs = sequence(41, c.net.inputSize, 5);
      const whole = runSequenceOn(c.net, xs, undefined, kind);

      it(`${c.name}, ${kind}: runSequenceOn gives runSequence's steps, and the runner's own bits`, () => {
        expectSteps(whole, runSequence(c.net, xs), TOL[engineKindFor(kind, c.net)], kind);
        const reverse = c.net.directions.includes('reverse');
        bitsEqual(whole, runAll(createBlockEngine(c.net, undefined, reverse ? 64 : 16, kind), xs, 7));
      });

      if (c.net.directions.includes('reverse')) {
        it(`${c.name}, ${kind}: a step queue refuses a reverse direction`, () => {
          expect(() => createStepQueue(c.net, undefined, kind)).toThrow(ShapeError);
        });
        continue;
      }
      it(`${c.name}, ${kind}: a step queue flushed at any points gives the whole run's bits, in time order`, () => {
        const rng = createRng(9);
        const q = createStepQueue(c.net, undefined, kind);
        const got: NetworkStep[] = [];
        const ts: number[] = [];
        const keep = (s: NetworkStep, t: number): void => {
          ts.push(t);
          got.push(cloneStep(s));
        };
        for (const x of xs) {
          if (q.push(x) || rng.uniform(0, 1) < 0.3) q.flush(keep);
        }
        q.flush(keep);
        expect(q.t).toBe(xs.length);
        expect(ts).toEqual(xs.map((_, t) => t));
        bitsEqual(got, whole);
      });
    }
  }

  it('a step queue names the step of an input of the wrong width', () => {
    const q = createStepQueue(cases[0]!.net);
    q.push(new Float64Array(3));
    expect(() => q.push(new Float64Array(2))).toThrow(/input at t=1: expected 3 features, got 2/);
  });

  it('runSequenceOn with interventions equals runSequenceIntervened bit for bit', () => {
    const net = cases[0]!.net;
    const xs = sequence(20, net.inputSize, 6);
    const list: Intervention[] = [{ name: 'c', layer: 1, direction: 0, unit: 2, from: 4, to: 9, value: 0.5 }];
    bitsEqual(runSequenceOn(net, xs, undefined, 'reference', list), runSequenceIntervened(net, xs, undefined, list));
  });

  it('a reference runner names a wrong initial state', () => {
    const net = cases[0]!.net;
    expect(() => runSequenceOn(net, sequence(3, 3, 1), { h0: [new Float64Array(2)] }, 'reference')).toThrow(ShapeError);
  });
});
