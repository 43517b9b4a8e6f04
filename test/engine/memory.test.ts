import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, ShapeError, type CellKind, type InitialState, type Network } from '../../src/engine/index.js';
import { memoryProfile, memorySpan } from '../../src/engine/memory.js';
import { perturbedRun } from './grad-perturbed-run.js';

const H_STEP = 2 ** -12;

/** ||J||_F of d h_{T-1} (last layer, forward) / d(thing), one central difference per column. */
function fdNorm(columns: number, run: (col: number, delta: number) => Float64Array): number {
  let s = 0;
  for (let col = 0; col < columns; col++) {
    const p = run(col, H_STEP);
    const m = run(col, -H_STEP);
    for (let i = 0; i < p.length; i++) {
      const v = (p[i]! - m[i]!) / (2 * H_STEP);
      s += v * v;
    }
  }
  return Math.sqrt(s);
}

function expectRel(actual: number, expected: number, label: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  if (err > 1e-6) expect.fail(`${label}: ${actual} vs numeric ${expected} (relative ${err.toExponential(1)})`);
}

function setup(kind: CellKind, bidirectional: boolean, T: number, seed: number) {
  const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional, seed });
  const rng = createRng(seed + 100);
  const xs = Array.from({ length: T }, () => Float64Array.from({ length: 2 }, () => rng.uniform(-1.5, 1.5)));
  const rows = 2 * net.directions.length;
  const rowsOf = (): Float64Array[] => Array.from({ length: rows }, () => Float64Array.from({ length: 3 }, () => rng.uniform(-0.5, 0.5)));
  const init: InitialState = { h0: rowsOf(), c0: kind === 'lstm' ? rowsOf() : null };
  return { net, xs, init };
}

function finalH(net: Network, steps: ReturnType<typeof runSequence>): Float64Array {
  return steps.at(-1)!.layers[net.numLayers - 1]![0]!.h.slice();
}

describe('memoryProfile against finite differences', () => {
  for (const kind of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as const) {
    for (const bidirectional of [false, true]) {
      it(`${kind}, two layers${bidirectional ? ', bidirectional' : ''}`, () => {
        const T = 5;
        const { net, xs, init } = setup(kind, bidirectional, T, bidirectional ? 31 : 32);
        const prof = memoryProfile(net, xs, init);
        expect(prof.cell).toBe(kind);
        expect(prof.T).toBe(T);
        for (let t = 0; t < T; t++) {
          const s = prof.sensitivity[t]!;
          expect(s.t).toBe(t);
          const x = fdNorm(2, (col, delta) => {
            const moved = xs.map((r, tt) => (tt === t ? Float64Array.from(r, (v, i) => (i === col ? v + delta : v)) : r));
            return finalH(net, runSequence(net, moved, init));
          });
          expectRel(s.x, x, `x[t=${t}]`);
          for (const which of kind === 'lstm' ? (['h', 'c'] as const) : (['h'] as const)) {
            const numeric = fdNorm(3, (unit, delta) =>
              finalH(net, perturbedRun(net, xs, init, { layer: 1, dir: 0, t, which, unit, delta })),
            );
            expectRel(which === 'h' ? s.h : s.c!, numeric, `${which}[t=${t}]`);
          }
          if (kind !== 'lstm') expect(s.c).toBeUndefined();
        }
        expect(prof.sensitivity[T - 1]!.h).toBeCloseTo(Math.sqrt(3), 12);
      });
    }
  }
});

describe('memoryProfile', () => {
  it('an RNN without recurrent weights remembers only the last step', () => {
    const base = randomNetwork({ kind: 'rnn_tanh', inputSize: 2, hiddenSize: 3, seed: 3 });
    const p = base.layers[0]![0]!;
    const net = { ...base, layers: [[{ ...p, wHh: new Float32Array(9) }]] };
    const prof = memoryProfile(net, [[1, 0], [0, 1], [1, 1], [0.5, -1]]);
    expect(prof.sensitivity.slice(0, 3).map((s) => [s.x, s.h])).toEqual([[0, 0], [0, 0], [0, 0]]);
    expect(prof.sensitivity[3]!.x).toBeGreaterThan(0);
    expect(memorySpan(prof, 'h')).toBe(0);
  });

  it('an LSTM whose forget gate is shut open and input gate shut keeps its cell exactly', () => {
    const base = randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2, seed: 4 });
    const p = base.layers[0]![0]!;
    const bIh = p.bIh!.slice();
    for (let k = 0; k < 2; k++) {
      bIh[k] = -60; // i = 0: nothing is written
      bIh[2 + k] = 60; // f = 1: everything is kept
    }
    const net = { ...base, layers: [[{ ...p, wIh: new Float32Array(8), wHh: new Float32Array(16), bIh }]] };
    const prof = memoryProfile(net, Array.from({ length: 40 }, (_, t) => [Math.sin(t)]), { h0: [[0, 0]], c0: [[0.7, -0.4]] });
    const c = prof.sensitivity.map((s) => s.c!);
    // dc_{T-1}/dc_t = I for every t, and h_{T-1} = o * tanh(c_{T-1}): the same figure all the way back.
    for (const v of c) expect(v).toBeCloseTo(c.at(-1)!, 12);
    expect(memorySpan(prof, 'c')).toBe(39);
    expect(prof.sensitivity[0]!.x).toBe(0);
  });

  it('a short or empty sequence', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 1, hiddenSize: 2, seed: 5 });
    expect(memoryProfile(net, [])).toEqual({ cell: 'gru', T: 0, sensitivity: [] });
    expect(memoryProfile(net, [[1]]).sensitivity).toHaveLength(1);
  });

  it('refuses a network with no forward direction', () => {
    const net = { ...randomNetwork({ kind: 'gru', inputSize: 1, hiddenSize: 2, seed: 5 }), directions: ['reverse'] as const };
    expect(() => memoryProfile(net, [[1]])).toThrow(ShapeError);
  });
});

describe('memorySpan', () => {
  const prof = (hs: number[]) => ({ cell: 'rnn_tanh' as const, T: hs.length, sensitivity: hs.map((h, t) => ({ t, x: h, h })) });

  it('counts the steps back to the earliest one still above the threshold', () => {
    expect(memorySpan(prof([1e-5, 0.02, 0.5, 1]), 'h', 0.01)).toBe(2);
    expect(memorySpan(prof([0.05, 1e-5, 0.5, 1]), 'h', 0.01)).toBe(3);
    expect(memorySpan(prof([1]), 'h')).toBe(0);
    expect(memorySpan(prof([]), 'h')).toBe(0);
  });
});
