/**
 * Output-first, allocation-free kernels. All matrices are row-major.
 */

/**
 * out[r] = bias1[r] + bias2[r] + W1[r,:] . a + W2[r,:] . b  for r in [rowStart, rowEnd)
 *
 * The fused step of a recurrent cell: one pass over all gate rows of [W_ih | W_hh] against
 * [x ; h_prev]. Either bias may be null.
 *   W1: (rows, aLen)  W2: (rows, bLen)
 */
export function fusedMatVec2(
  out: Float64Array,
  w1: Float32Array,
  a: ArrayLike<number>,
  aLen: number,
  w2: Float32Array,
  b: ArrayLike<number>,
  bLen: number,
  bias1: Float32Array | null,
  bias2: Float32Array | null,
  rowStart: number,
  rowEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    let s0 = 0;
    let s1 = 0;
    let off = r * aLen;
    let j = 0;
    for (; j + 1 < aLen; j += 2) {
      s0 += w1[off + j]! * a[j]!;
      s1 += w1[off + j + 1]! * a[j + 1]!;
    }
    if (j < aLen) s0 += w1[off + j]! * a[j]!;
    off = r * bLen;
    j = 0;
    for (; j + 1 < bLen; j += 2) {
      s0 += w2[off + j]! * b[j]!;
      s1 += w2[off + j + 1]! * b[j + 1]!;
    }
    if (j < bLen) s0 += w2[off + j]! * b[j]!;
    let s = s0 + s1;
    if (bias1 !== null) s += bias1[r]!;
    if (bias2 !== null) s += bias2[r]!;
    out[r] = s;
  }
}

/**
 * out[r] = bias[r] + W[r,:] . v  for r in [rowStart, rowEnd), writing at out[r - rowStart + outOffset].
 *   W: (rows, cols)
 */
export function matVecRows(
  out: Float64Array,
  outOffset: number,
  w: Float32Array,
  v: ArrayLike<number>,
  cols: number,
  bias: Float32Array | null,
  rowStart: number,
  rowEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    let s0 = 0;
    let s1 = 0;
    const off = r * cols;
    let j = 0;
    for (; j + 1 < cols; j += 2) {
      s0 += w[off + j]! * v[j]!;
      s1 += w[off + j + 1]! * v[j + 1]!;
    }
    if (j < cols) s0 += w[off + j]! * v[j]!;
    let s = s0 + s1;
    if (bias !== null) s += bias[r]!;
    out[r - rowStart + outOffset] = s;
  }
}
