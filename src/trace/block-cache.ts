/**
 * Every step of a trace, without keeping them all: the running state at the start of every block of
 * K steps (a checkpoint) and the rows (StepRows) of the last few blocks asked for. A block not
 * cached is recomputed from its checkpoint with the runner; the runner's arithmetic does not depend
 * on how steps are cut into runs, so a recomputed step is bit for bit the step first computed
 * (engine/runner.ts). The block a live stream is appending to is never evicted.
 */
import type { BlockEngine, StateArray } from '../engine/runner.js';
import type { ReadRows } from './pass.js';
import type { StepRows } from './step-rows.js';

export class BlockCache {
  /** Per block: the state each view starts the block from (see pass.ts). */
  private readonly checkpoints: (StateArray | undefined)[] = [];
  /** Recomputed blocks, least recently used first. */
  private readonly cache = new Map<number, Float32Array>();
  /** The block a live stream appends to (never evicted), or -1. */
  private liveBlock = -1;
  /** Scratch for a block's inputs while it is recomputed. */
  private readonly xBuf: Float32Array;

  constructor(
    private readonly engine: BlockEngine,
    private readonly rows: StepRows,
    /** K */
    readonly blockSteps: number,
    /** Most blocks cached (at least 3). */
    readonly maxCached: number,
    private readonly views: readonly number[],
  ) {
    this.xBuf = new Float32Array(blockSteps * engine.network.inputSize);
  }

  /** Block c's checkpoint, if held. */
  checkpoint(c: number): StateArray | undefined {
    return this.checkpoints[c];
  }

  /** Keeps `state` as block c's checkpoint unless it has one (a pass's checkpoints arrive more than once). */
  offerCheckpoint(c: number, state: StateArray): void {
    if (this.checkpoints[c] === undefined) this.checkpoints[c] = state;
  }

  /**
   * A live stream starts block c: its checkpoint is the runner's running state (the initial state
   * at block 0, which is also set as the running state), and a fresh rows buffer is the block's,
   * filled as its steps arrive. Returns that buffer.
   */
  startLive(c: number): Float32Array {
    const e = this.engine;
    const state = e.newState();
    if (c === 0) {
      state.set(e.initialState());
      for (const v of this.views) e.setView(v, state);
    } else for (const v of this.views) e.getView(v, state);
    this.checkpoints[c] = state;
    const rows = new Float32Array(this.blockSteps * this.rows.width);
    this.cache.set(c, rows);
    this.liveBlock = c;
    this.evict();
    return rows;
  }

  /** The rows of the live block c (started with startLive). */
  liveRows(c: number): Float32Array {
    return this.cache.get(c)!;
  }

  /** Whether c is the block a live stream appends to. */
  isLive(c: number): boolean {
    return c === this.liveBlock;
  }

  /**
   * Block c's rows (K x rows.width), recomputed from its checkpoint over its first n steps unless
   * cached. keepRunning: a live stream's running state is set aside and put back, so that the next
   * record continues from it.
   */
  block(c: number, n: number, read: ReadRows, keepRunning: boolean): Float32Array {
    const hit = this.cache.get(c);
    if (hit !== undefined) {
      this.cache.delete(c);
      this.cache.set(c, hit);
      return hit;
    }
    const ck = this.checkpoints[c];
    if (ck === undefined) throw new Error(`no checkpoint for block ${c}`);
    const K = this.blockSteps;
    const t0 = c * K;
    const W = this.rows.width;
    const out = new Float32Array(K * W);
    const e = this.engine;
    const live = keepRunning ? e.newState() : null;
    if (live !== null) for (const v of this.views) e.getView(v, live);
    for (const v of this.views) e.setView(v, ck);
    const { rows } = read(t0, n, this.xBuf);
    if (rows < n) throw new Error(`rows ${t0}..${t0 + n - 1} were read once but not again`);
    const D = e.network.inputSize;
    for (let i0 = 0; i0 < n; i0 += e.capacity) {
      const m = Math.min(e.capacity, n - i0);
      for (let i = 0; i < m; i++) e.setInput(i, this.xBuf.subarray((i0 + i) * D, (i0 + i + 1) * D));
      e.run(m, this.views, t0 + i0);
      for (let i = 0; i < m; i++) this.rows.write(e.step(i), out, (i0 + i) * W, null);
    }
    if (live !== null) for (const v of this.views) e.setView(v, live);
    this.cache.set(c, out);
    this.evict();
    return out;
  }

  /** Forgets block c (its checkpoint and cached rows). */
  drop(c: number): void {
    this.checkpoints[c] = undefined;
    this.cache.delete(c);
  }

  private evict(): void {
    for (const c of this.cache.keys()) {
      if (this.cache.size <= this.maxCached) break;
      if (c !== this.liveBlock) this.cache.delete(c);
    }
  }

  /** Checkpoints and cached blocks held, their values and typed-array bytes. */
  footprint(): { checkpoints: number; checkpointValues: number; cachedBlocks: number; cachedValues: number; bytes: number } {
    let checkpoints = 0;
    let checkpointValues = 0;
    let bytes = 0;
    for (const s of this.checkpoints) {
      if (s === undefined) continue;
      checkpoints++;
      checkpointValues += s.length;
      bytes += s.byteLength;
    }
    let cachedValues = 0;
    for (const b of this.cache.values()) {
      cachedValues += b.length;
      bytes += b.byteLength;
    }
    return { checkpoints, checkpointValues, cachedBlocks: this.cache.size, cachedValues, bytes };
  }
}
