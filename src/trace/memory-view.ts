/**
 * The memory view's numbers for a trace: at step `cursor`, how strongly the last layer's forward
 * hidden state h_cursor depends on each earlier step t, exactly as engine/memory.ts measures it
 * (||dh/dx_t||_F, ||dh/dh_t||_F and, for LSTM, ||dh/dc_t||_F), over the steps up to the cursor.
 *
 * Cost: exact figures take the H rows of the Jacobian (one per unit of h) back over the measured
 * steps. They go back in blocks of rows (engine grad/jacobian.ts: one block pass costs about what
 * one row alone would, per row a few times less), so a big network is measured over a window of the
 * latest steps only, sized so that a block of one row stays short, and the blocks run in slices
 * between key presses, growing while they fit a slice easily: `request` does a slice now and
 * schedules the rest; `result` reads what is done. Results are memoised per cursor (the trace up to a step never
 * changes once computed).
 *
 * A window that starts after step 0 starts from the state the trace holds just before it, so the
 * figures are those of the whole run. Reverse directions (bidirectional networks) are run over the
 * measured steps only, as if the input ended at the cursor: at the cursor the future is unknown.
 */
import { forwardFor } from '../engine/memory.js';
import { cellStateSize, flopsPerStep, memorySquares, outputSize, profileFromSquares, ShapeError, type InitialState, type MemoryProfile, type Network, type NetworkStep } from '../engine/index.js';
import { MemoryWorker, type MemoryWorkerOptions, type MemoryWorkerReply } from './memory-host.js';
import type { TraceStore } from './trace-store.js';

/** Most steps measured back from the cursor. */
export const MEMORY_MAX_WINDOW = 200;
/**
 * Multiply-adds one row of the Jacobian may cost over the window (flopsPerStep per step: a backward step's multiply-adds): a
 * block of one row runs near 1 GMAC/s, so the smallest slice stays near 35 ms, and rows in a full
 * block near 2.4 GMAC/s (measured, H = 64 and 256 LSTM), so a whole job takes less time than the
 * former one-pass-per-row measure (0.5 GMAC/s, budget 1.2e7) did over a third of the steps.
 */
export const MEMORY_PASS_BUDGET = 3.6e7;
/**
 * Most steps measured back from the cursor in the worker (any network size: the figures are drawn
 * as they come, the nearest steps first, and a big network's far steps simply arrive later).
 */
export const MEMORY_WORKER_WINDOW = 1000;
/** Fewest steps measured however big the network (a window shorter than this says little). */
export const MEMORY_MIN_WINDOW = 4;

export interface MemoryResult {
  readonly cursor: number;
  /** First step measured; profile.sensitivity[i] is step start + i. */
  readonly start: number;
  /** True when steps before `start` are held but were left out to keep the cost down. */
  readonly limited: boolean;
  /** The last layer's forward direction, which is measured. */
  readonly layer: number;
  readonly dir: number;
  readonly profile: MemoryProfile;
}

export type MemoryState =
  | { readonly status: 'done'; readonly result: MemoryResult }
  | {
      readonly status: 'computing';
      /** Work done of `of`: rows of the Jacobian (on this thread) or steps back from the cursor (`progress` 'steps', the worker). */
      readonly passes: number;
      readonly of: number;
      readonly progress: 'rows' | 'steps';
      /** The figures of the steps done so far (the worker's, nearest first), or null. x is NaN where it is not known yet. */
      readonly partial: MemoryResult | null;
      /** Steps measured, and whether that is fewer than are held (a big network's window). */
      readonly steps: number;
      readonly limited: boolean;
    }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'idle' };

export interface MemoryTrackerOptions {
  /** Most steps measured back from the cursor. @default MEMORY_MAX_WINDOW */
  readonly maxWindow?: number;
  /** Cost cap of one pass in multiply-adds (sets the window for big networks). @default MEMORY_PASS_BUDGET */
  readonly passBudget?: number;
  /** Longest stretch of passes in one slice, in ms. @default 8 */
  readonly sliceMs?: number;
  /** Runs the next slice later. @default setImmediate */
  readonly schedule?: (run: () => void) => void;
  /** Clock. @default performance.now */
  readonly now?: () => number;
  /** Results kept. @default 512 */
  readonly cacheSize?: number;
  /**
   * Compute in a worker thread (memory-host.ts), over up to `maxWindow` (@default
   * MEMORY_WORKER_WINDOW) steps whatever the network's size, the figures arriving from the cursor
   * back. Where the worker cannot start or dies, the work goes on in slices on this thread.
   */
  readonly worker?: MemoryWorkerOptions | null;
}

/** Steps measured back from the cursor (the cursor included) for a network, before the history's start is applied. */
export function memoryWindow(net: Network, maxWindow = MEMORY_MAX_WINDOW, passBudget = MEMORY_PASS_BUDGET): number {
  const byCost = Math.floor(passBudget / Math.max(1, flopsPerStep(net)));
  return Math.max(1, Math.min(maxWindow, Math.max(MEMORY_MIN_WINDOW, byCost)));
}

interface Job {
  readonly cursor: number;
  readonly start: number;
  readonly limited: boolean;
  readonly xs: Float64Array[];
  /** The forward run over the window (on this thread only; the worker runs its own). */
  steps: NetworkStep[] | null;
  readonly init: InitialState | undefined;
  readonly x2: Float64Array;
  readonly h2: Float64Array;
  readonly c2: Float64Array;
  /** Next unit of h (row of the Jacobian) to go back with. */
  next: number;
  /** Rows in the next block: starts at 1, doubles while a block takes under a quarter slice. */
  block: number;
  /** Worker jobs: steps back from the cursor whose figures are in, and the partial result drawn. */
  remote: { done: number; partial: MemoryResult | null } | null;
}

/** Memory figures of one trace, per cursor, computed off the key path. */
export class MemoryTracker {
  readonly store: TraceStore;
  /** The (layer, direction) measured, or null when the network has no forward direction. */
  readonly layer: number;
  readonly dir: number;
  private readonly unsupported: string | null;
  private window: number;
  private readonly threadWindow: number;
  private readonly sliceMs: number;
  private worker: MemoryWorker | null = null;
  private workerOptions: MemoryWorkerOptions | null;
  private readonly schedule: (run: () => void) => void;
  private readonly now: () => number;
  private readonly cacheSize: number;
  private readonly cache = new Map<number, MemoryResult>();
  private job: Job | null = null;
  private scheduled = false;
  private failure: { cursor: number; message: string } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(store: TraceStore, opts: MemoryTrackerOptions = {}) {
    this.store = store;
    const net = store.network;
    this.layer = net.numLayers - 1;
    this.dir = net.directions.indexOf('forward');
    this.unsupported = this.dir < 0 ? 'the memory view needs a forward direction: this network only runs in reverse' : null;
    this.threadWindow = memoryWindow(net, opts.maxWindow, opts.passBudget);
    this.workerOptions = opts.worker ?? null;
    this.window = this.workerOptions !== null ? Math.max(1, opts.maxWindow ?? MEMORY_WORKER_WINDOW) : this.threadWindow;
    this.sliceMs = opts.sliceMs ?? 8;
    this.schedule = opts.schedule ?? ((run) => void setImmediate(run));
    this.now = opts.now ?? (() => performance.now());
    this.cacheSize = Math.max(1, opts.cacheSize ?? 512);
  }

  /** Steps measured back from the cursor at most. */
  get windowSteps(): number {
    return this.window;
  }

  /** Called when a result is done or a computation advanced; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** What is known about `cursor` now, without starting anything. */
  state(cursor: number): MemoryState {
    if (this.unsupported !== null) return { status: 'failed', message: this.unsupported };
    const done = this.cache.get(cursor);
    if (done !== undefined) return { status: 'done', result: done };
    if (this.failure !== null && this.failure.cursor === cursor) return { status: 'failed', message: this.failure.message };
    const job = this.job;
    if (job !== null && job.cursor === cursor) {
      if (job.remote !== null) return { status: 'computing', passes: job.remote.done, of: job.xs.length, progress: 'steps', partial: job.remote.partial, steps: job.xs.length, limited: job.limited };
      return { status: 'computing', passes: job.next, of: outputSize(this.store.network), progress: 'rows', partial: null, steps: job.xs.length, limited: job.limited };
    }
    return { status: 'idle' };
  }

  /**
   * Makes sure `cursor` gets computed: a new job does a slice of the work now (at most `sliceMs`,
   * so a small network is done before this returns) and the rest in later slices; a job already
   * under way goes on in its own time. A job for another cursor is dropped: only the step on
   * screen matters. Returns the state now. Listeners hear of later slices only, never of the
   * one done here: a caller that redraws on every notice may call this while drawing.
   */
  request(cursor: number): MemoryState {
    const known = this.state(cursor);
    if (known.status !== 'idle') return known;
    if (!this.begin(cursor)) return this.state(cursor);
    if (this.job !== null && this.job.remote !== null) this.post(this.job);
    else this.slice(false);
    return this.state(cursor);
  }

  /** Computes `cursor` to the end now (the plain-text view, tests). */
  computeNow(cursor: number): MemoryState {
    const known = this.state(cursor);
    if (known.status === 'done' || known.status === 'failed') return known;
    if (this.job === null || this.job.cursor !== cursor) {
      if (!this.begin(cursor)) return this.state(cursor);
    }
    if (this.job !== null) {
      this.job.remote = null;
      this.job.block = outputSize(this.store.network);
    }
    while (this.job !== null && this.job.cursor === cursor) this.pass(this.job);
    return this.state(cursor);
  }

  /** Stops any work in flight (the viewer closed) and ends the worker. */
  cancel(): void {
    this.job = null;
    this.worker?.close();
    this.worker = null;
  }

  /** The worker, started at the first job; null where it cannot start (then this thread computes). */
  private workerFor(): MemoryWorker | null {
    if (this.worker !== null || this.workerOptions === null) return this.worker;
    try {
      const w = new MemoryWorker(this.store.network, this.workerOptions);
      w.onFailure(() => this.workerFailed(w));
      this.worker = w;
    } catch {
      this.workerOptions = null;
      this.window = this.threadWindow;
    }
    return this.worker;
  }

  /** The worker died: from now on this thread computes, over its own window, from the cursor on screen. */
  private workerFailed(w: MemoryWorker): void {
    if (this.worker !== w) return;
    this.worker = null;
    this.workerOptions = null;
    this.window = this.threadWindow;
    const job = this.job;
    if (job === null) return;
    this.job = null;
    if (this.begin(job.cursor)) this.slice(true);
    else for (const l of this.listeners) l();
  }

  /** Hands a job to the worker; its progress redraws. */
  private post(job: Job): void {
    const w = this.workerFor();
    if (w === null || job.remote === null) {
      job.remote = null;
      this.slice(false);
      return;
    }
    const net = this.store.network;
    const units = outputSize(net);
    const n = job.xs.length;
    w.start({ xs: job.xs, init: job.init, dir: this.dir, units }, (reply: MemoryWorkerReply) => {
      if (this.job !== job) return;
      if (reply.type === 'failed') {
        this.failure = { cursor: job.cursor, message: reply.message };
        this.job = null;
      } else if (reply.type === 'done') {
        job.x2.set(reply.x2);
        job.h2.set(reply.h2);
        job.c2.set(reply.c2);
        this.complete(job);
      } else {
        const done = reply.done;
        job.x2.set(reply.x2, n - done);
        job.h2.set(reply.h2, n - done);
        job.c2.set(reply.c2, n - done);
        job.remote = { done, partial: this.partialResult(job, done) };
      }
      for (const l of this.listeners) l();
    });
  }

  /** The figures of the last `done` steps of a job (x NaN until the end for more than one layer). */
  private partialResult(job: Job, done: number): MemoryResult {
    const net = this.store.network;
    const n = job.xs.length;
    const from = n - done;
    const sums = { x2: job.x2.subarray(from), h2: job.h2.subarray(from), c2: job.c2.subarray(from) };
    const profile = profileFromSquares(net.kind, done, sums);
    const sensitivity = net.numLayers === 1 ? profile.sensitivity : profile.sensitivity.map((s) => ({ ...s, x: Number.NaN }));
    return { cursor: job.cursor, start: job.start + from, limited: job.limited, layer: this.layer, dir: this.dir, profile: { ...profile, sensitivity } };
  }

  private begin(cursor: number): boolean {
    const store = this.store;
    this.job = null;
    // Not held (yet): a compared network may lag a step behind, or wait for the whole input.
    if (!Number.isInteger(cursor) || cursor < store.first || cursor >= store.length) return false;
    const net = store.network;
    const start = Math.max(store.first, cursor - this.window + 1);
    const xs: Float64Array[] = [];
    for (let t = start; t <= cursor; t++) xs.push(store.x(t));
    const init = this.initialState(start);
    const remote = this.workerFor() !== null;
    let steps: NetworkStep[] | null = null;
    if (!remote) {
      try {
        steps = forwardFor(net, xs, init, 'fast');
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        this.failure = { cursor, message: err.message };
        return false;
      }
    }
    const n = xs.length;
    this.job = {
      cursor,
      start,
      limited: start > store.first,
      xs,
      steps,
      init,
      x2: new Float64Array(n),
      h2: new Float64Array(n),
      c2: new Float64Array(n),
      next: 0,
      block: 1,
      remote: remote ? { done: 0, partial: null } : null,
    };
    return true;
  }

  /**
   * The state the run starts from at `start`: the trace's own state just before it for forward
   * directions; a reverse direction starts at the cursor, from the initial state.
   */
  private initialState(start: number): InitialState | undefined {
    const store = this.store;
    if (start === 0) return store.init;
    const net = store.network;
    const dirs = net.directions.length;
    const h0: ArrayLike<number>[] = [];
    const c0: ArrayLike<number>[] = [];
    const S = cellStateSize(net);
    for (let k = 0; k < net.numLayers; k++) {
      for (let d = 0; d < dirs; d++) {
        const view = k * dirs + d;
        if (net.directions[d] === 'forward') {
          h0.push(store.previous('h', k, d, start));
          if (net.kind === 'lstm') c0.push(store.previous('c', k, d, start));
          // an sLSTM's state: c, n and m
          if (net.kind === 'slstm') c0.push(Float64Array.from([...store.previous('c', k, d, start), ...store.previous('n', k, d, start), ...store.previous('m', k, d, start)]));
          // an mLSTM's n, m and matrices C: the engine's own state before start (the rows hold no C)
          if (net.kind === 'mlstm') c0.push(store.cellStateBefore(k, d, start));
        } else {
          h0.push(store.init?.h0?.[view] ?? new Float64Array(outputSize(net)));
          if (S > 0) c0.push(store.init?.c0?.[view] ?? new Float64Array(S));
        }
      }
    }
    return S > 0 ? { h0, c0 } : { h0 };
  }

  /** One block pass: the next `block` rows of the Jacobian of h at the cursor. */
  private pass(job: Job): void {
    const net = this.store.network;
    // one row per unit of h (P of them for a projected LSTM)
    const units = outputSize(net);
    const end = Math.min(units, job.next + job.block);
    job.steps ??= forwardFor(net, job.xs, job.init, 'fast');
    memorySquares(net, job.xs, job.steps, job.init, this.dir, job.next, end, { x2: job.x2, h2: job.h2, c2: job.c2 });
    job.next = end;
    if (job.next >= units) this.complete(job);
  }

  private complete(job: Job): void {
    const result: MemoryResult = {
      cursor: job.cursor,
      start: job.start,
      limited: job.limited,
      layer: this.layer,
      dir: this.dir,
      profile: profileFromSquares(this.store.network.kind, job.xs.length, job),
    };
    this.cache.set(job.cursor, result);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.job = null;
  }

  /** Block passes for at most sliceMs (at least one), then the rest later. */
  private slice(notify: boolean): void {
    const job = this.job;
    if (job === null || job.remote !== null) return;
    const H = outputSize(this.store.network);
    const t0 = this.now();
    let last = t0;
    let now: number;
    do {
      this.pass(job);
      now = this.now();
      if (now - last < this.sliceMs / 4) job.block = Math.min(H, job.block * 2);
      last = now;
    } while (this.job === job && now - t0 < this.sliceMs);
    if (this.job !== null && !this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.slice(true);
      });
    }
    if (notify) for (const l of this.listeners) l();
  }
}
