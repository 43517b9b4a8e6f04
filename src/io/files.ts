/**
 * The files around a sequence, read whole and bounded: weights (with a TF.js model's shards), an
 * initial state, a vocabulary; and the sequence itself, streamed, or an .npy file whole as rows. Paths are as the user wrote them, relative to `cwd`, and system
 * errors name them so.
 */
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { InitialState, Network } from '../engine/index.js';
import { InputError } from './errors.js';
import { parseInitialState } from './initial-state.js';
import { decodeWholeText, DEFAULT_MAX_INPUT_BYTES, formatBytes, type InputOptions, type InputStream } from './input.js';
import { npyRows, type NpyRows } from './npy-rows.js';
import { concat, openInput } from './read-input.js';
import { parseVocab } from './text.js';
import { detectWeightsFormat, loadWeightsAsync, type LoadWeightsAsyncOptions, type WeightsFile } from './weights/index.js';

/** 1 GiB: far beyond any network the viewer can show; `--max-weights-bytes` raises it. */
export const DEFAULT_MAX_WEIGHTS_BYTES = 2 ** 30;

/** Bytes read before `early` may judge the head of a file. */
const HEAD_BYTES = 4096;
const CHUNK_BYTES = 1 << 20;

/**
 * Gives a system error the path the user wrote: Node names a temporary file, an absolute path, or
 * nothing at all (a read of a directory fails with EISDIR and no path).
 */
export function withPath(err: unknown, path: string): unknown {
  const sys = err as NodeJS.ErrnoException | null;
  if (typeof sys === 'object' && sys !== null && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    sys.path = path;
  }
  return err;
}

export interface ReadLimit {
  /** Most bytes accepted. */
  readonly maxBytes: number;
  /** The flag that raises the limit, for the message. */
  readonly flag: string;
  /** Checks the first bytes (or the whole file when shorter) and throws to stop reading at once. */
  readonly early?: (head: Uint8Array) => void;
}

/**
 * A whole file in memory, refused past `limit.maxBytes` without ever holding more: a regular file
 * by its size before a byte is read, anything else (a FIFO, /dev/zero, a process substitution) as
 * the bytes arrive. System errors name `path` as the user wrote it.
 */
export async function readWholeFile(path: string, cwd: string, limit: ReadLimit): Promise<Uint8Array> {
  const tooBig = (size: string): InputError =>
    new InputError(`the file is ${size}, more than the ${formatBytes(limit.maxBytes)} limit`, {
      source: path,
      hint: `raise it with ${limit.flag}`,
    });
  let fh;
  try {
    fh = await open(resolve(cwd, path), 'r');
  } catch (err) {
    throw withPath(err, path);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR', syscall: 'read', path });
    if (st.isFile() && st.size > limit.maxBytes) throw tooBig(formatBytes(st.size));
    const parts: Uint8Array[] = [];
    let total = 0;
    let judged = limit.early === undefined;
    for (;;) {
      // A regular file fills one buffer of its size; the + 1 notices a file that grew meanwhile.
      const want = st.isFile() && parts.length === 0 ? Math.min(st.size + 1, limit.maxBytes + 1) : CHUNK_BYTES;
      const buf = new Uint8Array(Math.max(1, want));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      parts.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit.maxBytes) throw tooBig(`more than ${formatBytes(limit.maxBytes)}`);
      if (!judged && total >= HEAD_BYTES) {
        judged = true;
        limit.early!(concat(parts, total));
      }
    }
    const bytes = concat(parts, total);
    if (!judged) limit.early!(bytes);
    return bytes;
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await fh.close().catch(() => {});
  }
}

/** A small text file (`what`: an initial state, a vocabulary) under --max-input-bytes. */
export async function readTextFile(path: string, cwd: string, maxBytes: number | undefined, what: string): Promise<string> {
  const bytes = await readWholeFile(path, cwd, { maxBytes: maxBytes ?? DEFAULT_MAX_INPUT_BYTES, flag: '--max-input-bytes' });
  return decodeWholeText(bytes, path, what);
}

/** How to read a weights file: loadWeightsAsync's options, and the most bytes of the file and its shards together. */
export type WeightsFileOptions = Omit<LoadWeightsAsyncOptions, 'source' | 'readSibling' | 'maxTensorBytes' | 'shards'> & { readonly maxBytes: number };

/** Reads a weights file named by the user (relative to `cwd`), with the shards a TF.js model.json names. */
export async function readWeightsFile(path: string, cwd: string, opts: WeightsFileOptions): Promise<WeightsFile> {
  const { maxBytes, ...load } = opts;
  // Unless the format is forced, bytes that cannot start any weights format (/dev/zero, a CSV given
  // as weights) are refused at the first few kilobytes instead of after the whole file.
  const early = opts.format === undefined ? (head: Uint8Array) => void detectWeightsFormat(head, path) : undefined;
  const bytes = await readWholeFile(path, cwd, { maxBytes, flag: '--max-weights-bytes', ...(early ? { early } : {}) });
  // TF.js shards: files beside the weights file, all of them together under the same limit
  let budget = maxBytes - bytes.length;
  const readSibling = async (name: string): Promise<Uint8Array> => {
    const folder = dirname(resolve(cwd, path));
    const full = resolve(folder, name);
    const rel = relative(folder, full);
    // io has refused `..` and absolute names already; this keeps the promise whatever it let by
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new InputError(`shard path ${JSON.stringify(name)} leaves the model's folder`, { source: path });
    }
    const shown = join(dirname(path), name);
    const shard = await readWholeFile(shown, cwd, { maxBytes: Math.max(0, budget), flag: '--max-weights-bytes (model.json and its shards together)' });
    budget -= shard.length;
    return shard;
  };
  // the bytes are ours alone: float32 tensors are read in place (the file held once, not twice)
  return loadWeightsAsync(bytes, { ...load, source: path, readSibling, maxTensorBytes: maxBytes, inPlace: true });
}

/** An initial state file for `network`, or undefined without a path. */
export async function readInitialState(path: string | undefined, network: Network, cwd: string, maxBytes: number | undefined): Promise<InitialState | undefined> {
  if (path === undefined) return undefined;
  return parseInitialState(await readTextFile(path, cwd, maxBytes, 'an initial state'), path, network);
}

/** A vocabulary file, or undefined without a path. */
export async function readVocab(path: string | undefined, cwd: string, maxBytes: number | undefined): Promise<string[] | undefined> {
  if (path === undefined) return undefined;
  return parseVocab(await readTextFile(path, cwd, maxBytes, 'a vocabulary'), path);
}

/** Opens the sequence (`-`: stdin); a read error without a path (EISDIR) gets the one the user wrote. */
export async function openSequence(path: string, opts: InputOptions, stdin: NodeJS.ReadableStream): Promise<InputStream> {
  try {
    return await openInput(path, opts, stdin);
  } catch (err) {
    // a folder where one sequence was expected: many sequences are a corpus
    if ((err as NodeJS.ErrnoException | null)?.code === 'EISDIR') {
      throw new InputError('is a directory, expected a file', { source: path, hint: 'a folder of sequences is a corpus: add --corpus, or gatescope corpus' });
    }
    throw withPath(err, path === '-' ? '<stdin>' : path);
  }
}

/**
 * An .npy file's bytes and its rows under `opts` (npy-rows.ts). `read` gets the resolved path and
 * the size of a regular file and returns its bytes (the viewer's are shared with a worker). Null,
 * before anything is read, when the path is not a regular file (missing, a FIFO, a directory) or
 * is over --max-input-bytes: the general path then reads it and reports what is wrong.
 */
export function readNpyFile(path: string, cwd: string, opts: InputOptions, read: (file: string, size: number) => Uint8Array): { bytes: Uint8Array; rows: NpyRows } | null {
  let bytes: Uint8Array;
  try {
    const full = resolve(cwd, path);
    const st = statSync(full);
    if (!st.isFile() || st.size > (opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES)) return null;
    bytes = read(full, st.size);
  } catch {
    return null;
  }
  return { bytes, rows: npyRows(bytes, path, opts) };
}
