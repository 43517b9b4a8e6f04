import { describe, expect, it } from 'vitest';
import { bfloat16ToNumber, halfToNumber } from '../../src/io/float16.js';

describe('halfToNumber', () => {
  it('decodes normal, subnormal and special halves', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
    expect(halfToNumber(0x7e00)).toBeNaN();
    expect(halfToNumber(0x3555)).toBeCloseTo(0.33325, 5);
  });
});

describe('bfloat16ToNumber', () => {
  it('reads the top half of a float32', () => {
    expect(bfloat16ToNumber(0x3f80)).toBe(1);
    expect(bfloat16ToNumber(0xc040)).toBe(-3);
    expect(bfloat16ToNumber(0x7f80)).toBe(Infinity);
    expect(bfloat16ToNumber(0x7fc0)).toBeNaN();
  });
});
