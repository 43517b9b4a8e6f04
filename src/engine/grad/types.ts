/**
 * Gradient containers. Every gradient is float64, shaped like the parameter it belongs to
 * (see ../types.ts for the dimension legend).
 */

/** Gradients of one direction of one layer, in the layout of DirectionParams. */
export interface DirectionGrads {
  /** (G*H, Din) */
  readonly wIh: Float64Array;
  /** (G*H, Hout) */
  readonly wHh: Float64Array;
  /** (G*H), or null when the network has no bias. */
  readonly bIh: Float64Array | null;
  /** (G*H), or null when the network has no bias. */
  readonly bHh: Float64Array | null;
  /** (3H) LSTM peepholes (i, f, o), or null when the direction has none. */
  readonly peephole: Float64Array | null;
  /** (P, H) a projected LSTM's W_hr; absent or null without a projection. */
  readonly wHr?: Float64Array | null;
}

/**
 * What one cell's backward step reads and writes besides the forward record. One object is reused
 * across steps: the caller points `dx` at the right row before each call.
 */
export interface CellGradOut {
  /** (Din) dL/dx_t, accumulated (+=) because both directions of a layer feed the same input; null skips it. */
  dx: Float64Array | null;
  /** (Hout) dL/dh_{t-1} through this step, overwritten. */
  readonly dhPrev: Float64Array;
  /** (H) LSTM: dL/dc_{t-1} through this step, overwritten; null for other cells. */
  readonly dcPrev: Float64Array | null;
  /** (H) LSTM: dL/dc_t as a node of the graph (its path through h_t included), overwritten; null for other cells. */
  readonly dcNode: Float64Array | null;
  /** Parameter gradients, accumulated (+=); null computes only the state and input gradients. */
  grads: DirectionGrads | null;
  /** (G*H) work space: the gradient of the pre-activations, rows in the cell's gate order. */
  readonly da: Float64Array;
  /** (2*G*H) more work space (GRU: the recurrent rows' gradient and the recomputed W_hn h). */
  readonly scratch: Float64Array;
}
