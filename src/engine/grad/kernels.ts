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

/**
 * out[s, c] += sum_{r in [rowStart, rowEnd)} a[s, r] * W[r, c]  for s < S, c < cols: the block form
 * of addMatTVec (A W, accumulated), with W given transposed so that each sum is a dot product of
 * two contiguous rows; two rows of A by four (or two) columns of W at a time, the sums in registers.
 *   out: (S, cols) at outOffset   wT: (cols, rows) W transposed   a: (S, rows)
 */
export function addMatMulT(
  out: Float64Array,
  outOffset: number,
  cols: number,
  wT: Float64Array,
  rows: number,
  a: Float64Array,
  rowStart: number,
  rowEnd: number,
  S: number,
): void {
  let s = 0;
  for (; s + 1 < S; s += 2) {
    const a0 = s * rows;
    const a1 = a0 + rows;
    const o0 = outOffset + s * cols;
    const o1 = o0 + cols;
    let c = 0;
    for (; c + 3 < cols; c += 4) {
      const w0 = c * rows;
      const w1 = w0 + rows;
      const w2 = w1 + rows;
      const w3 = w2 + rows;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let r = rowStart; r < rowEnd; r++) {
        const x0 = a[a0 + r]!;
        const x1 = a[a1 + r]!;
        const y0 = wT[w0 + r]!;
        const y1 = wT[w1 + r]!;
        const y2 = wT[w2 + r]!;
        const y3 = wT[w3 + r]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      out[o0 + c] = out[o0 + c]! + s00;
      out[o0 + c + 1] = out[o0 + c + 1]! + s01;
      out[o0 + c + 2] = out[o0 + c + 2]! + s02;
      out[o0 + c + 3] = out[o0 + c + 3]! + s03;
      out[o1 + c] = out[o1 + c]! + s10;
      out[o1 + c + 1] = out[o1 + c + 1]! + s11;
      out[o1 + c + 2] = out[o1 + c + 2]! + s12;
      out[o1 + c + 3] = out[o1 + c + 3]! + s13;
    }
    for (; c + 1 < cols; c += 2) {
      const w0 = c * rows;
      const w1 = w0 + rows;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let r = rowStart; r < rowEnd; r++) {
        const x0 = a[a0 + r]!;
        const x1 = a[a1 + r]!;
        const y0 = wT[w0 + r]!;
        const y1 = wT[w1 + r]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      out[o0 + c] = out[o0 + c]! + s00;
      out[o0 + c + 1] = out[o0 + c + 1]! + s01;
      out[o1 + c] = out[o1 + c]! + s10;
      out[o1 + c + 1] = out[o1 + c + 1]! + s11;
    }
    if (c < cols) {
      const w0 = c * rows;
      let s00 = 0;
      let s10 = 0;
      for (let r = rowStart; r < rowEnd; r++) {
        const y0 = wT[w0 + r]!;
        s00 += a[a0 + r]! * y0;
        s10 += a[a1 + r]! * y0;
      }
      out[o0 + c] = out[o0 + c]! + s00;
      out[o1 + c] = out[o1 + c]! + s10;
    }
  }
  if (s < S) {
    const a0 = s * rows;
    const o0 = outOffset + s * cols;
    for (let c = 0; c < cols; c++) {
      const w0 = c * rows;
      let s00 = 0;
      for (let r = rowStart; r < rowEnd; r++) s00 += a[a0 + r]! * wT[w0 + r]!;
      out[o0 + c] = out[o0 + c]! + s00;
    }
  }
}
