/**
 * The memory measure (engine/memory.ts) on an LSTM, D = 8, T = 200: the block pass that walks all
 * H rows of the Jacobian back together against one vector backward pass per row (the measure it
 * replaced), both including the forward run.
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

export const memorySection: BenchSection = {
  name: `memory measure: LSTM, D=${D}, T=${T}`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    for (const H of [32, 64, 128]) {
      ctx.log(`memory H=${H}`);
      const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
      const flat = series(T, D);
      const xs = Array.from({ length: T }, (_, t) => flat.subarray(t * D, (t + 1) * D));
      const [block, passes] = await timeTurns(Math.max(1, Math.min(5, ctx.reps)), [() => memoryProfile(net, xs), () => byPasses(net, xs)]);
      figures.push(
        { name: `H=${H} block pass`, value: block!, unit: 'ms', note: `${(passes! / block!).toFixed(1)}x faster` },
        { name: `H=${H} one pass per unit`, value: passes!, unit: 'ms' },
      );
    }
    return figures;
  },
};
