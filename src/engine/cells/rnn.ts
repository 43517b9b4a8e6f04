/**
 * One Elman RNN tick, PyTorch's equation:
 *
 *   h = act(W_ih x + b_ih + W_hh h_prev + b_hh),   act = tanh or relu
 *
 * With no gate to protect it, the state is squashed through act and W_hh at every step, so what
 * the network saw long ago fades (or explodes): the "short-term memory" of plain RNNs.
 */
import { clipValue, relu } from '../activations.js';
import { fusedMatVec2 } from '../linalg.js';
import type { DirectionParams, StepRecord } from '../types.js';

/**
 * Writes out.pre (H), out.gates (H, equal to h), out.h (H). Allocates nothing.
 *   x: (Din)  hPrev: (H); out.h must not alias hPrev.
 */
export function rnnStep(
  p: DirectionParams,
  clip: number | null,
  nonlinearity: 'tanh' | 'relu',
  x: ArrayLike<number>,
  hPrev: Float64Array,
  out: StepRecord,
): void {
  const H = p.hiddenSize;
  const pre = out.pre;
  fusedMatVec2(pre, p.wIh, x, p.inputSize, p.wHh, hPrev, H, p.bIh, p.bHh, 0, H);
  for (let k = 0; k < H; k++) {
    let a = pre[k]!;
    if (clip !== null) a = clipValue(a, clip);
    pre[k] = a;
    const v = nonlinearity === 'tanh' ? Math.tanh(a) : relu(a);
    out.gates[k] = v;
    out.h[k] = v;
  }
}
