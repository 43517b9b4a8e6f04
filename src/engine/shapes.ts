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
};

/** Everything traced per direction per step, in the order `run` writes it. */
export const STATE_NAMES: Readonly<Record<CellKind, readonly string[]>> = {
  lstm: ['i', 'f', 'g', 'o', 'c', 'h'],
  gru: ['r', 'z', 'n', 'h'],
  rnn_tanh: ['h'],
  rnn_relu: ['h'],
  mingru: ['z', 'n', 'h'],
  minlstm: ['f', 'i', 'n', 'h'],
};

/** Whether the cell is minGRU or minLSTM: gates from x only, no W_hh (cells/min.ts). */
export function isMinCell(kind: CellKind): kind is 'mingru' | 'minlstm' {
  return kind === 'mingru' || kind === 'minlstm';
}

/**
 * A minimal cell's layer module in the paper's names (appendix B): one nn.Linear per gate row block,
 * in the engine's row order; a stack is `layers.{k}.` (io/weights/min-cells.ts reads these and
 * minGRU-pytorch's).
 */
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
  const hh = isMinCell(spec.kind) ? 0 : outputSize(spec);
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
 * input projections; files name them as io/weights/min-cells.ts says).
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
  }
}
