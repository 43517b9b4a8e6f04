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

/** log(1 + e^x) without overflow for large x or loss for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * minGRU/minLSTM's candidate activation ("Were RNNs All We Needed?", appendix B.3): x + 1/2 for
 * x >= 0, sigmoid(x) below, so the state stays positive and the log-space scan can run.
 */
export function minG(x: number): number {
  return x >= 0 ? x + 0.5 : sigmoid(x);
}

/** log(minG(x)), computed without forming minG(x) for very negative x. */
export function logMinG(x: number): number {
  return x >= 0 ? Math.log(x + 0.5) : -softplus(-x);
}

/** d minG / dx: 1 for x >= 0, sigmoid'(x) below. */
export function minGPrime(x: number): number {
  if (x >= 0) return 1;
  const s = sigmoid(x);
  return s * (1 - s);
}
