/**
 * Backward of one LSTM tick (forward equations in ../cells/lstm.ts). With s' = s(1 - s) for a
 * sigmoid s and t' = 1 - t^2 for a tanh t:
 *
 *   do  = dh * tanh(c)                      da_o = do * o'
 *   dc  = dc_next + dh * o * tanh'(c) [+ da_o * p_o]           (c reaches h and, with peepholes, o)
 *   di  = dc * g     df = dc * c_prev     dg = dc * i
 *   da_i = di * i'   da_f = df * f'       da_g = dg * g'
 *   dc_prev = dc * f [+ da_i * p_i + da_f * p_f]
 *   dW_ih += da x^T   dW_hh += da h_prev^T   db_ih += da   db_hh += da
 *   dx += W_ih^T da   dh_prev = W_hh^T da
 *
 * Clipped pre-activations (ONNX clip) pass no gradient where the clip was active.
 *
 * With a projection (proj_size P), h = W_hr m with m = o * tanh(c): the cell's dh above is
 * dm = W_hr^T dh, dW_hr += dh m^T, and h_prev (so dh_prev) is P wide.
 */
import type { DirectionParams, StepRecord } from '../types.js';
import { addMatTVec, addOuter, addRange } from './kernels.js';
import { lstmLocal } from './local.js';
import type { CellGradOut } from './types.js';

/**
 *   x: (Din)  hPrev: (Hout)  cPrev: (H) the step's inputs   rec: the step's forward record
 *   dh: (Hout) dL/dh_t (everything that reaches h_t)   dcNext: (H) dL/dc_t from step t+1 only
 *   With a projection, out.scratch holds m and dm (2H) during the call.
 */
export function lstmBackward(
  out: CellGradOut,
  p: DirectionParams,
  clip: number | null,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  cPrev: Float64Array,
  rec: StepRecord,
  dh: Float64Array,
  dcNext: Float64Array,
): void {
  const H = p.hiddenSize;
  const G4 = 4 * H;
  const c = rec.c!;
  const da = out.da;
  const P = p.peephole ?? null;
  const wHr = p.wHr ?? null;
  const Hout = hPrev.length;
  const gr = out.grads;
  let dCell = dh;
  if (wHr !== null) {
    const m = out.scratch.subarray(0, H);
    const dm = out.scratch.subarray(H, 2 * H);
    for (let k = 0; k < H; k++) m[k] = rec.gates[3 * H + k]! * Math.tanh(c[k]!);
    dm.fill(0);
    addMatTVec(dm, wHr, H, dh, 0, 0, Hout);
    if (gr !== null && gr.wHr != null) addOuter(gr.wHr, H, dh, 0, m, 0, Hout);
    dCell = dm;
  }
  lstmLocal(rec, P, clip, cPrev, H, 1, dCell, dcNext, da, out.dcNode, out.dcPrev!);
  if (gr !== null) {
    addOuter(gr.wIh, p.inputSize, da, 0, x, 0, G4);
    addOuter(gr.wHh, Hout, da, 0, hPrev, 0, G4);
    if (gr.bIh !== null) addRange(gr.bIh, da, 0, 0, G4);
    if (gr.bHh !== null) addRange(gr.bHh, da, 0, 0, G4);
    if (gr.peephole !== null && P !== null) {
      const gp = gr.peephole;
      for (let k = 0; k < H; k++) {
        gp[k] = gp[k]! + da[k]! * cPrev[k]!;
        gp[H + k] = gp[H + k]! + da[H + k]! * cPrev[k]!;
        gp[2 * H + k] = gp[2 * H + k]! + da[3 * H + k]! * c[k]!;
      }
    }
  }
  if (out.dx !== null) addMatTVec(out.dx, p.wIh, p.inputSize, da, 0, 0, G4);
  out.dhPrev.fill(0);
  addMatTVec(out.dhPrev, p.wHh, Hout, da, 0, 0, G4);
}
