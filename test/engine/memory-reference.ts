/**
 * The H-pass memory measure memoryProfile used before the block pass (grad/jacobian.ts): one
 * vector backward pass per unit of h_{T-1}. Kept as the reference the block pass must equal.
 */
import { backwardSequence } from '../../src/engine/grad/network.js';
import { runSequence } from '../../src/engine/network.js';
import type { InitialState, Network } from '../../src/engine/types.js';
import { profileFromSquares, type MemoryProfile } from '../../src/engine/memory.js';

function sumSquares(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

export function memoryProfileByPasses(net: Network, xs: readonly ArrayLike<number>[], init?: InitialState): MemoryProfile {
  const T = xs.length;
  const L = net.numLayers;
  const H = net.hiddenSize;
  const dirs = net.directions.length;
  const d = net.directions.indexOf('forward');
  const isLstm = net.kind === 'lstm';
  const x2 = new Float64Array(T);
  const h2 = new Float64Array(T);
  const c2 = new Float64Array(T);
  if (T > 0) {
    const steps = runSequence(net, xs, init);
    const dhN: (Float64Array | null)[] = Array.from({ length: L * dirs }, () => null);
    const seed = new Float64Array(H);
    dhN[(L - 1) * dirs + d] = seed;
    for (let j = 0; j < H; j++) {
      seed.fill(0);
      seed[j] = 1;
      const g = backwardSequence(net, xs, steps, init, { dhN, params: false, stateGrads: true });
      for (let t = 0; t < T; t++) {
        x2[t] = x2[t]! + sumSquares(g.dx[t]!);
        h2[t] = h2[t]! + sumSquares(g.dh![t]![L - 1]![d]!);
        if (isLstm) c2[t] = c2[t]! + sumSquares(g.dc![t]![L - 1]![d]!);
      }
    }
  }
  return profileFromSquares(net.kind, T, { x2, h2, c2 });
}
