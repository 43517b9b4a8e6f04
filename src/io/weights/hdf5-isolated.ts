/**
 * Keras HDF5 files read in a worker thread under a time limit. The HDF5 C library can loop forever
 * on some damaged files (a corrupt heap free list in a file that h5py refuses at once:
 * fixtures/weights/keras/damaged/hdf5-loops.h5), and WebAssembly running on the main thread cannot
 * be interrupted. One worker is kept for the process (started on the first HDF5 file, not holding
 * the process open while idle) and replaced after a time-out.
 *
 * Running from the TypeScript sources (no built hdf5-worker.js beside this module) it reads on the
 * calling thread, without the limit, unless `workerUrl` names a built worker.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { hdf5Ready, withHdf5 } from './hdf5.js';
import type { Hdf5Reply, Hdf5Request } from './hdf5-worker.js';
import { kerasFromHdf5, type KerasFile } from './keras-h5.js';
import type { KerasModelOptions } from './keras-model.js';

export interface Hdf5Limits {
  /** Most milliseconds the library may take; default 10 s plus 1 s per 10 MB. */
  readonly timeoutMs?: number | undefined;
  /** The built worker script (default: hdf5-worker.js beside this module, when it exists). */
  readonly workerUrl?: URL | undefined;
}

const BUILT_WORKER = new URL('./hdf5-worker.js', import.meta.url);

type Pending = Map<number, { resolve: (r: Hdf5Reply) => void; reject: (e: unknown) => void }>;

/** The current worker and its requests (a replaced worker's late exit touches only its own). */
let worker: { readonly w: Worker; readonly url: string; readonly pending: Pending } | null = null;
let nextId = 0;

function startWorker(url: URL): { w: Worker; pending: Pending } {
  if (worker !== null && worker.url === url.href) return worker;
  void worker?.w.terminate();
  const w = new Worker(url);
  const pending: Pending = new Map();
  w.unref();
  w.on('message', (reply: Hdf5Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    p?.resolve(reply);
  });
  const fail = (err: unknown): void => {
    if (worker?.w === w) worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the HDF5 worker stopped (exit code ${code})`)));
  worker = { w, url: url.href, pending };
  return worker;
}

/** kerasFromHdf5 on `bytes`, isolated in the worker when there is one. */
export async function kerasFromHdf5Isolated(bytes: Uint8Array, config: unknown, opts: KerasModelOptions, limits: Hdf5Limits = {}): Promise<KerasFile> {
  const url = limits.workerUrl ?? (existsSync(fileURLToPath(BUILT_WORKER)) ? BUILT_WORKER : null);
  if (url === null) {
    await hdf5Ready();
    return withHdf5(bytes, opts.source, (f) => kerasFromHdf5(f, config, opts));
  }
  const timeoutMs = limits.timeoutMs ?? 10_000 + bytes.length / 10_000;
  const { w, pending } = startWorker(url);
  const id = ++nextId;
  const reply = await new Promise<Hdf5Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      // the library is stuck inside the file: only ending the thread stops it
      if (worker?.w === w) worker = null;
      void w.terminate();
      reject(
        new InputError(`the HDF5 library did not finish reading the file within ${(timeoutMs / 1000).toFixed(1)} s (a damaged file?)`, {
          source: opts.source,
        }),
      );
    }, timeoutMs);
    pending.set(id, {
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
    w.ref();
    const req: Hdf5Request = { id, bytes, config, opts: { source: opts.source, prefix: opts.prefix, kind: opts.kind } };
    w.postMessage(req);
  });
  if ('file' in reply) return reply.file;
  const e = reply.error;
  if (e.input) {
    throw new InputError(e.message, {
      source: e.source ?? opts.source,
      ...(e.tensor !== undefined ? { tensor: e.tensor } : {}),
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
    });
  }
  const err = new Error(e.message);
  if (e.stack !== undefined) err.stack = e.stack;
  throw err;
}
