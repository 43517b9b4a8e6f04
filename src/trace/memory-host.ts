/**
 * The memory view's worker (memory-worker.ts), seen from the main thread: one job at a time, the
 * latest wanted; a newer job tells the one in flight to stop through a shared word (the worker is
 * busy with it and reads no messages meanwhile) and queues behind it. Progress and the end come
 * back as the figures (squared sums) of the steps done, nearest first.
 */
import { Worker } from 'node:worker_threads';
import type { KernelVariant } from '../engine/fast/index.js';
import type { InitialState, Network } from '../engine/index.js';

export interface MemoryWorkerData {
  readonly network: Network;
  /** The main thread's kernel build, which the worker uses too. */
  readonly kernelVariant: KernelVariant | null;
  /** [0]: the id of the job wanted now; a job whose id differs stops at its next step. */
  readonly cancel: Int32Array;
}

export interface MemoryJobMessage {
  readonly id: number;
  /** (T, D) the window's inputs. */
  readonly xs: readonly Float64Array[];
  readonly init: InitialState | undefined;
  /** The last layer's direction measured. */
  readonly dir: number;
  /** Rows of the Jacobian (units of h). */
  readonly units: number;
}

/** Squared sums: `progress` for the last `done` steps of the window, `done` for all of them. */
export type MemoryWorkerReply =
  | { readonly type: 'progress'; readonly id: number; readonly done: number; readonly x2: Float64Array; readonly h2: Float64Array; readonly c2: Float64Array }
  | { readonly type: 'done'; readonly id: number; readonly x2: Float64Array; readonly h2: Float64Array; readonly c2: Float64Array }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** The worker's module: the tsc build's or the bundle's, beside this module (scripts/build-bundle.mjs). */
export function memoryWorkerUrl(): URL {
  return new URL('./memory-worker.js', import.meta.url);
}

export interface MemoryWorkerOptions {
  readonly url?: URL;
  readonly kernelVariant?: KernelVariant | null;
}

export class MemoryWorker {
  private readonly worker: Worker;
  private readonly cancel = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private listener: ((reply: MemoryWorkerReply) => void) | null = null;
  private dead: string | null = null;
  private onDead: ((message: string) => void) | null = null;

  /** Throws when the worker cannot start at all (then the caller computes on its own thread). */
  constructor(network: Network, opts: MemoryWorkerOptions = {}) {
    const data: MemoryWorkerData = { network, kernelVariant: opts.kernelVariant ?? null, cancel: this.cancel };
    this.worker = new Worker(opts.url ?? memoryWorkerUrl(), { workerData: data });
    this.worker.unref(); // the viewer may quit while a job runs
    this.worker.on('message', (reply: MemoryWorkerReply) => {
      if (reply.id === Atomics.load(this.cancel, 0)) this.listener?.(reply);
    });
    const die = (message: string): void => {
      if (this.dead !== null) return;
      this.dead = message;
      this.onDead?.(message);
    };
    this.worker.on('error', (err) => die(err.message));
    this.worker.on('exit', (code) => die(`the memory worker exited (${code})`));
  }

  /** Why the worker stopped, or null while it runs. */
  get failure(): string | null {
    return this.dead;
  }

  /** Told once if the worker dies (it cannot load, or crashed). */
  onFailure(fn: (message: string) => void): void {
    this.onDead = fn;
    if (this.dead !== null) fn(this.dead);
  }

  /** Starts a job (any job in flight stops); its replies go to `listener`. Returns its id. */
  start(job: Omit<MemoryJobMessage, 'id'>, listener: (reply: MemoryWorkerReply) => void): number {
    const id = this.nextId++;
    Atomics.store(this.cancel, 0, id);
    this.listener = listener;
    this.worker.postMessage({ ...job, id } satisfies MemoryJobMessage);
    return id;
  }

  /** Stops the job in flight, if any (its replies are dropped). */
  drop(): void {
    Atomics.store(this.cancel, 0, 0);
    this.listener = null;
  }

  /** Ends the worker. */
  close(): void {
    this.drop();
    this.onDead = null;
    this.dead ??= 'closed';
    void this.worker.terminate();
  }
}
