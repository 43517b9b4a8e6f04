import { describe, expect, it } from 'vitest';
import { softmax, topK } from '../../src/engine/softmax.js';

describe('softmax', () => {
  it('matches exp(z)/sum exp(z) and sums to 1', () => {
    const p = softmax([1, 2, 3]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0]! + e[1]! + e[2]!;
    p.forEach((v, k) => expect(v).toBeCloseTo(e[k]! / s, 12));
  });
  it('is stable for huge logits', () => {
    const p = softmax([1000, 1001]);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 12);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
  it('NaN in, NaN out', () => {
    expect(Number.isNaN(softmax([0, NaN])[0]!)).toBe(true);
  });
});

describe('topK', () => {
  it('orders by probability, ties by index', () => {
    expect(topK([0.1, 0.4, 0.4, 0.1], 3).map((g) => g.index)).toEqual([1, 2, 0]);
    expect(topK([0.5], 5)).toEqual([{ index: 0, p: 0.5 }]);
  });
});
