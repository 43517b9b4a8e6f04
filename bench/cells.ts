/**
 * The cells beside each other (D = 16, batch 1, per step): the LSTM, and minGRU / minLSTM ("Were
 * RNNs All We Needed?"), which have no WebAssembly kernels (fastCovers refuses them) and run on the
 * reference engine: a whole sequence as the log-space scan (runSequence), one step at a time as
 * the sequential cell (createStepper). The LSTM's reference and fast figures are the yardstick.
 *
 * The minimal cells have no W_hh: a step is G*H*D multiply-adds (G = 2 or 3), the LSTM's
 * 4H(D + H), so the gap widens with H. In one thread the scan is slower than stepping (measured
 * about 3x): per unit and step it takes some six exp/log (softplus, log g, logaddexp, exp) where
 * the sequential cell takes one or two; its worth is the paper's numerics and an order of work
 * that parallelises over time, which one JS thread does not exploit.
 *
 * The sLSTM (xLSTM) has no kernels either: whole sequence and stepping are the same cell on the
 * reference engine (runDirection), with 4 heads, so its recurrence is 4H * H/4 multiply-adds, a
 * quarter of the LSTM's W_hh, and two exp per unit (the stabilised gates) beside the LSTM's.
 *
 * The mLSTM (4 heads) has no recurrent weights but a DH x DH memory per head: a step is
 * (4H + 8) * D multiply-adds for the projections and about 2 H * DH for C's update and readout
 * (H * H / 2 at 4 heads), and each step's record holds its C (H * DH values), which the whole-
 * sequence run keeps for every step.
 *
 * Each cell's backward pass (BPTT of a loss on every step's h, with every parameter's gradient, in
 * float64 over the forward's records) is timed beside its forward: what training and attribution cost.
 */
import { backwardSequence, createStepper, flopsPerStep, randomNetwork, runSequence, type CellKind, type Network } from '../src/engine/index.js';
import { createFastStepper, runSequenceFast } from '../src/engine/fast/index.js';
import { series, timeMs, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 16;
const SIZES = [32, 128, 512] as const;
const KINDS: readonly CellKind[] = ['lstm', 'mingru', 'minlstm', 'slstm', 'mlstm'];
const LABEL: Readonly<Partial<Record<CellKind, string>>> = { lstm: 'LSTM', mingru: 'minGRU', minlstm: 'minLSTM', slstm: 'sLSTM (4 heads)', mlstm: 'mLSTM (4 heads)' };

function steps(H: number): number {
  return H <= 32 ? 4000 : H <= 128 ? 1000 : 200;
}

function rows(xs: Float32Array, T: number): Float32Array[] {
  return Array.from({ length: T }, (_, t) => xs.subarray(t * D, (t + 1) * D));
}

export const cellsSection: BenchSection = {
  name: 'cells: LSTM, minGRU, minLSTM, sLSTM, mLSTM, D=16, batch 1 (per step)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    for (const H of SIZES) {
      const T = steps(H);
      const xs = rows(series(T, D), T);
      for (const kind of KINDS) {
        const net: Network = randomNetwork({ kind, inputSize: D, hiddenSize: H, seed: 1, ...(kind === 'slstm' || kind === 'mlstm' ? { numHeads: 4 } : {}) });
        ctx.log(`H=${H} ${kind}`);
        const perStep = (ms: number): number => (ms * 1000) / T;
        const gflops = (us: number): string => `${(flopsPerStep(net) / us / 1000).toFixed(2)} GFLOP/s`;
        const whole = perStep(await timeMs(ctx.reps, () => runSequence(net, xs)));
        const stepped = perStep(
          await timeMs(ctx.reps, () => {
            const s = createStepper(net);
            for (const x of xs) s.step(x);
          }),
        );
        // BPTT of a loss on every step's h (every parameter's gradient), float64, over the forward's records
        const records = runSequence(net, xs);
        const dy = records.map(() => new Float64Array(H).fill(1 / H));
        const backward = perStep(await timeMs(ctx.reps, () => backwardSequence(net, xs, records, undefined, { dy })));
        const label = LABEL[kind]!;
        const how = kind === 'lstm' || kind === 'slstm' || kind === 'mlstm' ? 'reference TS engine' : 'reference TS engine, log-space scan';
        figures.push(
          { name: `H=${H} ${label} whole sequence, ${how}`, value: whole, unit: 'us/step', note: gflops(whole) },
          { name: `H=${H} ${label} one step per call, reference TS stepper`, value: stepped, unit: 'us/step', note: gflops(stepped) },
          { name: `H=${H} ${label} backward (BPTT, every parameter), reference TS engine`, value: backward, unit: 'us/step', note: `${(backward / whole).toFixed(2)}x its forward` },
        );
        if (kind === 'lstm') {
          const fast = perStep(await timeMs(ctx.reps, () => runSequenceFast(net, xs, undefined, () => {})));
          const stepper = createFastStepper(net);
          const fastStep = perStep(
            await timeMs(ctx.reps, () => {
              for (const x of xs) stepper.step(x);
            }),
          );
          figures.push(
            { name: `H=${H} LSTM whole sequence, fast engine`, value: fast, unit: 'us/step', note: gflops(fast) },
            { name: `H=${H} LSTM one step per call, fast stepper`, value: fastStep, unit: 'us/step', note: gflops(fastStep) },
          );
        }
      }
    }
    return figures;
  },
};
