/**
 * LSTMVis's match search: select a range of steps; the units "on" over it (at or above a
 * threshold at every step of the range) are the pattern; find the other places in the sequence
 * where the same units go on together for as long. A window of the range's length at step s
 * scores the fraction of the pattern's units on throughout it, less a penalty for the units on
 * throughout it that the pattern does not have (a window where everything is on is no match):
 *
 *   score(s) = |on(s) ∩ P| / |P| − |on(s) \ P| / max(1, U − |P|)
 *
 * The best windows come first, none overlapping a better one or the selected range itself.
 */

/** Values of U units over T steps, unit-major: values[u * T + t]. */
export interface UnitValues {
  readonly T: number;
  readonly U: number;
  readonly values: Float64Array;
}

export interface Match {
  /** First step of the window. */
  readonly start: number;
  readonly score: number;
  /** Pattern units on throughout the window, and other units on throughout it. */
  readonly hits: number;
  readonly extra: number;
}

/** The units at or above `threshold` at every step of [a, b]. */
export function unitsOn(v: UnitValues, a: number, b: number, threshold: number): number[] {
  const out: number[] = [];
  for (let u = 0; u < v.U; u++) {
    let on = true;
    for (let t = a; t <= b && on; t++) on = v.values[u * v.T + t]! >= threshold;
    if (on) out.push(u);
  }
  return out;
}

/**
 * Every window of the range's length ranked by score, best first, at most `limit` of them, none
 * overlapping the range [a, b] or a better window. Throws RangeError for a range outside 0..T-1.
 */
export function findMatches(v: UnitValues, a: number, b: number, threshold: number, limit = 10): { pattern: number[]; matches: Match[] } {
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b < v.T)) throw new RangeError(`range ${a}..${b} is outside 0..${v.T - 1}`);
  const pattern = unitsOn(v, a, b, threshold);
  const L = b - a + 1;
  const inPattern = new Uint8Array(v.U);
  for (const u of pattern) inPattern[u] = 1;
  const others = Math.max(1, v.U - pattern.length);
  // run[u]: how many steps up to t unit u has been on in a row; a window ending at t has u on throughout when run >= L
  const run = new Int32Array(v.U);
  const candidates: Match[] = [];
  for (let t = 0; t < v.T; t++) {
    let hits = 0;
    let extra = 0;
    for (let u = 0; u < v.U; u++) {
      run[u] = v.values[u * v.T + t]! >= threshold ? run[u]! + 1 : 0;
      if (t >= L - 1 && run[u]! >= L) {
        if (inPattern[u] === 1) hits++;
        else extra++;
      }
    }
    if (t < L - 1) continue;
    const start = t - L + 1;
    const score = (pattern.length === 0 ? 0 : hits / pattern.length) - extra / others;
    if (hits > 0) candidates.push({ start, score, hits, extra });
  }
  candidates.sort((x, y) => y.score - x.score || x.start - y.start);
  const taken: [number, number][] = [[a, b]];
  const matches: Match[] = [];
  for (const c of candidates) {
    if (matches.length >= limit) break;
    const end = c.start + L - 1;
    if (taken.some(([s, e]) => c.start <= e && end >= s)) continue;
    taken.push([c.start, end]);
    matches.push(c);
  }
  return { pattern, matches };
}
