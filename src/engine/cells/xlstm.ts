/**
 * xLSTM's sLSTM and mLSTM cells (Beck et al. 2024), with the stabilised exponential gating of the
 * official xlstm package. One sequence (batch 1), NH heads of DH = H / NH units. These are cells
 * of their own, not yet Network kinds: runSlstm / runMlstm take their own parameters (the layout
 * fixtures/xlstm-cells/make_xlstm_cells.py documents, the package's where it has one).
 * slstmCellStep is the sLSTM as a network kind ('slstm'): the same tick on a layer's
 * DirectionParams (W_ih (4H, Din), the heads' blocks W_hh (4H, DH), one bias b_ih (4H)), its
 * state [c | n | m] in StepRecord.c.
 *
 * sLSTM (gate rows i, f, z, o, the package's order):
 *   a = W x + R h_prev + b                     R block-diagonal per head: (NH, DH_in, 4, DH_out)
 *   log f' = m_prev + logsigmoid(a_f)          a forget gate in (0, 1), kept in log space
 *   m = a_i on the first step (every n_prev 0), else max(a_i, log f')     the stabiliser
 *   i = exp(a_i - m)   f = exp(log f' - m)   z = tanh(a_z)   o = sigmoid(a_o)
 *   c = f c_prev + i z   n = f n_prev + i      n normalises: h = o c / n
 *
 * mLSTM (per head, a DH x DH matrix memory; no recurrent weights):
 *   q = W_q x + b_q   k = (W_k x + b_k) / sqrt(DH)   v = W_v x + b_v   o = sigmoid(W_o x + b_o)
 *   a_i, a_f = w_i x + b_i, w_f x + b_f        one scalar per head
 *   m = max(logsigmoid(a_f) + m_prev, a_i)   i = exp(a_i - m)   f = exp(logsigmoid(a_f) + m_prev - m)
 *   C = f C_prev + i v k^T   n = f n_prev + i k
 *   h = o * C q / (max(|n . q|, exp(-m)) + 1e-6)
 *
 * The stabiliser m rescales c and n (C and n) together, so h is what the unstabilised
 * exp(a_i), exp(log f) gates give, without their overflow.
 */
import { sigmoid, softplus } from '../activations.js';
import type { DirectionParams, StepRecord } from '../types.js';

/** log(sigmoid(a)) = -softplus(-a), exact at both ends. */
function logSigmoid(a: number): number {
  return -softplus(-a);
}

/** sLSTM parameters (float32, row-major). */
export interface SlstmParams {
  /** D */
  readonly inputSize: number;
  /** H */
  readonly hiddenSize: number;
  /** NH: H / NH = DH units per head */
  readonly numHeads: number;
  /** (4H, D) rows [i; f; z; o] */
  readonly weightIh: Float32Array;
  /** (NH, DH, 4, DH): [head, from unit, gate, to unit], the package's `_recurrent_kernel_` */
  readonly recurrentKernel: Float32Array;
  /** (NH, 4, DH), the package's `_bias_` */
  readonly bias: Float32Array;
}

/** What one sLSTM step computed. */
export interface SlstmStep {
  /** (4H) a_i, a_f, a_z, a_o */
  readonly pre: Float64Array;
  /** (4H) i, f (stabilised), z, o */
  readonly gates: Float64Array;
  /** (H) cell, normaliser, stabiliser and hidden states after the step */
  readonly c: Float64Array;
  readonly n: Float64Array;
  readonly m: Float64Array;
  readonly h: Float64Array;
}

function checkHeads(H: number, NH: number, what: string): number {
  if (!Number.isInteger(NH) || NH < 1 || H % NH !== 0) throw new RangeError(`${what}: ${NH} heads do not divide hidden size ${H}`);
  return H / NH;
}

function checkLength(name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new RangeError(`${name}: expected ${n} values, got ${a.length}`);
}

/**
 * An sLSTM over a whole sequence from zero states, on the package's parameter layout. xs: (T, D).
 * The same cell step as the network kind's (slstmCellStep), on the rows it reads: the recurrent
 * kernel (NH, DH, 4, DH) and the bias (NH, 4, DH) laid out as rows g*H + head*DH + k.
 */
export function runSlstm(p: SlstmParams, xs: readonly ArrayLike<number>[]): SlstmStep[] {
  const H = p.hiddenSize;
  const NH = p.numHeads;
  const DH = checkHeads(H, NH, 'sLSTM');
  checkLength('weight_ih', p.weightIh, 4 * H * p.inputSize);
  checkLength('recurrent_kernel', p.recurrentKernel, NH * DH * 4 * DH);
  checkLength('bias', p.bias, 4 * H);
  const wHh = new Float32Array(4 * H * DH);
  const bIh = new Float32Array(4 * H);
  for (let hd = 0; hd < NH; hd++) {
    for (let g = 0; g < 4; g++) {
      for (let k = 0; k < DH; k++) {
        const row = g * H + hd * DH + k;
        bIh[row] = p.bias[(hd * 4 + g) * DH + k]!;
        for (let j = 0; j < DH; j++) wHh[row * DH + j] = p.recurrentKernel[((hd * DH + j) * 4 + g) * DH + k]!;
      }
    }
  }
  const params: DirectionParams = { inputSize: p.inputSize, hiddenSize: H, wIh: p.weightIh, wHh, bIh, bHh: null };
  const steps: SlstmStep[] = [];
  let h: Float64Array = new Float64Array(H);
  let state: Float64Array = new Float64Array(3 * H);
  xs.forEach((x, t) => {
    checkLength(`input at t=${t}`, x, p.inputSize);
    const rec: StepRecord = { pre: new Float64Array(4 * H), gates: new Float64Array(4 * H), h: new Float64Array(H), c: new Float64Array(3 * H) };
    slstmCellStep(params, NH, x, h, state, rec);
    h = rec.h;
    state = rec.c!;
    steps.push({ pre: rec.pre, gates: rec.gates, c: state.subarray(0, H), n: state.subarray(H, 2 * H), m: state.subarray(2 * H), h });
  });
  return steps;
}

/**
 * One sLSTM tick of a network layer: x (Din), hPrev (H), sPrev (3H: c, n, m before the step) in,
 * out.pre (4H) a_i a_f a_z a_o, out.gates (4H) i f z o (stabilised), out.c (3H) c n m, out.h (H).
 * The first step (every n_prev 0, as from a zero state) takes m = a_i, as the package does.
 * Allocates nothing.
 */
export function slstmCellStep(p: DirectionParams, numHeads: number, x: ArrayLike<number>, hPrev: Float64Array, sPrev: Float64Array, out: StepRecord): void {
  const D = p.inputSize;
  const H = p.hiddenSize;
  const DH = H / numHeads;
  const pre = out.pre;
  const w = p.wIh;
  const r = p.wHh;
  const b = p.bIh;
  for (let row = 0; row < 4 * H; row++) {
    let s = b === null ? 0 : b[row]!;
    for (let j = 0; j < D; j++) s += w[row * D + j]! * x[j]!;
    // row g*H + u sees the DH values of h in u's head
    const from = Math.floor((row % H) / DH) * DH;
    for (let j = 0; j < DH; j++) s += r[row * DH + j]! * hPrev[from + j]!;
    pre[row] = s;
  }
  let first = true;
  for (let u = 0; u < H; u++) if (sPrev[H + u] !== 0) first = false;
  const st = out.c!;
  for (let u = 0; u < H; u++) {
    const ai = pre[u]!;
    const logF = sPrev[2 * H + u]! + logSigmoid(pre[H + u]!);
    const m = first ? ai : Math.max(ai, logF);
    const i = Math.exp(ai - m);
    const f = Math.exp(logF - m);
    const z = Math.tanh(pre[2 * H + u]!);
    const o = sigmoid(pre[3 * H + u]!);
    out.gates[u] = i;
    out.gates[H + u] = f;
    out.gates[2 * H + u] = z;
    out.gates[3 * H + u] = o;
    const c = f * sPrev[u]! + i * z;
    const n = f * sPrev[H + u]! + i;
    st[u] = c;
    st[H + u] = n;
    st[2 * H + u] = m;
    out.h[u] = (o * c) / n;
  }
}

/**
 * An sLSTM layer's W_hh (4H, DH) in the reference module's `recurrent_kernel` layout (NH, DH, 4, DH):
 * [head, from unit, gate, to unit] (the xlstm package's external layout).
 */
export function slstmRecurrentKernel(wHh: Float32Array, H: number, NH: number): Float32Array {
  const DH = H / NH;
  const out = new Float32Array(4 * H * DH);
  for (let hd = 0; hd < NH; hd++)
    for (let j = 0; j < DH; j++) for (let g = 0; g < 4; g++) for (let k = 0; k < DH; k++) out[((hd * DH + j) * 4 + g) * DH + k] = wHh[(g * H + hd * DH + k) * DH + j]!;
  return out;
}

/** An sLSTM layer's b_ih (4H, rows [i; f; z; o]) in the reference module's `bias` layout (NH, 4, DH). */
export function slstmBias(bIh: Float32Array, H: number, NH: number): Float32Array {
  const DH = H / NH;
  const out = new Float32Array(4 * H);
  for (let hd = 0; hd < NH; hd++) for (let g = 0; g < 4; g++) for (let k = 0; k < DH; k++) out[(hd * 4 + g) * DH + k] = bIh[g * H + hd * DH + k]!;
  return out;
}

/** mLSTM parameters (float32, row-major). */
export interface MlstmParams {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numHeads: number;
  /** (H, D) and (H): queries, keys, values, output gate */
  readonly wQ: Float32Array;
  readonly bQ: Float32Array;
  readonly wK: Float32Array;
  readonly bK: Float32Array;
  readonly wV: Float32Array;
  readonly bV: Float32Array;
  readonly wO: Float32Array;
  readonly bO: Float32Array;
  /** (NH, D) and (NH): the input and forget gates, one per head */
  readonly wI: Float32Array;
  readonly bI: Float32Array;
  readonly wF: Float32Array;
  readonly bF: Float32Array;
}

/** What one mLSTM step computed. */
export interface MlstmStep {
  /** (NH) stabilised input and forget gates */
  readonly i: Float64Array;
  readonly f: Float64Array;
  /** (H) output gate, query, key (scaled by 1/sqrt(DH)), value */
  readonly o: Float64Array;
  readonly q: Float64Array;
  readonly k: Float64Array;
  readonly v: Float64Array;
  /** (NH, DH, DH) the matrix memory, row-major per head: C[hd][a][b] multiplies q_b into h_a */
  readonly C: Float64Array;
  /** (H) normaliser, (NH) stabiliser, (H) hidden state */
  readonly n: Float64Array;
  readonly m: Float64Array;
  readonly h: Float64Array;
}

function affine(w: Float32Array, b: Float32Array, rows: number, x: ArrayLike<number>, D: number, out: Float64Array, scale = 1): void {
  for (let r = 0; r < rows; r++) {
    let s = b[r]!;
    for (let j = 0; j < D; j++) s += w[r * D + j]! * x[j]!;
    out[r] = s * scale;
  }
}

/** One mLSTM tick from the previous step (zeros before the first). Writes out; allocates nothing. */
export function mlstmStep(p: MlstmParams, x: ArrayLike<number>, prev: MlstmStep | null, out: MlstmStep, scratch: Float64Array): void {
  const D = p.inputSize;
  const H = p.hiddenSize;
  const NH = p.numHeads;
  const DH = H / NH;
  affine(p.wQ, p.bQ, H, x, D, out.q);
  affine(p.wK, p.bK, H, x, D, out.k, 1 / Math.sqrt(DH));
  affine(p.wV, p.bV, H, x, D, out.v);
  affine(p.wO, p.bO, H, x, D, out.o);
  for (let u = 0; u < H; u++) out.o[u] = sigmoid(out.o[u]!);
  // scratch: a_i (NH), a_f (NH)
  affine(p.wI, p.bI, NH, x, D, scratch);
  affine(p.wF, p.bF, NH, x, D, scratch.subarray(NH, 2 * NH));
  for (let hd = 0; hd < NH; hd++) {
    const ai = scratch[hd]!;
    const mPrev = prev?.m[hd] ?? 0;
    const logF = logSigmoid(scratch[NH + hd]!) + mPrev;
    const m = Math.max(logF, ai);
    const i = Math.exp(ai - m);
    const f = Math.exp(logF - m);
    out.i[hd] = i;
    out.f[hd] = f;
    out.m[hd] = m;
    const base = hd * DH;
    let qn = 0;
    for (let a = 0; a < DH; a++) {
      const n = f * (prev?.n[base + a] ?? 0) + i * out.k[base + a]!;
      out.n[base + a] = n;
      qn += n * out.q[base + a]!;
    }
    const den = Math.max(Math.abs(qn), Math.exp(-m)) + 1e-6;
    for (let a = 0; a < DH; a++) {
      let num = 0;
      const row = (hd * DH + a) * DH;
      for (let b = 0; b < DH; b++) {
        const c = f * (prev?.C[row + b] ?? 0) + i * out.v[base + a]! * out.k[base + b]!;
        out.C[row + b] = c;
        num += c * out.q[base + b]!;
      }
      out.h[base + a] = (out.o[base + a]! * num) / den;
    }
  }
}

/** An mLSTM over a whole sequence from zero states. xs: (T, D). */
export function runMlstm(p: MlstmParams, xs: readonly ArrayLike<number>[]): MlstmStep[] {
  const H = p.hiddenSize;
  const NH = p.numHeads;
  const DH = checkHeads(H, NH, 'mLSTM');
  const D = p.inputSize;
  for (const [name, a, n] of [
    ['W_q', p.wQ, H * D], ['b_q', p.bQ, H], ['W_k', p.wK, H * D], ['b_k', p.bK, H], ['W_v', p.wV, H * D], ['b_v', p.bV, H],
    ['W_o', p.wO, H * D], ['b_o', p.bO, H], ['w_i', p.wI, NH * D], ['b_i', p.bI, NH], ['w_f', p.wF, NH * D], ['b_f', p.bF, NH],
  ] as const) checkLength(name, a, n);
  const scratch = new Float64Array(2 * NH);
  const steps: MlstmStep[] = [];
  xs.forEach((x, t) => {
    checkLength(`input at t=${t}`, x, D);
    const out: MlstmStep = {
      i: new Float64Array(NH), f: new Float64Array(NH), o: new Float64Array(H), q: new Float64Array(H), k: new Float64Array(H),
      v: new Float64Array(H), C: new Float64Array(NH * DH * DH), n: new Float64Array(H), m: new Float64Array(NH), h: new Float64Array(H),
    };
    mlstmStep(p, x, steps[t - 1] ?? null, out, scratch);
    steps.push(out);
  });
  return steps;
}

/**
 * One mLSTM tick of a network layer (the 'mlstm' kind), the same equations as mlstmStep on a
 * layer's DirectionParams: W_ih (4H + 2NH, Din) rows [q; k; v; o; i (NH); f (NH)], b_ih alike or
 * null; no recurrence on h (hPrev is not read). sPrev and out.c (cellStateSize: H + NH + NH*DH*DH)
 * hold [n (H) | m (NH) | C (NH, DH, DH)]. out.pre (4H): a_i, a_f (the head's, over its DH units),
 * a_o, m; out.gates (4H): i, f (stabilised, the head's), o, m. scratch (3H): q, k (scaled), v.
 * Allocates nothing.
 */
export function mlstmCellStep(p: DirectionParams, numHeads: number, x: ArrayLike<number>, sPrev: Float64Array, out: StepRecord, scratch: Float64Array): void {
  const D = p.inputSize;
  const H = p.hiddenSize;
  const NH = numHeads;
  const DH = H / NH;
  const w = p.wIh;
  const b = p.bIh;
  const row = (r: number): number => {
    let s = b === null ? 0 : b[r]!;
    for (let j = 0; j < D; j++) s += w[r * D + j]! * x[j]!;
    return s;
  };
  const kScale = 1 / Math.sqrt(DH);
  for (let u = 0; u < H; u++) {
    scratch[u] = row(u);
    scratch[H + u] = row(H + u) * kScale;
    scratch[2 * H + u] = row(2 * H + u);
    const ao = row(3 * H + u);
    out.pre[2 * H + u] = ao;
    out.gates[2 * H + u] = sigmoid(ao);
  }
  const st = out.c!;
  for (let hd = 0; hd < NH; hd++) {
    const ai = row(4 * H + hd);
    const af = row(4 * H + NH + hd);
    const mPrev = sPrev[H + hd]!;
    const logF = logSigmoid(af) + mPrev;
    const m = Math.max(logF, ai);
    const i = Math.exp(ai - m);
    const f = Math.exp(logF - m);
    st[H + hd] = m;
    const base = hd * DH;
    const cAt = H + NH + hd * DH * DH;
    let qn = 0;
    for (let a = 0; a < DH; a++) {
      const u = base + a;
      out.pre[u] = ai;
      out.pre[H + u] = af;
      out.pre[3 * H + u] = m;
      out.gates[u] = i;
      out.gates[H + u] = f;
      out.gates[3 * H + u] = m;
      const n = f * sPrev[u]! + i * scratch[H + u]!;
      st[u] = n;
      qn += n * scratch[u]!;
    }
    const den = Math.max(Math.abs(qn), Math.exp(-m)) + 1e-6;
    for (let a = 0; a < DH; a++) {
      const va = scratch[2 * H + base + a]!;
      let num = 0;
      for (let c = 0; c < DH; c++) {
        const at = cAt + a * DH + c;
        const cv = f * sPrev[at]! + i * va * scratch[H + base + c]!;
        st[at] = cv;
        num += cv * scratch[base + c]!;
      }
      out.h[base + a] = (out.gates[2 * H + base + a]! * num) / den;
    }
  }
}
