/**
 * Attribution's cost against the plain run it explains: an LSTM, D = 8, H = 256, T = 1,000, the
 * target the last step's y[0]. Integrated gradients with 64 path points is 64 forward and backward
 * passes plus two float64 forward runs (F at the input and the baseline); gradient x input is one
 * of each. The fast engine (the default) runs the path's forward passes on the fast engine and the
 * backward of a batch of path points in one SIMD block pass (fast/backward.ts inputGradientsFast);
 * the reference engine runs float64 passes one point at a time, timed here over 8 points and
 * scaled to 64 (a whole run takes minutes; the cost is linear in the points).
 */
import { gradientTimesInput, integratedGradients } from '../src/engine/attribution.js';
import { runSequenceFast } from '../src/engine/fast/index.js';
import { randomNetwork, runSequence } from '../src/engine/index.js';
import { series, timeMs, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 8;
const H = 256;
const T = 1000;
const POINTS = 64;
const REFERENCE_POINTS = 8;

export const attributionSection: BenchSection = {
  name: `attribution: LSTM, D=${D}, H=${H}, T=${T}, target y[0] at the last step`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
    const flat = series(T, D);
    const xs = Array.from({ length: T }, (_, t) => flat.subarray(t * D, (t + 1) * D));
    const target = { kind: 'y' as const, t: T - 1, index: 0 };
    ctx.log('attribution: plain runs');
    const fast = await timeMs(Math.max(1, Math.min(3, ctx.reps)), () => runSequenceFast(net, xs));
    const reference = await timeMs(1, () => runSequence(net, xs));
    ctx.log('attribution: gradient x input');
    const gxi = await timeMs(Math.max(1, Math.min(3, ctx.reps)), () => gradientTimesInput(net, xs, target));
    const gxiRef = await timeMs(1, () => gradientTimesInput(net, xs, target, undefined, 'reference'));
    ctx.log(`attribution: integrated gradients, ${POINTS} points, fast engine`);
    let a = integratedGradients(net, xs, target, { steps: POINTS });
    const ig = await timeMs(1, () => (a = integratedGradients(net, xs, target, { steps: POINTS })));
    ctx.log(`attribution: integrated gradients, ${REFERENCE_POINTS} points, reference engine`);
    const t0 = performance.now();
    integratedGradients(net, xs, target, { steps: REFERENCE_POINTS, engine: 'reference' });
    const igRef = ((performance.now() - t0) * POINTS) / REFERENCE_POINTS;
    const gap = Math.abs(a.delta) / Math.max(1e-12, Math.abs(a.value - a.baselineValue));
    // the forward's and the backward's products per point: 2 * 4H * (D + H) per step each
    const gflops = (ms: number, points: number): number => (2 * 2 * 4 * H * (D + H) * T * points) / ms / 1e6;
    return [
      { name: 'plain run, fast engine', value: fast, unit: 'ms' },
      { name: 'plain run, reference engine', value: reference, unit: 'ms' },
      { name: 'gradient x input, fast engine', value: gxi, unit: 'ms', note: `${(gxi / fast).toFixed(0)}x the fast plain run; ${(gxiRef / gxi).toFixed(1)}x faster than the reference engine` },
      { name: 'gradient x input, reference engine', value: gxiRef, unit: 'ms', note: `${(gxiRef / reference).toFixed(1)}x the reference run` },
      {
        name: `integrated gradients, ${POINTS} points, fast engine`,
        value: ig,
        unit: 'ms',
        note: `${(ig / fast).toFixed(0)}x the fast plain run, ${(igRef / ig).toFixed(1)}x faster than the reference engine; ${gflops(ig, POINTS).toFixed(1)} GFLOP/s counting the forward and backward products over the whole time; completeness gap ${gap.toExponential(1)} relative`,
      },
      { name: `integrated gradients, ${POINTS} points, reference engine`, value: igRef, unit: 'ms', note: `${REFERENCE_POINTS} points timed, scaled to ${POINTS}` },
    ];
  },
};
