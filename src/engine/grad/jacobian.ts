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
import { initialRow, ShapeError } from '../network.js';
import { gateCount, layerInputSize } from '../shapes.js';
import type { DirectionParams, InitialState, Network, NetworkStep, StepRecord } from '../types.js';
import { addMatMulT } from './kernels.js';
import { gruLocalRLinear, gruLocalROnnx, gruLocalZN, lstmLocal, rnnLocal } from './local.js';

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
  /** (T) the same for d / d c_t (LSTM), or for an mLSTM's matrices C_t (memorySquares); left alone for other cells. */
  readonly c2: Float64Array;
}

/**
 * Adds to `sq` the squares of rows [unitStart, unitEnd) of d h_{T-1} / d(x_t, h_t, c_t), h being the
 * final hidden state of the last layer's direction `dir` (a forward one), in one block pass.
 *   steps: the T records of the forward run (runSequence(net, xs, init)); init: its initial state.
 * (The inputs themselves are not needed: every derivative is read off the records.)
 * Each row's figures do not depend on the block it is in, so consecutive blocks in ascending order
 * give exactly the sums of one block over them all.
 */
export function memoryJacobianRows(
  net: Network,
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  dir: number,
  unitStart: number,
  unitEnd: number,
  sq: MemorySquares,
): void {
  const T = steps.length;
  const L = net.numLayers;
  const H = net.hiddenSize;
  const G = gateCount(net.kind);
  const dirs = net.directions.length;
  const isLstm = net.kind === 'lstm';
  const clip = net.clip ?? null;
  const lbr = net.linearBeforeReset ?? true;
  if (net.kind === 'slstm' || net.kind === 'mlstm') throw new ShapeError(`memory: the block pass does not cover an ${net.kind === 'slstm' ? 'sLSTM' : 'mLSTM'}; use memorySquares`);
  if (net.directions[dir] !== 'forward') throw new ShapeError(`memory: direction ${dir} of the last layer is not a forward one`);
  // the block pass has no W_hr: memorySquares (memory.ts) takes a projected LSTM's rows one vector pass at a time
  if (net.kind === 'mingru' || net.kind === 'minlstm') throw new ShapeError(`memory: the block pass does not cover a ${net.kind}; use memorySquares`);
  if ((net.projSize ?? 0) > 0) throw new ShapeError(`memory: the block pass does not cover a projected LSTM (proj_size ${net.projSize}); use memorySquares`);
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
      const h0 = initialRow(net, init, 'h0', k, d);
      const c0 = isLstm ? initialRow(net, init, 'c0', k, d) : zero;
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
