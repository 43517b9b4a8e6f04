/**
 * NumPy .npy (np.save), read whole. Format (numpy.lib.format):
 *   "\x93NUMPY" major minor, header length (uint16 LE for v1, uint32 LE for v2/v3),
 *   a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (T, D), }, then the data.
 * Everything the header claims is checked (keys, dtype, order, shape x itemsize == bytes present)
 * before a single output value is allocated.
 *
 * Shapes: (T,) one feature; (T, D); (T, B, D) with batchFirst false, or (B, T, D) with batchFirst
 * true, of which the sequence `batchIndex` is read. Without batchFirst a 3-d shape is read only when
 * the file itself tells: (n, 1, D) is (T, B=1, D), (1, n, D) is (B=1, T, D) (a one-step sequence in
 * a batch is never what np.save of a single sequence meant); (a, b, D) with a, b > 1 could be
 * either and is refused, naming both readings. dtypes: float16/32/64, int8/16/32/64, uint8/16/32/64 in either byte order.
 */
import { InputError, visible } from './errors.js';
import { halfToNumber } from './float16.js';
import { defaultFeatureNames, DEFAULT_MAX_VALUES, type InputOptions, type InputRecord } from './input.js';
import { RowShaper } from './rows.js';
import type { ParsedRows } from './json.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10 KB when loading untrusted files (max_header_size). */
const MAX_HEADER_BYTES = 1 << 16;

export interface NpyHeader {
  readonly version: string;
  readonly littleEndian: boolean;
  readonly kind: 'f' | 'i' | 'u';
  readonly itemSize: number;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Offset of the first data byte. */
  readonly dataOffset: number;
}

export function isNpy(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads and checks the header, including that the data is exactly as long as the shape says. */
export function parseNpyHeader(bytes: Uint8Array, source: string, maxValues = DEFAULT_MAX_VALUES): NpyHeader {
  const err = (message: string, tensor: string, hint?: string) => new InputError(message, { source, tensor, hint });
  if (bytes.length < 6 || !isNpy(bytes)) throw err('not a .npy file: the magic string "\\x93NUMPY" is missing', 'magic');
  if (bytes.length < 10) throw err('truncated: the file ends inside the header', 'header');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw err(`unsupported .npy version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`, 'version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw err('truncated: the file ends inside the header', 'header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (headerLen > MAX_HEADER_BYTES) throw err(`header length ${headerLen} is larger than ${MAX_HEADER_BYTES} bytes`, 'header');
  if (start + headerLen > bytes.length) throw err(`truncated: the header claims ${headerLen} bytes, the file has ${bytes.length - start}`, 'header');
  const headerBytes = bytes.subarray(start, start + headerLen);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const dict = parsePyDict(text, source);

  const keys = [...dict.keys()].sort();
  const expected = ['descr', 'fortran_order', 'shape'];
  for (const k of expected) if (!dict.has(k)) throw err(`the header has no '${k}' key`, 'header');
  const extra = keys.find((k) => !expected.includes(k));
  if (extra !== undefined) throw err(`unexpected key '${visible(extra)}' in the header`, 'header');

  const descr = dict.get('descr');
  if (typeof descr !== 'string') throw err('expected a dtype string such as \'<f4\'', 'header.descr', 'structured arrays are not supported');
  const m = /^([<>|=])([fiu])(\d+)$/.exec(descr);
  const kind = m?.[2] as 'f' | 'i' | 'u' | undefined;
  const size = m ? Number(m[3]) : 0;
  const supported = kind === 'f' ? [2, 4, 8] : [1, 2, 4, 8];
  if (!m || kind === undefined || !supported.includes(size)) {
    throw err(`unsupported dtype '${visible(descr)}'`, 'header.descr', 'expected float16/32/64 or (u)int8/16/32/64');
  }
  const order = m[1]!;
  if (order === '|' && size !== 1) throw err(`unsupported dtype '${visible(descr)}': '|' needs a 1-byte type`, 'header.descr');

  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw err('expected True or False', 'header.fortran_order');

  const shape = dict.get('shape');
  if (!Array.isArray(shape)) throw err('expected a tuple of sizes', 'header.shape');
  let count = 1;
  for (const d of shape) {
    count *= d;
    // Checked at every factor so that an absurd claim is refused before any arithmetic overflows.
    if (count > maxValues) {
      throw err(`(${shape.join(', ')}) is more than ${maxValues} values`, 'header.shape', 'the limit protects memory');
    }
  }
  const dataOffset = start + headerLen;
  const need = count * size;
  const have = bytes.length - dataOffset;
  if (need !== have) {
    throw err(
      need > have ? `truncated: shape (${shape.join(', ')}) x ${size} bytes needs ${need} bytes of data, the file has ${have}` : `${have - need} bytes after the data that shape (${shape.join(', ')}) describes`,
      'data',
    );
  }
  // (N,) or (N, 1, ...) have the same layout in both orders; anything else would need a transpose.
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw err('fortran_order True is not supported', 'header.fortran_order', 'save np.ascontiguousarray(a)');
  }
  return {
    version: `${major}.${minor}`,
    littleEndian: order === '<' || order === '|' || order === '=',
    kind,
    itemSize: size,
    fortranOrder: fortran,
    shape,
    dataOffset,
  };
}

/** Where step t's features sit: item (base + t * tStride + i) of the data, for i < D. */
export interface NpyLayout {
  readonly T: number;
  readonly D: number;
  readonly base: number;
  readonly tStride: number;
}

/**
 * The sequence inside a checked header: (T,), (T, D), or one sequence of a batch (T, B, D) /
 * (B, T, D) chosen by --batch-index and --batch-first. Steps without features are refused (an
 * empty sequence is left to the caller); the width against the weights is the RowShaper's check
 * at the first row.
 */
export function npyLayout(h: NpyHeader, source: string, opts: InputOptions): NpyLayout {
  const layout = sequenceLayout(h.shape, source, opts);
  if (layout.T > 0 && layout.D === 0) {
    throw new InputError(`(${h.shape.join(', ')}) has no features`, { source, tensor: 'header.shape' });
  }
  return layout;
}

function sequenceLayout(shape: readonly number[], source: string, opts: InputOptions): NpyLayout {
  const err = (message: string, tensor: string, hint?: string) => new InputError(message, { source, tensor, hint });
  if (shape.length === 1) return { T: shape[0]!, D: 1, base: 0, tStride: 1 };
  if (shape.length === 2) return { T: shape[0]!, D: shape[1]!, base: 0, tStride: shape[1]! };
  if (shape.length === 3) {
    const [d0, d1, d2] = shape as [number, number, number];
    if (opts.batchFirst === undefined && d0 > 1 && d1 > 1) {
      throw err(
        `(${d0}, ${d1}, ${d2}) is either ${d0} steps of a batch of ${d1} (T, B, D) or ${d0} sequences of ${d1} steps (B, T, D)`,
        'header.shape',
        'pass --no-batch-first for (T, B, D), PyTorch\'s default, or --batch-first for (B, T, D)',
      );
    }
    const batchFirst = opts.batchFirst ?? (d0 === 1 && d1 > 1);
    const B = batchFirst ? shape[0]! : shape[1]!;
    const T = batchFirst ? shape[1]! : shape[0]!;
    const D = shape[2]!;
    const b = opts.batchIndex ?? 0;
    if (b >= B) {
      throw err(`batch index ${b} is out of range: the batch has ${B} sequence${B === 1 ? '' : 's'}`, 'header.shape', batchFirst ? 'shape read as (B, T, D)' : 'shape read as (T, B, D)');
    }
    return batchFirst ? { T, D, base: b * T * D, tStride: D } : { T, D, base: b * D, tStride: B * D };
  }
  throw err(`expected (T,), (T, D) or a batch (T, B, D), got (${shape.join(', ')})`, 'header.shape');
}

export function parseNpyRows(bytes: Uint8Array, source: string, opts: InputOptions = {}): ParsedRows {
  const h = parseNpyHeader(bytes, source, opts.maxValues ?? DEFAULT_MAX_VALUES);
  const { T, D, base, tStride } = npyLayout(h, source, opts);
  if (T === 0) return { featureNames: defaultFeatureNames(D), records: [] };
  const shaper = new RowShaper(source, defaultFeatureNames(D), { ...opts, namesPlace: { tensor: 'header.shape' } });
  const read = npyItemReader(bytes, h);
  const raw = new Float64Array(D);
  const records: InputRecord[] = [];
  for (let t = 0; t < T; t++) {
    const at = base + t * tStride;
    for (let i = 0; i < D; i++) raw[i] = read(at + i);
    records.push(shaper.record(raw, null, t + 1, (i) => ({ tensor: i < 0 ? 'header.shape' : `data[t=${t}, ${i}]` })));
  }
  return { featureNames: shaper.featureNames, records };
}

/** Reads item k (counted in items from the start of the data) as a number. */
export function npyItemReader(bytes: Uint8Array, h: NpyHeader): (item: number) => number {
  const start = bytes.byteOffset + h.dataOffset;
  const view = new DataView(bytes.buffer, start, bytes.byteLength - h.dataOffset);
  const le = h.littleEndian;
  const n = h.itemSize;
  // the common case, little-endian float32 on an aligned offset, without a DataView call per value
  if (h.kind === 'f' && n === 4 && le && start % 4 === 0) {
    const f32 = new Float32Array(bytes.buffer, start, (bytes.byteLength - h.dataOffset) >> 2);
    return (k) => f32[k]!;
  }
  switch (h.kind) {
    case 'f':
      if (n === 2) return (k) => halfToNumber(view.getUint16(k * 2, le));
      if (n === 4) return (k) => view.getFloat32(k * 4, le);
      return (k) => view.getFloat64(k * 8, le);
    case 'i':
      if (n === 1) return (k) => view.getInt8(k);
      if (n === 2) return (k) => view.getInt16(k * 2, le);
      if (n === 4) return (k) => view.getInt32(k * 4, le);
      return (k) => Number(view.getBigInt64(k * 8, le));
    case 'u':
      if (n === 1) return (k) => view.getUint8(k);
      if (n === 2) return (k) => view.getUint16(k * 2, le);
      if (n === 4) return (k) => view.getUint32(k * 4, le);
      return (k) => Number(view.getBigUint64(k * 8, le));
  }
}

type PyValue = string | boolean | number[] | number;

/**
 * The header dict: string keys; values are strings, True/False, ints and tuples of ints. Anything
 * else (lists of fields for structured dtypes, nested dicts) is refused.
 */
function parsePyDict(text: string, source: string): Map<string, PyValue> {
  let i = 0;
  const err = (message: string) => new InputError(`${message} at character ${i + 1} of the header`, { source, tensor: 'header' });
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) throw err(`expected '${c}', got ${text[i] === undefined ? 'the end' : `'${visible(text[i]!)}'`}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') throw err('expected a quoted string');
    const end = text.indexOf(q, i + 1);
    if (end < 0) throw err('a string is not closed');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^\d{1,16}/.exec(text.slice(i, i + 17));
    if (!m) throw err('expected a size');
    i += m[0].length;
    return Number(m[0]);
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) return (i += 4), true;
    if (text.startsWith('False', i)) return (i += 5), false;
    if (c === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') break;
        dims.push(int());
        if (dims.length > 32) throw err('too many dimensions');
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') throw err("expected ',' or ')' in the shape");
      }
      i++;
      return dims;
    }
    if (c !== undefined && c >= '0' && c <= '9') return int();
    throw err(`unsupported value ${c === undefined ? '(the end)' : `'${visible(text.slice(i, i + 12))}'`}`);
  };
  const dict = new Map<string, PyValue>();
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    if (dict.has(key)) throw err(`duplicate key '${visible(key)}'`);
    expect(':');
    dict.set(key, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw err("expected ',' or '}'");
  }
  i++;
  ws();
  if (i < text.length) throw err('unexpected text after the dict');
  return dict;
}
