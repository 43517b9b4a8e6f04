import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, type CellKind, type InitialState, type Network } from '../../src/engine/index.js';
import { inputGradientsFast, paramGradientsFast } from '../../src/engine/fast/backward.js';
import { allocParamGrads, backwardSequence } from '../../src/engine/grad/network.js';
import { withExtras } from '../helpers/network-extras.js';

const TOL = 1e-4;

function inputs(T: number, D: number, seed: number, scale = 1.5): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: D }, () => rng.uniform(-scale, scale)));
}

/**
 * inputGradientsFast over `runs` input sequences (one row each, its own seed at y_t) against one
 * float64 backwardSequence per run. Each step's gradient row is compared as a vector (relative to
 * its norm: single entries may cancel to nearly 0); steps whose gradient is below 1e-150 of the
 * largest are skipped (the float64 pass itself has few digits there).
 */
function compare(net: Network, runs: Float64Array[][], t: number, init: InitialState | undefined, label: string): number {
  const ySize = net.directions.length * net.hiddenSize;
  const rng = createRng(runs.length + t);
  const seeds = runs.map(() => Float64Array.from({ length: ySize }, () => rng.uniform(-1, 1)));
  const steps = runs.map((xs) => runSequence(net, xs, init));
  const got = inputGradientsFast(net, steps, init, t, seeds);
  expect(got).not.toBeNull();
  let worst = 0;
  runs.forEach((xs, s) => {
    const dy = xs.map((_, k) => (k === t ? seeds[s]! : null));
    const want = backwardSequence(net, xs, steps[s]!, init, { dy, params: false }).dx;
    let top = 0;
    for (const row of want) for (const v of row) top = Math.max(top, Math.abs(v));
    want.forEach((row, k) => {
      let d2 = 0;
      let n2 = 0;
      row.forEach((v, i) => {
        const a = got![s]![k]![i]!;
        d2 += (a - v) ** 2;
        n2 += v * v;
      });
      if (Math.sqrt(n2) < 1e-150 * top) return;
      const err = n2 === 0 ? Math.sqrt(d2) : Math.sqrt(d2 / n2);
      worst = Math.max(worst, err);
      if (!(err <= TOL)) expect.fail(`${label} run ${s} dx[t=${k}]: relative ${err.toExponential(1)} > ${TOL}`);
    });
  });
  return worst;
}

describe('input gradients in the SIMD kernels', () => {
  it('are within 1e-4 of the float64 backward on random networks, each run its own row', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh', 'rnn_relu'),
          layers: fc.integer({ min: 1, max: 3 }),
          bidirectional: fc.boolean(),
          H: fc.integer({ min: 1, max: 9 }),
          D: fc.integer({ min: 1, max: 6 }),
          T: fc.integer({ min: 1, max: 12 }),
          runs: fc.integer({ min: 1, max: 6 }),
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          withInit: fc.boolean(),
          clip: fc.boolean(),
          peepholes: fc.boolean(),
        }),
        (v) => {
          const base = randomNetwork({ kind: v.kind, inputSize: v.D, hiddenSize: v.H, numLayers: v.layers, bidirectional: v.bidirectional, seed: v.seed });
          const net = withExtras(base, { clip: v.clip ? 0.6 : null, peephole: v.peepholes, lbr: true, seed: v.seed });
          const rng = createRng(v.seed + 3);
          const rows = v.layers * net.directions.length;
          const rowsOf = () => Array.from({ length: rows }, () => Float64Array.from({ length: v.H }, () => rng.uniform(-0.8, 0.8)));
          const init = v.withInit ? { h0: rowsOf(), c0: v.kind === 'lstm' ? rowsOf() : null } : undefined;
          const runs = Array.from({ length: v.runs }, (_, s) => inputs(v.T, v.D, v.seed + 7 * s));
          compare(net, runs, Math.min(v.T - 1, Math.floor(v.at * v.T)), init, JSON.stringify(v));
        },
      ),
      { numRuns: 120, seed: 1718 },
    );
  });

  it('stay within 1e-4 over 1000 steps (LSTM, H=32, eight runs)', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 32, seed: 21 });
    const runs = Array.from({ length: 8 }, (_, s) => inputs(1000, 4, 30 + s));
    compare(net, runs, 999, undefined, 'lstm T=1000');
  });

  it('give the same rows in blocks that fit a small memory budget', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 3, hiddenSize: 6, numLayers: 2, bidirectional: true, seed: 22 });
    const runs = Array.from({ length: 5 }, (_, s) => runSequence(net, inputs(9, 3, 40 + s)));
    const seeds = runs.map((_, s) => Float64Array.from({ length: 12 }, (_, j) => (j === s ? 1 : 0.25)));
    const whole = inputGradientsFast(net, runs, undefined, 4, seeds)!;
    // 2 * 9 steps * 12 wide * 8 bytes per row: room for two rows per block
    const parts = inputGradientsFast(net, runs, undefined, 4, seeds, 2 * 2 * 9 * 12 * 8)!;
    expect(parts).toEqual(whole);
  });

  it('refuse what the kernels do not cover (a projected LSTM, the ONNX GRU) by returning null', () => {
    const plain = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 4, seed: 23 });
    expect(inputGradientsFast({ ...plain, projSize: 2 }, [runSequence(plain, inputs(3, 2, 1))], undefined, 2, [new Float64Array(2)])).toBeNull();
    const gru = { ...randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 4, seed: 24 }), linearBeforeReset: false };
    expect(inputGradientsFast(gru, [runSequence(gru, inputs(3, 2, 1))], undefined, 2, [new Float64Array(4)])).toBeNull();
  });
});

describe('parameter gradients in the SIMD kernels', () => {
  it('are the float64 backward\'s summed over the runs, within 1e-4 of each tensor\'s norm', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh', 'rnn_relu'),
          layers: fc.integer({ min: 1, max: 3 }),
          bidirectional: fc.boolean(),
          H: fc.integer({ min: 1, max: 9 }),
          D: fc.integer({ min: 1, max: 6 }),
          T: fc.integer({ min: 1, max: 12 }),
          runs: fc.integer({ min: 1, max: 5 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          withInit: fc.boolean(),
          clip: fc.boolean(),
          bias: fc.boolean(),
        }),
        (v) => {
          const base = randomNetwork({ kind: v.kind, inputSize: v.D, hiddenSize: v.H, numLayers: v.layers, bidirectional: v.bidirectional, bias: v.bias, seed: v.seed });
          const net = withExtras(base, { clip: v.clip ? 0.6 : null, peephole: false, lbr: true, seed: v.seed });
          const rng = createRng(v.seed + 5);
          const rows = v.layers * net.directions.length;
          const ySize = net.directions.length * v.H;
          const xs = Array.from({ length: v.runs }, (_, s) => inputs(v.T, v.D, v.seed + 11 * s));
          const inits = xs.map(() => (v.withInit ? { h0: Array.from({ length: rows }, () => Float64Array.from({ length: v.H }, () => rng.uniform(-0.8, 0.8))), c0: v.kind === 'lstm' ? Array.from({ length: rows }, () => Float64Array.from({ length: v.H }, () => rng.uniform(-0.8, 0.8))) : null } : undefined));
          // a loss on some steps only
          const dys = xs.map(() => Array.from({ length: v.T }, () => (rng.uniform(0, 1) < 0.6 ? Float64Array.from({ length: ySize }, () => rng.uniform(-1, 1)) : null)));
          const runs = xs.map((x, s) => runSequence(net, x, inits[s]));
          const want = allocParamGrads(net);
          xs.forEach((x, s) => backwardSequence(net, x, runs[s]!, inits[s], { dy: dys[s]!, params: want }));
          const got = allocParamGrads(net);
          expect(paramGradientsFast(net, runs, xs, inits, (s, t) => dys[s]![t]!, got)).toBe(true);
          got.forEach((dirs, k) =>
            dirs.forEach((g, d) => {
              for (const name of ['wIh', 'wHh', 'bIh', 'bHh'] as const) {
                const a = g[name];
                const b = want[k]![d]![name];
                if (a === null || b === null) {
                  expect(a).toBe(b);
                  continue;
                }
                let n2 = 0;
                let d2 = 0;
                b.forEach((x, i) => {
                  n2 += x * x;
                  d2 += (a[i]! - x) ** 2;
                });
                const err = Math.sqrt(d2) / Math.max(Math.sqrt(n2), 1e-30);
                if (!(err <= TOL || Math.sqrt(n2) < 1e-12)) expect.fail(`${JSON.stringify(v)} ${name}[layer ${k}, dir ${d}]: relative ${err.toExponential(1)}`);
              }
            }),
          );
        },
      ),
      { numRuns: 120, seed: 1719 },
    );
  });

  it('refuse LSTM peepholes (their gradient needs dc) by returning false', () => {
    const net = withExtras(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 25 }), { clip: null, peephole: true, lbr: true, seed: 25 });
    const xs = inputs(3, 2, 1);
    expect(paramGradientsFast(net, [runSequence(net, xs)], [xs], [undefined], () => null, allocParamGrads(net))).toBe(false);
  });
});
