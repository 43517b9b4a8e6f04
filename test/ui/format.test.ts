import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fit, fmtNum, fmtNumSigned, fmtSigned, fmtUnit, textWidth } from '../../src/ui/format.js';

describe('fmtSigned', () => {
  const cases: [number, string][] = [
    [0.7342, '+0.734'],
    [-0.7342, '-0.734'],
    [9.9996, '+10.00'],
    [-12.345, '-12.35'],
    [123.45, '+123.5'],
    [-12345, '-12345'],
    [123456, '+1.2e5'],
    [-1.5e12, '-2e12'.padStart(6)],
    [0.0004, '+0.000'],
    [-0.0004, '-0.000'],
    [0, '+0.000'],
    [NaN, '   NaN'],
    [-Infinity, '  -Inf'],
  ];
  for (const [v, want] of cases) it(`writes ${v} as "${want}"`, () => expect(fmtSigned(v)).toBe(want));

  it('always fits the width and keeps the sign of any finite number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 6, max: 10 }), (v, w) => {
        const s = fmtSigned(v, w);
        expect(s).toHaveLength(w);
        expect(s.trim()[0]).toBe(v < 0 || Object.is(v, -0) ? '-' : '+');
      }),
    );
  });
});

describe('fmtUnit', () => {
  it('shows gate values without a sign', () => {
    expect(fmtUnit(0.5)).toBe('0.5000');
    expect(fmtUnit(1)).toBe('1.0000');
    expect(fmtUnit(0.99996)).toBe('1.0000');
  });
  it('falls back to a signed value outside 0..1', () => expect(fmtUnit(-0.25)).toBe('-0.250'));
});

describe('fmtNum', () => {
  it('keeps 4 significant figures', () => {
    expect(fmtNum(0.123456)).toBe('0.1235');
    expect(fmtNum(-12.3456)).toBe('-12.35');
    expect(fmtNum(1234.5)).toBe('1235');
    expect(fmtNum(0)).toBe('0');
    expect(fmtNum(2e-7)).toBe('2.000e-7');
    expect(fmtNumSigned(0.5)).toBe('+0.5000');
    expect(fmtNumSigned(-0.5)).toBe('-0.5000');
  });
});

describe('text width', () => {
  it('counts wide characters twice and combining marks not at all', () => {
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('日本')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('█▏│')).toBe(3);
  });
  it('fits text to an exact width, cutting with an ellipsis', () => {
    expect(fit('hello', 8)).toBe('hello   ');
    expect(fit('hello', 8, 'right')).toBe('   hello');
    expect(fit('hello world', 8)).toBe('hello w…');
    expect(fit('日本語', 4)).toBe('日… ');
    for (const s of ['hello world', '日本語テキスト', 'a\u0301bc']) for (let w = 1; w < 12; w++) expect(textWidth(fit(s, w))).toBe(w);
  });
});
