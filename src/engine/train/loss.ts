/**
 * Per-step losses and their gradients with respect to the head's output.
 */

/**
 * Mean squared error over the O outputs of one step: sum_o (pred_o - target_o)^2 / O
 * (PyTorch's MSELoss with reduction='mean' over one step). grad, if given, receives dL/dpred.
 */
export function mseLoss(pred: Float64Array, target: ArrayLike<number>, grad: Float64Array | null): number {
  const O = pred.length;
  let s = 0;
  for (let o = 0; o < O; o++) {
    const d = pred[o]! - target[o]!;
    s += d * d;
    if (grad !== null) grad[o] = (2 * d) / O;
  }
  return s / O;
}

/**
 * Cross-entropy of softmax(logits) against a class index: -log p_label, computed through
 * log-sum-exp shifted by the largest logit so that it never overflows. grad, if given,
 * receives dL/dlogits = p - onehot(label); probs, if given, receives p.
 */
export function softmaxCrossEntropy(
  logits: Float64Array,
  label: number,
  grad: Float64Array | null,
  probs: Float64Array | null = null,
): number {
  const K = logits.length;
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (logits[k]! > max) max = logits[k]!;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(logits[k]! - max);
  const logSum = max + Math.log(sum);
  if (grad !== null || probs !== null) {
    for (let k = 0; k < K; k++) {
      const p = Math.exp(logits[k]! - logSum);
      if (probs !== null) probs[k] = p;
      if (grad !== null) grad[k] = p - (k === label ? 1 : 0);
    }
  }
  return logSum - logits[label]!;
}

/** Index of the largest value (the first one on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k]! > v[best]!) best = k;
  return best;
}
