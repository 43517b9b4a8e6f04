/**
 * The elementwise part of each cell's backward: the gradient of the pre-activations (and LSTM's
 * dc, GRU's dh_prev through z) from what reaches the tick, for S rows at once: row s of an (S, w)
 * matrix is at [s * w, (s + 1) * w). The vector backward of one tick (./lstm.ts, ./gru.ts,
 * ./rnn.ts) runs it with S = 1; the block pass of the memory Jacobian (./jacobian.ts) with one row
 * per unit of h_{T-1}. Only the matrix products around it differ, so both compute the same
 * derivatives with the same operations. The equations are in the cells' backward files.
 */
import type { StepRecord } from '../types.js';
import { clipSlope } from './kernels.js';

/**
 * LSTM: da (S, 4H) [i | f | g | o], dcPrev (S, H) and, unless null, dcNode (S, H) (dL/dc_t with
 * its path through h_t), from dh (S, H) (all that reaches h_t) and dcNext (S, H) (dL/dc_t from
 * step t+1). cPrev: (H) the step's c_{t-1}; peephole: (3H) or null.
 */
export function lstmLocal(
  rec: StepRecord,
  peephole: ArrayLike<number> | null,
  clip: number | null,
  cPrev: ArrayLike<number>,
  H: number,
  S: number,
  dh: Float64Array,
  dcNext: Float64Array,
  da: Float64Array,
  dcNode: Float64Array | null,
  dcPrev: Float64Array,
): void {
  const G4 = 4 * H;
  const { gates, pre } = rec;
  const c = rec.c!;
  const P = peephole;
  for (let k = 0; k < H; k++) {
    const i = gates[k]!;
    const f = gates[H + k]!;
    const g = gates[2 * H + k]!;
    const o = gates[3 * H + k]!;
    const tc = Math.tanh(c[k]!);
    const cp = cPrev[k]!;
    const si = clipSlope(pre[k]!, clip);
    const sf = clipSlope(pre[H + k]!, clip);
    const sg = clipSlope(pre[2 * H + k]!, clip);
    const so = clipSlope(pre[3 * H + k]!, clip);
    for (let s = 0; s < S; s++) {
      const hk = s * H + k;
      const ak = s * G4 + k;
      const dhk = dh[hk]!;
      const dao = dhk * tc * o * (1 - o) * so;
      let dc = dcNext[hk]! + dhk * o * (1 - tc * tc);
      if (P !== null) dc += dao * P[2 * H + k]!;
      if (dcNode !== null) dcNode[hk] = dc;
      const dai = dc * g * i * (1 - i) * si;
      const daf = dc * cp * f * (1 - f) * sf;
      const dag = dc * i * (1 - g * g) * sg;
      let dcp = dc * f;
      if (P !== null) dcp += dai * P[k]! + daf * P[H + k]!;
      dcPrev[hk] = dcp;
      da[ak] = dai;
      da[ak + H] = daf;
      da[ak + 2 * H] = dag;
      da[ak + 3 * H] = dao;
    }
  }
}

/**
 * GRU, the z and n rows: da[.., H + k] and da[.., 2H + k] of da (S, 3H), and dhPrev (S, H) set to
 * its path through z, from dh (S, H). hPrev: (H) the step's h_{t-1}.
 */
export function gruLocalZN(rec: StepRecord, clip: number | null, hPrev: ArrayLike<number>, H: number, S: number, dh: Float64Array, da: Float64Array, dhPrev: Float64Array): void {
  const G3 = 3 * H;
  const { gates, pre } = rec;
  for (let k = 0; k < H; k++) {
    const z = gates[H + k]!;
    const n = gates[2 * H + k]!;
    const sn = clipSlope(pre[2 * H + k]!, clip);
    const sz = clipSlope(pre[H + k]!, clip);
    const hp = hPrev[k]!;
    for (let s = 0; s < S; s++) {
      const dhk = dh[s * H + k]!;
      da[s * G3 + 2 * H + k] = dhk * (1 - z) * (1 - n * n) * sn;
      da[s * G3 + H + k] = dhk * (hp - n) * z * (1 - z) * sz;
      dhPrev[s * H + k] = dhk * z;
    }
  }
}

/**
 * GRU, the r rows in PyTorch's form (linear_before_reset), after gruLocalZN: da[.., k], and the
 * recurrent rows' gradient dah (S, 3H) = [da_r, da_z, da_n * r]. u: W_hn h_prev + b_hn (H values
 * from u[uOffset]).
 */
export function gruLocalRLinear(rec: StepRecord, clip: number | null, u: ArrayLike<number>, uOffset: number, H: number, S: number, da: Float64Array, dah: Float64Array): void {
  const G3 = 3 * H;
  const { gates, pre } = rec;
  for (let k = 0; k < H; k++) {
    const r = gates[k]!;
    const sr = clipSlope(pre[k]!, clip);
    const uk = u[uOffset + k]!;
    for (let s = 0; s < S; s++) {
      const a = s * G3;
      const dan = da[a + 2 * H + k]!;
      const dar = dan * uk * r * (1 - r) * sr;
      da[a + k] = dar;
      dah[a + k] = dar;
      dah[a + H + k] = da[a + H + k]!;
      dah[a + 2 * H + k] = dan * r;
    }
  }
}

/**
 * GRU, the r rows in ONNX's default form, after gruLocalZN: da[.., k], dah (S, 3H) = [da_r, da_z,
 * da_n], and dhPrev (S, H) += dq * r, given dq = W_hn^T da_n ((S, H) from dq[dqOffset]).
 */
export function gruLocalROnnx(
  rec: StepRecord,
  clip: number | null,
  hPrev: ArrayLike<number>,
  dq: Float64Array,
  dqOffset: number,
  H: number,
  S: number,
  da: Float64Array,
  dah: Float64Array,
  dhPrev: Float64Array,
): void {
  const G3 = 3 * H;
  const { gates, pre } = rec;
  for (let k = 0; k < H; k++) {
    const r = gates[k]!;
    const sr = clipSlope(pre[k]!, clip);
    const hp = hPrev[k]!;
    for (let s = 0; s < S; s++) {
      const a = s * G3;
      const dqk = dq[dqOffset + s * H + k]!;
      const dar = dqk * hp * r * (1 - r) * sr;
      da[a + k] = dar;
      dah[a + k] = dar;
      dah[a + H + k] = da[a + H + k]!;
      dah[a + 2 * H + k] = da[a + 2 * H + k]!;
      dhPrev[s * H + k] = dhPrev[s * H + k]! + dqk * r;
    }
  }
}

/** Elman RNN: da (S, H) from dh (S, H): act'(a) times the clip's slope. */
export function rnnLocal(rec: StepRecord, relu: boolean, clip: number | null, H: number, S: number, dh: Float64Array, da: Float64Array): void {
  for (let k = 0; k < H; k++) {
    const a = rec.pre[k]!;
    const h = rec.h[k]!;
    const slope = relu ? (a > 0 ? 1 : 0) : 1 - h * h;
    const sc = clipSlope(a, clip);
    for (let s = 0; s < S; s++) da[s * H + k] = dh[s * H + k]! * slope * sc;
  }
}
