import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, type CellKind, type InitialState, type Network } from '../../src/engine/index.js';
import { memoryJacobianRowsFast } from '../../src/engine/fast/backward.js';
import { memoryJacobianRows, type MemorySquares } from '../../src/engine/grad/jacobian.js';
import { withExtras } from '../helpers/network-extras.js';

const TOL = 1e-4;
/**
 * Below this a figure's square is a float64 denormal, so the float64 pass itself loses digits
 * (and reaches 0 near 1e-162): the comparison stops there, and the kernels' figure must be as small.
 */
const FLOAT64_SQUARES = 1e-150;

function sums(T: number): MemorySquares {
  return { x2: new Float64Array(T), h2: new Float64Array(T), c2: new Float64Array(T) };
}

/** Both passes over all units; the largest relative difference of the figures (square roots). */
function compare(net: Network, xs: readonly ArrayLike<number>[], init: InitialState | undefined, label: string): { worst: number; smallest: number; largest: number } {
  const T = xs.length;
  const steps = runSequence(net, xs, init);
  const d = net.directions.indexOf('forward');
  const ref = sums(T);
  const fast = sums(T);
  memoryJacobianRows(net, steps, init, d, 0, net.hiddenSize, ref);
  expect(memoryJacobianRowsFast(net, steps, init, d, 0, net.hiddenSize, fast)).toBe(true);
  let worst = 0;
  let smallest = Infinity;
  let largest = 0;
  for (const q of net.kind === 'lstm' ? (['x2', 'h2', 'c2'] as const) : (['x2', 'h2'] as const)) {
    for (let t = 0; t < T; t++) {
      const b = Math.sqrt(ref[q][t]!);
      const a = Math.sqrt(fast[q][t]!);
      if (b < FLOAT64_SQUARES) {
        if (!(a < 2 * FLOAT64_SQUARES)) expect.fail(`${label} ${q[0]}[t=${t}]: ${a} where float64 has ${b}`);
        continue;
      }
      smallest = Math.min(smallest, b);
      largest = Math.max(largest, b);
      const err = b === 0 ? Math.abs(a) : Math.abs(a - b) / b;
      worst = Math.max(worst, err);
      if (!(err <= TOL)) expect.fail(`${label} ${q[0]}[t=${t}]: ${a} vs float64 ${b} (relative ${err.toExponential(1)})`);
    }
  }
  return { worst, smallest, largest };
}

function inputs(T: number, D: number, seed: number, scale = 1.5): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: D }, () => rng.uniform(-scale, scale)));
}

/** The network with every weight matrix multiplied by `w`. */
function scaled(net: Network, w: number): Network {
  return {
    ...net,
    layers: net.layers.map((dirs) => dirs.map((p) => ({ ...p, wIh: p.wIh.map((v) => v * w), wHh: p.wHh.map((v) => v * w) }))),
  };
}

describe('memory Jacobian in the SIMD kernels', () => {
  it('is within 1e-4 of the float64 pass on random networks (layers, directions, clip, peepholes, initial state)', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh', 'rnn_relu'),
          layers: fc.integer({ min: 1, max: 3 }),
          bidirectional: fc.boolean(),
          H: fc.integer({ min: 1, max: 9 }),
          D: fc.integer({ min: 1, max: 6 }),
          T: fc.integer({ min: 1, max: 14 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          withInit: fc.boolean(),
          clip: fc.boolean(),
          peepholes: fc.boolean(),
          bias: fc.boolean(),
        }),
        (v) => {
          const base = randomNetwork({ kind: v.kind, inputSize: v.D, hiddenSize: v.H, numLayers: v.layers, bidirectional: v.bidirectional, bias: v.bias, seed: v.seed });
          const net = withExtras(base, { clip: v.clip ? 0.6 : null, peephole: v.peepholes, lbr: true, seed: v.seed });
          const rng = createRng(v.seed + 3);
          const rows = v.layers * net.directions.length;
          const rowsOf = () => Array.from({ length: rows }, () => Float64Array.from({ length: v.H }, () => rng.uniform(-0.8, 0.8)));
          const init = v.withInit ? { h0: rowsOf(), c0: v.kind === 'lstm' ? rowsOf() : null } : undefined;
          compare(net, inputs(v.T, v.D, v.seed), init, JSON.stringify(v));
        },
      ),
      { numRuns: 150, seed: 1717 },
    );
  });

  it('stays within 1e-4 over 1000 steps (LSTM, two layers)', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 24, numLayers: 2, seed: 8 });
    compare(net, inputs(1000, 4, 9), undefined, 'lstm T=1000');
  });

  it('stays within 1e-4 over 1000 steps (GRU, two bidirectional layers, initial state)', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 3, hiddenSize: 12, numLayers: 2, bidirectional: true, seed: 18 });
    const rng = createRng(19);
    const h0 = Array.from({ length: 4 }, () => Float64Array.from({ length: 12 }, () => rng.uniform(-0.5, 0.5)));
    compare(net, inputs(1000, 3, 20), { h0 }, 'gru T=1000');
  });

  it('keeps figures far below float32 range (a plain RNN 1000 steps back)', () => {
    const net = randomNetwork({ kind: 'rnn_tanh', inputSize: 3, hiddenSize: 20, seed: 10 });
    const r = compare(net, inputs(1000, 3, 11), undefined, 'rnn T=1000');
    // float32's smallest number is 1.4e-45: without the rows' scaling these would be 0
    expect(r.smallest).toBeLessThan(1e-60);
  });

  it('keeps figures far above float32 range (an exploding ReLU RNN)', () => {
    // W_hh = 1.4 I and a positive bias: h stays positive and the gradient grows 1.4 times a step
    const base = randomNetwork({ kind: 'rnn_relu', inputSize: 2, hiddenSize: 16, seed: 12 });
    const p = base.layers[0]![0]!;
    const wHh = new Float32Array(16 * 16);
    for (let u = 0; u < 16; u++) wHh[u * 16 + u] = 1.4;
    const net = { ...base, layers: [[{ ...p, wHh, bIh: new Float32Array(16).fill(1), bHh: new Float32Array(16) }]] };
    const r = compare(net, inputs(300, 2, 13, 0.5), undefined, 'exploding relu');
    expect(r.largest).toBeGreaterThan(1e40); // float32's largest is 3.4e38
  });

  it('stays within 1e-4 on a saturated LSTM (gates at 0 or 1, clip, peepholes), 1000 steps', () => {
    const base = scaled(randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 16, seed: 14 }), 16);
    const net = withExtras(base, { clip: 9, peephole: true, lbr: true, seed: 15 });
    const steps = runSequence(net, inputs(1000, 3, 16, 3));
    let saturated = 0;
    for (const s of steps) for (const g of s.layers[0]![0]!.gates) if (g < 1e-3 || g > 1 - 1e-3) saturated++;
    expect(saturated / (steps.length * 64)).toBeGreaterThan(0.4);
    compare(net, inputs(1000, 3, 16, 3), undefined, 'saturated lstm');
  });

  it('gives the same sums block by block as all at once, and in blocks that fit a memory budget', () => {
    const base = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 5 });
    const net = withExtras(base, { clip: null, peephole: true, lbr: true, seed: 5 });
    const steps = runSequence(net, inputs(10, 2, 6));
    const whole = sums(10);
    memoryJacobianRowsFast(net, steps, undefined, 0, 0, 7, whole);
    const parts = sums(10);
    for (const [a, b] of [[0, 1], [1, 4], [4, 4], [4, 7]] as const) memoryJacobianRowsFast(net, steps, undefined, 0, a, b, parts);
    expect(parts).toEqual(whole);
    // two rows' worth of gradients: the pass walks the seven rows two at a time
    const budget = sums(10);
    memoryJacobianRowsFast(net, steps, undefined, 0, 0, 7, budget, 2 * 2 * 10 * 16 * 8);
    expect(budget).toEqual(whole);
  });

  it("leaves ONNX's default GRU and weights of another shape (a projected LSTM) to the reference", () => {
    const gru = { ...randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, seed: 1 }), linearBeforeReset: false };
    const sq = sums(2);
    expect(memoryJacobianRowsFast(gru, runSequence(gru, inputs(2, 2, 1)), undefined, 0, 0, 3, sq)).toBe(false);
    const lstm = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 1 });
    const steps = runSequence(lstm, inputs(2, 2, 1));
    const p = lstm.layers[0]![0]!;
    const projected = { ...lstm, layers: [[{ ...p, wHh: new Float32Array(4 * 3 * 2) }]] };
    expect(memoryJacobianRowsFast(projected, steps, undefined, 0, 0, 3, sq)).toBe(false);
    expect(Array.from(sq.h2)).toEqual([0, 0]);
  });

  it("refuses what the reference refuses, with the reference's messages", () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, bidirectional: true, seed: 2 });
    const steps = runSequence(net, inputs(2, 2, 1));
    expect(() => memoryJacobianRowsFast(net, steps, undefined, 0, 2, 4, sums(2))).toThrow(/units/);
    expect(() => memoryJacobianRowsFast(net, steps, undefined, 1, 0, 3, sums(2))).toThrow(/forward/);
    expect(() => memoryJacobianRowsFast(net, steps, { h0: [new Float64Array(3)] }, 0, 0, 3, sums(2))).toThrow(/h0/);
  });
});

describe('memory Jacobian progress', () => {
  it('tells each step back as it is final, nearest first, and stops when asked', () => {
    for (const layers of [1, 2]) {
      const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 10, numLayers: layers, bidirectional: true, seed: 30 });
      const xs = inputs(40, 3, 31);
      const steps = runSequence(net, xs);
      const whole = sums(40);
      memoryJacobianRowsFast(net, steps, undefined, 0, 0, 10, whole);
      const seen: number[] = [];
      const part = sums(40);
      memoryJacobianRowsFast(net, steps, undefined, 0, 0, 10, part, undefined, (done) => {
        seen.push(done);
        // every step done so far already has its final figures
        for (let t = 40 - done; t < 40; t++) {
          expect(part.h2[t]).toBe(whole.h2[t]);
          expect(part.c2[t]).toBe(whole.c2[t]);
          if (layers === 1) expect(part.x2[t]).toBe(whole.x2[t]);
        }
        return done === 25;
      });
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(part.h2[14]).toBe(0); // stopped before step 14
    }
  });
});
