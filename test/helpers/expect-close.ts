import { expect } from 'vitest';

/**
 * Compares numbers element-wise with an absolute tolerance; on failure names the worst element:
 * `h[t=4, unit=2]: 3.1e-5 > 1e-5 (got 0.51, expected 0.50997)`.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  label: string,
): void {
  if (actual.length !== expected.length) {
    expect.fail(`${label}: length ${actual.length}, expected ${expected.length}`);
  }
  let worst = -1;
  let worstDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worstDiff) || Number.isNaN(d)) {
      worstDiff = Number.isNaN(d) ? Infinity : d;
      worst = i;
    }
  }
  if (worstDiff > tol) {
    const where = label.includes('{i}') ? label.replace('{i}', String(worst)) : `${label}[${worst}]`;
    expect.fail(`${where}: ${worstDiff.toExponential(2)} > ${tol} (got ${actual[worst]}, expected ${expected[worst]})`);
  }
}
