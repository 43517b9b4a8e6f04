/**
 * Engine types.
 *
 * Dimensions legend, used in the shape comments across the engine:
 *   T    time steps in a sequence
 *   D    input size of the network (features per step)
 *   Din  input size of one layer: D for layer 0, Hout * dirs for layer k > 0
 *   H    hidden size: the width of the gates and of an LSTM's cell state c
 *   P    LSTM projection size (PyTorch's proj_size): the width of h when the LSTM projects, else H
 *   Hout the width of h: P for a projected LSTM, H otherwise (shapes.ts outputSize)
 *   G    gate rows per cell: 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n), 1 for RNN,
 *        2 for minGRU (z, n), 3 for minLSTM (f, i, n), 4 for sLSTM (i, f, z, o)
 *   NH   sLSTM heads; DH = H / NH units per head (its recurrence is block-diagonal per head)
 *   S    values of the cell state per direction: H for an LSTM (c), 3H for an sLSTM (c, n, m), else 0
 *   L    number of stacked layers
 *   dirs 1 (forward or reverse only) or 2 (bidirectional: forward then reverse)
 *
 * Weights are stored as float32 (exactly what PyTorch holds); states, gates and pre-activations
 * are float64 so that nothing is lost between steps.
 */

/**
 * The recurrent cell. `rnn_tanh` and `rnn_relu` are PyTorch's nn.RNN with `nonlinearity`;
 * `mingru` and `minlstm` are the minimal cells of "Were RNNs All We Needed?" (cells/min.ts), whose
 * gates see x only: they have W_ih and b_ih but no W_hh, b_hh (wHh is empty, bHh null).
 *
 * `slstm` is xLSTM's sLSTM (Beck et al. 2024, cells/xlstm.ts): exponential input and forget gates
 * stabilised by m, a normaliser n, and a recurrence block-diagonal over NH heads. Its wHh is
 * (4H, DH): row g*H + u multiplies the DH values of h in u's head; bIh is its one bias, bHh null.
 *
 * `mlstm` is xLSTM's mLSTM (cells/xlstm.ts mlstmCellStep): per head a DH x DH matrix memory C, a
 * normaliser n (DH) and a stabiliser m, read out by a query; no recurrent weights (wHh empty, bHh
 * null). Its wIh (4H + 2NH, Din) stacks rows [q; k; v; o] (H each) then the per-head [i; f] (NH
 * each); bIh likewise.
 */
export type CellKind = 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu' | 'mingru' | 'minlstm' | 'slstm' | 'mlstm';

export const CELL_KINDS: readonly CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu', 'mingru', 'minlstm', 'slstm', 'mlstm'];

/** Direction of one half of a layer. */
export type Direction = 'forward' | 'reverse';

/** Parameters of one direction of one layer, in PyTorch's layout and gate order. */
export interface DirectionParams {
  /** Din: the width of this layer's input. */
  readonly inputSize: number;
  /** H */
  readonly hiddenSize: number;
  /** (G*H, Din) row-major; rows grouped per gate in the cell's order. */
  readonly wIh: Float32Array;
  /** (G*H, Hout) row-major; empty for minGRU/minLSTM (no recurrent weights); (4H, DH) for an sLSTM. */
  readonly wHh: Float32Array;
  /** (G*H) or null when the module has `bias=False`. */
  readonly bIh: Float32Array | null;
  /** (G*H) or null when the module has `bias=False`; always null for minGRU/minLSTM. */
  readonly bHh: Float32Array | null;
  /**
   * LSTM peephole weights (3*H) in the order i, f, o (ONNX's P converted to our order), or null.
   * i and f see c_{t-1}; o sees c_t. PyTorch has no peepholes.
   */
  readonly peephole?: Float32Array | null;
  /**
   * LSTM projection W_hr (P, H) row-major (PyTorch's weight_hr_l{k}), or null: h = W_hr (o * tanh(c)).
   * Present exactly when the network's projSize is set.
   */
  readonly wHr?: Float32Array | null;
}

/** Shape of a network, without its numbers. */
export interface NetworkSpec {
  readonly kind: CellKind;
  /** D */
  readonly inputSize: number;
  /** H */
  readonly hiddenSize: number;
  /** L */
  readonly numLayers: number;
  /** ['forward'], ['forward', 'reverse'] (bidirectional), or ['reverse'] (ONNX direction=reverse). */
  readonly directions: readonly Direction[];
  /** Whether bias vectors are present. */
  readonly bias: boolean;
  /**
   * GRU only: true is PyTorch's form n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); false is ONNX's
   * default (linear_before_reset = 0): n = tanh(W_in x + b_in + W_hn (r * h) + b_hn).
   * @default true
   */
  readonly linearBeforeReset?: boolean;
  /** ONNX `clip`: pre-activations are clipped to [-clip, clip] before each activation. */
  readonly clip?: number | null;
  /**
   * LSTM only: PyTorch's proj_size P (0 < P < H): h_t = W_hr (o_t * tanh(c_t)) is P wide (so is h0,
   * h_n, each direction's part of y and of the next layer's input); c stays H wide.
   * null, undefined or 0: no projection.
   */
  readonly projSize?: number | null;
  /**
   * sLSTM and mLSTM only: NH, the heads (an sLSTM's recurrence is block-diagonal over them, each
   * unit seeing the h of its own head's DH = H / NH units; an mLSTM keeps a DH x DH memory per head). @default 1
   */
  readonly numHeads?: number | null;
}

/** A network with its parameters. `layers[k][d]` pairs with `spec.directions[d]`. */
export interface Network extends NetworkSpec {
  readonly layers: readonly (readonly DirectionParams[])[];
}

/** Initial states, one row per layer and direction: l0 dir0, l0 dir1, l1 dir0, ... (PyTorch's order). */
export interface InitialState {
  /** (L*dirs, Hout) */
  readonly h0?: readonly ArrayLike<number>[] | null;
  /** (L*dirs, S): an LSTM's c (H), an sLSTM's c, n, m concatenated (3H); other cells have none. */
  readonly c0?: readonly ArrayLike<number>[] | null;
}

/** What one direction of one layer computed at one time step. */
export interface StepRecord {
  /** (G*H) post-activation gate values in the cell's row order. For RNN this equals h. */
  readonly gates: Float64Array;
  /** (G*H) pre-activations: the value each activation received (after clipping, if any). */
  readonly pre: Float64Array;
  /** (S) cell state after the step: an LSTM's c (H), an sLSTM's [c | n | m] (3H); null for other cells. */
  readonly c: Float64Array | null;
  /** (Hout) hidden state after the step: P values for a projected LSTM. */
  readonly h: Float64Array;
}

/** One time step of the whole network. */
export interface NetworkStep {
  /** [L][dirs], pairing with `spec.directions`. */
  readonly layers: readonly (readonly StepRecord[])[];
  /** (Hout*dirs) the last layer's output at this step: its directions' h concatenated (PyTorch output[t]). */
  readonly y: Float64Array;
}
