/**
 * Exact backpropagation through time over stacked layers and directions, the mirror of
 * ../network.ts runSequence. It reuses the forward records (gates, pre-activations, c, h of every
 * step), so nothing is recomputed except the GRU's W_hn h_prev.
 *
 * Order: the top layer first, each direction walking its own time order backwards (the forward
 * direction from T-1 down to 0, the reverse direction from 0 up to T-1). A layer k > 0 read
 * [forward h | reverse h] of layer k-1, so its input gradient is split back onto both directions
 * below and added to whatever they already receive.
 */
import { cellStateSize, gateCount, isMinCell, layerInputSize, mlstmInputRows, numHeadsOf, outputSize, projSizeOf } from '../shapes.js';
import type { InitialState, Network, NetworkStep } from '../types.js';
import { initialRow, ShapeError, toEnd } from '../network.js';
import { gruBackward } from './gru.js';
import { minBackward } from './min.js';
import { mlstmBackward } from './mlstm.js';
import { slstmBackward } from './slstm.js';
import { lstmBackward } from './lstm.js';
import { rnnBackward } from './rnn.js';
import type { CellGradOut, DirectionGrads } from './types.js';

/** Zeroed gradients for every parameter of a network, [L][dirs] pairing with `net.layers`. */
export function allocParamGrads(net: Network): DirectionGrads[][] {
  const H = net.hiddenSize;
  // the rows of W_ih: G*H, an mLSTM's [q; k; v; o; i; f] (4H + 2NH)
  const rows = inputRows(net);
  const P = projSizeOf(net);
  const noHh = isMinCell(net.kind) || net.kind === 'mlstm';
  return net.layers.map((dirs, k) =>
    dirs.map((p) => ({
      wIh: new Float64Array(rows * layerInputSize(net, k)),
      // minGRU/minLSTM, mLSTM: no W_hh, b_hh (empty, null), like their parameters
      // sLSTM: its heads' blocks (G*H, DH) and one bias
      wHh: new Float64Array(noHh ? 0 : rows * (net.kind === 'slstm' ? H / numHeadsOf(net) : outputSize(net))),
      bIh: net.bias ? new Float64Array(rows) : null,
      bHh: net.bias && !noHh && net.kind !== 'slstm' ? new Float64Array(rows) : null,
      peephole: p.peephole != null ? new Float64Array(3 * H) : null,
      ...(P > 0 ? { wHr: new Float64Array(P * H) } : {}),
    })),
  );
}

/** Rows of a layer's W_ih and b_ih: G*H, or an mLSTM's 4H + 2NH. */
function inputRows(net: Network): number {
  return net.kind === 'mlstm' ? mlstmInputRows(net.hiddenSize, numHeadsOf(net)) : gateCount(net.kind) * net.hiddenSize;
}

/** Sets every gradient to 0 (to reuse the buffers between updates). */
export function zeroParamGrads(grads: readonly (readonly DirectionGrads[])[]): void {
  for (const dirs of grads) {
    for (const g of dirs) {
      g.wIh.fill(0);
      g.wHh.fill(0);
      g.bIh?.fill(0);
      g.bHh?.fill(0);
      g.peephole?.fill(0);
      g.wHr?.fill(0);
    }
  }
}

export interface BackwardOptions {
  /** (T, Hout*dirs) dL/dy_t for the last layer's output (Hout: P for a projected LSTM, else H); a missing or null row is zero. */
  readonly dy?: readonly (ArrayLike<number> | null | undefined)[] | null;
  /** (L*dirs, Hout) dL/dh_n, PyTorch's row order (as finalStates returns h_n). */
  readonly dhN?: readonly (ArrayLike<number> | null | undefined)[] | null;
  /** (L*dirs, H) dL/dc_n, LSTM only. */
  readonly dcN?: readonly (ArrayLike<number> | null | undefined)[] | null;
  /**
   * Parameter gradients: false skips them (state and input gradients only, about a third faster);
   * an existing set (from allocParamGrads) is accumulated into; default: fresh zeroed gradients.
   */
  readonly params?: boolean | DirectionGrads[][];
  /** Whether to return dL/dh_t and dL/dc_t of every layer, direction and step. @default false */
  readonly stateGrads?: boolean;
  /**
   * Told, as each step of each layer and direction is done, dL/dh_t and dL/d(cell state)_t as
   * stateGrads records them (dc: the whole cell state, S values; null for a cell without one):
   * views valid only during the call. What stateGrads gives without holding T of them (an mLSTM's
   * state is H + NH + H * DH values a step).
   */
  readonly onState?: (t: number, layer: number, direction: number, dh: Float64Array, dc: Float64Array | null) => void;
}

export interface NetworkGrads {
  /** [L][dirs] parameter gradients, or null when `params: false`. */
  readonly params: DirectionGrads[][] | null;
  /** (T, D) dL/dx_t */
  readonly dx: Float64Array[];
  /** (L*dirs, Hout) dL/dh0 in PyTorch's row order. */
  readonly dh0: Float64Array[];
  /** (L*dirs, S) dL/dc0: an LSTM's (H), an sLSTM's c, n, m (3H, the m part 0: m changes no h), an mLSTM's n, m, C; null for the others. */
  readonly dc0: Float64Array[] | null;
  /**
   * [t][L][dirs] (Hout): dL/dh_t of each layer and direction, h_t as a node of the graph (it feeds
   * the next step and the layer above). Only with `stateGrads`.
   */
  readonly dh: Float64Array[][][] | null;
  /**
   * [t][L][dirs] (H): dL/dc_t, LSTM only, c_t as a node of the graph, so its path through
   * h_t = o * tanh(c_t) is included; an mLSTM's (S): dL/d[n | m | C]_t, likewise as nodes.
   * Only with `stateGrads`.
   */
  readonly dc: Float64Array[][][] | null;
}

function rowOf(
  rows: readonly (ArrayLike<number> | null | undefined)[] | null | undefined,
  index: number,
  expectedRows: number,
  width: number,
  name: string,
): ArrayLike<number> | null {
  if (rows == null) return null;
  if (rows.length !== expectedRows) throw new ShapeError(`${name}: expected ${expectedRows} rows, got ${rows.length}`, name);
  const row = rows[index];
  if (row == null) return null;
  if (row.length !== width) throw new ShapeError(`${name}[${index}]: expected ${width} values, got ${row.length}`, name);
  return row;
}

/**
 * Gradients of a loss with respect to every parameter, every input x_t and the initial states,
 * given the loss's gradients with respect to the outputs y_t and/or the final states.
 *   xs: (T, D) the inputs of the forward run; steps: its records (runSequence(net, xs, init));
 *   init: the same initial state the forward run used.
 */
export function backwardSequence(
  net: Network,
  xs: readonly ArrayLike<number>[],
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  opts: BackwardOptions = {},
): NetworkGrads {
  return toEnd(backwardSequenceSteps(net, xs, steps, init, opts));
}

/** backwardSequence, yielding after each step of each layer and direction (see ../network.ts toEnd). */
export function* backwardSequenceSteps(
  net: Network,
  xs: readonly ArrayLike<number>[],
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  opts: BackwardOptions = {},
): Generator<void, NetworkGrads> {
  const T = xs.length;
  const L = net.numLayers;
  const H = net.hiddenSize;
  // the width of h: P for a projected LSTM
  const Hh = outputSize(net);
  const G = gateCount(net.kind);
  const dirs = net.directions.length;
  const isLstm = net.kind === 'lstm';
  // the cell state carried back: an LSTM's c (H), an sLSTM's c, n, m (3H)
  const S = cellStateSize(net);
  const clip = net.clip ?? null;
  const lbr = net.linearBeforeReset ?? true;
  if (steps.length !== T) throw new ShapeError(`backward: ${T} inputs but ${steps.length} forward steps`);
  const params =
    opts.params === false ? null : opts.params === undefined || opts.params === true ? allocParamGrads(net) : opts.params;

  const dx = Array.from({ length: T }, () => new Float64Array(net.inputSize));
  const dh0: Float64Array[] = [];
  const dc0: Float64Array[] | null = S > 0 ? [] : null;
  const record = opts.stateGrads === true;
  const dhRec = record
    ? Array.from({ length: T }, () => Array.from({ length: L }, () => net.directions.map(() => new Float64Array(Hh))))
    : null;
  // an LSTM's c (H); an mLSTM's whole state [n | m | C] (S): its memory lives in C
  const dcWidth = isLstm ? H : net.kind === 'mlstm' ? S : 0;
  const dcRec =
    record && dcWidth > 0
      ? Array.from({ length: T }, () => Array.from({ length: L }, () => net.directions.map(() => new Float64Array(dcWidth))))
      : null;

  // dOut[t]: (H*dirs) gradient reaching layer k's output at t; starts as dy for the top layer.
  let dOut = Array.from({ length: T }, (_, t) => {
    const v = new Float64Array(Hh * dirs);
    const row = rowOf(opts.dy, t, T, Hh * dirs, 'dy');
    if (row !== null) for (let j = 0; j < row.length; j++) v[j] = row[j]!;
    return v;
  });

  const out: CellGradOut = {
    dx: null,
    dhPrev: new Float64Array(Hh),
    dcPrev: S > 0 ? new Float64Array(S) : null,
    dcNode: S > 0 ? new Float64Array(S) : null,
    grads: null,
    da: new Float64Array(inputRows(net)),
    scratch: new Float64Array(Math.max(2 * G * H, 6 * H)),
  };
  const dhTot = new Float64Array(Hh);
  const carryH = new Float64Array(Hh);
  const carryC = new Float64Array(S);
  const layerInput = new Float64Array(Hh * dirs);

  for (let k = L - 1; k >= 0; k--) {
    const din = layerInputSize(net, k);
    const dBelow = k === 0 ? dx : Array.from({ length: T }, () => new Float64Array(din));
    for (let d = 0; d < dirs; d++) {
      const reverse = net.directions[d] === 'reverse';
      const p = net.layers[k]![d]!;
      const row = k * dirs + d;
      out.grads = params === null ? null : params[k]![d]!;
      const h0 = initialRow(net, init, 'h0', k, d);
      const c0 = S > 0 ? initialRow(net, init, 'c0', k, d) : null;
      carryH.fill(0);
      carryC.fill(0);
      const dhNRow = rowOf(opts.dhN, row, L * dirs, Hh, 'dhN');
      if (dhNRow !== null) for (let j = 0; j < Hh; j++) carryH[j] = dhNRow[j]!;
      const dcNRow = S > 0 ? rowOf(opts.dcN, row, L * dirs, S, 'dcN') : null;
      if (dcNRow !== null) for (let j = 0; j < S; j++) carryC[j] = dcNRow[j]!;
      if (dcNRow !== null && net.kind === 'slstm') {
        for (let j = 2 * H; j < S; j++) if (dcNRow[j] !== 0) throw new ShapeError(`dcN[${row}]: a loss on an sLSTM's final stabiliser m is not supported (its part must be 0)`, 'dcN');
      }
      for (let n = 0; n < T; n++) {
        const t = reverse ? n : T - 1 - n;
        const tPrev = reverse ? t + 1 : t - 1;
        const prevRec = tPrev >= 0 && tPrev < T ? steps[tPrev]!.layers[k]![d]! : null;
        const hPrev = prevRec !== null ? prevRec.h : h0;
        const cPrev = prevRec !== null ? prevRec.c : c0;
        const rec = steps[t]!.layers[k]![d]!;
        let input: ArrayLike<number>;
        if (k === 0) {
          input = xs[t]!;
        } else {
          const below = steps[t]!.layers[k - 1]!;
          for (let e = 0; e < dirs; e++) layerInput.set(below[e]!.h, e * Hh);
          input = layerInput;
        }
        const g = dOut[t]!;
        for (let j = 0; j < Hh; j++) dhTot[j] = g[d * Hh + j]! + carryH[j]!;
        out.dx = dBelow[t]!;
        switch (net.kind) {
          case 'lstm':
            lstmBackward(out, p, clip, input, hPrev, cPrev!, rec, dhTot, carryC);
            break;
          case 'gru':
            gruBackward(out, p, clip, lbr, input, hPrev, rec, dhTot);
            break;
          case 'rnn_tanh':
            rnnBackward(out, p, clip, 'tanh', input, hPrev, rec, dhTot);
            break;
          case 'rnn_relu':
            rnnBackward(out, p, clip, 'relu', input, hPrev, rec, dhTot);
            break;
          case 'mingru':
          case 'minlstm':
            minBackward(out, net.kind, p, input, hPrev, rec, dhTot);
            break;
          case 'slstm':
            slstmBackward(out, p, numHeadsOf(net), input, hPrev, cPrev!, rec, dhTot, carryC);
            break;
          case 'mlstm':
            mlstmBackward(out, p, numHeadsOf(net), input, cPrev!, rec, dhTot, carryC);
            break;
        }
        if (dhRec !== null) dhRec[t]![k]![d]!.set(dhTot);
        if (dcRec !== null) dcRec[t]![k]![d]!.set(out.dcNode!);
        opts.onState?.(t, k, d, dhTot, out.dcNode);
        carryH.set(out.dhPrev);
        if (S > 0) carryC.set(out.dcPrev!);
        yield;
      }
      dh0[row] = carryH.slice();
      if (dc0 !== null) dc0[row] = carryC.slice();
    }
    dOut = dBelow;
  }
  return { params, dx, dh0, dc0, dh: dhRec, dc: dcRec };
}
