/**
 * Engine speed against ONNX Runtime on the same LSTM (D = 16, batch 1): per-step time and
 * GFLOP/s for a whole sequence and for one step at a time, at H = 32, 128, 512.
 *
 * FLOPs per step are the two matrix products, 2 * 4H * (D + H); activations are not counted.
 * gatescope computes and keeps every gate, pre-activation, c and h of every step, ORT only the
 * h sequence; the figures are per step all the same.
 */
import { createStepper, randomNetwork, runSequence, type Network } from '../src/engine/index.js';
import { chunkSteps, createFastStepper, runSequenceFast } from '../src/engine/fast/index.js';
import { FastRunner } from '../src/engine/fast/sequence.js';
import { series, timeMs, timeTurns, type BenchContext, type BenchSection, type Figure } from './lib.js';
import { inputTensor, loadOrt, ortRun, ortSession, ortSteps } from './ort.js';

export const SIZES = [32, 128, 512] as const;
const D = 16;

/** Sequence lengths: long enough for a stable median, short enough for a quick bench. */
export function lengths(H: number): { whole: number; step: number; ortStep: number; ref: number } {
  if (H <= 32) return { whole: 20000, step: 10000, ortStep: 1000, ref: 5000 };
  if (H <= 128) return { whole: 5000, step: 2000, ortStep: 500, ref: 1000 };
  return { whole: 500, step: 300, ortStep: 200, ref: 100 };
}

export function lstmFlopsPerStep(H: number, inputSize = D): number {
  return 2 * 4 * H * (inputSize + H);
}

export function benchNetwork(H: number): Network {
  return randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
}

/** The fast engine's whole-sequence core: every step computed into its buffers, chunk by chunk. */
export function fastWhole(net: Network, xs: Float32Array, T: number): () => void {
  const cap = Math.min(T, chunkSteps(net));
  const runner = new FastRunner(net, undefined, cap);
  return () => {
    runner.reset();
    for (let t0 = 0; t0 < T; t0 += cap) {
      const n = Math.min(cap, T - t0);
      for (let i = 0; i < n; i++) runner.setInput(i, xs.subarray((t0 + i) * D, (t0 + i + 1) * D));
      runner.run(n);
    }
  };
}

function rows(xs: Float32Array, T: number): Float32Array[] {
  return Array.from({ length: T }, (_, t) => xs.subarray(t * D, (t + 1) * D));
}

export const engineSection: BenchSection = {
  name: 'engine: LSTM, D=16, batch 1 (per step)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    const loaded = await loadOrt();
    const ort = 'ort' in loaded ? loaded.ort : null;
    if (ort === null) ctx.log(`ONNX Runtime could not be loaded (${(loaded as { error: string }).error}): its columns are skipped`);
    for (const H of SIZES) {
      const net = benchNetwork(H);
      const len = lengths(H);
      const gflops = (us: number) => lstmFlopsPerStep(H) / us / 1000;
      const perStep = (ms: number, T: number) => (ms * 1000) / T;
      const xs = series(len.whole, D);
      ctx.log(`H=${H}: whole sequence`);
      const xsRows = rows(xs, len.whole);
      const session = ort === null ? null : await ortSession(ort, net);
      const x = ort === null ? null : inputTensor(ort, xs, len.whole, D);
      // fast engine and ORT in turns (see timeTurns), many short turns: the machine may be shared
      const turns = ctx.reps * 3;
      const [fastMs, handedMs, ortMs] = await timeTurns(turns, [
        fastWhole(net, xs, len.whole),
        () => runSequenceFast(net, xsRows, undefined, () => {}),
        session === null ? null : () => ortRun(session, x!),
      ]);
      const fast = perStep(fastMs!, len.whole);
      const handed = perStep(handedMs!, len.whole);
      const ortWhole = ortMs === null || ortMs === undefined ? null : perStep(ortMs, len.whole);
      const ref = perStep(await timeMs(Math.min(3, ctx.reps), () => runSequence(net, rows(xs, len.ref))), len.ref);
      figures.push(
        { name: `H=${H} whole sequence, fast engine`, value: fast, unit: 'us/step', note: `${gflops(fast).toFixed(1)} GFLOP/s` },
        { name: `H=${H} whole sequence, fast engine + NetworkStep per step`, value: handed, unit: 'us/step', note: `${gflops(handed).toFixed(1)} GFLOP/s` },
        { name: `H=${H} whole sequence, reference TS engine`, value: ref, unit: 'us/step', note: `${gflops(ref).toFixed(2)} GFLOP/s` },
        { name: `H=${H} whole sequence, ONNX Runtime`, value: ortWhole, unit: 'us/step', note: ortWhole === null ? 'not loaded' : `${gflops(ortWhole).toFixed(1)} GFLOP/s` },
        { name: `H=${H} whole sequence, fast / ORT`, value: ortWhole === null ? null : fast / ortWhole, unit: 'x', note: 'target <= 1.5' },
      );

      ctx.log(`H=${H}: one step at a time`);
      const stepXs = rows(series(len.step, D), len.step);
      const stepSession = ort === null ? null : await ortSession(ort, net, true);
      const sx = series(len.ortStep, D);
      // Made once, as ORT's session is: the turns time the steps, not the set-up (which packs the
      // weights into the kernels' memory; it is timed on its own below).
      const stepper = createFastStepper(net);
      const [stepMs, ortStepMs] = await timeTurns(turns, [
        () => {
          for (const x of stepXs) stepper.step(x);
        },
        stepSession === null ? null : () => ortSteps(ort!, stepSession, net, sx, len.ortStep),
      ]);
      const stepFast = perStep(stepMs!, len.step);
      const ortStep = ortStepMs === null || ortStepMs === undefined ? null : perStep(ortStepMs, len.ortStep);
      const refSteps = stepXs.slice(0, len.ref);
      const stepRef = perStep(
        await timeMs(Math.min(3, ctx.reps), () => {
          const s = createStepper(net);
          for (const x of refSteps) s.step(x);
        }),
        refSteps.length,
      );
      const setup = await timeMs(ctx.reps, () => createFastStepper(net));
      figures.push(
        { name: `H=${H} one step per call, fast stepper`, value: stepFast, unit: 'us/step', note: `${gflops(stepFast).toFixed(1)} GFLOP/s` },
        { name: `H=${H} one step per call, fast stepper set-up`, value: setup * 1000, unit: 'us', note: 'createFastStepper, once per stream' },
        { name: `H=${H} one step per call, reference TS stepper`, value: stepRef, unit: 'us/step' },
        { name: `H=${H} one step per call, ONNX Runtime`, value: ortStep, unit: 'us/step', note: ortStep === null ? 'not loaded' : undefined },
        { name: `H=${H} one step per call, ORT / fast`, value: ortStep === null ? null : ortStep / stepFast, unit: 'x faster', note: H <= 128 ? 'target >= 10' : undefined },
      );
    }
    return figures;
  },
};
