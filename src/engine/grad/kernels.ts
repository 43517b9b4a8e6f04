/**
 * Allocation-free kernels of the backward pass. Weights are float32 (what the forward used);
 * every gradient is float64.
 */

/**
 * G[r, c] += a[r] * v[c]  for r in [rowStart, rowEnd), c in [0, cols)
 *   G: (rows, cols)  a: indexed by r - rowStart + aOffset
 */
export function addOuter(
  g: Float64Array,
  cols: number,
  a: Float64Array,
  aOffset: number,
  v: ArrayLike<number>,
  rowStart: number,
  rowEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const s = a[r - rowStart + aOffset]!;
    if (s === 0) continue;
    const off = r * cols;
    for (let c = 0; c < cols; c++) g[off + c] = g[off + c]! + s * v[c]!;
  }
}

/**
 * out[c] += sum_r W[r, c] * a[r]  for r in [rowStart, rowEnd), c in [0, cols): W^T a, accumulated.
 *   W: (rows, cols)  a: indexed by r - rowStart + aOffset  out: (cols)
 */
export function addMatTVec(
  out: Float64Array,
  w: Float32Array,
  cols: number,
  a: Float64Array,
  aOffset: number,
  rowStart: number,
  rowEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const s = a[r - rowStart + aOffset]!;
    if (s === 0) continue;
    const off = r * cols;
    for (let c = 0; c < cols; c++) out[c] = out[c]! + w[off + c]! * s;
  }
}

/** v[i] += a[i - rowStart + aOffset] for i in [rowStart, rowEnd). */
export function addRange(v: Float64Array, a: Float64Array, aOffset: number, rowStart: number, rowEnd: number): void {
  for (let r = rowStart; r < rowEnd; r++) v[r] = v[r]! + a[r - rowStart + aOffset]!;
}

/**
 * Derivative of the ONNX clip at a stored (already clipped) pre-activation: 0 where the value sits
 * on the limit (the clip was active, so the raw value does not reach the output), else 1.
 */
export function clipSlope(pre: number, clip: number | null): number {
  return clip !== null && (pre >= clip || pre <= -clip) ? 0 : 1;
}
