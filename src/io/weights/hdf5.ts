/**
 * HDF5 files read with the HDF5 C library itself, compiled to WebAssembly (the npm package h5wasm),
 * and turned into plain data: group listings, string attributes, float tensors. No HDF5 object
 * leaves this module.
 *
 * Why h5wasm's browser build (`h5wasm`, not `h5wasm/node`): it keeps files in an in-memory file
 * system (MEMFS) with the WebAssembly inlined, so bytes in memory are parsed without touching the
 * disk; the Node build maps the real file system (NODERAWFS), where our bytes would have to be
 * written to a temporary file first. It works unchanged on Node 20.
 *
 * The library starts asynchronously (~130 ms to compile its WebAssembly), so it is loaded only when
 * an HDF5 file is met: `await hdf5Ready()` once, then `withHdf5` is synchronous.
 *
 * HDF5 prints its error stack on stderr (fd 2 of the WebAssembly process); fd 2 is replaced by a
 * device that keeps the text, so nothing reaches the terminal and the innermost message
 * ("truncated file: eof = 1000, ...") becomes the one-line InputError.
 */
import { InputError } from '../errors.js';
import { decodeFloats, MAX_ELEMENTS, MAX_RANK, shapeText, type FloatDtype, type Tensor } from './tensor.js';

/** The first 8 bytes of every HDF5 file (at offset 0, or 512, 1024, ... after a user block). */
export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return [0, 512, 1024, 2048].some((at) => HDF5_SIGNATURE.every((b, k) => bytes[at + k] === b));
}

/** What one dataset is, before its values are read. */
export interface Hdf5DatasetInfo {
  readonly shape: readonly number[];
  /** F16, F32, F64; I8..I64, U8..U64; `string`, `other` */
  readonly dtype: string;
}

/** A read-only view of one open file. Paths are absolute ('/model_weights/lstm') or relative to '/'. */
export interface Hdf5Reader {
  readonly source: string;
  /** 'group', 'dataset', or null when nothing (or something else, such as a link) is there. */
  kind(path: string): 'group' | 'dataset' | null;
  /** The names in a group, in the file's order. */
  keys(path: string): string[];
  /** A text (or list of texts) attribute, or undefined. Numbers and other types read as undefined. */
  textAttr(path: string, name: string): string | string[] | undefined;
  /** The names of a node's attributes. */
  attrNames(path: string): string[];
  info(path: string): Hdf5DatasetInfo;
  /** A float dataset as float32 (finite-checked); `tensor` names it in messages. */
  readFloat(path: string, tensor: string): Tensor;
}

// The parts of h5wasm this module uses (its own types drag in emscripten's).
interface H5Metadata {
  readonly type: number;
  readonly size: number;
  readonly signed: boolean;
  readonly littleEndian: boolean;
  readonly shape: number[] | null;
  readonly total_size: number;
  readonly vlen: boolean;
}
interface H5Node {
  readonly type: string;
  keys?(): string[];
  readonly attrs?: Record<string, { readonly metadata: H5Metadata; readonly value: unknown }>;
  readonly metadata?: H5Metadata;
}
interface H5File extends H5Node {
  readonly file_id: bigint;
  get(path: string): H5Node | null;
  close(): unknown;
}
interface H5Lib {
  File: new (name: string, mode: 'r') => H5File;
  Module: {
    _malloc(n: number): number;
    _free(p: number): void;
    HEAPU8: Uint8Array;
    get_dataset_data(file: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
  };
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    unlink(path: string): void;
    makedev(major: number, minor: number): number;
    registerDevice(dev: number, ops: object): void;
    mkdev(path: string, dev: number): void;
    close(stream: unknown): void;
    getStream(fd: number): unknown;
    open(path: string, flags: string): { fd: number };
  };
}

/** HDF5 type classes (H5T_class_t). */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

let lib: H5Lib | null = null;
let starting: Promise<void> | null = null;
/** What HDF5 printed on its stderr since the last clear. */
let errText = '';
let fileCounter = 0;

/** Loads and starts the HDF5 library (once). */
export function hdf5Ready(): Promise<void> {
  starting ??= (async () => {
    const mod = (await import('h5wasm')) as unknown as H5Lib & { ready: Promise<unknown> };
    await mod.ready;
    const FS = mod.FS;
    // fd 2 -> a device that keeps the text (see the header)
    const dev = FS.makedev(64, 0);
    FS.registerDevice(dev, {
      open() {},
      close() {},
      read() {
        return 0;
      },
      write(_stream: unknown, buffer: Uint8Array, offset: number, length: number) {
        if (errText.length < 1 << 16) errText += new TextDecoder().decode(buffer.subarray(offset, offset + length));
        return length;
      },
    });
    FS.mkdev('/dev/gatescope-stderr', dev);
    FS.close(FS.getStream(2));
    FS.open('/dev/gatescope-stderr', 'w');
    lib = { File: mod.File, Module: mod.Module, FS } as H5Lib;
  })();
  return starting;
}

export function hdf5IsReady(): boolean {
  return lib !== null;
}

/** The innermost HDF5 error since the last clear, e.g. `truncated file: eof = 1000, ...`. */
function hdf5Message(): string | null {
  const lines = [...errText.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)];
  // the innermost (deepest) frame of the first error stack says what is wrong
  const first = errText.indexOf('HDF5-DIAG', 1);
  const ofFirst = lines.filter((m) => first < 0 || m.index! < first);
  const last = ofFirst.at(-1)?.[1] ?? lines.at(-1)?.[1];
  return last === undefined ? null : last.trim();
}

/**
 * Opens `bytes` as an HDF5 file, runs `fn` on it and closes it. Any failure inside the library
 * becomes an InputError at `source`, with HDF5's own reason when it gave one.
 */
export function withHdf5<T>(bytes: Uint8Array, source: string, fn: (file: Hdf5Reader) => T): T {
  if (lib === null) throw new Error('the HDF5 reader is not started: await hdf5Ready() first');
  const { File, Module, FS } = lib;
  const name = `/gatescope-${++fileCounter}.h5`;
  errText = '';
  FS.writeFile(name, bytes);
  let file: H5File | null = null;
  const fail = (what: string, err?: unknown): InputError => {
    const reason = hdf5Message() ?? (err instanceof Error ? err.message : null);
    return new InputError(`${what}${reason ? `: ${reason}` : ''}`, { source });
  };
  try {
    try {
      file = new File(name, 'r');
    } catch (err) {
      throw fail('not a readable HDF5 file', err);
    }
    if (file.file_id < 0n) throw fail('not a readable HDF5 file');
    const f = file;
    const abs = (path: string): string => (path.startsWith('/') ? path : `/${path}`);
    const node = (path: string): H5Node | null => {
      errText = '';
      try {
        return f.get(abs(path));
      } catch (err) {
        throw fail(`cannot read ${abs(path)}`, err);
      }
    };
    const meta = (path: string): H5Metadata => {
      const n = node(path);
      if (n === null || n.type !== 'Dataset') throw new InputError('missing dataset', { source, tensor: abs(path) });
      try {
        return n.metadata!;
      } catch (err) {
        throw fail(`cannot read ${abs(path)}`, err);
      }
    };
    const reader: Hdf5Reader = {
      source,
      kind(path) {
        let n: H5Node | null;
        try {
          n = node(path);
        } catch {
          return null;
        }
        return n?.type === 'Group' ? 'group' : n?.type === 'Dataset' ? 'dataset' : null;
      },
      keys(path) {
        const n = node(path);
        if (n === null || n.type !== 'Group') throw new InputError('missing group', { source, tensor: abs(path) });
        try {
          return n.keys!();
        } catch (err) {
          throw fail(`cannot list ${abs(path)}`, err);
        }
      },
      attrNames(path) {
        const n = node(path);
        try {
          return n?.attrs ? Object.keys(n.attrs) : [];
        } catch (err) {
          throw fail(`cannot read the attributes of ${abs(path)}`, err);
        }
      },
      textAttr(path, key) {
        const n = node(path);
        if (n === null) return undefined;
        try {
          const attrs = n.attrs;
          if (attrs === undefined || !Object.prototype.hasOwnProperty.call(attrs, key)) return undefined;
          const a = attrs[key]!;
          if (a.metadata.type !== H5T_STRING) return undefined;
          const v = a.value;
          if (typeof v === 'string') return v;
          if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
          return undefined;
        } catch (err) {
          throw fail(`cannot read attribute ${key} of ${abs(path)}`, err);
        }
      },
      info(path) {
        return infoOf(meta(path));
      },
      readFloat(path, tensor) {
        const m = meta(path);
        const info = infoOf(m);
        if (info.shape.length > MAX_RANK) {
          throw new InputError(`${info.shape.length} dimensions, at most ${MAX_RANK} supported`, { source, tensor });
        }
        if (m.type !== H5T_FLOAT || ![2, 4, 8].includes(m.size)) {
          throw new InputError(`dtype ${info.dtype}: expected F16, F32 or F64`, { source, tensor });
        }
        if (m.total_size > MAX_ELEMENTS) {
          throw new InputError(`${shapeText(info.shape)} is more than ${MAX_ELEMENTS} values`, { source, tensor });
        }
        // The stored bytes cannot be fewer than the values they hold (HDF5 checks that too, but
        // a header that lies must not make us allocate first).
        const nbytes = m.size * m.total_size;
        if (nbytes > bytes.length) {
          throw new InputError(`${shapeText(info.shape)} ${info.dtype} needs ${nbytes} bytes, the whole file has ${bytes.length}`, { source, tensor });
        }
        const ptr = Module._malloc(Math.max(1, nbytes));
        if (ptr === 0) throw new InputError(`cannot allocate ${nbytes} bytes for it`, { source, tensor });
        let raw: Uint8Array;
        try {
          errText = '';
          let status: number;
          try {
            status = Module.get_dataset_data(f.file_id, abs(path), null, null, null, BigInt(ptr));
          } catch (err) {
            throw fail(`cannot read ${tensor}`, err);
          }
          if (status < 0) throw fail(`cannot read ${tensor}`);
          raw = Module.HEAPU8.slice(ptr, ptr + nbytes);
        } finally {
          Module._free(ptr);
        }
        if (!m.littleEndian) swapBytes(raw, m.size);
        const dtype = (m.size === 2 ? 'F16' : m.size === 4 ? 'F32' : 'F64') as FloatDtype;
        return { shape: info.shape, data: decodeFloats(raw, dtype, info.shape, tensor, source), dtype };
      },
    };
    return fn(reader);
  } catch (err) {
    // A trap inside the library (out-of-bounds access in a corrupt file) is the file's fault too.
    if (err instanceof Error && err.name === 'RuntimeError') throw new InputError(`not a readable HDF5 file: ${err.message}`, { source });
    throw err;
  } finally {
    try {
      file?.close();
    } catch {
      // a file that failed to open has nothing to close
    }
    try {
      FS.unlink(name);
    } catch {
      // already gone
    }
    errText = '';
  }
}

function infoOf(m: H5Metadata): Hdf5DatasetInfo {
  const shape = m.shape ?? [];
  let dtype: string;
  if (m.type === H5T_FLOAT) dtype = m.size === 2 ? 'F16' : m.size === 4 ? 'F32' : m.size === 8 ? 'F64' : `F${m.size * 8}`;
  else if (m.type === H5T_INTEGER) dtype = `${m.signed ? 'I' : 'U'}${m.size * 8}`;
  else if (m.type === H5T_STRING) dtype = 'string';
  else dtype = 'other';
  return { shape, dtype };
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let k = 0; k + size <= b.length; k += size) b.subarray(k, k + size).reverse();
}
