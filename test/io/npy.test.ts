import { describe, expect, it } from 'vitest';
import type { InputOptions } from '../../src/io/input.js';
import { parseNpyHeader, parseNpyRows } from '../../src/io/npy.js';
import { numberText } from '../../src/io/rows.js';
import { f32, f64, i32, npyBytes } from './npy-bytes.js';
import { messageOf } from '../helpers/input-error.js';

const rows = (bytes: Uint8Array, opts: InputOptions = {}) => parseNpyRows(bytes, 'x.npy', opts).records.map((r) => [...r.values]);

const bad = (bytes: Uint8Array, opts: InputOptions = {}): string => messageOf(() => parseNpyRows(bytes, 'x.npy', opts));

describe('parseNpyRows', () => {
  it('reads (T, D) float64 and float32 in both byte orders', () => {
    const v = [1, 2, 3, 4, 5, 6];
    expect(rows(npyBytes('<f8', [3, 2], f64(v)))).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(rows(npyBytes('>f8', [3, 2], f64(v, false)))).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(rows(npyBytes('<f4', [2, 3], f32(v)))).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(rows(npyBytes('>i4', [2, 3], i32(v, false)))).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('reads (T,) as one feature and lines as step + 1', () => {
    const r = parseNpyRows(npyBytes('<f8', [3], f64([0.5, 1, 2])), 'x.npy');
    expect(r.featureNames).toEqual(['x0']);
    expect(r.records.map((x) => [x.line, x.label])).toEqual([[1, '0.5'], [2, '1'], [3, '2']]);
  });

  it('reads header versions 2 and 3', () => {
    expect(rows(npyBytes('<f8', [1, 2], f64([1, 2]), { version: 2 }))).toEqual([[1, 2]]);
    expect(rows(npyBytes('<f8', [1, 2], f64([1, 2]), { version: 3 }))).toEqual([[1, 2]]);
  });

  it('picks one sequence of a (T, B, D) or (B, T, D) batch', () => {
    // (T=2, B=2, D=1): t0 = [b0: 1, b1: 2], t1 = [b0: 3, b1: 4]
    const tbd = npyBytes('<f8', [2, 2, 1], f64([1, 2, 3, 4]));
    expect(rows(tbd, { batchFirst: false })).toEqual([[1], [3]]);
    expect(rows(tbd, { batchFirst: false, batchIndex: 1 })).toEqual([[2], [4]]);
    // As (B=2, T=2, D=1): b0 = [1, 2], b1 = [3, 4]
    expect(rows(tbd, { batchFirst: true, batchIndex: 1 })).toEqual([[3], [4]]);
    expect(bad(tbd, { batchFirst: false, batchIndex: 2 })).toBe('x.npy: header.shape: batch index 2 is out of range: the batch has 2 sequences (shape read as (T, B, D))');
  });

  it('refuses a 3-d shape that reads both ways, naming both readings and the flags', () => {
    const msg =
      'x.npy: header.shape: (3, 2, 1) is either 3 steps of a batch of 2 (T, B, D) or 3 sequences of 2 steps (B, T, D) ' +
      "(pass --no-batch-first for (T, B, D), PyTorch's default, or --batch-first for (B, T, D))";
    expect(bad(npyBytes('<f8', [3, 2, 1], f64([1, 2, 3, 4, 5, 6])))).toBe(msg);
    expect(bad(npyBytes('<f8', [3, 2, 1], f64([1, 2, 3, 4, 5, 6])), { batchIndex: 1 })).toBe(msg);
  });

  it('reads a batch of one from the shape: the dimension of size 1 is the batch', () => {
    // (T=3, B=1, D=1) and (B=1, T=3, D=1) are both the sequence 1, 2, 3
    expect(rows(npyBytes('<f8', [3, 1, 1], f64([1, 2, 3])))).toEqual([[1], [2], [3]]);
    expect(rows(npyBytes('<f8', [1, 3, 1], f64([1, 2, 3])))).toEqual([[1], [2], [3]]);
    expect(rows(npyBytes('<f8', [1, 1, 2], f64([1, 2])))).toEqual([[1, 2]]);
    // a flag still wins: (1, 3, 1) as (T=1, B=3) is one step of the first sequence
    expect(rows(npyBytes('<f8', [1, 3, 1], f64([1, 2, 3])), { batchFirst: false })).toEqual([[1]]);
  });

  it('refuses Fortran order when it matters', () => {
    expect(bad(npyBytes('<f8', [2, 2], f64([1, 2, 3, 4]), { fortran: true }))).toBe(
      'x.npy: header.fortran_order: fortran_order True is not supported (save np.ascontiguousarray(a))',
    );
    expect(rows(npyBytes('<f8', [2, 1], f64([1, 2]), { fortran: true }))).toEqual([[1], [2]]);
  });

  it('names a bad magic, version, key and dtype', () => {
    const good = npyBytes('<f8', [1], f64([1]));
    const magic = good.slice();
    magic[1] = 0x58;
    expect(bad(magic)).toBe('x.npy: magic: not a .npy file: the magic string "\\x93NUMPY" is missing');
    const version = good.slice();
    version[6] = 4;
    expect(bad(version)).toBe('x.npy: version: unsupported .npy version 4.0 (expected 1.0, 2.0 or 3.0)');
    expect(bad(npyBytes('', [1], f64([1]), { header: "{'descr': '<f8', 'shape': (1,), }" }))).toBe("x.npy: header: the header has no 'fortran_order' key");
    expect(bad(npyBytes('<c16', [1], new Uint8Array(16)))).toBe("x.npy: header.descr: unsupported dtype '<c16' (expected float16/32/64 or (u)int8/16/32/64)");
    expect(bad(npyBytes('', [1], f64([1]), { header: "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }" }))).toMatch(/^x\.npy: header: unsupported value/);
  });

  it('checks that the data is exactly as long as the shape says', () => {
    expect(bad(npyBytes('<f8', [3, 2], f64([1, 2, 3])))).toBe('x.npy: data: truncated: shape (3, 2) x 8 bytes needs 48 bytes of data, the file has 24');
    expect(bad(npyBytes('<f8', [1], f64([1, 2])))).toBe('x.npy: data: 8 bytes after the data that shape (1) describes');
    expect(bad(npyBytes('<f8', [1], f64([1])).subarray(0, 20))).toMatch(/^x\.npy: header: truncated: the header claims \d+ bytes/);
  });

  it('refuses an absurd shape before allocating anything', () => {
    expect(bad(npyBytes('<f8', [1000000, 1000000], new Uint8Array(0)))).toBe(
      `x.npy: header.shape: (1000000, 1000000) is more than ${2 ** 27} values (the limit protects memory)`,
    );
    expect(bad(npyBytes('<f8', [4, 4], f64(new Array(16).fill(0))), { maxValues: 8 })).toMatch(/is more than 8 values/);
  });

  it('checks the width and finiteness', () => {
    expect(bad(npyBytes('<f8', [1, 2], f64([1, 2])), { expectedWidth: 3 })).toBe("x.npy: header.shape: expected 3 features (the weights' input size), got 2");
    expect(bad(npyBytes('<f8', [2, 2], f64([1, 2, 3, NaN])))).toBe('x.npy: data[t=1, 1]: NaN at t=1 (feature x1): expected a finite number (pass --allow-nan to accept it)');
    expect(rows(npyBytes('<f8', [1, 2], f64([1, NaN])), { allowNonFinite: true })).toEqual([[1, NaN]]);
  });

  it('returns no records for zero steps and refuses zero features', () => {
    expect(rows(npyBytes('<f8', [0, 3], new Uint8Array(0)))).toEqual([]);
    expect(bad(npyBytes('<f8', [3, 0], new Uint8Array(0)))).toBe('x.npy: header.shape: (3, 0) has no features');
  });

  it('parses the header fields', () => {
    const h = parseNpyHeader(npyBytes('>f4', [2, 3], f32([1, 2, 3, 4, 5, 6], false)), 'x.npy');
    expect(h).toMatchObject({ version: '1.0', littleEndian: false, kind: 'f', itemSize: 4, fortranOrder: false, shape: [2, 3] });
  });
});

describe('step labels of binary numbers', () => {
  it('write a float32 as the shortest decimal that reads back as it, not its float64 widening', () => {
    const r = parseNpyRows(npyBytes('<f4', [2, 2], f32([0.1, -0.9532056, 1e-7, 3])), 'x.npy');
    expect(r.records.map((x) => x.label)).toEqual(['0.1, -0.9532056', '1e-7, 3']);
    const d = parseNpyRows(npyBytes('<f8', [1, 2], f64([0.1, 0.30000000000000004])), 'x.npy');
    expect(d.records[0]!.label).toBe('0.1, 0.30000000000000004');
  });

  it('round-trip: every label number reads back as the exact float32', () => {
    for (const v of [0.1, 1 / 3, -2.5e-30, 123456.789, 16777217, Math.PI]) {
      const f = Math.fround(v);
      expect(Math.fround(Number(numberText(f)))).toBe(f);
      expect(numberText(f).replace(/[-.]|e.*$/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
  });
});
