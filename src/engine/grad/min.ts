/**
 * Backward of one minGRU / minLSTM tick (forward in ../cells/min.ts). No W_hh: h_prev reaches h
 * only through the elementwise mix, so dh_prev is diagonal in dh.
 *
 * minGRU, h = (1 - z) h_prev + z n:
 *   dh_prev = dh (1 - z)   da_z = dh (n - h_prev) z (1 - z)   da_n = dh z g'(a_n)
 *
 * minLSTM, h = f' h_prev + i' n with f' = sigmoid(-d), i' = sigmoid(d), d = softplus(-a_f) - softplus(-a_i):
 *   dh_prev = dh f'   dd = dh f' i' (n - h_prev)
 *   da_f = -dd (1 - sigmoid(a_f))   da_i = dd (1 - sigmoid(a_i))   da_n = dh i' g'(a_n)
 */
import { minGPrime, sigmoid } from '../activations.js';
import type { MinKind } from '../cells/min.js';
import type { DirectionParams, StepRecord } from '../types.js';
import { addMatTVec, addOuter, addRange } from './kernels.js';
import type { CellGradOut } from './types.js';

/**
 * The local part: da (G*H) and dhPrev (H) from dh (H), for a record and its h_prev; no weights.
 */
export function minLocal(kind: MinKind, rec: StepRecord, hPrev: ArrayLike<number>, H: number, dh: ArrayLike<number>, da: Float64Array, dhPrev: Float64Array): void {
  const pre = rec.pre;
  const gates = rec.gates;
  if (kind === 'mingru') {
    for (let k = 0; k < H; k++) {
      const z = gates[k]!;
      const n = gates[H + k]!;
      const g = dh[k]!;
      dhPrev[k] = g * (1 - z);
      da[k] = g * (n - hPrev[k]!) * z * (1 - z);
      da[H + k] = g * z * minGPrime(pre[H + k]!);
    }
  } else {
    for (let k = 0; k < H; k++) {
      const f = gates[k]!;
      const i = gates[H + k]!;
      const n = gates[2 * H + k]!;
      const g = dh[k]!;
      dhPrev[k] = g * f;
      const dd = g * f * i * (n - hPrev[k]!);
      da[k] = -dd * (1 - sigmoid(pre[k]!));
      da[H + k] = dd * (1 - sigmoid(pre[H + k]!));
      da[2 * H + k] = g * i * minGPrime(pre[2 * H + k]!);
    }
  }
}

/**
 *   x: (Din)  hPrev: (H)  rec: the step's forward record  dh: (H) dL/dh_t
 * Writes out.dhPrev, adds into out.dx and out.grads (W_ih, b_ih only).
 */
export function minBackward(out: CellGradOut, kind: MinKind, p: DirectionParams, x: ArrayLike<number>, hPrev: Float64Array, rec: StepRecord, dh: Float64Array): void {
  const H = p.hiddenSize;
  const GH = (kind === 'mingru' ? 2 : 3) * H;
  const da = out.da;
  minLocal(kind, rec, hPrev, H, dh, da, out.dhPrev);
  const gr = out.grads;
  if (gr !== null) {
    addOuter(gr.wIh, p.inputSize, da, 0, x, 0, GH);
    if (gr.bIh !== null) addRange(gr.bIh, da, 0, 0, GH);
  }
  if (out.dx !== null) addMatTVec(out.dx, p.wIh, p.inputSize, da, 0, 0, GH);
}
