/**
 * Backpropagation of a whole block of S gradient rows at once: the rows of the Jacobian
 * d h_{T-1} / d(state_t) of the last layer's forward direction, one row per unit of h_{T-1}, walked
 * back through time and down through the layers in a single pass. Each step is the vector backward
 * of ./lstm.ts, ./gru.ts, ./rnn.ts with the vectors turned into (S, width) matrices, so the
 * products with W_ih and W_hh become matrix-matrix products that read every weight row once per
 * step instead of once per row of the Jacobian.
 *
 * The elementwise parts are the vector passes' own (./local.ts, with S rows); the products sum in
 * another order (dot products against transposed weights, kept as float64), so the figures equal
 * those of S separate backwardSequence passes to rounding (about 1e-15 relative).
 *
 * Layout: a block matrix M of S rows and width w keeps row s at [s * w, (s + 1) * w).
 */
import { matVecRows } from '../linalg.js';
import { ShapeError } from '../network.js';
import { gateCount, layerInputSize } from '../shapes.js';
import type { DirectionParams, InitialState, Network, NetworkStep, StepRecord } from '../types.js';
import { gruLocalRLinear, gruLocalROnnx, gruLocalZN, lstmLocal, rnnLocal } from './local.js';

/**
 * out[s, c] += sum_{r in [rowStart, rowEnd)} a[s, r] * W[r, c]  for s < S, c < cols: the block form
 * of addMatTVec (A W, accumulated), with W given transposed so that each sum is a dot product of
 * two contiguous rows; two rows of A by four (or two) columns of W at a time, the sums in registers.
 *   out: (S, cols) at outOffset   wT: (cols, rows) W transposed   a: (S, rows)
 */
export function addMatMulT(
  out: Float64Array,
  outOffset: number,
  cols: number,
  wT: Float64Array,
  rows: number,
  a: Float64Array,
  rowStart: number,
  rowEnd: number,
  S: number,
): void {
  let s = 0;
  for (; s + 1 < S; s += 2) {
    const a0 = s * rows;
    const a1 = a0 + rows;
    const o0 = outOffset + s * cols;
    const o1 = o0 + cols;
    let c = 0;
    for (; c + 3 < cols; c += 4) {
      const w0 = c * rows;
      const w1 = w0 + rows;
      const w2 = w1 + rows;
      const w3 = w2 + rows;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let r = rowStart; r < rowEnd; r++) {
        const x0 = a[a0 + r]!;
        const x1 = a[a1 + r]!;
        const y0 = wT[w0 + r]!;
        const y1 = wT[w1 + r]!;
        const y2 = wT[w2 + r]!;
        const y3 = wT[w3 + r]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      out[o0 + c] = out[o0 + c]! + s00;
      out[o0 + c + 1] = out[o0 + c + 1]! + s01;
      out[o0 + c + 2] = out[o0 + c + 2]! + s02;
      out[o0 + c + 3] = out[o0 + c + 3]! + s03;
      out[o1 + c] = out[o1 + c]! + s10;
      out[o1 + c + 1] = out[o1 + c + 1]! + s11;
      out[o1 + c + 2] = out[o1 + c + 2]! + s12;
      out[o1 + c + 3] = out[o1 + c + 3]! + s13;
    }
    for (; c + 1 < cols; c += 2) {
      const w0 = c * rows;
      const w1 = w0 + rows;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let r = rowStart; r < rowEnd; r++) {
        const x0 = a[a0 + r]!;
        const x1 = a[a1 + r]!;
        const y0 = wT[w0 + r]!;
        const y1 = wT[w1 + r]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      out[o0 + c] = out[o0 + c]! + s00;
      out[o0 + c + 1] = out[o0 + c + 1]! + s01;
      out[o1 + c] = out[o1 + c]! + s10;
      out[o1 + c + 1] = out[o1 + c + 1]! + s11;
    }
    if (c < cols) {
      const w0 = c * rows;
      let s00 = 0;
      let s10 = 0;
      for (let r = rowStart; r < rowEnd; r++) {
        const y0 = wT[w0 + r]!;
        s00 += a[a0 + r]! * y0;
        s10 += a[a1 + r]! * y0;
      }
      out[o0 + c] = out[o0 + c]! + s00;
      out[o1 + c] = out[o1 + c]! + s10;
    }
  }
  if (s < S) {
    const a0 = s * rows;
    const o0 = outOffset + s * cols;
    for (let c = 0; c < cols; c++) {
      const w0 = c * rows;
      let s00 = 0;
      for (let r = rowStart; r < rowEnd; r++) s00 += a[a0 + r]! * wT[w0 + r]!;
      out[o0 + c] = out[o0 + c]! + s00;
    }
  }
}

/** W: (rows, cols) float32 -> W^T: (cols, rows) float64. */
function transpose(w: Float32Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

/** One direction's weights, transposed once per block pass. */
interface WeightsT {
  /** (Din, G*H) */
  readonly ih: Float64Array;
  /** (H, G*H) */
  readonly hh: Float64Array;
}

/** Work space of one block pass, sized for S rows of a network; reused across steps and layers. */
interface BlockWork {
  readonly dhTot: Float64Array; // (S, H)
  readonly carryH: Float64Array; // (S, H)
  readonly carryC: Float64Array; // (S, H)
  readonly dhPrev: Float64Array; // (S, H)
  readonly dcPrev: Float64Array; // (S, H)
  readonly dcNode: Float64Array; // (S, H)
  readonly da: Float64Array; // (S, G*H)
  readonly dah: Float64Array; // (S, G*H) GRU: recurrent rows' gradient
  readonly dq: Float64Array; // (S, H) GRU (ONNX form): W_hn^T da_n
  readonly u: Float64Array; // (3H) GRU (PyTorch form): W_hn h_prev + b_hn at rows [2H, 3H)
}

function lstmBlock(
  w: BlockWork,
  p: DirectionParams,
  wt: WeightsT,
  clip: number | null,
  cPrev: ArrayLike<number>,
  rec: StepRecord,
  S: number,
  dx: Float64Array,
  dxOffset: number,
): void {
  const H = p.hiddenSize;
  const G4 = 4 * H;
  lstmLocal(rec, p.peephole ?? null, clip, cPrev, H, S, w.dhTot, w.carryC, w.da, w.dcNode, w.dcPrev);
  addMatMulT(dx, dxOffset, p.inputSize, wt.ih, G4, w.da, 0, G4, S);
  w.dhPrev.fill(0);
  addMatMulT(w.dhPrev, 0, H, wt.hh, G4, w.da, 0, G4, S);
}

function gruBlock(
  w: BlockWork,
  p: DirectionParams,
  wt: WeightsT,
  clip: number | null,
  linearBeforeReset: boolean,
  hPrev: ArrayLike<number>,
  rec: StepRecord,
  S: number,
  dx: Float64Array,
  dxOffset: number,
): void {
  const H = p.hiddenSize;
  const G3 = 3 * H;
  const { dhTot, dhPrev, da, dah, dq, u } = w;
  gruLocalZN(rec, clip, hPrev, H, S, dhTot, da, dhPrev);
  if (linearBeforeReset) {
    // u = W_hn h_prev + b_hn: the same for every row of the block.
    matVecRows(u, 0, p.wHh, hPrev, H, p.bHh, 2 * H, G3);
    gruLocalRLinear(rec, clip, u, 0, H, S, da, dah);
  } else {
    dq.fill(0);
    addMatMulT(dq, 0, H, wt.hh, G3, da, 2 * H, G3, S);
    gruLocalROnnx(rec, clip, hPrev, dq, 0, H, S, da, dah, dhPrev);
  }
  addMatMulT(dx, dxOffset, p.inputSize, wt.ih, G3, da, 0, G3, S);
  addMatMulT(dhPrev, 0, H, wt.hh, G3, dah, 0, linearBeforeReset ? G3 : 2 * H, S);
}

function rnnBlock(
  w: BlockWork,
  p: DirectionParams,
  wt: WeightsT,
  clip: number | null,
  relu: boolean,
  rec: StepRecord,
  S: number,
  dx: Float64Array,
  dxOffset: number,
): void {
  const H = p.hiddenSize;
  rnnLocal(rec, relu, clip, H, S, w.dhTot, w.da);
  addMatMulT(dx, dxOffset, p.inputSize, wt.ih, H, w.da, 0, H, S);
  w.dhPrev.fill(0);
  addMatMulT(w.dhPrev, 0, H, wt.hh, H, w.da, 0, H, S);
}

/** Squared Frobenius norms per step, accumulated (+=) by memoryJacobianRows. */
export interface MemorySquares {
  /** (T) sum of squares of d h_{T-1}[unit] / d x_t over the units done. */
  readonly x2: Float64Array;
  /** (T) the same for d / d h_t of the last layer's forward direction. */
  readonly h2: Float64Array;
  /** (T) the same for d / d c_t (LSTM; left alone for other cells). */
  readonly c2: Float64Array;
}

/**
 * Adds to `sq` the squares of rows [unitStart, unitEnd) of d h_{T-1} / d(x_t, h_t, c_t), h being the
 * final hidden state of the last layer's direction `dir` (a forward one), in one block pass.
 *   xs: (T, D) the inputs; steps: runSequence(net, xs, init); init: the forward run's initial state.
 * Each row's figures do not depend on the block it is in, so consecutive blocks in ascending order
 * give exactly the sums of one block over them all.
 */
export function memoryJacobianRows(
  net: Network,
  xs: readonly ArrayLike<number>[],
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  dir: number,
  unitStart: number,
  unitEnd: number,
  sq: MemorySquares,
): void {
  const T = xs.length;
  const L = net.numLayers;
  const H = net.hiddenSize;
  const G = gateCount(net.kind);
  const dirs = net.directions.length;
  const isLstm = net.kind === 'lstm';
  const clip = net.clip ?? null;
  const lbr = net.linearBeforeReset ?? true;
  if (steps.length !== T) throw new ShapeError(`memory: ${T} inputs but ${steps.length} forward steps`);
  if (net.directions[dir] !== 'forward') throw new ShapeError(`memory: direction ${dir} of the last layer is not a forward one`);
  if (!(Number.isInteger(unitStart) && Number.isInteger(unitEnd) && 0 <= unitStart && unitStart <= unitEnd && unitEnd <= H)) {
    throw new ShapeError(`memory: units [${unitStart}, ${unitEnd}) outside [0, ${H})`);
  }
  if (sq.x2.length < T || sq.h2.length < T || (isLstm && sq.c2.length < T)) throw new ShapeError(`memory: sums shorter than ${T} steps`);
  const S = unitEnd - unitStart;
  if (T === 0 || S === 0) return;

  const w: BlockWork = {
    dhTot: new Float64Array(S * H),
    carryH: new Float64Array(S * H),
    carryC: new Float64Array(S * H),
    dhPrev: new Float64Array(S * H),
    dcPrev: new Float64Array(S * H),
    dcNode: new Float64Array(S * H),
    da: new Float64Array(S * G * H),
    dah: new Float64Array(S * G * H),
    dq: new Float64Array(S * H),
    u: new Float64Array(3 * H),
  };
  const zero = new Float64Array(H);
  const initRow = (rows: readonly (ArrayLike<number> | null | undefined)[] | null | undefined, row: number): ArrayLike<number> => {
    const v = rows?.[row];
    if (v == null) return zero;
    if (v.length !== H) throw new ShapeError(`memory: initial state row ${row}: expected ${H} values, got ${v.length}`);
    return Float64Array.from(v);
  };

  // dOut: (T, S, wOut) the gradient reaching layer k's output; null for the top layer, whose only
  // source is the seed at h_{T-1}.
  let dOut: Float64Array | null = null;
  let wOut = 0;
  for (let k = L - 1; k >= 0; k--) {
    const din = layerInputSize(net, k);
    const dBelow = new Float64Array(T * S * din);
    for (let d = 0; d < dirs; d++) {
      // The top layer's other directions receive nothing: their rows are exactly zero.
      if (k === L - 1 && d !== dir) continue;
      const top = k === L - 1;
      const reverse = net.directions[d] === 'reverse';
      const p = net.layers[k]![d]!;
      const wt: WeightsT = { ih: transpose(p.wIh, G * H, din), hh: transpose(p.wHh, G * H, H) };
      const row = k * dirs + d;
      const h0 = initRow(init?.h0, row);
      const c0 = isLstm ? initRow(init?.c0, row) : zero;
      w.carryH.fill(0);
      w.carryC.fill(0);
      if (top) for (let s = 0; s < S; s++) w.carryH[s * H + unitStart + s] = 1;
      for (let n = 0; n < T; n++) {
        const t = reverse ? n : T - 1 - n;
        const tPrev = reverse ? t + 1 : t - 1;
        const prevRec = tPrev >= 0 && tPrev < T ? steps[tPrev]!.layers[k]![d]! : null;
        const rec = steps[t]!.layers[k]![d]!;
        const { dhTot, carryH } = w;
        if (dOut === null) {
          dhTot.set(carryH);
        } else {
          for (let s = 0; s < S; s++) {
            const o = (t * S + s) * wOut + d * H;
            for (let j = 0; j < H; j++) dhTot[s * H + j] = dOut[o + j]! + carryH[s * H + j]!;
          }
        }
        const dxOffset = t * S * din;
        switch (net.kind) {
          case 'lstm':
            lstmBlock(w, p, wt, clip, prevRec !== null ? prevRec.c! : c0, rec, S, dBelow, dxOffset);
            break;
          case 'gru': {
            let hPrev: ArrayLike<number> = h0;
            if (prevRec !== null) hPrev = prevRec.h;
            gruBlock(w, p, wt, clip, lbr, hPrev, rec, S, dBelow, dxOffset);
            break;
          }
          case 'rnn_tanh':
          case 'rnn_relu':
            rnnBlock(w, p, wt, clip, net.kind === 'rnn_relu', rec, S, dBelow, dxOffset);
            break;
        }
        if (top) {
          let h2 = sq.h2[t]!;
          for (let s = 0; s < S; s++) h2 += sumSquares(dhTot, s * H, H);
          sq.h2[t] = h2;
          if (isLstm) {
            let c2 = sq.c2[t]!;
            for (let s = 0; s < S; s++) c2 += sumSquares(w.dcNode, s * H, H);
            sq.c2[t] = c2;
          }
        }
        carryH.set(w.dhPrev);
        if (isLstm) w.carryC.set(w.dcPrev);
      }
    }
    dOut = dBelow;
    wOut = din;
  }
  // dOut now holds (T, S, D): the rows of d h_{T-1} / d x_t.
  const D = wOut;
  for (let t = 0; t < T; t++) {
    let x2 = sq.x2[t]!;
    for (let s = 0; s < S; s++) x2 += sumSquares(dOut!, (t * S + s) * D, D);
    sq.x2[t] = x2;
  }
}

function sumSquares(v: Float64Array, offset: number, n: number): number {
  let s = 0;
  for (let i = offset; i < offset + n; i++) s += v[i]! * v[i]!;
  return s;
}
