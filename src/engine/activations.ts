/**
 * Scalar activations, numerically safe at saturation: sigmoid never evaluates exp of a large
 * positive number, so ±50 (or ±1e30) give 1 and ~0 without overflow or NaN.
 */

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function tanh(x: number): number {
  return Math.tanh(x);
}

export function relu(x: number): number {
  return x > 0 ? x : 0;
}

/** Clamp to [-limit, limit]; a null limit passes x through. */
export function clipValue(x: number, limit: number | null | undefined): number {
  if (limit == null) return x;
  return x > limit ? limit : x < -limit ? -limit : x;
}
