import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import type { InputOptions } from '../../src/io/input.js';
import { parseNpyRows } from '../../src/io/npy.js';
import { npyRows } from '../../src/io/npy-rows.js';
import { f32, f64, i32, npyBytes } from './npy-bytes.js';

/** Every row and label read on demand equals what io's whole-file reader gives. */
function expectSameAsIo(bytes: Uint8Array, opts: InputOptions = {}): void {
  const io = parseNpyRows(bytes, 'a.npy', opts);
  const rows = npyRows(bytes, 'a.npy', opts);
  expect(rows.length).toBe(io.records.length);
  expect(rows.featureNames).toEqual(io.featureNames);
  const D = io.featureNames.length;
  const out = new Float32Array(rows.length * D);
  expect(rows.read(0, rows.length, out)).toEqual({ rows: rows.length, error: null });
  io.records.forEach((r, t) => {
    expect(Array.from(out.subarray(t * D, (t + 1) * D))).toEqual(Array.from(r.values, Math.fround));
    expect(rows.label(t)).toBe(r.label);
  });
  // any order, any stretch
  const one = new Float32Array(D);
  rows.read(rows.length - 1, 1, one);
  expect(Array.from(one)).toEqual(Array.from(out.subarray((rows.length - 1) * D)));
}

const values = Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 ** (i % 5));

describe('npyRows', () => {
  it('reads (T, D) float32 and float64 as io does, labels included', () => {
    expectSameAsIo(npyBytes('<f4', [6, 4], f32(values)));
    expectSameAsIo(npyBytes('<f8', [6, 4], f64(values)));
    expectSameAsIo(npyBytes('>f8', [8, 3], f64(values, false)));
  });

  it('reads (T,), integers and batches as io does', () => {
    expectSameAsIo(npyBytes('<f4', [24], f32(values)));
    expectSameAsIo(npyBytes('<i4', [4, 6], i32(values.map(Math.round))));
    for (const batchIndex of [0, 1]) {
      expectSameAsIo(npyBytes('<f4', [4, 2, 3], f32(values)), { batchIndex, batchFirst: false });
      expectSameAsIo(npyBytes('<f4', [2, 4, 3], f32(values)), { batchIndex, batchFirst: true });
    }
  });

  it('picks --columns by name or index, as io does', () => {
    expectSameAsIo(npyBytes('<f4', [6, 4], f32(values)), { columns: ['x3', '1'] });
  });

  it('stops at a non-finite value with io’s message, unless allowed', () => {
    const data = [...values];
    data[4 * 3 + 2] = NaN;
    const bytes = npyBytes('<f4', [6, 4], f32(data));
    const rows = npyRows(bytes, 'a.npy');
    const out = new Float32Array(6 * 4);
    expect(rows.read(0, 6, out)).toEqual({ rows: 3, error: 'a.npy: data[t=3, 2]: NaN at t=3 (feature x2): expected a finite number (pass --allow-nan to accept it)' });
    expect(() => parseNpyRows(bytes, 'a.npy')).toThrow('NaN at t=3 (feature x2): expected a finite number');
    expect(npyRows(bytes, 'a.npy', { allowNonFinite: true }).read(0, 6, out)).toEqual({ rows: 6, error: null });
  });

  it('refuses what io refuses, with the same errors', () => {
    const bytes = npyBytes('<f4', [6, 4], f32(values));
    for (const opts of [{ expectedWidth: 3 }, { columns: ['nope'] }, { batchIndex: 2, batchFirst: false }] as InputOptions[]) {
      let ioErr: unknown = null;
      try {
        parseNpyRows(opts.batchIndex !== undefined ? npyBytes('<f4', [4, 2, 3], f32(values)) : bytes, 'a.npy', opts);
      } catch (e) {
        ioErr = e;
      }
      expect(ioErr).toBeInstanceOf(InputError);
      expect(() => npyRows(opts.batchIndex !== undefined ? npyBytes('<f4', [4, 2, 3], f32(values)) : bytes, 'a.npy', opts)).toThrow((ioErr as InputError).message);
    }
    expect(() => npyRows(npyBytes('<f4', [0, 4], new Uint8Array(0)), 'e.npy')).toThrow('no time steps');
    expect(() => npyRows(npyBytes('<f4', [3, 0], new Uint8Array(0)), 'z.npy')).toThrow('(3, 0) has no features');
  });

});
