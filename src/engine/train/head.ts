/**
 * The linear read-out trained on top of the network, PyTorch's nn.Linear:
 *
 *   pred_t = W y_t + b      W: (O, H*dirs)   b: (O)   y_t: (H*dirs) the last layer's output
 *
 * Exported as `head.weight` and `head.bias`.
 */
import type { Rng } from '../random.js';

export interface LinearHead {
  /** H*dirs */
  readonly inSize: number;
  /** O */
  readonly outSize: number;
  /** (O, H*dirs) row-major */
  readonly weight: Float32Array;
  /** (O) */
  readonly bias: Float32Array;
}

/** PyTorch's nn.Linear initialisation: weight and bias from U(-1/sqrt(in), 1/sqrt(in)). */
export function randomHead(inSize: number, outSize: number, rng: Rng): LinearHead {
  const bound = 1 / Math.sqrt(inSize);
  const weight = new Float32Array(outSize * inSize);
  for (let i = 0; i < weight.length; i++) weight[i] = rng.uniform(-bound, bound);
  const bias = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) bias[i] = rng.uniform(-bound, bound);
  return { inSize, outSize, weight, bias };
}

/** out = W y + b.   y: (H*dirs)  out: (O) */
export function headForward(head: LinearHead, y: ArrayLike<number>, out: Float64Array): void {
  const n = head.inSize;
  for (let o = 0; o < head.outSize; o++) {
    let s = head.bias[o]!;
    const off = o * n;
    for (let j = 0; j < n; j++) s += head.weight[off + j]! * y[j]!;
    out[o] = s;
  }
}

/**
 * Given dL/dpred: gW += dpred y^T, gB += dpred (accumulated), dy = W^T dpred (overwritten).
 *   y: (H*dirs)  dPred: (O)  gW: (O, H*dirs)  gB: (O)  dy: (H*dirs)
 */
export function headBackward(
  head: LinearHead,
  y: ArrayLike<number>,
  dPred: Float64Array,
  gW: Float64Array,
  gB: Float64Array,
  dy: Float64Array,
): void {
  const n = head.inSize;
  dy.fill(0);
  for (let o = 0; o < head.outSize; o++) {
    const g = dPred[o]!;
    gB[o] = gB[o]! + g;
    const off = o * n;
    for (let j = 0; j < n; j++) {
      gW[off + j] = gW[off + j]! + g * y[j]!;
      dy[j] = dy[j]! + head.weight[off + j]! * g;
    }
  }
}
