/**
 * A Keras 3 `.keras` file (`model.save('m.keras')`): a zip (keras saving/saving_lib.py,
 * _save_model_to_fileobj) holding, in this order,
 *
 *   metadata.json       {"keras_version": "3.x", "date_saved": ...}
 *   config.json         the model config (serialize_keras_object(model))
 *   model.weights.h5    the weights, Keras 3 layout (keras-h5.ts)
 *   assets/...          (some layers; not read)
 *
 * The zip directory is read here (a few fixed-size records); entries are inflated with fflate.
 * Why fflate: a synchronous inflate into a buffer we allocate at the size the directory declares,
 * so a zip bomb cannot make us hold more than that (and the declared size is itself bounded by the
 * deflate ratio and checked with the entry's CRC-32 afterwards); pure JavaScript with no
 * dependencies, so io/ stays free of node:zlib and the library surface runs anywhere. (JSZip is
 * asynchronous only; adm-zip and yauzl need Node's zlib and, for yauzl, a file descriptor.)
 *
 * Other zips (a PyTorch .pt, whose entries end in data.pkl) are not claimed here.
 */
import { inflateSync } from 'fflate';
import { InputError } from '../errors.js';

export const KERAS_ZIP_ENTRIES = ['metadata.json', 'config.json', 'model.weights.h5'] as const;

/** Deflate cannot expand data more than ~1032 times; a directory that claims more lies. */
const MAX_DEFLATE_RATIO = 1032;

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * True when the bytes are a .keras zip: its first entry is one Keras writes first, or (for a zip
 * written in another order) its directory lists config.json and model.weights.h5. Works on the
 * first kilobytes of a file too (the first entry's name is in its first local header).
 */
export function looksLikeKerasZip(bytes: Uint8Array): boolean {
  if (!isZip(bytes) || bytes.length < 30) return false;
  const nameLength = u16(bytes, 26);
  if (30 + nameLength <= bytes.length) {
    const first = new TextDecoder().decode(bytes.subarray(30, 30 + nameLength));
    if ((KERAS_ZIP_ENTRIES as readonly string[]).includes(first)) return true;
  }
  const entries = zipDirectory(bytes, '');
  if (entries === null) return false;
  const names = new Set(entries.map((e) => e.name));
  return names.has('config.json') && names.has('model.weights.h5');
}

/** The central directory, or null when there is none (not a complete zip). */
function zipDirectory(bytes: Uint8Array, source: string): ZipEntry[] | null {
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(bytes, at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = u16(bytes, eocd + 10);
  const size = u32(bytes, eocd + 12);
  const offset = u32(bytes, eocd + 16);
  if (offset === 0xffffffff || count === 0xffff) {
    throw new InputError('a zip64 archive (over 4 GB): not supported', { source });
  }
  if (offset + size > eocd) return null;
  const out: ZipEntry[] = [];
  let at = offset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > eocd || u32(bytes, at) !== 0x02014b50) return null;
    const nameLength = u16(bytes, at + 28);
    const skip = nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (at + 46 + nameLength > eocd) return null;
    out.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: u16(bytes, at + 10),
      crc: u32(bytes, at + 16),
      compressedSize: u32(bytes, at + 20),
      size: u32(bytes, at + 24),
      localOffset: u32(bytes, at + 42),
    });
    at += 46 + skip;
  }
  return out;
}

export interface KerasZip {
  /** config.json, parsed. */
  readonly config: unknown;
  /** metadata.json's string fields (keras_version, date_saved). */
  readonly metadata: Map<string, string>;
  /** model.weights.h5 */
  readonly weights: Uint8Array;
}

export function readKerasZip(bytes: Uint8Array, source: string): KerasZip {
  const entries = zipDirectory(bytes, source);
  if (entries === null) throw new InputError('a truncated or damaged zip: no central directory at the end (a .keras file is a zip)', { source });
  const entry = (name: string): ZipEntry => {
    const e = entries.find((x) => x.name === name);
    if (e === undefined) {
      throw new InputError(`missing ${name} in the .keras zip (it has ${entries.slice(0, 6).map((x) => JSON.stringify(x.name)).join(', ') || 'no entries'})`, { source, tensor: name });
    }
    return e;
  };
  const text = (name: string): unknown => {
    const data = extract(bytes, entry(name), source);
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    } catch (err) {
      throw new InputError(`not valid JSON (${err instanceof Error ? err.message : String(err)})`, { source, tensor: name });
    }
  };
  const config = text('config.json');
  const metadata = new Map<string, string>();
  if (entries.some((e) => e.name === 'metadata.json')) {
    const m = text('metadata.json');
    if (typeof m === 'object' && m !== null) {
      for (const [k, v] of Object.entries(m)) if (typeof v === 'string') metadata.set(k, v);
    }
  }
  if (!entries.some((e) => e.name === 'model.weights.h5') && entries.some((e) => e.name === 'model.weights.npz')) {
    throw new InputError('the weights are model.weights.npz (weights_format="npz"): save with the default h5 weights', { source, tensor: 'model.weights.npz' });
  }
  return { config, metadata, weights: extract(bytes, entry('model.weights.h5'), source) };
}

function extract(bytes: Uint8Array, e: ZipEntry, source: string): Uint8Array {
  const where = { source, tensor: e.name };
  if (e.localOffset + 30 > bytes.length || u32(bytes, e.localOffset) !== 0x04034b50) {
    throw new InputError('the zip directory points at no local header (a damaged zip)', where);
  }
  const start = e.localOffset + 30 + u16(bytes, e.localOffset + 26) + u16(bytes, e.localOffset + 28);
  if (start + e.compressedSize > bytes.length) {
    throw new InputError(`truncated: ${e.compressedSize} compressed bytes declared, ${Math.max(0, bytes.length - start)} present`, where);
  }
  const packed = bytes.subarray(start, start + e.compressedSize);
  let data: Uint8Array;
  if (e.method === 0) {
    if (e.size !== e.compressedSize) throw new InputError('a stored entry whose two sizes differ (a damaged zip)', where);
    data = packed;
  } else if (e.method === 8) {
    if (e.size > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw new InputError(`declares ${e.size} bytes from ${e.compressedSize} compressed, more than deflate can give (a damaged zip or a zip bomb)`, where);
    }
    const out = new Uint8Array(e.size);
    try {
      data = inflateSync(packed, { out });
    } catch (err) {
      throw new InputError(`cannot inflate (${err instanceof Error ? err.message : String(err)})`, where);
    }
    if (data.length !== e.size) throw new InputError(`inflates to ${data.length} bytes, the zip directory says ${e.size}`, where);
  } else {
    throw new InputError(`compression method ${e.method}: expected stored (0) or deflate (8)`, where);
  }
  if (crc32(data) !== e.crc) throw new InputError('CRC-32 mismatch (a damaged zip)', where);
  return data;
}

let crcTable: Uint32Array | null = null;

function crc32(data: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
