/**
 * The one source of truth for gate orders and weight shapes per cell kind, in PyTorch's naming.
 */
import type { CellKind, Direction, NetworkSpec } from './types.js';

/** Gate rows per cell kind, in PyTorch's row order. */
export const GATE_NAMES: Readonly<Record<CellKind, readonly string[]>> = {
  lstm: ['i', 'f', 'g', 'o'],
  gru: ['r', 'z', 'n'],
  rnn_tanh: ['h'],
  rnn_relu: ['h'],
  mingru: ['z', 'n'],
  minlstm: ['f', 'i', 'n'],
  slstm: ['i', 'f', 'z', 'o'],
  // the mLSTM's per-head i, f and m, each repeated over its head's DH units so that every traced
  // state is H wide; o is per unit. Its weights are not G*H rows: see expectedShapes.
  mlstm: ['i', 'f', 'o', 'm'],
};

/** Everything traced per direction per step, in the order `run` writes it. */
export const STATE_NAMES: Readonly<Record<CellKind, readonly string[]>> = {
  lstm: ['i', 'f', 'g', 'o', 'c', 'h'],
  gru: ['r', 'z', 'n', 'h'],
  rnn_tanh: ['h'],
  rnn_relu: ['h'],
  mingru: ['z', 'n', 'h'],
  minlstm: ['f', 'i', 'n', 'h'],
  // i and f are the stabilised gates exp(a - m) in (0, 1]; c and n are stabilised alike (scaled by
  // exp(-m)), so h = o c / n is what the unstabilised cell gives
  slstm: ['i', 'f', 'z', 'o', 'c', 'n', 'm', 'h'],
  // i, f stabilised as the sLSTM's; n the normaliser (DH per head); h = o * C q / max(|n . q|, exp(-m))
  mlstm: ['i', 'f', 'o', 'm', 'n', 'h'],
};

/**
 * S: values of a direction's cell state, what a step carries besides h: an LSTM's c (H), an
 * sLSTM's c, n, m (3H, in that order in StepRecord.c and in c0 rows), an mLSTM's n (NH*DH = H),
 * m (NH) and the matrix memories C (NH*DH*DH, head by head, row-major: mlstmMemory), nothing for
 * the other cells.
 */
export function cellStateSize(spec: Pick<NetworkSpec, 'kind' | 'hiddenSize'> & { readonly numHeads?: number | null }): number {
  const H = spec.hiddenSize;
  if (spec.kind === 'mlstm') {
    const NH = spec.numHeads ?? 1;
    return H + NH + H * (H / NH);
  }
  return spec.kind === 'lstm' ? H : spec.kind === 'slstm' ? 3 * H : 0;
}

/** NH of an sLSTM or mLSTM (1 when unset); 1 for every other cell. */
export function numHeadsOf(spec: Pick<NetworkSpec, 'kind'> & { readonly numHeads?: number | null }): number {
  return spec.kind === 'slstm' || spec.kind === 'mlstm' ? spec.numHeads ?? 1 : 1;
}

/** Whether the cell has heads (sLSTM, mLSTM). */
export function hasHeads(kind: CellKind): kind is 'slstm' | 'mlstm' {
  return kind === 'slstm' || kind === 'mlstm';
}

/** Rows of an mLSTM layer's W_ih and b_ih: [q; k; v; o] (H each), then [i; f] (NH each). */
export function mlstmInputRows(H: number, NH: number): number {
  return 4 * H + 2 * NH;
}

/**
 * Head hd's matrix memory C (DH, DH) in an mLSTM's cell state (a view): C[a][b] multiplies q_b
 * into h_a. Its stabiliser m is state[H + hd], its normaliser state[hd*DH .. (hd+1)*DH).
 */
export function mlstmMemory(state: Float64Array, H: number, NH: number, hd: number): Float64Array {
  const DH = H / NH;
  const at = H + NH + hd * DH * DH;
  return state.subarray(at, at + DH * DH);
}

/**
 * Where a traced state (a STATE_NAMES entry) lives in a StepRecord: `h`, the cell-state buffer `c`
 * (an sLSTM's n and m after its c), or the gates; `offset` is the first of its values there.
 */
export function stateSlot(kind: CellKind, name: string, H: number): { readonly from: 'h' | 'c' | 'gates'; readonly offset: number } {
  if (name === 'h') return { from: 'h', offset: 0 };
  if (name === 'c' && (kind === 'lstm' || kind === 'slstm')) return { from: 'c', offset: 0 };
  if (kind === 'slstm' && (name === 'n' || name === 'm')) return { from: 'c', offset: (name === 'n' ? 1 : 2) * H };
  // an mLSTM's n opens its cell state; its m is traced per unit with the gates (the state holds NH)
  if (kind === 'mlstm' && name === 'n') return { from: 'c', offset: 0 };
  const g = GATE_NAMES[kind].indexOf(name);
  if (g < 0) throw new RangeError(`a ${kind} has no state ${name}`);
  return { from: 'gates', offset: g * H };
}

/** The values of state `name` in a record (a view into its buffers), H wide (Hout for h). */
export function recordState(kind: CellKind, rec: { readonly gates: Float64Array; readonly c: Float64Array | null; readonly h: Float64Array }, name: string, H: number): Float64Array {
  const s = stateSlot(kind, name, H);
  if (s.from === 'h') return rec.h;
  return (s.from === 'c' ? rec.c! : rec.gates).subarray(s.offset, s.offset + H);
}

/** Whether the cell is minGRU or minLSTM: gates from x only, no W_hh (cells/min.ts). */
export function isMinCell(kind: CellKind): kind is 'mingru' | 'minlstm' {
  return kind === 'mingru' || kind === 'minlstm';
}

/**
 * A minimal cell's layer module in the paper's names (appendix B): one nn.Linear per gate row block,
 * in the engine's row order; a stack is `layers.{k}.` (io/weights/min-cells.ts reads these and
 * minGRU-pytorch's).
 */
/** An mLSTM layer's nn.Linear leaves in the reference module's names, in W_ih's row order (mlstmInputRows). */
export const MLSTM_LEAVES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'igate', 'fgate'] as const;

export const MIN_CELL_LEAVES: Readonly<Record<'mingru' | 'minlstm', readonly string[]>> = {
  mingru: ['linear_z', 'linear_h'],
  minlstm: ['linear_f', 'linear_i', 'linear_h'],
};

/** G: gate rows per cell. */
export function gateCount(kind: CellKind): number {
  return GATE_NAMES[kind].length;
}

/** P of a projected LSTM, or 0 when h is not projected. */
export function projSizeOf(spec: NetworkSpec): number {
  return spec.kind === 'lstm' && spec.projSize != null && spec.projSize > 0 ? spec.projSize : 0;
}

/** Hout: the width of h (and of h0, h_n, each direction's part of y): P for a projected LSTM, else H. */
export function outputSize(spec: NetworkSpec): number {
  return projSizeOf(spec) || spec.hiddenSize;
}

/** Values of a traced state (a STATE_NAMES entry) per direction: Hout for h, H for c and the gates. */
export function stateWidth(spec: NetworkSpec, state: string): number {
  return state === 'h' ? outputSize(spec) : spec.hiddenSize;
}

/** Din of layer k. */
export function layerInputSize(spec: NetworkSpec, layer: number): number {
  return layer === 0 ? spec.inputSize : outputSize(spec) * spec.directions.length;
}

/**
 * Floating-point operations of one step of every layer and direction: the products with W_ih and
 * W_hh, a multiply-add counting 2 (activations not counted). A backward step's multiply-adds are
 * about twice the forward's, so this number is also a backward step's multiply-adds.
 */
export function flopsPerStep(spec: NetworkSpec): number {
  const G = gateCount(spec.kind);
  const dirs = spec.directions.length;
  const P = projSizeOf(spec);
  let f = 0;
  if (spec.kind === 'mlstm') {
    // the projections, then per head C's update (v k^T, f C) and the readouts C q and n . q
    const H = spec.hiddenSize;
    const NH = numHeadsOf(spec);
    for (let k = 0; k < spec.numLayers; k++) f += dirs * 2 * (mlstmInputRows(H, NH) * layerInputSize(spec, k) + 2 * H * (H / NH) + H);
    return f;
  }
  const hh = isMinCell(spec.kind) ? 0 : spec.kind === 'slstm' ? spec.hiddenSize / numHeadsOf(spec) : outputSize(spec);
  for (let k = 0; k < spec.numLayers; k++) f += dirs * 2 * (G * spec.hiddenSize * (layerInputSize(spec, k) + hh) + P * spec.hiddenSize);
  return f;
}

/** PyTorch's tensor name: `weight_ih_l0`, `bias_hh_l1_reverse`, `weight_hr_l0` (projection), ... */
export function tensorName(
  base: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh' | 'weight_hr',
  layer: number,
  direction: Direction,
): string {
  return `${base}_l${layer}${direction === 'reverse' ? '_reverse' : ''}`;
}

/**
 * Expected shape of every PyTorch tensor of a network, in PyTorch's parameter order. A projected
 * LSTM (nn.LSTM proj_size=P) has weight_hh (4H, P) and, after the biases, weight_hr (P, H).
 * minGRU/minLSTM have weight_ih and bias_ih only (the engine's names for their stacked
 * input projections; files name them as io/weights/min-cells.ts says). An sLSTM has weight_ih
 * (4H, Din), weight_hh (4H, DH) (its heads' blocks) and bias_ih (4H): io/weights/xlstm-cells.ts.
 * An mLSTM has weight_ih (4H + 2NH, Din) and bias_ih (4H + 2NH) only (mlstmInputRows).
 */
export function expectedShapes(spec: NetworkSpec): Map<string, number[]> {
  const g = gateCount(spec.kind);
  const h = spec.hiddenSize;
  const P = projSizeOf(spec);
  const shapes = new Map<string, number[]>();
  for (let layer = 0; layer < spec.numLayers; layer++) {
    for (const dir of spec.directions) {
      shapes.set(tensorName('weight_ih', layer, dir), [g * h, layerInputSize(spec, layer)]);
      if (isMinCell(spec.kind)) {
        if (spec.bias) shapes.set(tensorName('bias_ih', layer, dir), [g * h]);
        continue;
      }
      if (spec.kind === 'mlstm') {
        // rows [q; k; v; o] then the per-head [i; f]; no recurrent weights
        const rows = mlstmInputRows(h, numHeadsOf(spec));
        shapes.set(tensorName('weight_ih', layer, dir), [rows, layerInputSize(spec, layer)]);
        if (spec.bias) shapes.set(tensorName('bias_ih', layer, dir), [rows]);
        continue;
      }
      if (spec.kind === 'slstm') {
        // the block-diagonal recurrence, row g*H + u over the DH units of u's head; one bias
        shapes.set(tensorName('weight_hh', layer, dir), [g * h, h / numHeadsOf(spec)]);
        if (spec.bias) shapes.set(tensorName('bias_ih', layer, dir), [g * h]);
        continue;
      }
      shapes.set(tensorName('weight_hh', layer, dir), [g * h, outputSize(spec)]);
      if (spec.bias) {
        shapes.set(tensorName('bias_ih', layer, dir), [g * h]);
        shapes.set(tensorName('bias_hh', layer, dir), [g * h]);
      }
      if (P > 0) shapes.set(tensorName('weight_hr', layer, dir), [P, h]);
    }
  }
  return shapes;
}

/** Number of parameters of a network (biases included). */
export function parameterCount(spec: NetworkSpec): number {
  let n = 0;
  for (const shape of expectedShapes(spec).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Human name of a cell kind: `LSTM`, `GRU`, `RNN(tanh)`, `minGRU`. */
export function cellLabel(kind: CellKind): string {
  switch (kind) {
    case 'lstm':
      return 'LSTM';
    case 'gru':
      return 'GRU';
    case 'rnn_tanh':
      return 'RNN(tanh)';
    case 'rnn_relu':
      return 'RNN(relu)';
    case 'mingru':
      return 'minGRU';
    case 'minlstm':
      return 'minLSTM';
    case 'slstm':
      return 'sLSTM';
    case 'mlstm':
      return 'mLSTM';
  }
}

/** The cell in a sentence: `an LSTM`, `a GRU`, `an RNN`, `a minGRU`, `an sLSTM`. */
export function aCell(kind: CellKind): string {
  const name = kind === 'rnn_tanh' || kind === 'rnn_relu' ? 'RNN' : cellLabel(kind);
  // said letter by letter (an L-S-T-M, an R-N-N, an s-L-S-T-M, an m-L-S-T-M), or a word (a GRU, a minGRU)
  return `${/^(LSTM|RNN|sLSTM|mLSTM)$/.test(name) ? 'an' : 'a'} ${name}`;
}
