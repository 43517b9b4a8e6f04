/**
 * A named tensor as every weights format delivers it, before it is mapped onto the engine, and the
 * decoders that turn stored numbers (F32, F16, BF16, F64, nested JSON) into float32.
 *
 * Everything here refuses before it allocates: a shape's element count is checked against
 * MAX_ELEMENTS and against the bytes actually present, so a 20-byte file cannot ask for 4 GB.
 */
import { InputError } from '../errors.js';
import { bfloat16ToNumber, halfToNumber } from '../float16.js';

/** Floating-point storage types we read. Values always arrive as float32 (what the engine holds). */
export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const FLOAT_DTYPES: readonly FloatDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** Bytes per element of each float dtype. */
export const DTYPE_SIZE: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** More dimensions than any recurrent weight, embedding or head needs. */
export const MAX_RANK = 8;

/** 2^27 float32 values (512 MB): far above any network gatescope can show, far below a crash. */
export const MAX_ELEMENTS = 2 ** 27;

export interface Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Row-major values. */
  readonly data: Float32Array;
  /** How the file stored the values (JSON numbers count as F64). */
  readonly dtype?: string;
}

/** What a file holds under one name, for `gatescope inspect` (also non-float tensors we skipped). */
export interface TensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  /** F32, F16, BF16, F64, I64, ... as the file names it; `json` for nested JSON numbers. */
  readonly dtype: string;
  /** What the tensor became: `weight_ih_l0`, `W of LSTM "lstm"`, `extra`, `skipped`, ... */
  readonly role?: string;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[2][1]` for flat index 5 of shape [3, 2]: where a bad value sits, in the file's own indexing. */
export function indexPath(shape: readonly number[], flat: number): string {
  if (shape.length === 0) return '';
  const parts: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]! || 1;
    parts.unshift(rest % n);
    rest = Math.floor(rest / n);
  }
  return parts.map((p) => `[${p}]`).join('');
}

/**
 * Checks a shape read from a file: a list of at most MAX_RANK non-negative integers whose product
 * stays under MAX_ELEMENTS. Returns the element count.
 */
export function checkShape(shape: unknown, what: string, source: string, tensor: string): number {
  if (!Array.isArray(shape)) {
    throw new InputError(`${what}: expected a list of dimensions, got ${describeValue(shape)}`, { source, tensor });
  }
  if (shape.length > MAX_RANK) {
    throw new InputError(`${what}: ${shape.length} dimensions, at most ${MAX_RANK} supported`, { source, tensor });
  }
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new InputError(`${what}: expected non-negative integer dimensions, got ${describeValue(d)}`, { source, tensor });
    }
    n *= d;
    if (n > MAX_ELEMENTS) {
      throw new InputError(`${what}: ${shapeText(shape as number[])} is more than ${MAX_ELEMENTS} values`, { source, tensor });
    }
  }
  return n;
}

/**
 * Little-endian stored floats to float32. `bytes` must hold exactly count * DTYPE_SIZE[dtype]
 * bytes (callers check that first). Rejects NaN and values that are not finite in float32
 * (an F64 1e300 included), naming the tensor and the index.
 * `inPlace`: little-endian F32 at a 4-byte-aligned offset comes back as a view of `bytes` itself
 * (no copy: a big file is then held once, not twice); the caller must leave those bytes alone.
 */
export function decodeFloats(
  bytes: Uint8Array,
  dtype: FloatDtype,
  shape: readonly number[],
  name: string,
  source: string,
  inPlace = false,
): Float32Array {
  const count = elementCount(shape);
  const size = DTYPE_SIZE[dtype];
  if (bytes.length !== count * size) {
    throw new InputError(
      `${shapeText(shape)} ${dtype} needs ${count * size} bytes, got ${bytes.length}`,
      { source, tensor: name },
    );
  }
  if (inPlace && dtype === 'F32' && LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0) {
    const view = new Float32Array(bytes.buffer, bytes.byteOffset, count);
    for (let k = 0; k < count; k++) if (!Number.isFinite(view[k]!)) finiteFloat32(view[k]!, name, shape, k, source);
    return view;
  }
  const out = new Float32Array(count);
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // The common case, one copy: the bytes as float32 (copied first when not 4-byte aligned).
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes); // (a Buffer's slice() would not copy)
    out.set(new Float32Array(aligned.buffer, aligned.byteOffset, count));
    for (let k = 0; k < count; k++) if (!Number.isFinite(out[k]!)) finiteFloat32(out[k]!, name, shape, k, source);
    return out;
  }
  // DataView: the bytes may sit at any offset of the file buffer (no alignment guarantee).
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < count; k++) {
    let v: number;
    switch (dtype) {
      case 'F32':
        v = view.getFloat32(k * 4, true);
        break;
      case 'F16':
        v = halfToNumber(view.getUint16(k * 2, true));
        break;
      case 'BF16':
        v = bfloat16ToNumber(view.getUint16(k * 2, true));
        break;
      case 'F64':
        v = view.getFloat64(k * 8, true);
        break;
    }
    out[k] = finiteFloat32(v, name, shape, k, source);
  }
  return out;
}

/** Whether this machine stores a float32 little-endian (every platform Node runs on, in practice). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** Numbers (protobuf float_data / double_data) to float32, finite-checked like decodeFloats. */
export function floatsFromNumbers(values: ArrayLike<number>, shape: readonly number[], name: string, source: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = finiteFloat32(values[k]!, name, shape, k, source);
  return out;
}

/** `at` is the index path, or the shape and flat index to make it from (only on failure: it costs a string per value). */
function finiteFloat32(v: number, name: string, at: string | readonly number[], k: number, source: string): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) {
    const path = typeof at === 'string' ? at : indexPath(at, k);
    throw new InputError(`${name}${path} is ${v}, not a finite float32 number`, { source, tensor: name });
  }
  return f;
}

/**
 * A nested JSON array (or a number) as a Tensor. Rejects ragged arrays, non-numbers and values
 * that are not finite in float32, naming the tensor and the index path. The structure is checked
 * in full before anything is allocated (a ragged array cannot fake a huge shape).
 */
export function tensorFromNested(value: unknown, name: string, source: string): Tensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (shape.length > MAX_RANK) {
      throw new InputError(`more than ${MAX_RANK} nested levels, not a weight tensor`, { source, tensor: name });
    }
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const checkStructure = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        throw new InputError(`expected a number at ${name}${path}, got ${describeValue(v)}`, { source, tensor: name });
      }
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new InputError(
        `ragged tensor: expected an array of ${shape[depth]} at ${name}${path}, got ${describeValue(v)}`,
        { source, tensor: name },
      );
    }
    for (let i = 0; i < v.length; i++) checkStructure(v[i], depth + 1, `${path}[${i}]`);
  };
  checkStructure(value, 0, '');
  // Consistent now, so the count is bounded by the numbers actually in the document.
  const data = new Float32Array(elementCount(shape));
  let at = 0;
  const fill = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      data[at++] = finiteFloat32(v as number, name, path, 0, source);
      return;
    }
    const arr = v as unknown[];
    for (let i = 0; i < arr.length; i++) fill(arr[i], depth + 1, `${path}[${i}]`);
  };
  fill(value, 0, '');
  return { shape, data, dtype: 'json' };
}

/** A short description of a JSON value for messages (never the value itself: it may be huge). */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return 'a string';
  return typeof v === 'object' ? 'an object' : String(v);
}
