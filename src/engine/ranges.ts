/**
 * Running value ranges of every traced quantity (min, max, largest finite |value| per slot), as one
 * flat array a worker can post as it is. The trace widens them as it steps; a runner widens them
 * straight from its own buffers (widenStrided) by the same rule.
 */

/** Running range of one traced quantity of one (layer, dir) over every step so far. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
  /** Largest |value| (NaN ignored); 0 before the first step. */
  readonly maxAbs: number;
}

/**
 * Ranges as one flat array (so that a worker can send them as they are): three values per slot,
 * min, max and largest finite |value|. Slots: for each view, each state then 'pre'; then the input
 * x; then the prediction.
 */
export class RangeSet {
  readonly data: Float64Array;
  readonly perView: number;
  readonly xSlot: number;
  readonly predSlot: number;

  constructor(views: number, states: number) {
    this.perView = states + 1;
    this.xSlot = views * this.perView;
    this.predSlot = this.xSlot + 1;
    this.data = new Float64Array(3 * (this.predSlot + 1));
    for (let s = 0; s <= this.predSlot; s++) {
      this.data[3 * s] = Infinity;
      this.data[3 * s + 1] = -Infinity;
    }
  }

  slot(view: number, stateIndex: number): number {
    return view * this.perView + stateIndex;
  }

  /** Widens slot s by values[from..to). */
  widen(s: number, values: ArrayLike<number>, from: number, to: number): void {
    const d = this.data;
    let min = d[3 * s]!;
    let max = d[3 * s + 1]!;
    let maxAbs = d[3 * s + 2]!;
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      if (v !== v) continue; // NaN says nothing about the scale
      if (v < min) min = v;
      if (v > max) max = v;
      const a = v < 0 ? -v : v;
      if (a > maxAbs && a !== Infinity) maxAbs = a;
    }
    d[3 * s] = min;
    d[3 * s + 1] = max;
    d[3 * s + 2] = maxAbs;
  }

  /** Takes in another set's data (same shape): the union of both ranges. */
  merge(other: ArrayLike<number>): void {
    const d = this.data;
    if (other.length !== d.length) throw new RangeError(`range data of ${other.length} values, expected ${d.length}`);
    for (let s = 0; s < d.length; s += 3) {
      if (other[s]! < d[s]!) d[s] = other[s]!;
      if (other[s + 1]! > d[s + 1]!) d[s + 1] = other[s + 1]!;
      if (other[s + 2]! > d[s + 2]!) d[s + 2] = other[s + 2]!;
    }
  }

  get(s: number): ValueRange {
    return { min: this.data[3 * s]!, max: this.data[3 * s + 1]!, maxAbs: this.data[3 * s + 2]! };
  }
}

/** Widens slot s of `ranges` by a[at + i*stride + u] for i < n, u < H (as RangeSet.widen would, value by value). */
export function widenStrided(ranges: RangeSet, s: number, a: Float32Array | Float64Array, at: number, stride: number, n: number, H: number): void {
  const d = ranges.data;
  let min = d[3 * s]!;
  let max = d[3 * s + 1]!;
  let maxAbs = d[3 * s + 2]!;
  // Four values at a time while they are all finite (the usual case); one at a time otherwise,
  // where NaN is skipped and an infinite value widens min/max but not maxAbs.
  let fmin = Infinity;
  let fmax = -Infinity;
  const H4 = H & ~3;
  for (let i = 0; i < n; i++) {
    const row = at + i * stride;
    let u = row;
    for (const e = row + H4; u < e; u += 4) {
      const v0 = a[u]!;
      const v1 = a[u + 1]!;
      const v2 = a[u + 2]!;
      const v3 = a[u + 3]!;
      const lo = Math.min(v0, v1, v2, v3);
      const hi = Math.max(v0, v1, v2, v3);
      if (lo > -Infinity && hi < Infinity) {
        if (lo < fmin) fmin = lo;
        if (hi > fmax) fmax = hi;
        continue;
      }
      for (let q = u; q < u + 4; q++) {
        const v = a[q]!;
        if (v < min) min = v;
        if (v > max) max = v;
        const m = v < 0 ? -v : v;
        if (m > maxAbs && m !== Infinity) maxAbs = m;
      }
    }
    for (const e = row + H; u < e; u++) {
      const v = a[u]!;
      if (v < min) min = v;
      if (v > max) max = v;
      const m = v < 0 ? -v : v;
      if (m > maxAbs && m !== Infinity) maxAbs = m;
    }
  }
  d[3 * s] = Math.min(min, fmin);
  d[3 * s + 1] = Math.max(max, fmax);
  d[3 * s + 2] = Math.max(maxAbs, -fmin, fmax);
}
