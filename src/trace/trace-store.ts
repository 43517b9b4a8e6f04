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
 * (see engine/runner.ts). Numbers come from the fast engine (WebAssembly SIMD, float32) where it
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
 *
 * This class is the read facade and the assembly; the parts are input-history.ts (inputs and
 * labels), block-cache.ts (checkpoints and recomputed blocks) and filling.ts (the three ways steps
 * arrive).
 */
import { createBlockEngine, defaultBlockSteps, engineKindFor } from '../engine/choose-runner.js';
import { stateWidth, validateNetwork, type Direction, type InitialState, type LinearHead, type Network } from '../engine/index.js';
import type { RangeSet } from '../engine/ranges.js';
import type { Intervention } from '../engine/intervene.js';
import { allViews, type BlockEngine, type EngineKind } from '../engine/runner.js';
import { visible } from '../io/errors.js';
import { BlockCache } from './block-cache.js';
import { Filling, type TraceListener, type TraceStatus } from './filling.js';
import { InputHistory, type RowSource } from './input-history.js';
import type { PassUpdate, ReadRows, SequencePass } from './pass.js';
import { StepRows, type ValueRange } from './step-rows.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_HISTORY_BYTES, type TraceFootprint, type TraceStoreOptions } from './trace-options.js';

export type { RowSource } from './input-history.js';
export { DEFAULT_HISTORY_BYTES, type TraceFootprint, type TraceStoreOptions } from './trace-options.js';
export type { ValueRange } from './step-rows.js';
export type { EngineKind } from '../engine/runner.js';

export type { TraceListener, TraceStatus } from './filling.js';

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
  /** Most steps kept (`maxSteps`, or what fits in `historyBytes`); a store that waits for the end (a reverse direction) is fed at most this many (ingest.ts). */
  readonly maxSteps: number;
  /** Values set by hand (engine/intervene.ts) this trace runs with; empty for the model as it is. */
  readonly interventions: readonly Intervention[];

  private readonly H: number;
  private readonly D: number;
  private readonly views: number;
  private readonly rows: StepRows;
  private readonly engine: BlockEngine;
  private readonly ranges: RangeSet;
  private readonly history: InputHistory;
  private readonly blocks: BlockCache;
  private readonly fill: Filling;
  private readonly rowSource: RowSource | null;

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
    const views = allViews(network);
    this.streaming = network.directions.length === 1 && network.directions[0] === 'forward';
    this.tokens = opts.tokens ?? false;
    const maxLabelLength = opts.maxLabelLength ?? 40;
    const prefer = opts.engine ?? 'fast';
    // The block size depends on the engine that will run; the reference engine is the fallback.
    this.interventions = opts.interventions ?? [];
    const kind = this.interventions.length > 0 ? 'reference' : engineKindFor(prefer, network);
    this.blockSteps = Math.max(1, opts.chunkSteps ?? defaultBlockSteps(network, kind));
    const K = this.blockSteps;
    this.engine = createBlockEngine(network, opts.init, K, kind, this.interventions);
    this.ranges = this.rows.newRanges();
    const blockBytes = K * this.rows.width * 4;
    const maxCached = Math.max(3, Math.floor((opts.cacheBytes ?? DEFAULT_CACHE_BYTES) / blockBytes));
    const stateBytes = this.engine.newState().byteLength;
    const perStep = this.D * 4 + 24 + maxLabelLength + stateBytes / K;
    this.maxSteps = Math.max(2 * K, opts.maxSteps ?? Math.floor((opts.historyBytes ?? DEFAULT_HISTORY_BYTES) / perStep));
    const classes = opts.classNames ?? null;
    const O = this.rows.outSize;
    this.classNames = classes !== null && classes.length === O && O > 0 ? classes.map((c) => visible(c, 24)) : null;
    this.rowSource = opts.rows ?? null;
    this.history = new InputHistory(this.D, K, maxLabelLength, this.rowSource);
    this.blocks = new BlockCache(this.engine, this.rows, K, maxCached, views);
    this.fill = new Filling(this.engine, this.rows, this.ranges, this.history, this.blocks, views, this.streaming, this.maxSteps, this.rowSource);
  }

  // ---- filling ---------------------------------------------------------------------------

  /** Steps computed and held so far (T). */
  get length(): number {
    return this.fill.count;
  }

  /** Records received but not yet computed (a reverse direction waits for the whole input). */
  get pending(): number {
    return this.fill.buffered;
  }

  get status(): TraceStatus {
    return this.fill.status;
  }

  /** A one-line message, safe to print, when the input failed part-way (complete steps are kept). */
  get error(): string | null {
    return this.fill.error;
  }

  /** The oldest step still held (0 unless a long stream dropped its beginning). */
  get first(): number {
    return this.fill.firstBlock * this.blockSteps;
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
    return this.fill.progress;
  }

  /** Which engine computes the numbers. */
  get engineKind(): EngineKind {
    return this.engine.kind;
  }

  /** Adds x_t (D values) with its label. Forward-only networks compute the step at once. */
  append(x: ArrayLike<number>, label: string): void {
    this.fill.append(x, label);
  }

  /** The input ended: a reverse network runs now. Idempotent. */
  finish(): void {
    this.fill.finish();
  }

  /**
   * The input failed after some records: keeps every complete step (a reverse network still runs
   * over what arrived) and records the message, made visible, for the status line.
   */
  fail(message: string): void {
    this.fill.fail(message);
  }

  /** Called after every change (append, finish, fail, a pass's progress); returns the unsubscribe function. */
  subscribe(listener: TraceListener): () => void {
    return this.fill.subscribe(listener);
  }

  /**
   * A full pass over `length` steps with this store's engine and block size. (A worker's pass makes
   * its engine with createBlockEngine from the same network, block size and engine kind, so that its
   * checkpoints fit: pass-worker.ts.)
   */
  newPass(length: number, read: ReadRows): SequencePass {
    return this.fill.newPass(length, read);
  }

  /** A pass over this store's RowSource, on this thread (the first block on screen, or no worker). */
  sourcePass(): SequencePass {
    return this.fill.sourcePass();
  }

  /** Takes in a full pass's progress over this store's RowSource (from a worker or `sourcePass`). */
  receivePass(update: PassUpdate): void {
    this.fill.receivePass(update);
  }

  // ---- recomputation -----------------------------------------------------------------------

  /** Block c's rows (K x rows.width), recomputed from its checkpoint unless cached. */
  private block(c: number): Float32Array {
    const n = Math.min(this.blockSteps, this.fill.count - c * this.blockSteps);
    // A live stream's running state must survive the recomputation: the next record continues from it.
    const keepRunning = this.streaming && this.fill.status === 'reading' && this.fill.count > 0;
    return this.blocks.block(c, n, this.history.read, keepRunning);
  }

  /** Where step t's row is: its block's rows and the offset. */
  private rowAt(t: number): { rows: Float32Array; base: number } {
    const c = Math.floor(t / this.blockSteps);
    return { rows: this.block(c), base: (t - c * this.blockSteps) * this.rows.width };
  }

  /** What the store holds now. */
  footprint(): TraceFootprint {
    const b = this.blocks.footprint();
    const h = this.history.footprint();
    return {
      checkpoints: b.checkpoints,
      checkpointValues: b.checkpointValues,
      cachedSteps: b.cachedBlocks * this.blockSteps,
      cachedValues: b.cachedValues,
      inputValues: h.inputValues,
      labels: h.labels,
      bytes: b.bytes + h.bytes,
    };
  }

  // ---- reading ---------------------------------------------------------------------------

  /** Whether step t is held (computed, and not dropped from a bounded history). */
  holds(t: number): boolean {
    return Number.isInteger(t) && t >= this.first && t < this.fill.count;
  }

  private checkStep(t: number): void {
    if (!this.holds(t)) {
      throw new RangeError(`step ${t} is outside ${this.first}..${this.fill.count - 1}`);
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

  /** A unit of the cell (0..H-1); `name` given: one that state has (h of a projected LSTM has P). */
  private checkUnit(unit: number, name?: string): void {
    const n = name === undefined ? this.H : this.width(name);
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
    this.checkUnit(unit);
    // A unit past a projected LSTM's h (P values of H) has no series: NaN, drawn blank.
    if (unit >= this.width(name)) return out.fill(NaN);
    const K = this.blockSteps;
    const W = this.rows.width;
    const off = this.rows.offset(view, s) + unit;
    let c = -1;
    let rows: Float32Array | null = null;
    for (let i = 0; i < out.length; i++) {
      const t = t0 + i;
      if (t < this.first || t >= this.fill.count) {
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
    return this.history.x(t);
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
    return this.history.label(t);
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
    if (tp >= this.first && tp < this.fill.count) return this.state(name, layer, dir, tp);
    if (name === 'c' && this.network.kind !== 'lstm') return new Float64Array(this.H);
    // At an edge of what is held, the view starts t's block from its checkpoint: the initial state
    // at step 0 (forward) or at the last step (reverse), else the state at a dropped block's end
    // (pass.ts), as the engine holds it.
    const ck = this.blocks.checkpoint(Math.floor(t / this.blockSteps))!;
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
