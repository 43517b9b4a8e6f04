/**
 * Attribution's cost against the plain run it explains: an LSTM, D = 8, H = 256, T = 1,000, the
 * target the last step's y[0]. Integrated gradients with 64 path points is 64 forward and backward
 * passes plus two forward runs; gradient x input is one of each. Both run on the float64 reference
 * engine and its backward pass (no kernel backward for input gradients yet), timed once each (a
 * single IG run takes minutes); the plain run is timed on both engines.
 */
import { gradientTimesInput, integratedGradients } from '../src/engine/attribution.js';
import { runSequenceFast } from '../src/engine/fast/index.js';
import { randomNetwork, runSequence } from '../src/engine/index.js';
import { series, timeMs, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 8;
const H = 256;
const T = 1000;
const POINTS = 64;

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
    const gxi = await timeMs(1, () => gradientTimesInput(net, xs, target));
    ctx.log(`attribution: integrated gradients, ${POINTS} points (a few minutes)`);
    // one run, no warm-up: the reference passes above warmed the same code
    const t0 = performance.now();
    const a = integratedGradients(net, xs, target, { steps: POINTS });
    const ig = performance.now() - t0;
    const gap = Math.abs(a.delta) / Math.max(1e-12, Math.abs(a.value - a.baselineValue));
    return [
      { name: 'plain run, fast engine', value: fast, unit: 'ms' },
      { name: 'plain run, reference engine', value: reference, unit: 'ms' },
      { name: 'gradient x input', value: gxi, unit: 'ms', note: `${(gxi / fast).toFixed(0)}x the fast plain run, ${(gxi / reference).toFixed(1)}x the reference run` },
      {
        name: `integrated gradients, ${POINTS} points`,
        value: ig,
        unit: 'ms',
        note: `${(ig / fast).toFixed(0)}x the fast plain run, ${(ig / reference).toFixed(0)}x the reference run; completeness gap ${gap.toExponential(1)} relative`,
      },
    ];
  },
};
