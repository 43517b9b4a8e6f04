/**
 * Backward of one mLSTM tick (forward in ../cells/xlstm.ts mlstmCellStep), exactly what
 * torch.autograd gives for the reference module (fixtures/xlstm-cells/make_xlstm_cells.py), per head:
 *
 *   q, k = (W_k x + b_k) / sqrt(DH), v, o = sigmoid(a_o)        rows of W_ih
 *   log F = logsigmoid(a_f) + m_prev   m = max(log F, a_i)   i = exp(a_i - m)   f = exp(log F - m)
 *   C = f C_prev + i v k^T   n = f n_prev + i k
 *   den = max(|n . q|, exp(-m)) + 1e-6   h_a = o_a (C q)_a / den
 *
 * Unlike the sLSTM's, the stabiliser m is not invisible here: C and n scale by exp(-m) together,
 * but the floor exp(-m) and the 1e-6 do not, so m gets a real gradient (through i, f and the floor)
 * and carries one back to m_prev. A max passes its gradient to the larger side and splits a tie
 * evenly, as torch.maximum does; |.| passes sign(n . q) (0 at 0, as torch.abs).
 *
 * With dh (H) the gradient reaching h_t and dS = [dn (H) | dm (NH) | dC (NH, DH, DH)] the carry
 * from step t+1:
 *   dnum_a = dh_a o_a / den   da_o = dh_a (C q)_a / den * o (1 - o)   dden = -sum_a dh_a h_a / den
 *   dC_ab += dnum_a q_b   dq_b = sum_a dnum_a C_ab   (+ d|n.q| sign(n.q) n_b)   dn_b += d|n.q| sign(n.q) q_b
 *   df = <dC, C_prev> + <dn, n_prev>   di = <dC, v k^T> + <dn, k>
 *   dv_a = i sum_b dC_ab k_b   dk_b = i (sum_a dC_ab v_a + dn_b)   dC_prev = f dC   dn_prev = f dn
 *   dm = dm_carry - d(floor) exp(-m) - df f - di i   then m's max: to log F or a_i
 *   da_i = di i (+ m's share)   d log F = df f (+ m's share)   da_f = d log F (1 - sigmoid(a_f))   dm_prev = d log F
 * then W_ih and b_ih as one linear layer over the rows [q; k; v; o; i; f] (k's rows scaled by 1/sqrt(DH)).
 * The mLSTM has no recurrence on h: dh_prev is 0.
 */
import { sigmoid, softplus } from '../activations.js';
import { mlstmInputRows } from '../shapes.js';
import type { DirectionParams, StepRecord } from '../types.js';
import { addMatTVec, addOuter, addRange } from './kernels.js';
import type { CellGradOut } from './types.js';

/**
 *   x: (Din)  sPrev: (S) n, m, C before the step  rec: the step's record
 *   dh: (H) dL/dh_t   dS: (S) dL/d[n | m | C]_t from the steps after
 * Writes out.dhPrev (0), out.dcPrev (S: dn_prev, dm_prev, dC_prev) and out.dcNode (S: dL/d[n | m | C]_t
 * of the state the step leaves, h_t's paths included: what moving that state, and nothing else, would
 * change); adds into out.dx and out.grads (W_ih, b_ih).
 * out.da holds 4H + 2NH rows; out.scratch at least 6H values.
 */
export function mlstmBackward(
  out: CellGradOut,
  p: DirectionParams,
  numHeads: number,
  x: ArrayLike<number>,
  sPrev: Float64Array,
  rec: StepRecord,
  dh: Float64Array,
  dS: Float64Array,
): void {
  const D = p.inputSize;
  const H = p.hiddenSize;
  const NH = numHeads;
  const DH = H / NH;
  const rows = mlstmInputRows(H, NH);
  const w = p.wIh;
  const b = p.bIh;
  const kScale = 1 / Math.sqrt(DH);
  const s = rec.c!;
  const g = rec.gates;
  const da = out.da;
  const dPrev = out.dcPrev!;
  const node = out.dcNode!;
  // q, k (scaled), v again from x, as the forward computed them
  const sc = out.scratch;
  const q = sc.subarray(0, H);
  const k = sc.subarray(H, 2 * H);
  const v = sc.subarray(2 * H, 3 * H);
  const row = (r: number): number => {
    let acc = b === null ? 0 : b[r]!;
    for (let j = 0; j < D; j++) acc += w[r * D + j]! * x[j]!;
    return acc;
  };
  for (let u = 0; u < H; u++) {
    q[u] = row(u);
    k[u] = row(H + u) * kScale;
    v[u] = row(2 * H + u);
  }
  const cAt = H + NH;
  for (let hd = 0; hd < NH; hd++) {
    const base = hd * DH;
    const cBase = cAt + hd * DH * DH;
    if (nothingReaches(dh, dS, base, DH, H + hd, cBase)) {
      // a head nothing flows back into (the memory view's passes seed one unit, so one head of
      // the last layer): its rows and state gradients are 0, with none of the work
      for (const r of [base, H + base, 2 * H + base, 3 * H + base]) da.fill(0, r, r + DH);
      da[4 * H + hd] = 0;
      da[4 * H + NH + hd] = 0;
      for (const v of [dPrev, node]) {
        v.fill(0, base, base + DH);
        v[H + hd] = 0;
        v.fill(0, cBase, cBase + DH * DH);
      }
      continue;
    }
    const i = g[base]!;
    const f = g[H + base]!;
    const m = s[H + hd]!;
    const ai = rec.pre[base]!;
    const af = rec.pre[H + base]!;
    const mPrev = sPrev[H + hd]!;
    let qn = 0;
    for (let a = 0; a < DH; a++) qn += s[base + a]! * q[base + a]!;
    const floor = Math.exp(-m);
    const absQn = Math.abs(qn);
    const den = Math.max(absQn, floor) + 1e-6;
    // o's rows, dnum and dden; dC's node starts from the carry
    let dden = 0;
    for (let a = 0; a < DH; a++) {
      const u = base + a;
      let num = 0;
      for (let c = 0; c < DH; c++) num += s[cBase + a * DH + c]! * q[base + c]!;
      const o = g[2 * H + u]!;
      const gh = dh[u]!;
      da[3 * H + u] = ((gh * num) / den) * o * (1 - o);
      dden -= (gh * o * num) / (den * den);
      const dnum = (gh * o) / den;
      for (let c = 0; c < DH; c++) node[cBase + a * DH + c] = dS[cBase + a * DH + c]! + dnum * q[base + c]!;
    }
    // the max in den: its gradient to |n . q|, to the floor, or half to each on a tie
    const toAbs = absQn > floor ? dden : absQn < floor ? 0 : dden / 2;
    const toFloor = dden - toAbs;
    const dqn = qn > 0 ? toAbs : qn < 0 ? -toAbs : 0;
    // dq: through C q and n . q
    for (let c = 0; c < DH; c++) {
      let acc = dqn * s[base + c]!;
      for (let a = 0; a < DH; a++) acc += ((dh[base + a]! * g[2 * H + base + a]!) / den) * s[cBase + a * DH + c]!;
      da[base + c] = acc;
    }
    let df = 0;
    let di = 0;
    for (let a = 0; a < DH; a++) {
      const u = base + a;
      const dn = dS[u]! + dqn * q[u]!;
      node[u] = dn;
      df += dn * sPrev[u]!;
      di += dn * k[u]!;
      dPrev[u] = dn * f;
    }
    // C = f C_prev + i v k^T: dv_a, dk_b, df, di, dC_prev
    for (let a = 0; a < DH; a++) {
      let dva = 0;
      for (let c = 0; c < DH; c++) {
        const at = cBase + a * DH + c;
        const dC = node[at]!;
        df += dC * sPrev[at]!;
        di += dC * v[base + a]! * k[base + c]!;
        dva += dC * k[base + c]!;
        dPrev[at] = dC * f;
      }
      da[2 * H + base + a] = i * dva;
    }
    for (let c = 0; c < DH; c++) {
      let dkc = node[base + c]!;
      for (let a = 0; a < DH; a++) dkc += node[cBase + a * DH + c]! * v[base + a]!;
      da[H + base + c] = i * dkc * kScale;
    }
    // m_t as the state the step leaves (C_t, n_t held): the carry and the floor exp(-m) of h_t
    const dmState = dS[H + hd]! - toFloor * floor;
    node[H + hd] = dmState;
    // m inside the step also scales f = exp(log F - m) and i = exp(a_i - m)
    const dm = dmState - df * f - di * i;
    // log F as the forward computed it, so a tie is seen where the forward saw one
    const logF = -softplus(-af) + mPrev;
    const mToLogF = logF > ai ? dm : logF < ai ? 0 : dm / 2;
    const dLogF = df * f + mToLogF;
    da[4 * H + hd] = di * i + (dm - mToLogF);
    da[4 * H + NH + hd] = dLogF * (1 - sigmoid(af));
    dPrev[H + hd] = dLogF;
  }
  out.dhPrev.fill(0);
  const gr = out.grads;
  if (gr !== null) {
    addOuter(gr.wIh, D, da, 0, x, 0, rows);
    if (gr.bIh !== null) addRange(gr.bIh, da, 0, 0, rows);
  }
  if (out.dx !== null) addMatTVec(out.dx, p.wIh, D, da, 0, 0, rows);
}

/** Whether dh and the carried dS are 0 over one head: its h (DH at base), n (DH at base), m (at mAt) and C (DH*DH at cBase). */
function nothingReaches(dh: Float64Array, dS: Float64Array, base: number, DH: number, mAt: number, cBase: number): boolean {
  if (dS[mAt] !== 0) return false;
  for (let a = base; a < base + DH; a++) if (dh[a] !== 0 || dS[a] !== 0) return false;
  for (let j = cBase; j < cBase + DH * DH; j++) if (dS[j] !== 0) return false;
  return true;
}
