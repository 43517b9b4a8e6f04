/**
 * How a trace gets its steps, three ways: a forward-only network is stepped as each record arrives
 * (a live pipe), keeping a bounded history; a network with a reverse direction holds its records
 * until the input ends and then runs a full pass over them; a trace over a RowSource takes in a full
 * pass's progress (pass.ts, from a worker thread or in slices on this one). Each way leaves the same
 * checkpoints, rows and ranges behind.
 */
import { ShapeError } from '../engine/network.js';
import type { BlockEngine } from '../engine/runner.js';
import { visible } from '../io/errors.js';
import type { RangeSet } from '../engine/ranges.js';
import type { BlockCache } from './block-cache.js';
import type { InputHistory, RowSource } from './input-history.js';
import { SequencePass, type PassUpdate, type ReadRows } from './pass.js';
import type { StepRows } from './step-rows.js';

export type TraceStatus = 'reading' | 'done' | 'failed';

export type TraceListener = () => void;

export class Filling {
  /** Steps computed (T). */
  count = 0;
  /** Records received but not computed (a reverse direction waits for the end). */
  buffered = 0;
  /** Index of the oldest block still held. */
  firstBlock = 0;
  status: TraceStatus = 'reading';
  /** A one-line message, safe to print, when the input failed part-way. */
  error: string | null = null;
  /** Fraction of the full pass done while one runs over a RowSource; null otherwise. */
  progress: number | null = null;
  private readonly listeners = new Set<TraceListener>();

  constructor(
    private readonly engine: BlockEngine,
    private readonly rows: StepRows,
    private readonly ranges: RangeSet,
    private readonly history: InputHistory,
    private readonly blocks: BlockCache,
    private readonly views: readonly number[],
    /** True when steps are computed as records arrive (forward-only networks). */
    readonly streaming: boolean,
    /** Most steps a streaming trace keeps. */
    readonly maxSteps: number,
    private readonly rowSource: RowSource | null,
  ) {
    if (rowSource !== null) this.progress = rowSource.length === 0 ? null : 0;
  }

  /** Adds x_t (D values) with its label: computed at once when streaming, else held until the end. */
  append(x: ArrayLike<number>, label: string): void {
    if (this.status !== 'reading') throw new Error('TraceStore.append after the input ended');
    if (this.rowSource !== null) throw new Error('TraceStore.append on a store that reads its rows from a RowSource');
    const t = this.count + this.buffered;
    const D = this.engine.network.inputSize;
    if (x.length !== D) {
      // The same check the engine makes, early, so the bad record is named while it is fresh.
      throw new ShapeError(`input at t=${t}: expected ${D} features, got ${x.length}`);
    }
    const row = this.history.put(t, x, label);
    if (this.streaming) this.stepLive(t, row);
    else this.buffered++;
    this.notify();
  }

  /** The input ended: a reverse network runs now. Idempotent. */
  finish(): void {
    if (this.status !== 'reading') return;
    this.flushBuffered();
    this.status = 'done';
    this.progress = null;
    this.notify();
  }

  /** The input failed after some records: every complete step is kept (a reverse network still runs over them). */
  fail(message: string): void {
    if (this.status !== 'reading') return;
    this.flushBuffered();
    this.error = visible(message, 300);
    this.status = 'failed';
    this.progress = null;
    this.notify();
  }

  /** Takes in a full pass's progress over the RowSource (from a worker or a pass on this thread). */
  receivePass(update: PassUpdate): void {
    if (this.rowSource === null) throw new Error('this store has no RowSource');
    if (this.status !== 'reading') return;
    this.applyPass(update);
    if (update.done) {
      if (update.error !== null) {
        this.error = visible(update.error, 300);
        this.status = 'failed';
      } else this.status = 'done';
      this.progress = null;
    } else this.progress = update.progress;
    this.notify();
  }

  /** A pass over the RowSource, on this thread. */
  sourcePass(): SequencePass {
    if (this.rowSource === null) throw new Error('this store has no RowSource');
    return this.newPass(this.rowSource.length, this.rowSource.read);
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Computes step t of a forward-only network from the running state, into the block being appended to. */
  private stepLive(t: number, x: Float32Array): void {
    const K = this.blocks.blockSteps;
    const c = Math.floor(t / K);
    const out = t === c * K ? this.blocks.startLive(c) : this.blocks.liveRows(c);
    const e = this.engine;
    e.setInput(0, x);
    e.run(1, this.views, t);
    this.rows.write(e.step(0), out, (t - c * K) * this.rows.width, this.ranges);
    this.ranges.widen(this.ranges.xSlot, x, 0, x.length);
    this.count = t + 1;
    this.trim();
  }

  /** Runs the held records (a reverse direction, at the end of the input). */
  private flushBuffered(): void {
    if (this.buffered === 0) return;
    const pass = this.newPass(this.buffered, this.history.read);
    while (pass.next());
    this.buffered = 0;
    this.applyPass(pass.update());
  }

  /** A full pass over `length` steps with this trace's runner and block size. */
  newPass(length: number, read: ReadRows): SequencePass {
    return new SequencePass({ engine: this.engine, rows: this.rows, length, blockSteps: this.blocks.blockSteps, read });
  }

  /** Takes in a pass's checkpoints, ranges and the steps it completed. */
  private applyPass(update: PassUpdate): void {
    for (const { block, state } of update.checkpoints) this.blocks.offerCheckpoint(block, state);
    this.ranges.merge(update.ranges);
    if (update.upTo > this.count) this.count = update.upTo;
  }

  /** Drops the oldest block once the history is over its limit. */
  private trim(): void {
    const K = this.blocks.blockSteps;
    if (!this.streaming || this.count - this.firstBlock * K <= this.maxSteps) return;
    const c = this.firstBlock;
    if ((c + 1) * K >= this.count || this.blocks.isLive(c)) return;
    this.blocks.drop(c);
    this.history.drop(c);
    this.firstBlock++;
  }
}
