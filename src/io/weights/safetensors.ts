/**
 * safetensors, what `safetensors.torch.save_file(model.state_dict(), path)` writes:
 *
 *   u64 little-endian N | N bytes of UTF-8 JSON header | data region
 *   header: { "<name>": {"dtype": "F32", "shape": [4, 3], "data_offsets": [begin, end]}, ...,
 *             "__metadata__": {"<key>": "<string>", ...} }   (optional)
 *   offsets are relative to the start of the data region; end - begin = prod(shape) * dtype size.
 *
 * The whole header is validated before a single tensor is read. F32, F16, BF16 and F64 tensors
 * become float32; other known dtypes (I64 counters, U8 masks, ...) are listed but not decoded.
 */
import { InputError } from '../errors.js';
import { tooDeepAt } from '../json-syntax.js';
import { jsonSyntaxError } from './state-dict-json.js';
import {
  checkShape,
  decodeFloats,
  describeValue,
  DTYPE_SIZE,
  FLOAT_DTYPES,
  shapeText,
  type FloatDtype,
  type Tensor,
  type TensorInfo,
} from './tensor.js';

/** The safetensors library's own ceiling for the header. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Nesting the header needs (3) with room to spare; deeper is refused before JSON.parse. */
const MAX_HEADER_DEPTH = 8;

/** Every dtype the safetensors format defines, with its size in bits. */
const KNOWN_DTYPES: Readonly<Record<string, number>> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  I64: 64,
  U64: 64,
  F64: 64,
  C64: 64,
};

export interface SafetensorsFile {
  /** Float tensors as float32, in header order. */
  readonly tensors: Map<string, Tensor>;
  /** Every entry of the header, float or not. */
  readonly infos: TensorInfo[];
  /** `__metadata__`, if any. */
  readonly metadata: Map<string, string>;
}

/** True when the bytes start like a safetensors file (a plausible u64 length, then `{`). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A JSON or text file has no NUL bytes, so a zero high word rules them out.
  return view.getUint32(4, true) === 0;
}

interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

export function parseSafetensors(bytes: Uint8Array, source: string, inPlace = false): SafetensorsFile {
  if (bytes.length < 8) {
    throw new InputError(`truncated safetensors file: ${bytes.length} bytes, the header length alone takes 8`, {
      source,
      tensor: 'header length',
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  const low = view.getUint32(0, true);
  const headerLength = high * 2 ** 32 + low;
  if (high !== 0 || headerLength > MAX_HEADER_BYTES) {
    throw new InputError(`header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit`, {
      source,
      tensor: 'header length',
      hint: 'not a safetensors file, or a corrupt one',
    });
  }
  if (headerLength > bytes.length - 8) {
    throw new InputError(
      `header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length)`,
      { source, tensor: 'header length', hint: 'the file is truncated' },
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new InputError('the header is not valid UTF-8', { source, tensor: 'header' });
  }
  let doc: unknown;
  // {name: {dtype, shape: [...], data_offsets: [...]}, __metadata__: {...}} needs 3 levels.
  if (tooDeepAt(text, MAX_HEADER_DEPTH) >= 0) {
    throw new InputError(`header: JSON nested deeper than ${MAX_HEADER_DEPTH} levels`, { source, tensor: 'header' });
  }
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const e = jsonSyntaxError(text, err, source);
    throw new InputError(`header: ${e.message}`, { source, tensor: 'header' });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`expected a JSON object as the header, got ${describeValue(doc)}`, { source, tensor: 'header' });
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata = new Map<string, string>();
  const entries: Entry[] = [];
  // Object.entries yields own keys only; "__proto__" from JSON.parse is an ordinary own key here.
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new InputError(`expected an object of strings, got ${describeValue(value)}`, { source, tensor: '__metadata__' });
      }
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') {
          throw new InputError(`__metadata__.${key}: expected a string, got ${describeValue(v)}`, { source, tensor: '__metadata__' });
        }
        metadata.set(key, v);
      }
      continue;
    }
    entries.push(readEntry(name, value, dataLength, source));
  }

  // No two tensors may share bytes. Zero-length tensors hold none and are left out: sorted by
  // start, each must begin at or after the furthest end of all before it (not just its neighbour's:
  // an empty or short tensor between two overlapping ones must not hide the overlap).
  const byOffset = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let reach: Entry | undefined;
  for (const cur of byOffset) {
    if (reach !== undefined && cur.begin < reach.end) {
      throw new InputError(
        `data_offsets [${cur.begin}, ${cur.end}] overlap ${reach.name} [${reach.begin}, ${reach.end}]`,
        { source, tensor: cur.name },
      );
    }
    if (reach === undefined || cur.end > reach.end) reach = cur;
  }

  const tensors = new Map<string, Tensor>();
  const infos: TensorInfo[] = [];
  for (const e of entries) {
    infos.push({ name: e.name, shape: e.shape, dtype: e.dtype });
    if (!(FLOAT_DTYPES as readonly string[]).includes(e.dtype)) continue;
    const dtype = e.dtype as FloatDtype;
    const data = decodeFloats(bytes.subarray(dataStart + e.begin, dataStart + e.end), dtype, e.shape, e.name, source, inPlace);
    tensors.set(e.name, { shape: e.shape, data, dtype });
  }
  return { tensors, infos, metadata };
}

function readEntry(name: string, value: unknown, dataLength: number, source: string): Entry {
  const fail = (field: string, message: string): never => {
    throw new InputError(`${field}: ${message}`, { source, tensor: name });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('header entry', `expected {dtype, shape, data_offsets}, got ${describeValue(value)}`);
  }
  const field = (key: string): unknown => (Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined);
  const dtype = field('dtype');
  if (typeof dtype !== 'string') return fail('dtype', `expected a string such as "F32", got ${describeValue(dtype)}`);
  const bits = Object.hasOwn(KNOWN_DTYPES, dtype) ? KNOWN_DTYPES[dtype] : undefined;
  if (bits === undefined) {
    return fail('dtype', `unknown dtype ${JSON.stringify(dtype.slice(0, 20))}, expected one of ${FLOAT_DTYPES.join(', ')}`);
  }
  const shape = field('shape');
  const count = checkShape(shape, 'shape', source, name);
  const offsets = field('data_offsets');
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    return fail('data_offsets', `expected [begin, end] byte offsets, got ${Array.isArray(offsets) ? JSON.stringify(offsets).slice(0, 40) : describeValue(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail('data_offsets', `begin ${begin} is after end ${end}`);
  if (end > dataLength) {
    fail('data_offsets', `[${begin}, ${end}] runs past the end of the data (${dataLength} bytes; the file is truncated?)`);
  }
  const size = (FLOAT_DTYPES as readonly string[]).includes(dtype) ? DTYPE_SIZE[dtype as FloatDtype] : bits / 8;
  if (end - begin !== count * size) {
    fail('data_offsets', `${shapeText(shape as number[])} ${dtype} takes ${count * size} bytes, the offsets give ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Writes a safetensors file (little-endian), for tests and `gatescope init`-style tools. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>,
  dtype: FloatDtype = 'F32',
  metadata?: ReadonlyMap<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && metadata.size > 0) header['__metadata__'] = Object.fromEntries(metadata);
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.data.length * DTYPE_SIZE[dtype];
    Object.defineProperty(header, name, {
      value: { dtype, shape: t.shape, data_offsets: [offset, offset + n] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += n;
  }
  let json = JSON.stringify(header);
  // The reference writer pads the header with spaces to an 8-byte boundary.
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    for (let k = 0; k < t.data.length; k++) {
      const v = t.data[k]!;
      switch (dtype) {
        case 'F32':
          view.setFloat32(at, v, true);
          break;
        case 'F64':
          view.setFloat64(at, v, true);
          break;
        case 'F16':
          view.setUint16(at, numberToHalf(v), true);
          break;
        case 'BF16':
          view.setUint16(at, numberToBfloat16(v), true);
          break;
      }
      at += DTYPE_SIZE[dtype];
    }
  }
  return out;
}

/** Round-to-nearest-even float16 bits. */
export function numberToHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Round-to-nearest-even bfloat16 bits. */
export function numberToBfloat16(v: number): number {
  const x = new Uint32Array(new Float32Array([v]).buffer)[0]!;
  if ((x & 0x7f800000) === 0x7f800000) return (x >>> 16) | (x & 0xffff ? 0x40 : 0);
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}
