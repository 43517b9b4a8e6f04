/**
 * States over time: every gate, pre-activation and state of every layer and direction at every
 * step, available for any step without keeping them all, plus the value ranges the viewer scales by.
 *
 * What is kept: the input x (float32) and label of every step (or nothing at all when the rows can
 * be read back from the input at will: a `RowSource`, such as an .npy file in memory), the running
 * state at the start of every block of K steps (a checkpoint), and the value ranges. A step is
 * recomputed from its block's checkpoint when it is asked for, a block at a time, and the last few
 * blocks asked for are cached. The engine is deterministic and a step's arithmetic does not depend on
 * how steps are grouped into runs, so a recomputed step is bit for bit the step first computed
 * (see block-engine.ts). Numbers come from the fast engine (WebAssembly SIMD, float32) where it
 * runs, else from the reference engine (float64).
 *
 * Filling: forward-only networks are stepped as records arrive (live pipes); a network with a
 * reverse direction needs the whole input first, so it is run at `finish()`. A store over a
 * RowSource is filled by a full pass (pass.ts), in a worker thread or in slices, through
 * `receivePass`; the steps on screen can be computed before the pass reaches them only for the
 * first block.
 *
 * A streaming store keeps a bounded history: past `maxSteps`, the oldest block (its inputs, labels
 * and checkpoint) is dropped. Step indices stay those of the whole sequence; `first` is the oldest
 * step still held.
 *
 * Every string that came from the input (source, feature names, labels) is made visible here,
 * before anything above can put it on a screen.
 */
import { ShapeError, stateWidth, validateNetwork, type Direction, type InitialState, type LinearHead, type Network } from '../engine/index.js';
import { visible } from '../io/errors.js';
import { allViews, createBlockEngine, defaultBlockSteps, engineKindFor, type BlockEngine, type EngineKind, type StateArray } from './block-engine.js';
import { SequencePass, type PassUpdate, type ReadRows } from './pass.js';
import { RangeSet, StepRows, type ValueRange } from './step-rows.js';

export type { ValueRange } from './step-rows.js';
export type { EngineKind } from './block-engine.js';

/** An input whose rows can be read back in any order (an .npy file in memory). */
export interface RowSource {
  /** Steps in the input (T). */
  readonly length: number;
  /** Reads rows t0 .. t0+n-1 as float32 values into out (n x D), stopping at a bad row (with why). */
  readonly read: ReadRows;
  /** The label of step t (made visible by the store). */
  label(t: number): string;
}

export interface TraceStoreOptions {
  /** Where the sequence comes from: a path or `<stdin>` (made visible here). */
  readonly source: string;
  /** Names of the D network inputs; default x0, x1, ... (made visible here). */
  readonly featureNames?: readonly string[];
  readonly init?: InitialState | undefined;
  readonly head?: LinearHead | null;
  /**
   * Steps per block: between checkpoints, per stored chunk and per recomputation (what a jump
   * costs). @default defaultBlockSteps: about 2 ms of engine work, a power of two from 16 to 1024
   */
  readonly chunkSteps?: number;
  /** Longest label kept per step, in characters. @default 40 */
  readonly maxLabelLength?: number;
  /** Labels are tokens of text input (a character or word), not renderings of numbers. @default false */
  readonly tokens?: boolean;
  /** Names of the head's outputs when they are classes (a next-token model's vocabulary); made visible here. */
  readonly classNames?: readonly string[] | null;
  /**
   * Most steps a streaming store keeps (a live pipe never ends); older ones are dropped a block at
   * a time. @default as many as fit in `historyBytes`, at least two blocks
   */
  readonly maxSteps?: number;
  /** Memory budget of the kept history when `maxSteps` is not given. @default 256 MiB */
  readonly historyBytes?: number;
  /** The engine: 'fast' (WebAssembly SIMD, where it runs) or 'reference'. @default 'fast' */
  readonly engine?: EngineKind;
  /** Memory for recomputed blocks. @default 32 MiB (at least 3 blocks) */
  readonly cacheBytes?: number;
  /** Rows read back from the input at will; the store is then filled by `receivePass`, not `append`. */
  readonly rows?: RowSource;
}

/** Default memory budget of a streaming store's history. */
export const DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024;

export type TraceStatus = 'reading' | 'done' | 'failed';

export type TraceListener = () => void;

/** What a store holds, in values and bytes (it stays bounded by design: see the tests). */
export interface TraceFootprint {
  /** Checkpoints held, and the state values in them. */
  readonly checkpoints: number;
  readonly checkpointValues: number;
  /** Steps whose full rows are cached, and the values in them. */
  readonly cachedSteps: number;
  readonly cachedValues: number;
  /** Input values (x) and labels held (0 over a RowSource). */
  readonly inputValues: number;
  readonly labels: number;
  /** Typed-array bytes of all the above (labels not counted). */
  readonly bytes: number;
}

const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

export class TraceStore {
  readonly network: Network;
  /** The input's name, safe to print. */
  readonly source: string;
  /** D names, safe to print. */
  readonly featureNames: readonly string[];
  readonly init: InitialState | undefined;
  readonly head: LinearHead | null;
  /** Traced states per (layer, dir), in the engine's order (STATE_NAMES). */
  readonly stateNames: readonly string[];
  /** True when steps are computed as records arrive; false when a reverse direction waits for the end. */
  readonly streaming: boolean;
  /** Labels are text tokens (shown quoted). */
  readonly tokens: boolean;
  /** Names of the head's O outputs when they are classes, safe to print; else null. */
  readonly classNames: readonly string[] | null;
  /** Steps per block (K): between checkpoints, and per recomputation. */
  readonly blockSteps: number;

  private readonly H: number;
  private readonly D: number;
  private readonly views: number;
  private readonly rows: StepRows;
  private readonly engine: BlockEngine;
  private readonly allViewList: readonly number[];
  private readonly maxLabelLength: number;
  /** Most steps kept (`maxSteps`, or what fits in `historyBytes`); a store that waits for the end (a reverse direction) is fed at most this many (ingest.ts). */
  readonly maxSteps: number;
  private readonly ranges: RangeSet;
  private readonly listeners = new Set<TraceListener>();
  private readonly rowSource: RowSource | null;

  /** Per block: the state each view starts the block from (see pass.ts). */
  private readonly checkpoints: (StateArray | undefined)[] = [];
  /** Per block: (K, D) float32 inputs, and labels (not over a RowSource). */
  private readonly xChunks: (Float32Array | undefined)[] = [];
  private readonly labelChunks: (string[] | undefined)[] = [];
  /** Recomputed blocks, least recently used first; the block being appended to is never evicted. */
  private readonly cache = new Map<number, Float32Array>();
  private readonly maxCached: number;
  private liveBlock = -1;
  /** Scratch for a block's inputs while it is recomputed. */
  private readonly xBuf: Float32Array;
  private readonly oneRow: Float32Array;
  /** Index of the oldest block still held. */
  private firstChunk = 0;
  /** Records received but not computed (a reverse direction waits for the end). */
  private buffered = 0;
  private count = 0;
  private statusValue: TraceStatus = 'reading';
  private errorValue: string | null = null;
  private progressValue: number | null = null;

  constructor(network: Network, opts: TraceStoreOptions) {
    validateNetwork(network);
    this.network = network;
    this.source = visible(opts.source, 80);
    this.H = network.hiddenSize;
    this.D = network.inputSize;
    const names = opts.featureNames ?? [];
    this.featureNames = Array.from({ length: this.D }, (_, j) => {
      const n = names[j];
      return n === undefined ? `x${j}` : visible(n, 24);
    });
    this.init = opts.init;
    this.head = opts.head ?? null;
    this.rows = new StepRows(network, this.head);
    this.stateNames = this.rows.stateNames;
    this.views = this.rows.views;
    this.allViewList = allViews(network);
    this.streaming = network.directions.length === 1 && network.directions[0] === 'forward';
    this.tokens = opts.tokens ?? false;
    this.maxLabelLength = opts.maxLabelLength ?? 40;
    const prefer = opts.engine ?? 'fast';
    // The block size depends on the engine that will run; the reference engine is the fallback.
    const kind = engineKindFor(prefer, network);
    this.blockSteps = Math.max(1, opts.chunkSteps ?? defaultBlockSteps(network, kind));
    const K = this.blockSteps;
    this.engine = createBlockEngine(network, opts.init, K, kind);
    this.ranges = this.rows.newRanges();
    this.xBuf = new Float32Array(K * this.D);
    this.oneRow = new Float32Array(this.D);
    const blockBytes = K * this.rows.width * 4;
    this.maxCached = Math.max(3, Math.floor((opts.cacheBytes ?? DEFAULT_CACHE_BYTES) / blockBytes));
    const stateBytes = this.engine.newState().byteLength;
    const perStep = this.D * 4 + 24 + this.maxLabelLength + stateBytes / K;
    this.maxSteps = Math.max(2 * K, opts.maxSteps ?? Math.floor((opts.historyBytes ?? DEFAULT_HISTORY_BYTES) / perStep));
    const classes = opts.classNames ?? null;
    const O = this.rows.outSize;
    this.classNames = classes !== null && classes.length === O && O > 0 ? classes.map((c) => visible(c, 24)) : null;
    this.rowSource = opts.rows ?? null;
    if (this.rowSource !== null) this.progressValue = this.rowSource.length === 0 ? null : 0;
  }

  // ---- filling ---------------------------------------------------------------------------

  /** Steps computed and held so far (T). */
  get length(): number {
    return this.count;
  }

  /** Records received but not yet computed (a reverse direction waits for the whole input). */
  get pending(): number {
    return this.buffered;
  }

  get status(): TraceStatus {
    return this.statusValue;
  }

  /** A one-line message, safe to print, when the input failed part-way (complete steps are kept). */
  get error(): string | null {
    return this.errorValue;
  }

  /** The oldest step still held (0 unless a long stream dropped its beginning). */
  get first(): number {
    return this.firstChunk * this.blockSteps;
  }

  /** Number of (layer, direction) views: L * dirs, ordered l0 dir0, l0 dir1, l1 dir0, ... */
  get viewCount(): number {
    return this.views;
  }

  /** Steps the input has in all, when known ahead (a RowSource); else null. */
  get expectedLength(): number | null {
    return this.rowSource?.length ?? null;
  }

  /** Fraction of the full pass done (0..1) while one runs over a RowSource; null otherwise. */
  get progress(): number | null {
    return this.progressValue;
  }

  /** Which engine computes the numbers. */
  get engineKind(): EngineKind {
    return this.engine.kind;
  }

  /** Adds x_t (D values) with its label. Forward-only networks compute the step at once. */
  append(x: ArrayLike<number>, label: string): void {
    if (this.statusValue !== 'reading') throw new Error('TraceStore.append after the input ended');
    if (this.rowSource !== null) throw new Error('TraceStore.append on a store that reads its rows from a RowSource');
    const t = this.count + this.buffered;
    if (x.length !== this.D) {
      // The same check the engine makes, early, so the bad record is named while it is fresh.
      throw new ShapeError(`input at t=${t}: expected ${this.D} features, got ${x.length}`);
    }
    const K = this.blockSteps;
    const c = Math.floor(t / K);
    let xs = this.xChunks[c];
    if (xs === undefined) {
      xs = new Float32Array(K * this.D);
      this.xChunks[c] = xs;
      this.labelChunks[c] = [];
    }
    const at = (t - c * K) * this.D;
    for (let j = 0; j < this.D; j++) xs[at + j] = x[j]!;
    this.labelChunks[c]!.push(visible(label, this.maxLabelLength));
    if (this.streaming) this.stepLive(t, xs.subarray(at, at + this.D));
    else this.buffered++;
    this.notify();
  }

  /** Computes step t of a forward-only network from the running state, into the block being appended to. */
  private stepLive(t: number, x: Float32Array): void {
    const K = this.blockSteps;
    const c = Math.floor(t / K);
    const e = this.engine;
    if (t === c * K) {
      const state = e.newState();
      if (t === 0) {
        state.set(e.initialState());
        for (const v of this.allViewList) e.setView(v, state);
      } else for (const v of this.allViewList) e.getView(v, state);
      this.checkpoints[c] = state;
      this.cache.set(c, new Float32Array(K * this.rows.width));
      this.liveBlock = c;
      this.evict();
    }
    e.setInput(0, x);
    e.run(1, this.allViewList);
    this.rows.write(e.step(0), this.cache.get(c)!, (t - c * K) * this.rows.width, this.ranges);
    this.ranges.widen(this.ranges.xSlot, x, 0, this.D);
    this.count = t + 1;
    this.trim();
  }

  /** The input ended: a reverse network runs now. Idempotent. */
  finish(): void {
    if (this.statusValue !== 'reading') return;
    this.flushBuffered();
    this.statusValue = 'done';
    this.progressValue = null;
    this.notify();
  }

  /**
   * The input failed after some records: keeps every complete step (a reverse network still runs
   * over what arrived) and records the message, made visible, for the status line.
   */
  fail(message: string): void {
    if (this.statusValue !== 'reading') return;
    this.flushBuffered();
    this.errorValue = visible(message, 300);
    this.statusValue = 'failed';
    this.progressValue = null;
    this.notify();
  }

  /** Called after every change (append, finish, fail, a pass's progress); returns the unsubscribe function. */
  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Reads held inputs (not over a RowSource). */
  private readHeld: ReadRows = (t0, n, out) => {
    const K = this.blockSteps;
    const D = this.D;
    for (let i = 0; i < n; i++) {
      const t = t0 + i;
      const c = Math.floor(t / K);
      const at = (t - c * K) * D;
      out.set(this.xChunks[c]!.subarray(at, at + D), i * D);
    }
    return { rows: n, error: null };
  };

  private flushBuffered(): void {
    if (this.buffered === 0) return;
    const T = this.buffered;
    const pass = this.newPass(T, this.readHeld);
    while (pass.next());
    this.buffered = 0;
    this.applyPass(pass.update());
  }

  /**
   * A full pass over `length` steps with this store's engine and block size. (A worker's pass makes
   * its engine with createBlockEngine from the same network, block size and engine kind, so that its
   * checkpoints fit: pass-worker.ts.)
   */
  newPass(length: number, read: ReadRows): SequencePass {
    return new SequencePass({ engine: this.engine, rows: this.rows, length, blockSteps: this.blockSteps, read });
  }

  /** A pass over this store's RowSource, on this thread (the first block on screen, or no worker). */
  sourcePass(): SequencePass {
    if (this.rowSource === null) throw new Error('this store has no RowSource');
    return this.newPass(this.rowSource.length, this.rowSource.read);
  }

  /** Takes in a full pass's progress over this store's RowSource (from a worker or `sourcePass`). */
  receivePass(update: PassUpdate): void {
    if (this.rowSource === null) throw new Error('this store has no RowSource');
    if (this.statusValue !== 'reading') return;
    this.applyPass(update);
    if (update.done) {
      if (update.error !== null) {
        this.errorValue = visible(update.error, 300);
        this.statusValue = 'failed';
      } else this.statusValue = 'done';
      this.progressValue = null;
    } else this.progressValue = update.progress;
    this.notify();
  }

  private applyPass(update: PassUpdate): void {
    for (const { block, state } of update.checkpoints) if (this.checkpoints[block] === undefined) this.checkpoints[block] = state;
    this.ranges.merge(update.ranges);
    if (update.upTo > this.count) this.count = update.upTo;
  }

  /** Drops the oldest block once the history is over its limit. */
  private trim(): void {
    if (!this.streaming || this.count - this.first <= this.maxSteps) return;
    const c = this.firstChunk;
    if ((c + 1) * this.blockSteps >= this.count || c === this.liveBlock) return;
    this.checkpoints[c] = undefined;
    this.xChunks[c] = undefined;
    this.labelChunks[c] = undefined;
    this.cache.delete(c);
    this.firstChunk++;
  }

  // ---- recomputation -----------------------------------------------------------------------

  private evict(): void {
    for (const c of this.cache.keys()) {
      if (this.cache.size <= this.maxCached) break;
      if (c !== this.liveBlock) this.cache.delete(c);
    }
  }

  /** Block c's rows (K x rows.width), recomputed from its checkpoint unless cached. */
  private block(c: number): Float32Array {
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
    const n = Math.min(K, this.count - t0);
    const W = this.rows.width;
    const out = new Float32Array(K * W);
    const e = this.engine;
    // A live stream's running state is set aside and put back: the next record continues from it.
    const live = this.streaming && this.statusValue === 'reading' && this.count > 0 ? e.newState() : null;
    if (live !== null) for (const v of this.allViewList) e.getView(v, live);
    for (const v of this.allViewList) e.setView(v, ck);
    const read = this.rowSource?.read ?? this.readHeld;
    const { rows } = read(t0, n, this.xBuf);
    if (rows < n) throw new Error(`rows ${t0}..${t0 + n - 1} were read once but not again`);
    const D = this.D;
    for (let i0 = 0; i0 < n; i0 += e.capacity) {
      const m = Math.min(e.capacity, n - i0);
      for (let i = 0; i < m; i++) e.setInput(i, this.xBuf.subarray((i0 + i) * D, (i0 + i + 1) * D));
      e.run(m, this.allViewList);
      for (let i = 0; i < m; i++) this.rows.write(e.step(i), out, (i0 + i) * W, null);
    }
    if (live !== null) for (const v of this.allViewList) e.setView(v, live);
    this.cache.set(c, out);
    this.evict();
    return out;
  }

  /** Where step t's row is: its block's rows and the offset. */
  private rowAt(t: number): { rows: Float32Array; base: number } {
    const c = Math.floor(t / this.blockSteps);
    return { rows: this.block(c), base: (t - c * this.blockSteps) * this.rows.width };
  }

  /** What the store holds now. */
  footprint(): TraceFootprint {
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
    let inputValues = 0;
    let labels = 0;
    for (let c = 0; c < this.xChunks.length; c++) {
      const xs = this.xChunks[c];
      if (xs === undefined) continue;
      inputValues += xs.length;
      bytes += xs.byteLength;
      labels += this.labelChunks[c]?.length ?? 0;
    }
    return { checkpoints, checkpointValues, cachedSteps: this.cache.size * this.blockSteps, cachedValues, inputValues, labels, bytes };
  }

  // ---- reading ---------------------------------------------------------------------------

  /** Whether step t is held (computed, and not dropped from a bounded history). */
  holds(t: number): boolean {
    return Number.isInteger(t) && t >= this.first && t < this.count;
  }

  private checkStep(t: number): void {
    if (!this.holds(t)) {
      throw new RangeError(`step ${t} is outside ${this.first}..${this.count - 1}`);
    }
  }

  private checkView(layer: number, dir: number): number {
    const dirs = this.network.directions.length;
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.network.numLayers || !Number.isInteger(dir) || dir < 0 || dir >= dirs) {
      throw new RangeError(`no layer ${layer} direction ${dir}`);
    }
    return layer * dirs + dir;
  }

  private stateIndex(name: string): number {
    const s = this.stateNames.indexOf(name);
    if (s < 0) throw new RangeError(`${this.network.kind} has no state "${name}" (it has ${this.stateNames.join(', ')})`);
    return s;
  }

  private checkUnit(unit: number, name: string): void {
    const n = this.width(name);
    if (!Number.isInteger(unit) || unit < 0 || unit >= n) throw new RangeError(`unit ${unit} is outside 0..${n - 1}`);
  }

  /**
   * Values of state `name` per direction: H, except h of a projected LSTM (proj_size P: P values).
   * Unknown names answer H (stateIndex refuses them where it matters).
   */
  width(name: string): number {
    return stateWidth(this.network, name);
  }

  /** State `name` (a STATE_NAMES entry) of layer k, direction index d at step t: width(name) values. */
  state(name: string, layer: number, dir: number, t: number): Float64Array {
    const view = this.checkView(layer, dir);
    const s = this.stateIndex(name);
    this.checkStep(t);
    const { rows, base } = this.rowAt(t);
    const off = base + this.rows.offset(view, s);
    return Float64Array.from(rows.subarray(off, off + this.width(name)));
  }

  /** One unit's value without allocating (timeline and sparkline loops). */
  value(name: string, layer: number, dir: number, t: number, unit: number): number {
    const view = this.checkView(layer, dir);
    const s = this.stateIndex(name);
    this.checkStep(t);
    this.checkUnit(unit, name);
    const { rows, base } = this.rowAt(t);
    return rows[base + this.rows.offset(view, s) + unit]!;
  }

  /**
   * Fills `out` (length n) with one unit's value at steps t0 .. t0+n-1 (steps not held are NaN, and
   * so are all of them for a unit past the P values of a projected LSTM's h):
   * the timeline's rows without an allocation per step.
   */
  series(name: string, layer: number, dir: number, unit: number, t0: number, out: Float64Array): Float64Array {
    const view = this.checkView(layer, dir);
    const s = this.stateIndex(name);
    this.checkUnit(unit, 'pre');
    // A unit past a projected LSTM's h (P values of H) has no series: NaN, drawn blank.
    if (unit >= this.width(name)) return out.fill(NaN);
    const K = this.blockSteps;
    const W = this.rows.width;
    const off = this.rows.offset(view, s) + unit;
    let c = -1;
    let rows: Float32Array | null = null;
    for (let i = 0; i < out.length; i++) {
      const t = t0 + i;
      if (t < this.first || t >= this.count) {
        out[i] = NaN;
        continue;
      }
      const bc = Math.floor(t / K);
      if (bc !== c) {
        c = bc;
        rows = this.block(c);
      }
      out[i] = rows![(t - c * K) * W + off]!;
    }
    return out;
  }

  /** Pre-activations of layer k, direction d at step t: (G*H) in the engine's gate order. */
  pre(layer: number, dir: number, t: number): Float64Array {
    const view = this.checkView(layer, dir);
    this.checkStep(t);
    const { rows, base } = this.rowAt(t);
    const off = base + this.rows.offset(view, this.stateNames.length);
    return Float64Array.from(rows.subarray(off, off + this.rows.blockWidth - this.stateNames.length * this.H));
  }

  /** The network input x_t: (D). */
  x(t: number): Float64Array {
    this.checkStep(t);
    if (this.rowSource !== null) {
      this.rowSource.read(t, 1, this.oneRow);
      return Float64Array.from(this.oneRow);
    }
    const K = this.blockSteps;
    const c = Math.floor(t / K);
    const at = (t - c * K) * this.D;
    return Float64Array.from(this.xChunks[c]!.subarray(at, at + this.D));
  }

  /** The head's prediction at step t (O), or null without a head. */
  prediction(t: number): Float64Array | null {
    if (this.head === null) return null;
    this.checkStep(t);
    const { rows, base } = this.rowAt(t);
    const at = base + this.rows.predOffset;
    return Float64Array.from(rows.subarray(at, at + this.rows.outSize));
  }

  /** The label of step t (feature values as written, or the character/token), safe to print. */
  label(t: number): string {
    this.checkStep(t);
    if (this.rowSource !== null) return visible(this.rowSource.label(t), this.maxLabelLength);
    return this.labelChunks[Math.floor(t / this.blockSteps)]![t % this.blockSteps]!;
  }

  /**
   * The state this step started from: for a forward direction the one after step t-1, for a
   * reverse direction the one after step t+1; the initial state (h0/c0, zeros by default) at the
   * sequence's edge. `name` is 'h' or 'c' (LSTM).
   */
  previous(name: 'h' | 'c', layer: number, dir: number, t: number): Float64Array {
    const view = this.checkView(layer, dir);
    this.checkStep(t);
    const reverse = this.network.directions[dir] === 'reverse';
    const tp = reverse ? t + 1 : t - 1;
    if (tp >= this.first && tp < this.count) return this.state(name, layer, dir, tp);
    if (name === 'c' && this.network.kind !== 'lstm') return new Float64Array(this.H);
    // At an edge of what is held, the view starts t's block from its checkpoint: the initial state
    // at step 0 (forward) or at the last step (reverse), else the state at a dropped block's end
    // (pass.ts), as the engine holds it.
    const ck = this.checkpoints[Math.floor(t / this.blockSteps)]!;
    const at = view * this.engine.stateStride + (name === 'h' ? 0 : this.H);
    return Float64Array.from(ck.subarray(at, at + this.width(name)));
  }

  /** What layer k received at step t: x_t for layer 0, else the layer below's [forward h | reverse h]. */
  layerInput(layer: number, t: number): Float64Array {
    this.checkView(layer, 0);
    if (layer === 0) return this.x(t);
    const dirs = this.network.directions.length;
    const Hout = this.width('h');
    const out = new Float64Array(Hout * dirs);
    for (let d = 0; d < dirs; d++) out.set(this.state('h', layer - 1, d, t), d * Hout);
    return out;
  }

  /** Names of layer k's inputs: the feature names for layer 0, else `h3` / `h3←` of the layer below. */
  layerInputNames(layer: number): string[] {
    if (layer === 0) return [...this.featureNames];
    const dirs = this.network.directions;
    const names: string[] = [];
    dirs.forEach((dir) => {
      for (let u = 0; u < this.width('h'); u++) names.push(`L${layer - 1}${dirs.length > 1 ? (dir === 'reverse' ? '←' : '→') : ''} h${u}`);
    });
    return names;
  }

  /** Range of state `name` (or 'pre' for every pre-activation) of layer k, direction d over all steps so far. */
  range(name: string, layer: number, dir: number): ValueRange {
    const view = this.checkView(layer, dir);
    const s = name === 'pre' ? this.stateNames.length : this.stateIndex(name);
    return this.ranges.get(this.ranges.slot(view, s));
  }

  /** Range of every input feature over all steps so far. */
  inputRange(): ValueRange {
    return this.ranges.get(this.ranges.xSlot);
  }

  /** Range of every prediction over all steps so far. */
  predictionRange(): ValueRange {
    return this.ranges.get(this.ranges.predSlot);
  }

  /** Direction of view index d. */
  direction(dir: number): Direction {
    const d = this.network.directions[dir];
    if (d === undefined) throw new RangeError(`no direction ${dir}`);
    return d;
  }
}
