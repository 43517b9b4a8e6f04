import { describe, expect, it } from 'vitest';
import { loadWeights } from '../../../src/io/weights/index.js';
import {
  encodeSafetensors,
  MAX_HEADER_BYTES,
  numberToBfloat16,
  numberToHalf,
  parseSafetensors,
} from '../../../src/io/weights/safetensors.js';
import { bfloat16ToNumber, halfToNumber } from '../../../src/io/float16.js';
import { fixtureBytes } from './fixtures.js';
import { errorOf } from '../../helpers/input-error.js';

/** A safetensors file from a header written by hand and a data region. */
function raw(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

const parse = (bytes: Uint8Array): ReturnType<typeof parseSafetensors> => parseSafetensors(bytes, 'w.safetensors');

describe('safetensors header validation', () => {
  it('reads a well-formed file, its dtype, shape and metadata', () => {
    const f = parse(raw({ __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32Bytes([1.5, -2])));
    expect([...f.tensors.get('a')!.data]).toEqual([1.5, -2]);
    expect(f.infos).toEqual([{ name: 'a', shape: [2], dtype: 'F32' }]);
    expect([...f.metadata]).toEqual([['format', 'pt']]);
  });

  it('refuses a file shorter than the length field', () => {
    const e = errorOf(() => parse(new Uint8Array([1, 0, 0])));
    expect(e.tensor).toBe('header length');
    expect(e.format()).toMatch(/truncated safetensors file: 3 bytes/);
  });

  it('refuses a header length that runs past the end of the file', () => {
    const bytes = raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32Bytes([1]));
    new DataView(bytes.buffer).setUint32(0, bytes.length, true);
    expect(errorOf(() => parse(bytes)).format()).toMatch(
      /^w\.safetensors: header length \d+ runs past the end of the file \(\d+ bytes after the length\) \(the file is truncated\)$/,
    );
  });

  it('refuses a header length over the limit before reading anything', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
    expect(errorOf(() => parse(bytes)).message).toMatch(/over the 104857600-byte limit/);
    new DataView(bytes.buffer).setUint32(4, 1, true);
    expect(errorOf(() => parse(bytes)).tensor).toBe('header length');
  });

  it('refuses a header that is not JSON, or not an object', () => {
    expect(errorOf(() => parse(raw('{"a": '))).message).toMatch(/^header: invalid JSON/);
    expect(errorOf(() => parse(raw('[1, 2]'))).message).toMatch(/expected a JSON object as the header, got an array of 2/);
    const bad = raw('{}');
    bad[9] = 0xff;
    expect(errorOf(() => parse(bad)).message).toMatch(/not valid UTF-8/);
  });

  it('names the tensor with an unknown dtype', () => {
    const e = errorOf(() => parse(raw({ 'lstm.weight_ih_l0': { dtype: 'F17', shape: [1], data_offsets: [0, 4] } }, f32Bytes([1]))));
    expect(e.tensor).toBe('lstm.weight_ih_l0');
    expect(e.message).toBe('dtype: unknown dtype "F17", expected one of F32, F16, BF16, F64');
  });

  it('names bad shapes and offsets with the header field', () => {
    const cases: [unknown, RegExp][] = [
      [{ dtype: 'F32', shape: 'x', data_offsets: [0, 4] }, /^shape: expected a list of dimensions, got a string/],
      [{ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }, /^shape: expected non-negative integer dimensions, got -1/],
      [{ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }, /^shape: expected non-negative integer dimensions, got 1.5/],
      [{ dtype: 'F32', shape: [1], data_offsets: [0] }, /^data_offsets: expected \[begin, end\] byte offsets, got \[0\]/],
      [{ dtype: 'F32', shape: [1], data_offsets: [4, 0] }, /^data_offsets: begin 4 is after end 0/],
      [{ dtype: 'F32', shape: [1], data_offsets: [0, 8] }, /^data_offsets: \[0, 8\] runs past the end of the data \(4 bytes/],
      [{ dtype: 'F32', shape: [2], data_offsets: [0, 4] }, /^data_offsets: \[2\] F32 takes 8 bytes, the offsets give 4/],
      [{ dtype: 'F32', shape: [65536, 65536], data_offsets: [0, 4] }, /^shape: \[65536, 65536\] is more than 134217728 values/],
      [{ shape: [1], data_offsets: [0, 4] }, /^dtype: expected a string such as "F32", got nothing/],
      [[1], /^header entry: expected \{dtype, shape, data_offsets\}, got an array of 1/],
    ];
    for (const [entry, message] of cases) {
      const e = errorOf(() => parse(raw({ w: entry }, f32Bytes([1]))));
      expect(e.tensor).toBe('w');
      expect(e.message).toMatch(message);
    }
  });

  it('refuses overlapping tensors, naming both', () => {
    const e = errorOf(() =>
      parse(
        raw(
          { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
          f32Bytes([1, 2, 3]),
        ),
      ),
    );
    expect(e.tensor).toBe('b');
    expect(e.message).toBe('data_offsets [4, 12] overlap a [0, 8]');
  });

  it('finds an overlap that a zero-length tensor between the two hides', () => {
    const e = errorOf(() =>
      parse(
        raw(
          {
            a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
            z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
            b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          f32Bytes([1, 2, 3, 4]),
        ),
      ),
    );
    expect(e.tensor).toBe('b');
    expect(e.message).toBe('data_offsets [8, 12] overlap a [0, 16]');
  });

  it('accepts zero-length tensors anywhere, even inside another', () => {
    const st = parse(
      raw(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
        },
        f32Bytes([1, 2, 3]),
      ),
    );
    expect([...st.tensors.keys()].sort()).toEqual(['a', 'b', 'z']);
  });

  it('requires __metadata__ to be a map of strings', () => {
    expect(errorOf(() => parse(raw({ __metadata__: { n: 3 } }))).message).toBe('__metadata__.n: expected a string, got 3');
    expect(errorOf(() => parse(raw({ __metadata__: [] }))).tensor).toBe('__metadata__');
  });

  it('rejects values that are not finite in float32, by name and index', () => {
    const f64 = new Uint8Array(new Float64Array([0, 1e300]).buffer);
    const e = errorOf(() => parse(raw({ 'gru.bias_ih_l0': { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, f64)));
    expect(e.message).toBe('gru.bias_ih_l0[1] is 1e+300, not a finite float32 number');
    const nan = errorOf(() => parse(raw({ m: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] } }, f32Bytes([NaN]))));
    expect(nan.message).toBe('m[0][0] is NaN, not a finite float32 number');
    const inf16 = errorOf(() => parse(raw({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array([0x00, 0x7c]))));
    expect(inf16.message).toBe('h[0] is Infinity, not a finite float32 number');
  });

  it('lists non-float tensors without decoding them, and fails a recurrent weight stored as integers', () => {
    const counter = new Uint8Array(8);
    const f = loadWeights(
      concatFile({ ...rnnHeader(), 'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [RNN_BYTES, RNN_BYTES + 8] } }, counter),
      { source: 's' },
    );
    expect(f.ignored).toEqual(['bn.num_batches_tracked']);
    expect(f.tensors.find((t) => t.name === 'bn.num_batches_tracked')).toMatchObject({ dtype: 'I64', role: 'not used' });
    const header = rnnHeader();
    header['weight_hh_l0'] = { dtype: 'I32', shape: [1, 1], data_offsets: [4, 8] };
    const e = errorOf(() => loadWeights(concatFile(header, new Uint8Array(0)), { source: 's' }));
    expect(e.tensor).toBe('weight_hh_l0');
    expect(e.message).toBe('dtype I32: expected F32, F16, BF16, F64');
  });

  it('keeps __proto__ and constructor as ordinary names', () => {
    const header = { ...rnnHeader() } as Record<string, unknown>;
    Object.defineProperty(header, '__proto__', {
      value: { dtype: 'F32', shape: [1], data_offsets: [RNN_BYTES, RNN_BYTES + 4] },
      enumerable: true,
    });
    header['constructor'] = { dtype: 'F32', shape: [1], data_offsets: [RNN_BYTES + 4, RNN_BYTES + 8] };
    const f = loadWeights(concatFile(header, f32Bytes([7, 8])), { source: 's' });
    expect(f.extra.get('__proto__')!.data[0]).toBe(7);
    expect(f.extra.get('constructor')!.data[0]).toBe(8);
    expect(({} as Record<string, unknown>)['dtype']).toBeUndefined();
  });

  it('round-trips through encodeSafetensors in every float dtype', () => {
    const tensors = new Map([['x', { shape: [2, 2], data: [0.5, -1.25, 3, 0.125] }]]);
    for (const dtype of ['F32', 'F16', 'BF16', 'F64'] as const) {
      const f = parse(encodeSafetensors(tensors, dtype, new Map([['k', 'v']])));
      expect([...f.tensors.get('x')!.data]).toEqual([0.5, -1.25, 3, 0.125]);
      expect(f.tensors.get('x')!.dtype).toBe(dtype);
      expect(f.metadata.get('k')).toBe('v');
    }
  });

  it('decodes and encodes every float16 and bfloat16 bit pattern consistently', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const h = halfToNumber(bits);
      if (!Number.isNaN(h) && numberToHalf(h) !== bits) expect.fail(`half ${bits.toString(16)}: ${h} -> ${numberToHalf(h).toString(16)}`);
      const b = bfloat16ToNumber(bits);
      if (!Number.isNaN(b) && numberToBfloat16(b) !== bits) expect.fail(`bf16 ${bits.toString(16)}: ${b}`);
    }
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(bfloat16ToNumber(0x3f80)).toBe(1);
    // Round to nearest even: 1 + 2^-11 is halfway between 1 and the next half.
    expect(numberToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(numberToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('is what the Python writer produced for the fixtures', () => {
    const f = parse(fixtureBytes('lstm_2l_bidir.bf16.safetensors'));
    expect(f.tensors.get('lstm.weight_hh_l1_reverse')!.shape).toEqual([16, 4]);
    expect(f.infos.map((i) => i.dtype)).toEqual(new Array(f.infos.length).fill('BF16'));
  });

  it('reports truncated data by tensor', () => {
    const bytes = fixtureBytes('lstm_2l_bidir.f32.safetensors');
    const e = errorOf(() => loadWeights(bytes.subarray(0, bytes.length - 10), { source: 'cut.safetensors' }));
    expect(e.format()).toMatch(/^cut\.safetensors: head\.weight: data_offsets: \[\d+, \d+\] runs past the end of the data/);
  });
});

/** A 1-unit RNN: weight_ih_l0 (1, 1), weight_hh_l0 (1, 1), no bias. */
const RNN_BYTES = 8;
function rnnHeader(): Record<string, unknown> {
  return {
    weight_ih_l0: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] },
    weight_hh_l0: { dtype: 'F32', shape: [1, 1], data_offsets: [4, 8] },
  };
}
function concatFile(header: unknown, tail: Uint8Array): Uint8Array {
  const data = new Uint8Array(RNN_BYTES + tail.length);
  data.set(f32Bytes([0.5, 0.25]), 0);
  data.set(tail, RNN_BYTES);
  return raw(header, data);
}
