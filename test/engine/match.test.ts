/** LSTMVis's match search (engine/match.ts): the pattern of the marked range, found again elsewhere, best first. */
import { describe, expect, it } from 'vitest';
import { findMatches, unitsOn, type UnitValues } from '../../src/engine/match.js';

/** U units over T steps, each on (1) over the given ranges, else 0. */
function values(T: number, on: Record<number, [number, number][]>, U = 5): UnitValues {
  const v = new Float64Array(U * T);
  for (const [u, ranges] of Object.entries(on)) for (const [a, b] of ranges) for (let t = a; t <= b; t++) v[Number(u) * T + t] = 1;
  return { T, U, values: v };
}

describe('match search', () => {
  const v = values(40, {
    0: [[5, 8], [20, 23], [30, 31]],
    1: [[5, 8], [20, 24], [30, 33]],
    // unit 3 comes on with the pattern at 30: that window is penalised for it
    3: [[29, 34]],
  });

  it('takes the units on at every step of the range as the pattern', () => {
    expect(unitsOn(v, 5, 8, 0.5)).toEqual([0, 1]);
    expect(unitsOn(v, 4, 8, 0.5)).toEqual([]);
  });

  it('ranks the window where the same units go on together first, one penalised for an extra unit lower', () => {
    const { pattern, matches } = findMatches(v, 5, 8, 0.5, 5);
    expect(pattern).toEqual([0, 1]);
    expect(matches[0]).toEqual({ start: 20, score: 1, hits: 2, extra: 0 });
    // at 30 only two steps of unit 0 are on: half the pattern, with unit 3 on as well
    expect(matches.every((m) => m.start + 3 < 5 || m.start > 8)).toBe(true);
    const at30 = matches.find((m) => m.start >= 28 && m.start <= 31);
    expect(at30 === undefined || at30.score < 1).toBe(true);
    // no two windows overlap
    const spans = matches.map((m) => [m.start, m.start + 3] as const);
    spans.forEach(([a, b], i) => spans.forEach(([c, d], j) => i !== j && expect(a <= d && b >= c).toBe(false)));
  });

  it('refuses a range outside the steps', () => {
    expect(() => findMatches(v, 38, 41, 0.5)).toThrow(RangeError);
  });
});
