/**
 * Fills a trace store over a RowSource: the first block on this thread at once (what the first
 * frame shows), the rest in a worker thread that posts its progress, so that keys keep working
 * while a long sequence is computed. Where the worker cannot start (or stops), the pass goes on in
 * short slices on this thread.
 */
import { Worker } from 'node:worker_threads';
import type { InitialState, LinearHead, Network } from '../engine/index.js';
import type { KernelVariant } from '../engine/fast/index.js';
import type { InputOptions } from '../io/input.js';
import type { Intervention } from '../engine/intervene.js';
import type { EngineKind } from '../engine/runner.js';
import type { PassUpdate, SequencePass } from './pass.js';
import type { TraceStore } from './trace-store.js';

/** An .npy file in memory (a view of a SharedArrayBuffer, so that the worker reads the same bytes). */
export interface NpyJob {
  readonly kind: 'npy';
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly options: InputOptions;
}

export interface PassWorkerData {
  readonly network: Network;
  readonly init: InitialState | undefined;
  readonly head: LinearHead | null;
  readonly blockSteps: number;
  readonly engine: EngineKind;
  /** The store's interventions, which the worker's runner must apply too. */
  readonly interventions: readonly Intervention[];
  /** The main thread's kernel build, which the worker must use too. */
  readonly kernelVariant: KernelVariant | null;
  readonly job: NpyJob;
}

export type WorkerMessage = { readonly type: 'update'; readonly update: PassUpdate } | { readonly type: 'fatal'; readonly message: string };

export interface PassHostOptions {
  /** The worker's module. @default pass-worker.js beside this module */
  readonly workerUrl?: URL;
  /** Run everything on this thread. @default false */
  readonly inThread?: boolean;
  /** The fast engine's kernel build on this thread (engine/fast kernelVariant()). */
  readonly kernelVariant?: KernelVariant | null;
  /** Longest slice of work on this thread between yields, in ms. @default 8 */
  readonly sliceMs?: number;
  /** Told why the worker was given up (the pass then goes on here). */
  readonly onWorkerFailed?: (message: string) => void;
  /**
   * Most often the store is told of progress, in ms: each time redraws the screen, which competes
   * with keys for this thread while the pass runs. @default 200
   */
  readonly updateMs?: number;
}

export interface PassHandle {
  /** Where the pass runs now. */
  readonly mode: () => 'worker' | 'thread' | 'done';
  /** Resolves when the store has every step (or stopped). */
  readonly done: Promise<void>;
  /** Stops the pass (the viewer quit). Idempotent. */
  stop(): void;
}

/** Starts filling `store` (which must have been made with `rows` from the same input as `job`). */
export function startPass(store: TraceStore, job: NpyJob, opts: PassHostOptions = {}): PassHandle {
  const local: SequencePass = store.sourcePass();
  let stopped = false;
  let mode: 'worker' | 'thread' | 'done' = 'thread';
  let worker: Worker | null = null;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const finish = (): void => {
    mode = 'done';
    resolveDone();
  };
  // Progress is taken in at most every updateMs (checkpoints gathered meanwhile), the end at once.
  const updateMs = opts.updateMs ?? 200;
  let held: PassUpdate | null = null;
  let heldCheckpoints: PassUpdate['checkpoints'][number][] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    timer = null;
    if (held === null || stopped) return;
    const u = { ...held, checkpoints: heldCheckpoints };
    held = null;
    heldCheckpoints = [];
    store.receivePass(u);
    if (u.done) finish();
  };
  const apply = (u: PassUpdate): void => {
    held = u;
    heldCheckpoints = heldCheckpoints.concat(u.checkpoints);
    if (u.done) {
      if (timer !== null) clearTimeout(timer);
      flush();
    } else if (timer === null) timer = setTimeout(flush, updateMs);
  };

  // What the first frame shows: the first block, now (a reverse direction has to wait for the pass).
  if (store.streaming) {
    local.next();
    store.receivePass(local.update());
    if (local.done) finish();
  }

  const sliceMs = opts.sliceMs ?? 8;
  const runHere = (): void => {
    mode = 'thread';
    const slice = (): void => {
      if (stopped || mode !== 'thread') return;
      const t0 = performance.now();
      let more = local.next();
      while (more && performance.now() - t0 < sliceMs) more = local.next();
      apply(local.update());
      if (more) setImmediate(slice);
    };
    setImmediate(slice);
  };

  if (mode === 'thread' && !local.done && opts.inThread !== true) {
    const data: PassWorkerData = {
      network: store.network,
      init: store.init,
      head: store.head,
      blockSteps: store.blockSteps,
      engine: store.engineKind,
      interventions: store.interventions,
      kernelVariant: opts.kernelVariant ?? null,
      job,
    };
    try {
      worker = new Worker(opts.workerUrl ?? new URL('./pass-worker.js', import.meta.url), { workerData: data });
      mode = 'worker';
    } catch (err) {
      opts.onWorkerFailed?.(err instanceof Error ? err.message : String(err));
      worker = null;
    }
  }
  if (worker !== null) {
    const w = worker;
    const giveUp = (message: string): void => {
      if (mode !== 'worker' || stopped) return;
      opts.onWorkerFailed?.(message);
      void w.terminate();
      // Checkpoints and ranges it sent are kept; the local pass goes on from where it is.
      runHere();
    };
    w.on('message', (msg: WorkerMessage) => {
      if (stopped || mode !== 'worker') return;
      if (msg.type === 'fatal') giveUp(msg.message);
      else apply(msg.update);
    });
    w.on('error', (err) => giveUp(err.message));
    w.on('exit', (code) => {
      if (mode === 'worker') giveUp(`the worker exited (${code}) before the end`);
    });
    // The process may end while the pass runs (the user quit).
    w.unref();
  } else if (!local.done) runHere();
  else finish();

  return {
    mode: () => mode,
    done,
    stop: () => {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      if (worker !== null) void worker.terminate();
      resolveDone();
    },
  };
}
