/**
 * Backward of one sLSTM tick (forward in ../cells/xlstm.ts slstmCellStep).
 *
 * The stabiliser m_t changes no h: c_t and n_t are exp(-m_t) times the unstabilised cell's
 * (exp(m_t) c_t = sigmoid(a_f) exp(m_prev) c_prev + exp(a_i) z), and h = o c / n. So the
 * gradient reaching m_t from the steps after cancels its path through c_t and n_t exactly, and
 * inside the run m is held constant (torch.autograd's paths through it sum to rounding); then
 * f = exp(log sigmoid(a_f) + m_prev - m) and i = exp(a_i - m) give
 *   df/da_f = f (1 - sigmoid(a_f))   di/da_i = i
 * With dh (H) the gradient reaching h_t and (dc, dn) the carry from step t+1 (the first 2H of
 * dS, the state's [c | n | m] layout; the m part stays 0):
 *   dc += dh o / n   dn -= dh o c / n^2   do = dh c / n
 *   da_o = do o (1 - o)   da_z = dc i (1 - z^2)   da_i = (dc z + dn) i
 *   da_f = (dc c_prev + dn n_prev) f (1 - sigmoid(a_f))   dc_prev = dc f   dn_prev = dn f
 *   dm_prev = (dc c_prev + dn n_prev) f   (m_prev's own path through f: what an initial state's m0
 *   gets, as (c0, n0, m0) stand for exp(m0) c0, exp(m0) n0; inside the run the next step reads
 *   only the c and n parts, the m part cancelling as above)
 * then W_ih, the heads' blocks W_hh (row g*H + u sees h_prev of u's head) and b_ih as a linear layer.
 */
import { sigmoid } from '../activations.js';
import type { DirectionParams, StepRecord } from '../types.js';
import { addMatTVec, addOuter, addRange } from './kernels.js';
import type { CellGradOut } from './types.js';

/**
 *   x: (Din)  hPrev: (H)  sPrev: (3H) c, n, m before the step  rec: the step's record
 *   dh: (H) dL/dh_t   dS: (3H) dL/d[c | n]_t from the steps after (m part 0)
 * Writes out.dhPrev, out.dcPrev (3H: dc_prev, dn_prev, dm_prev) and out.dcNode (3H: dc_t, dn_t with
 * h's path, 0); adds into out.dx and out.grads (W_ih, W_hh, b_ih).
 */
export function slstmBackward(
  out: CellGradOut,
  p: DirectionParams,
  numHeads: number,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  sPrev: Float64Array,
  rec: StepRecord,
  dh: Float64Array,
  dS: Float64Array,
): void {
  const H = p.hiddenSize;
  const DH = H / numHeads;
  const da = out.da;
  const g = rec.gates;
  const s = rec.c!;
  const dPrev = out.dcPrev!;
  const node = out.dcNode!;
  for (let u = 0; u < H; u++) {
    const i = g[u]!;
    const f = g[H + u]!;
    const z = g[2 * H + u]!;
    const o = g[3 * H + u]!;
    const c = s[u]!;
    const n = s[H + u]!;
    const gh = dh[u]!;
    const dc = dS[u]! + (gh * o) / n;
    const dn = dS[H + u]! - (gh * o * c) / (n * n);
    node[u] = dc;
    node[H + u] = dn;
    node[2 * H + u] = 0;
    da[3 * H + u] = ((gh * c) / n) * o * (1 - o);
    da[2 * H + u] = dc * i * (1 - z * z);
    da[u] = (dc * z + dn) * i;
    const df = (dc * sPrev[u]! + dn * sPrev[H + u]!) * f;
    da[H + u] = df * (1 - sigmoid(rec.pre[H + u]!));
    dPrev[u] = dc * f;
    dPrev[H + u] = dn * f;
    dPrev[2 * H + u] = df;
  }
  const G4 = 4 * H;
  const dhPrev = out.dhPrev;
  dhPrev.fill(0);
  const r = p.wHh;
  for (let row = 0; row < G4; row++) {
    const from = Math.floor((row % H) / DH) * DH;
    const a = da[row]!;
    for (let j = 0; j < DH; j++) dhPrev[from + j] = dhPrev[from + j]! + r[row * DH + j]! * a;
  }
  const gr = out.grads;
  if (gr !== null) {
    addOuter(gr.wIh, p.inputSize, da, 0, x, 0, G4);
    for (let row = 0; row < G4; row++) {
      const from = Math.floor((row % H) / DH) * DH;
      const a = da[row]!;
      for (let j = 0; j < DH; j++) gr.wHh[row * DH + j] = gr.wHh[row * DH + j]! + a * hPrev[from + j]!;
    }
    if (gr.bIh !== null) addRange(gr.bIh, da, 0, 0, G4);
  }
  if (out.dx !== null) addMatTVec(out.dx, p.wIh, p.inputSize, da, 0, 0, G4);
}
