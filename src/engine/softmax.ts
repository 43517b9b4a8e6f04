/**
 * A classifier's or language model's logits as probabilities, and the top guesses:
 *
 *   p_k = exp(z_k - max z) / sum_j exp(z_j - max z)      (PyTorch's softmax, stable at any scale)
 *
 * `topK` orders by probability, highest first; ties keep the lower index first, as torch.topk does
 * on CPU for equal values.
 */

/** Softmax of `logits` into a new array (empty in, empty out; any NaN makes every entry NaN). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let max = -Infinity;
  for (let k = 0; k < n; k++) {
    const z = logits[k]!;
    if (Number.isNaN(z)) return out.fill(NaN);
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = max === Infinity ? (logits[k] === Infinity ? 1 : 0) : Math.exp(logits[k]! - max);
    out[k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) out[k]! /= sum;
  return out;
}

export interface Guess {
  /** Class or token index. */
  readonly index: number;
  /** Its probability. */
  readonly p: number;
}

/** The `k` most probable entries of `probs`, highest first (fewer when there are fewer entries). */
export function topK(probs: ArrayLike<number>, k: number): Guess[] {
  const idx = Array.from({ length: probs.length }, (_, i) => i);
  idx.sort((a, b) => probs[b]! - probs[a]! || a - b);
  return idx.slice(0, Math.max(0, k)).map((index) => ({ index, p: probs[index]! }));
}
