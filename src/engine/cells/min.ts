/**
 * minGRU and minLSTM ("Were RNNs All We Needed?", Feng et al. 2024), the log-space versions of
 * the paper's appendix B.3 (and of lucidrains/minGRU-pytorch). The gates see x only, never h:
 *
 * minGRU (gate rows z, n):
 *   z = sigmoid(W_z x + b_z)          update gate (1 = take the candidate)
 *   n = g(W_n x + b_n)                candidate state (the paper's h~)
 *   h = (1 - z) * h_prev + z * n
 *
 * minLSTM (gate rows f, i, n):
 *   f = sigmoid(W_f x + b_f)   i = sigmoid(W_i x + b_i)   n = g(W_n x + b_n)
 *   f' = f / (f + i)   i' = i / (f + i)       the normalised gates, which sum to 1
 *   h = f' * h_prev + i' * n
 *
 * with g(a) = a + 1/2 for a >= 0, sigmoid(a) below (positive, so log h is defined). The record's
 * gates hold z, n (minGRU) and f', i', n (minLSTM: the normalised gates, the ones that act); pre
 * holds the raw pre-activations. f' and i' are formed in log space, f' = sigmoid(-d),
 * i' = sigmoid(d) with d = softplus(-a_f) - softplus(-a_i) = log(i / f), so saturated gates give
 * exact 0 and 1 instead of 0/0.
 *
 * Since h_t = a_t * h_{t-1} + v_t with a_t and v_t known from x alone, a whole sequence is a
 * linear recurrence. minScanDirection solves it as the paper's log-space parallel scan (Heinsen's):
 *   A_t = sum_{s<=t} log a_s,   h_t = exp(A_t) h_0 + exp(A_t + logcumsumexp_{s<=t}(log v_s - A_s))
 * (h_0 kept apart so that any initial state, of either sign, is allowed), in chunks that restart
 * from the last h whenever A_t falls below -512 (see CHUNK_LOG), so a long or saturated sequence
 * never subtracts two huge logarithms.
 */
import { logMinG, minG, sigmoid, softplus } from '../activations.js';
import { matVecRows } from '../linalg.js';
import type { DirectionParams, StepRecord } from '../types.js';

/** The minimal cells. */
export type MinKind = 'mingru' | 'minlstm';

/**
 * The most negative log-product a scan chunk accumulates: A_t + lse then loses at most
 * ulp(512) = 1.1e-13 of log h, far below float32 weights' rounding.
 */
const CHUNK_LOG = 512;

/** The gates of one step from the pre-activations already in out.pre (G*H). */
function minGates(kind: MinKind, H: number, out: StepRecord): void {
  const pre = out.pre;
  const gates = out.gates;
  if (kind === 'mingru') {
    for (let k = 0; k < H; k++) {
      gates[k] = sigmoid(pre[k]!);
      gates[H + k] = minG(pre[H + k]!);
    }
  } else {
    for (let k = 0; k < H; k++) {
      const d = softplus(-pre[k]!) - softplus(-pre[H + k]!);
      gates[k] = sigmoid(-d);
      gates[H + k] = sigmoid(d);
      gates[2 * H + k] = minG(pre[2 * H + k]!);
    }
  }
}

/**
 * One tick, sequentially. Writes out.pre (G*H), out.gates (G*H), out.h (H); allocates nothing.
 *   x: (Din)  hPrev: (H); out.h must not alias hPrev.
 */
export function minStep(kind: MinKind, p: DirectionParams, x: ArrayLike<number>, hPrev: Float64Array, out: StepRecord): void {
  const H = p.hiddenSize;
  const G = kind === 'mingru' ? 2 : 3;
  matVecRows(out.pre, 0, p.wIh, x, p.inputSize, p.bIh, 0, G * H);
  minGates(kind, H, out);
  const gates = out.gates;
  const h = out.h;
  if (kind === 'mingru') {
    for (let k = 0; k < H; k++) {
      const z = gates[k]!;
      h[k] = (1 - z) * hPrev[k]! + z * gates[H + k]!;
    }
  } else {
    for (let k = 0; k < H; k++) h[k] = gates[k]! * hPrev[k]! + gates[H + k]! * gates[2 * H + k]!;
  }
}

/** log a_t and log v_t of unit k at one step, from its pre-activations (see the header). */
function logCoefficients(kind: MinKind, H: number, pre: Float64Array, k: number, out: { la: number; lv: number }): void {
  if (kind === 'mingru') {
    const az = pre[k]!;
    out.la = -softplus(az); // log(1 - z)
    out.lv = -softplus(-az) + logMinG(pre[H + k]!); // log z + log g(a_n)
  } else {
    const d = softplus(-pre[k]!) - softplus(-pre[H + k]!);
    out.la = -softplus(d); // log f'
    out.lv = -softplus(-d) + logMinG(pre[2 * H + k]!); // log i' + log g(a_n)
  }
}

/**
 * One direction of one layer over a whole sequence by the log-space scan: the pre-activations and
 * gates of a step (they need x only), then each unit's running scan carried one step on. recs[n] receives
 * the record of the n-th step walked (t = n forward, T-1-n reverse); inputAt(n) is that step's
 * input. h0: (H). Returns nothing: the state after the walk is recs[T-1].h.
 */
export function minScanDirection(
  kind: MinKind,
  p: DirectionParams,
  T: number,
  inputAt: (n: number) => ArrayLike<number>,
  h0: Float64Array,
  recs: readonly StepRecord[],
): void {
  const H = p.hiddenSize;
  const G = kind === 'mingru' ? 2 : 3;
  // per unit: A_t - A_r (the log of the product of the a_s since the chunk's start r), the
  // logcumsumexp of log v_s - A_s over the chunk, h_r (the state the chunk starts from), h_{t-1}
  const aStar = new Float64Array(H);
  const lse = new Float64Array(H).fill(-Infinity);
  const start = Float64Array.from(h0.subarray(0, H));
  const prev = Float64Array.from(h0.subarray(0, H));
  const c = { la: 0, lv: 0 };
  for (let n = 0; n < T; n++) {
    const rec = recs[n]!;
    matVecRows(rec.pre, 0, p.wIh, inputAt(n), p.inputSize, p.bIh, 0, G * H);
    minGates(kind, H, rec);
    const h = rec.h;
    for (let k = 0; k < H; k++) {
      logCoefficients(kind, H, rec.pre, k, c);
      let a = aStar[k]!;
      if (a + c.la < -CHUNK_LOG) {
        // A_t + lse would cancel two large numbers: close the chunk here (a one-step chunk,
        // h_t = a_t h_{t-1} + v_t) and start the next from h_t. Exact: the scan is associative.
        const v = Math.exp(c.la) * prev[k]! + Math.exp(c.lv);
        h[k] = v;
        prev[k] = v;
        start[k] = v;
        aStar[k] = 0;
        lse[k] = -Infinity;
        continue;
      }
      a += c.la;
      aStar[k] = a;
      const l = c.lv - a;
      let m = lse[k]!;
      // log(e^lse + e^l), without overflow
      if (l > m) m = l + Math.log1p(Math.exp(m - l));
      else if (l > -Infinity) m = m + Math.log1p(Math.exp(l - m));
      lse[k] = m;
      const s0 = start[k]!;
      const v = (s0 === 0 ? 0 : Math.exp(a) * s0) + Math.exp(a + m);
      h[k] = v;
      prev[k] = v;
    }
  }
}
