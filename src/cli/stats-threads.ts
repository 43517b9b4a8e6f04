/**
 * The two directions of each bidirectional layer on two worker threads, for `gatescope stats`:
 * the directions of a layer are independent, so two idle cores finish a layer in about the time
 * of one direction. It pays only for long sequences (a worker costs tens of milliseconds to start
 * and compile the kernels) and only when a second core is free: on the 2-core development
 * machine (100k steps, H=128) two workers took 0.99 s against 1.36 s for one thread while it was
 * otherwise idle, but 3.7 s against 3.3 s while other work kept both cores busy. So by default
 * they are used when the load average leaves a core idle; --threads / --no-threads decide.
 * The engine starts no thread itself; this is the CLI's business.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InitialState, Network, SequenceStats } from '../engine/index.js';
import { fastCovers, layerInput, statsFromParts, type DirectionPart } from '../engine/fast/index.js';

/** One message to a worker: run (layer, dir) over `input` (T, Din). */
export interface DirectionTask {
  readonly net: Network;
  readonly init: InitialState | undefined;
  readonly layer: number;
  readonly dir: number;
  readonly input: Float32Array;
  readonly T: number;
  readonly keepH: boolean;
}

const WORKER_URL = new URL('./stats-worker.js', import.meta.url);

/** Below this many steps x hidden units, one thread is quicker than starting two workers. */
export const THREADS_MIN_WORK = 1 << 20;

/**
 * The policy: bidirectional networks only; `flag` true or false decides; undefined means a long
 * sequence and an idle core (the 1-minute load average at most cores - 1).
 */
export function threadsWanted(net: Network, T: number, flag: boolean | undefined, cores: number, load: number): boolean {
  // the workers run the WebAssembly kernels: a network they do not cover stays on the reference session
  if (net.directions.length !== 2 || flag === false || !fastCovers(net)) return false;
  return flag === true || (cores >= 2 && load <= cores - 1 && T * net.hiddenSize >= THREADS_MIN_WORK);
}

/** The policy, where the built worker script exists (not when running from the TypeScript sources). */
export function shouldUseThreads(net: Network, T: number, flag: boolean | undefined): boolean {
  return threadsWanted(net, T, flag, availableParallelism(), loadavg()[0] ?? 0) && existsSync(fileURLToPath(WORKER_URL));
}

function run(worker: Worker, task: DirectionTask): Promise<DirectionPart> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(err);
    };
    const onMessage = (part: DirectionPart) => {
      worker.off('error', onError);
      resolve(part);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(task);
  });
}

/** A float32 copy of `values` in shared memory, so that both workers read it without a copy each. */
export function sharedCopy(values: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

/**
 * Statistics of a bidirectional network over `input` (T, D), layer by layer, the forward
 * direction on one worker and the reverse on the other. Same numbers as createStatsSession.
 */
export async function bidirectionalStatsOnThreads(
  net: Network,
  init: InitialState | undefined,
  input: Float32Array,
  T: number,
): Promise<SequenceStats> {
  const workers = [new Worker(WORKER_URL), new Worker(WORKER_URL)] as const;
  try {
    const parts: DirectionPart[] = [];
    let x = input;
    for (let k = 0; k < net.numLayers; k++) {
      const keepH = k < net.numLayers - 1;
      const layer = await Promise.all(workers.map((w, dir) => run(w, { net, init, layer: k, dir, input: x, T, keepH })));
      parts.push(...layer);
      if (keepH) x = sharedCopy(layerInput(net, layer, T));
    }
    return statsFromParts(net, parts);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
