/**
 * One GRU tick, PyTorch's equations (gate rows r, z, n):
 *
 *   r = sigmoid(W_ir x + b_ir + W_hr h_prev + b_hr)     reset gate
 *   z = sigmoid(W_iz x + b_iz + W_hz h_prev + b_hz)     update gate (1 = keep the old state)
 *   n = tanh(W_in x + b_in + r * (W_hn h_prev + b_hn))  candidate state
 *   h = (1 - z) * n + z * h_prev
 *
 * ONNX's default form (linear_before_reset = 0) applies r before the recurrent product:
 *   n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)
 */
import { clipValue, sigmoid } from '../activations.js';
import { fusedMatVec2, matVecRows } from '../linalg.js';
import type { DirectionParams, StepRecord } from '../types.js';

/**
 * Writes out.pre (3H), out.gates (3H), out.h (H). Allocates nothing.
 *   x: (Din)  hPrev: (H)  scratch: (3H) work space; out.h must not alias hPrev.
 */
export function gruStep(
  p: DirectionParams,
  clip: number | null,
  linearBeforeReset: boolean,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  scratch: Float64Array,
  out: StepRecord,
): void {
  const H = p.hiddenSize;
  const pre = out.pre;
  const gates = out.gates;
  const h = out.h;
  // r and z rows: one fused pass over [W_ih | W_hh]
  fusedMatVec2(pre, p.wIh, x, p.inputSize, p.wHh, hPrev, H, p.bIh, p.bHh, 0, 2 * H);
  // n rows: the input part into scratch[0..H)
  matVecRows(scratch, 0, p.wIh, x, p.inputSize, p.bIh, 2 * H, 3 * H);
  for (let k = 0; k < H; k++) {
    let ar = pre[k]!;
    let az = pre[H + k]!;
    if (clip !== null) {
      ar = clipValue(ar, clip);
      az = clipValue(az, clip);
    }
    pre[k] = ar;
    pre[H + k] = az;
    gates[k] = sigmoid(ar);
    gates[H + k] = sigmoid(az);
  }
  if (linearBeforeReset) {
    // scratch[H..2H) = W_hn h_prev + b_hn
    matVecRows(scratch, H, p.wHh, hPrev, H, p.bHh, 2 * H, 3 * H);
    for (let k = 0; k < H; k++) pre[2 * H + k] = scratch[k]! + gates[k]! * scratch[H + k]!;
  } else {
    // scratch[2H..3H) = r * h_prev; scratch[H..2H) = W_hn (r * h_prev) + b_hn
    for (let k = 0; k < H; k++) scratch[2 * H + k] = gates[k]! * hPrev[k]!;
    matVecRows(scratch, H, p.wHh, scratch.subarray(2 * H, 3 * H), H, p.bHh, 2 * H, 3 * H);
    for (let k = 0; k < H; k++) pre[2 * H + k] = scratch[k]! + scratch[H + k]!;
  }
  for (let k = 0; k < H; k++) {
    let an = pre[2 * H + k]!;
    if (clip !== null) an = clipValue(an, clip);
    pre[2 * H + k] = an;
    const n = Math.tanh(an);
    const z = gates[H + k]!;
    gates[2 * H + k] = n;
    h[k] = (1 - z) * n + z * hPrev[k]!;
  }
}
