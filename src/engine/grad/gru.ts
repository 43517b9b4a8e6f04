/**
 * Backward of one GRU tick (forward in ../cells/gru.ts). With s' = s(1 - s), t' = 1 - t^2:
 *
 *   dn = dh * (1 - z)     dz = dh * (h_prev - n)     da_n = dn * n'     da_z = dz * z'
 *
 * PyTorch's form (linear_before_reset), with u = W_hn h_prev + b_hn recomputed from h_prev:
 *   da_r = da_n * u * r'
 *   input rows get [da_r, da_z, da_n], recurrent rows get [da_r, da_z, da_n * r]
 *   dh_prev = dh * z + W_hh^T [da_r, da_z, da_n * r]
 *
 * ONNX's default form, with q = r * h_prev:
 *   dq = W_hn^T da_n     da_r = dq * h_prev * r'
 *   recurrent rows r, z see h_prev; rows n see q
 *   dh_prev = dh * z + W_hr^T da_r + W_hz^T da_z + dq * r
 */
import { matVecRows } from '../linalg.js';
import type { DirectionParams, StepRecord } from '../types.js';
import { addMatTVec, addOuter, addRange } from './kernels.js';
import { gruLocalRLinear, gruLocalROnnx, gruLocalZN } from './local.js';
import type { CellGradOut } from './types.js';

/**
 *   x: (Din)  hPrev: (H)  rec: the step's forward record  dh: (H) dL/dh_t
 * Uses out.scratch as: [0, 3H) recurrent-row gradient, [3H, 4H) u or q, [4H, 5H) dq.
 */
export function gruBackward(
  out: CellGradOut,
  p: DirectionParams,
  clip: number | null,
  linearBeforeReset: boolean,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  rec: StepRecord,
  dh: Float64Array,
): void {
  const H = p.hiddenSize;
  const G3 = 3 * H;
  const gates = rec.gates;
  const da = out.da;
  const dah = out.scratch;
  const uq = 3 * H; // offset of u (or q) in scratch
  const dq = 4 * H; // offset of dq in scratch
  const dhPrev = out.dhPrev;
  gruLocalZN(rec, clip, hPrev, H, 1, dh, da, dhPrev);
  if (linearBeforeReset) {
    matVecRows(dah, uq, p.wHh, hPrev, H, p.bHh, 2 * H, G3);
    gruLocalRLinear(rec, clip, dah, uq, H, 1, da, dah);
  } else {
    for (let k = 0; k < H; k++) {
      dah[uq + k] = gates[k]! * hPrev[k]!;
      dah[dq + k] = 0;
    }
    // dq = W_hn^T da_n, written into scratch[4H, 5H)
    addMatTVec(dah.subarray(dq, dq + H), p.wHh, H, da, 2 * H, 2 * H, G3);
    gruLocalROnnx(rec, clip, hPrev, dah, dq, H, 1, da, dah, dhPrev);
  }
  const gr = out.grads;
  if (gr !== null) {
    addOuter(gr.wIh, p.inputSize, da, 0, x, 0, G3);
    if (linearBeforeReset) {
      addOuter(gr.wHh, H, dah, 0, hPrev, 0, G3);
    } else {
      addOuter(gr.wHh, H, dah, 0, hPrev, 0, 2 * H);
      addOuter(gr.wHh, H, dah, 2 * H, dah.subarray(uq, uq + H), 2 * H, G3);
    }
    if (gr.bIh !== null) addRange(gr.bIh, da, 0, 0, G3);
    if (gr.bHh !== null) addRange(gr.bHh, dah, 0, 0, G3);
  }
  if (out.dx !== null) addMatTVec(out.dx, p.wIh, p.inputSize, da, 0, 0, G3);
  addMatTVec(dhPrev, p.wHh, H, dah, 0, 0, linearBeforeReset ? G3 : 2 * H);
}
