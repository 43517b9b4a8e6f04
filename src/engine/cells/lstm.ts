/**
 * One LSTM tick, PyTorch's equations (gate rows i, f, g, o):
 *
 *   a = W_ih x + b_ih + W_hh h_prev + b_hh            (4H)
 *   i = sigmoid(a_i)    input gate: how much of the candidate to write
 *   f = sigmoid(a_f)    forget gate: how much of the old cell to keep (0 = forget, 1 = keep)
 *   g = tanh(a_g)       candidate values
 *   o = sigmoid(a_o)    output gate: how much of the cell to expose
 *   c = f * c_prev + i * g
 *   h = o * tanh(c)
 *
 * With a projection (PyTorch's proj_size P): h = W_hr (o * tanh(c)), P values; W_hh is (4H, P) and
 * h_prev is P wide, while c keeps H.
 *
 * With ONNX peepholes P = (p_i, p_f, p_o): a_i += p_i * c_prev, a_f += p_f * c_prev, a_o += p_o * c.
 * With ONNX clip, every pre-activation is clipped to [-clip, clip].
 */
import { clipValue, sigmoid } from '../activations.js';
import { fusedMatVec2, matVecRows } from '../linalg.js';
import type { DirectionParams, StepRecord } from '../types.js';

/**
 * Writes out.pre (4H), out.gates (4H), out.c (H), out.h (Hout). Allocates nothing.
 *   x: (Din)  hPrev: (Hout)  cPrev: (H); out's buffers must not alias hPrev or cPrev.
 *   scratch: (H) work space for o * tanh(c), needed only with a projection (p.wHr).
 */
export function lstmStep(
  p: DirectionParams,
  clip: number | null,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  cPrev: Float64Array,
  out: StepRecord,
  scratch?: Float64Array,
): void {
  const H = p.hiddenSize;
  const pre = out.pre;
  const gates = out.gates;
  const c = out.c!;
  const wHr = p.wHr ?? null;
  // Unprojected, o * tanh(c) is h itself; projected, it is m (H) and h = W_hr m.
  const m = wHr === null ? out.h : scratch!;
  fusedMatVec2(pre, p.wIh, x, p.inputSize, p.wHh, hPrev, out.h.length, p.bIh, p.bHh, 0, 4 * H);
  const P = p.peephole ?? null;
  for (let k = 0; k < H; k++) {
    let ai = pre[k]!;
    let af = pre[H + k]!;
    let ag = pre[2 * H + k]!;
    if (P !== null) {
      ai += P[k]! * cPrev[k]!;
      af += P[H + k]! * cPrev[k]!;
    }
    if (clip !== null) {
      ai = clipValue(ai, clip);
      af = clipValue(af, clip);
      ag = clipValue(ag, clip);
    }
    pre[k] = ai;
    pre[H + k] = af;
    pre[2 * H + k] = ag;
    const i = sigmoid(ai);
    const f = sigmoid(af);
    const g = Math.tanh(ag);
    const cNew = f * cPrev[k]! + i * g;
    let ao = pre[3 * H + k]!;
    if (P !== null) ao += P[2 * H + k]! * cNew;
    if (clip !== null) ao = clipValue(ao, clip);
    pre[3 * H + k] = ao;
    const o = sigmoid(ao);
    gates[k] = i;
    gates[H + k] = f;
    gates[2 * H + k] = g;
    gates[3 * H + k] = o;
    c[k] = cNew;
    m[k] = o * Math.tanh(cNew);
  }
  if (wHr !== null) matVecRows(out.h, 0, wHr, m, H, null, 0, out.h.length);
}
