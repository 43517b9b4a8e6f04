/**
 * One training batch (engine/train createTrainer's step): an LSTM, D=8, H=128, 16 examples of
 * 100 steps, next-value MSE on every step (the forward, the head, BPTT and the Adam update), on
 * the reference engine (sequential float64, what the trainer runs by default) and with engine
 * 'fast' (the forward on the fast engine, the batch's BPTT in one SIMD block pass:
 * fast/backward.ts paramGradientsFast), in turns.
 *
 * GFLOP/s count the recurrent products of the forward, the backward's two and the parameter
 * gradients' two: 5 * 2 * 4H (D + H) per step and example.
 */
import { createTrainer, nextValueExamples } from '../src/engine/train/index.js';
import { series, timeTurns, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 8;
const H = 128;
const B = 16;
const T = 100;

export const trainSection: BenchSection = {
  name: `training: LSTM, D=${D}, H=${H}, batch ${B} of ${T} steps (one step() each)`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const flat = series(B * T + 1, D);
    const rows = Array.from({ length: B * T + 1 }, (_, t) => flat.subarray(t * D, (t + 1) * D));
    const examples = nextValueExamples(rows, { window: T });
    // every step() ends the (one-batch) epoch: a two-step validation set keeps its evaluation out of the figure
    const validation = [{ inputs: examples[0]!.inputs.slice(0, 2), targets: examples[0]!.targets!.slice(0, 2) }];
    const opts = { kind: 'lstm' as const, hiddenSize: H, loss: 'mse' as const, outputSize: D, batchSize: B, seed: 1, shuffle: false, validation };
    const ref = createTrainer(examples, opts);
    const fast = createTrainer(examples, { ...opts, engine: 'fast' });
    ctx.log('training batches');
    const [r, f] = await timeTurns(Math.max(1, Math.min(3, ctx.reps)), [() => ref.step(), () => fast.step()]);
    const gflops = (ms: number): number => (5 * 2 * 4 * H * (D + H) * T * B) / ms / 1e6;
    return [
      { name: 'batch, reference engine (float64, the default)', value: r!, unit: 'ms', note: `${gflops(r!).toFixed(2)} GFLOP/s` },
      { name: "batch, engine 'fast'", value: f!, unit: 'ms', note: `${gflops(f!).toFixed(1)} GFLOP/s, ${(r! / f!).toFixed(1)}x the reference` },
    ];
  },
};
