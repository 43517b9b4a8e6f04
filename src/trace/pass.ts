/**
 * The full pass over a sequence whose rows can be read in any order: it saves the running state at
 * the start of every block of K steps (a checkpoint) and the value ranges of every traced
 * quantity, and keeps nothing else. The trace store recomputes any block from its checkpoint.
 *
 * A checkpoint of block c holds, for each view, the state that view starts block c from: a forward
 * direction's state after step cK - 1 (the initial state for c = 0), a reverse direction's state
 * after it walked down to step min((c + 1)K, T) (the initial state for the last block). Then block
 * c of every view can be recomputed on its own, lower layers first.
 *
 * Forward-only networks are swept once, every layer together, block after block; steps are
 * complete as soon as their block is. With a reverse direction, each view is swept on its own
 * (forward views from the first block, reverse views from the last), lower layers recomputed per
 * block from their finished checkpoints, and no step is complete before the last view is.
 *
 * The pass runs a block per call of next(), so that a caller can slice it (a worker thread posts
 * its progress between blocks; the main thread yields to keys).
 */
import { allViews, type BlockEngine, type StateArray } from '../engine/runner.js';
import type { RangeSet, StepRows } from './step-rows.js';

/** Reads rows t0 .. t0+n-1 as float32 values into out (n x D); returns how many were read before a bad one. */
export type ReadRows = (t0: number, n: number, out: Float32Array) => { rows: number; error: string | null };

export interface PassOptions {
  readonly engine: BlockEngine;
  readonly rows: StepRows;
  /** Steps in the sequence (T). */
  readonly length: number;
  /** Steps per block (K); a network with a reverse direction needs engine.capacity >= K. */
  readonly blockSteps: number;
  readonly read: ReadRows;
}

/** What a pass has produced since the last update. */
export interface PassUpdate {
  /** Steps complete so far (every view computed). */
  readonly upTo: number;
  /** Checkpoints made since the last update. */
  readonly checkpoints: readonly { readonly block: number; readonly state: StateArray }[];
  /** Ranges over every step computed so far (RangeSet data). */
  readonly ranges: Float64Array;
  /** Fraction of the work done, 0..1. */
  readonly progress: number;
  readonly done: boolean;
  /** Why the input stopped early (rows from `upTo` on are missing), or null. */
  readonly error: string | null;
}

export class SequencePass {
  readonly ranges: RangeSet;
  private readonly engine: BlockEngine;
  private readonly rows: StepRows;
  private readonly T: number;
  private readonly K: number;
  private readonly read: ReadRows;
  private readonly blocks: number;
  private readonly forwardOnly: boolean;
  private readonly views: number;
  /** Every view in order, as the engine runs them. */
  private readonly viewList: readonly number[];
  private readonly D: number;
  private readonly xBuf: Float32Array;
  /** Checkpoints, per block (complete for views swept so far). */
  private readonly states: (StateArray | undefined)[];
  private fresh: { block: number; state: StateArray }[] = [];
  /** Layered sweep: the view being swept and how many of its blocks are done. */
  private view = 0;
  private blockDone = 0;
  private running: StateArray;
  private complete = 0;
  private finished = false;
  private failure: string | null = null;
  /** Steps readable (T, or fewer once a bad row is found). */
  private readable: number;

  constructor(opts: PassOptions) {
    this.engine = opts.engine;
    this.rows = opts.rows;
    this.T = opts.length;
    this.K = opts.blockSteps;
    this.read = opts.read;
    this.readable = this.T;
    this.blocks = Math.ceil(this.T / this.K);
    const net = opts.engine.network;
    this.forwardOnly = net.directions.every((d) => d === 'forward');
    if (!this.forwardOnly && opts.engine.capacity < this.K) {
      throw new RangeError(`a network with a reverse direction needs runs of a whole block (${this.K} steps), not ${opts.engine.capacity}`);
    }
    this.views = net.numLayers * net.directions.length;
    this.viewList = allViews(net);
    this.D = net.inputSize;
    this.xBuf = new Float32Array(this.K * this.D);
    this.ranges = opts.rows.newRanges();
    this.states = new Array<StateArray | undefined>(this.blocks);
    this.running = opts.engine.initialState();
    this.finished = this.T === 0;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Complete steps so far. */
  get upTo(): number {
    return this.complete;
  }

  /** What changed since the last call. */
  update(): PassUpdate {
    const checkpoints = this.fresh;
    this.fresh = [];
    return {
      upTo: this.complete,
      checkpoints,
      ranges: this.ranges.data.slice(),
      progress: this.progress,
      done: this.finished,
      error: this.failure,
    };
  }

  get progress(): number {
    if (this.finished) return 1;
    if (this.blocks === 0) return 1;
    if (this.forwardOnly) return this.blockDone / this.blocks;
    return (this.view * this.blocks + this.blockDone) / (this.views * this.blocks);
  }

  /** Reads block c's rows into the engine; returns the rows read (fewer than asked at a bad row). */
  private load(c: number): number {
    const t0 = c * this.K;
    const n = Math.min(this.K, this.readable - t0);
    if (n <= 0) return 0;
    const { rows, error } = this.read(t0, n, this.xBuf);
    if (error !== null && this.failure === null) {
      this.failure = error;
      this.readable = t0 + rows;
    }
    return rows;
  }

  /** Runs the next block; false once the pass is over. */
  next(): boolean {
    if (this.finished) return false;
    if (this.forwardOnly) this.nextForward();
    else this.nextLayered();
    return !this.finished;
  }

  private nextForward(): void {
    const c = this.blockDone;
    const state = this.engine.newState();
    for (let v = 0; v < this.views; v++) this.engine.getView(v, state);
    if (c === 0) {
      // the engine may have run before: start from the initial state
      const init = this.engine.initialState();
      for (let v = 0; v < this.views; v++) this.engine.setView(v, init);
      state.set(init);
    }
    this.states[c] = state;
    this.fresh.push({ block: c, state });
    const n = this.load(c);
    const cap = this.engine.capacity;
    for (let i0 = 0; i0 < n; i0 += cap) {
      const m = Math.min(cap, n - i0);
      for (let i = 0; i < m; i++) this.engine.setInput(i, this.xBuf.subarray((i0 + i) * this.D, (i0 + i + 1) * this.D));
      this.engine.run(m, this.viewList, c * this.K + i0);
      for (const v of this.viewList) this.engine.widenRun(m, v, this.ranges);
      if (this.rows.head !== null) for (let i = 0; i < m; i++) this.ranges.widen(this.ranges.predSlot, this.rows.prediction(this.engine.output(i))!, 0, this.rows.outSize);
    }
    this.ranges.widen(this.ranges.xSlot, this.xBuf, 0, n * this.D);
    this.complete = c * this.K + n;
    this.blockDone = c + 1;
    if (this.blockDone >= this.blocks || this.complete >= this.readable) this.finished = true;
  }

  private nextLayered(): void {
    const net = this.engine.network;
    const dirs = net.directions.length;
    const v = this.view;
    const k = Math.floor(v / dirs);
    const reverse = net.directions[v % dirs] === 'reverse';
    const blocks = Math.ceil(this.readable / this.K);
    const c = reverse ? blocks - 1 - this.blockDone : this.blockDone;
    let ck = this.states[c];
    if (ck === undefined) {
      ck = this.engine.newState();
      this.states[c] = ck;
    }
    // this view starts block c from its running state
    ck.set(this.running.subarray(v * this.engine.stateStride, (v + 1) * this.engine.stateStride), v * this.engine.stateStride);
    const before = this.readable;
    const n = this.load(c);
    if (this.readable !== before) {
      // a bad row shortens the sequence, and a reverse direction's states depend on where it ends
      this.restartAfterFailure();
      return;
    }
    if (n > 0) {
      // lower layers recompute this block from their finished checkpoints; the last view also
      // runs its own layer's other directions, so that the head sees a whole y
      const last = v === this.views - 1;
      const runViews: number[] = [];
      for (let w = 0; w < (last ? this.views : k * dirs); w++) if (w !== v) runViews.push(w);
      runViews.push(v);
      for (const w of runViews) this.engine.setView(w, w === v ? this.running : ck);
      for (let i = 0; i < n; i++) this.engine.setInput(i, this.xBuf.subarray(i * this.D, (i + 1) * this.D));
      this.engine.run(n, runViews, c * this.K);
      this.engine.getView(v, this.running);
      this.engine.widenRun(n, v, this.ranges);
      if (last && this.rows.head !== null) for (let i = 0; i < n; i++) this.ranges.widen(this.ranges.predSlot, this.rows.prediction(this.engine.output(i))!, 0, this.rows.outSize);
      if (v === 0) this.ranges.widen(this.ranges.xSlot, this.xBuf, 0, n * this.D);
    }
    this.blockDone++;
    if (this.blockDone >= blocks) {
      this.view++;
      this.blockDone = 0;
      this.running = this.engine.initialState();
      if (this.view >= this.views) {
        this.finished = true;
        this.complete = this.readable;
        for (let b = 0; b < blocks; b++) this.fresh.push({ block: b, state: this.states[b]! });
      }
    }
  }

  /** With a reverse direction, a bad row shortens the sequence: sweep every view again over what is readable. */
  private restartAfterFailure(): void {
    this.view = 0;
    this.blockDone = 0;
    this.running = this.engine.initialState();
    this.states.fill(undefined);
    const fresh = this.rows.newRanges();
    this.ranges.data.set(fresh.data);
  }
}
