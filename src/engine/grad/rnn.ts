/**
 * Backward of one Elman RNN tick (forward in ../cells/rnn.ts):
 *
 *   da = dh * act'(a)        tanh' = 1 - h^2, relu' = [a > 0]
 *   dW_ih += da x^T   dW_hh += da h_prev^T   db_ih += da   db_hh += da
 *   dx += W_ih^T da   dh_prev = W_hh^T da
 *
 * The last line is the whole story of the vanishing gradient: dh_prev is dh pushed back through
 * act' and W_hh^T at every step, with no additive path around them.
 */
import type { DirectionParams, StepRecord } from '../types.js';
import { addMatTVec, addOuter, addRange } from './kernels.js';
import { rnnLocal } from './local.js';
import type { CellGradOut } from './types.js';

/**
 *   x: (Din)  hPrev: (H)  rec: the step's forward record  dh: (H) dL/dh_t
 */
export function rnnBackward(
  out: CellGradOut,
  p: DirectionParams,
  clip: number | null,
  nonlinearity: 'tanh' | 'relu',
  x: ArrayLike<number>,
  hPrev: Float64Array,
  rec: StepRecord,
  dh: Float64Array,
): void {
  const H = p.hiddenSize;
  const da = out.da;
  rnnLocal(rec, nonlinearity === 'relu', clip, H, 1, dh, da);
  const gr = out.grads;
  if (gr !== null) {
    addOuter(gr.wIh, p.inputSize, da, 0, x, 0, H);
    addOuter(gr.wHh, H, da, 0, hPrev, 0, H);
    if (gr.bIh !== null) addRange(gr.bIh, da, 0, 0, H);
    if (gr.bHh !== null) addRange(gr.bHh, da, 0, 0, H);
  }
  if (out.dx !== null) addMatTVec(out.dx, p.wIh, p.inputSize, da, 0, 0, H);
  out.dhPrev.fill(0);
  addMatTVec(out.dhPrev, p.wHh, H, da, 0, 0, H);
}
