/**
 * The memory measure (engine/memory.ts) on an LSTM, D = 8, T = 200, each figure including the
 * forward run: the block pass with its products in the WebAssembly SIMD kernels (fast/backward.ts,
 * what memoryProfile runs by default), the float64 block pass it replaced (grad/jacobian.ts,
 * engine: 'reference'), and one vector backward pass per row (the measure before that).
 *
 * GFLOP/s count the block pass's two matrix products per step, 2 * 4H * (D + H) per row and H
 * rows; the elementwise part and the forward run are not counted. The mLSTM's figures (no kernels)
 * close the section.
 */
import { backwardSequence } from '../src/engine/grad/network.js';
import { memoryProfile, randomNetwork, runSequence } from '../src/engine/index.js';
import { series, timeTurns, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 8;
const T = 200;

/** One backwardSequence per unit of h_{T-1}: the former memoryProfile, sums only. */
function byPasses(net: ReturnType<typeof randomNetwork>, xs: Float32Array[]): void {
  const H = net.hiddenSize;
  const steps = runSequence(net, xs);
  const seed = new Float64Array(H);
  const x2 = new Float64Array(T);
  for (let j = 0; j < H; j++) {
    seed.fill(0);
    seed[j] = 1;
    const g = backwardSequence(net, xs, steps, undefined, { dhN: [seed], params: false, stateGrads: true });
    for (let t = 0; t < T; t++) for (const v of g.dx[t]!) x2[t] = x2[t]! + v * v;
  }
}

function inputs(steps: number): Float32Array[] {
  const flat = series(steps, D);
  return Array.from({ length: steps }, (_, t) => flat.subarray(t * D, (t + 1) * D));
}

const gflops = (H: number, steps: number, ms: number): number => (2 * 4 * H * (D + H) * H * steps) / ms / 1e6;

export const memorySection: BenchSection = {
  name: `memory measure: LSTM, D=${D}, T=${T}`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    for (const H of [32, 64, 128]) {
      ctx.log(`memory H=${H}`);
      const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
      const xs = inputs(T);
      const turns = Math.max(1, Math.min(5, ctx.reps));
      const [kernels, block, passes] = await timeTurns(turns, [
        () => memoryProfile(net, xs),
        () => memoryProfile(net, xs, undefined, { engine: 'reference' }),
        H <= 64 ? () => byPasses(net, xs) : null,
      ]);
      figures.push(
        {
          name: `H=${H} block pass, SIMD kernels`,
          value: kernels!,
          unit: 'ms',
          note: `${gflops(H, T, kernels!).toFixed(1)} GFLOP/s, ${(block! / kernels!).toFixed(1)}x the float64 block pass${H === 128 ? ' (target >= 8x, >= 20 GFLOP/s)' : ''}`,
        },
        { name: `H=${H} block pass, float64`, value: block!, unit: 'ms', note: `${gflops(H, T, block!).toFixed(2)} GFLOP/s` },
      );
      if (passes !== null && passes !== undefined) {
        figures.push({ name: `H=${H} one pass per unit`, value: passes, unit: 'ms', note: `${(passes / block!).toFixed(1)}x the float64 block pass` });
      }
    }
    // A practitioner's size: H = 512 over a short stretch, per step (the cost is linear in T).
    const H = 512;
    const steps = 20;
    ctx.log(`memory H=${H}`);
    const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
    const xs = inputs(steps);
    const xs200 = inputs(T);
    const [big] = await timeTurns(Math.max(1, Math.min(3, ctx.reps)), [() => memoryProfile(net, xs)]);
    figures.push({
      name: `H=${H} block pass, SIMD kernels, per step`,
      value: big! / steps,
      unit: 'ms',
      note: `${gflops(H, steps, big!).toFixed(1)} GFLOP/s; T=1000 would take ${((big! / steps) * 1000 / 1000).toFixed(0)} s`,
    });
    // The mLSTM (reference engine, 4 heads): one vector pass per unit of h, each touching only its
    // own head in the last layer; the C figure comes from the same passes.
    for (const Hm of [64, 128]) {
      ctx.log(`memory mLSTM H=${Hm}`);
      const m = randomNetwork({ kind: 'mlstm', inputSize: D, hiddenSize: Hm, numHeads: 4, seed: 1 });
      const [ms] = await timeTurns(Math.max(1, Math.min(3, ctx.reps)), [() => memoryProfile(m, xs200)]);
      figures.push({ name: `H=${Hm} mLSTM (4 heads), one vector pass per unit`, value: ms!, unit: 'ms', note: `x and C over T=${T}, float64` });
    }
    return figures;
  },
};
