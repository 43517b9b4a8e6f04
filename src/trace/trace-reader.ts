/**
 * The read side of a trace (trace-store.ts): any step's states, pre-activations, input, label and
 * prediction, recomputed a block at a time from the block cache, plus the value ranges. TraceStore
 * extends it with the filling; what is held and how is described there.
 */
import { allocStepRecord, cellStateSize, cellStep, numHeadsOf, outputSize, stateSlot, stateWidth, type Direction, type LinearHead, type Network } from '../engine/index.js';
import type { RangeSet } from '../engine/ranges.js';
import type { BlockEngine } from '../engine/runner.js';
import type { BlockCache } from './block-cache.js';
import type { Filling } from './filling.js';
import type { InputHistory } from './input-history.js';
import type { StepRows, ValueRange } from './step-rows.js';

/** The parts a reader reads from (made by TraceStore). */
export interface TraceParts {
  readonly network: Network;
  readonly featureNames: readonly string[];
  readonly head: LinearHead | null;
  readonly blockSteps: number;
  readonly streaming: boolean;
  readonly rows: StepRows;
  readonly engine: BlockEngine;
  readonly ranges: RangeSet;
  readonly history: InputHistory;
  readonly blocks: BlockCache;
  readonly fill: Filling;
}

export class TraceReader {
  readonly network: Network;
  /** D names, safe to print. */
  readonly featureNames: readonly string[];
  readonly head: LinearHead | null;
  /** Traced states per (layer, dir), in the engine's order (STATE_NAMES). */
  readonly stateNames: readonly string[];
  /** Steps per block (K): between checkpoints, and per recomputation. */
  readonly blockSteps: number;
  /** True when steps are computed as records arrive; false when a reverse direction waits for the end. */
  readonly streaming: boolean;

  protected readonly H: number;
  protected readonly rows: StepRows;
  protected readonly engine: BlockEngine;
  protected readonly ranges: RangeSet;
  protected readonly history: InputHistory;
  protected readonly blocks: BlockCache;
  protected readonly fill: Filling;

  constructor(parts: TraceParts) {
    this.network = parts.network;
    this.featureNames = parts.featureNames;
    this.head = parts.head;
    this.blockSteps = parts.blockSteps;
    this.streaming = parts.streaming;
    this.rows = parts.rows;
    this.stateNames = parts.rows.stateNames;
    this.H = parts.network.hiddenSize;
    this.engine = parts.engine;
    this.ranges = parts.ranges;
    this.history = parts.history;
    this.blocks = parts.blocks;
    this.fill = parts.fill;
  }

  /** Steps computed and held so far (T). */
  get length(): number {
    return this.fill.count;
  }

  /** The oldest step still held (0 unless a long stream dropped its beginning). */
  get first(): number {
    return this.fill.firstBlock * this.blockSteps;
  }

  /** Number of (layer, direction) views: L * dirs, ordered l0 dir0, l0 dir1, l1 dir0, ... */
  get viewCount(): number {
    return this.rows.views;
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
   * sequence's edge. `name` is 'h', 'c' (LSTM, sLSTM) or an sLSTM's 'n' or 'm'.
   */
  previous(name: 'h' | 'c' | 'n' | 'm', layer: number, dir: number, t: number): Float64Array {
    const view = this.checkView(layer, dir);
    this.checkStep(t);
    const reverse = this.network.directions[dir] === 'reverse';
    const tp = reverse ? t + 1 : t - 1;
    if (tp >= this.first && tp < this.fill.count) return this.state(name, layer, dir, tp);
    if (name !== 'h' && cellStateSize(this.network) === 0) return new Float64Array(this.H);
    // At an edge of what is held, the view starts t's block from its checkpoint: the initial state
    // at step 0 (forward) or at the last step (reverse), else the state at a dropped block's end
    // (pass.ts), as the engine holds it.
    const ck = this.blocks.checkpoint(Math.floor(t / this.blockSteps))!;
    const at = view * this.engine.stateStride + (name === 'h' ? 0 : this.H + stateSlot(this.network.kind, name, this.H).offset);
    return Float64Array.from(ck.subarray(at, at + this.width(name)));
  }

  /**
   * The whole cell state (cellStateSize values) of layer k after step t, in a forward-only
   * network: what the rows do not keep (they hold the per-unit states, in float32; an mLSTM's
   * matrix memories C live only here). Layers 0..k are stepped on by the engine's own cell from
   * the checkpoint of t's block over the held inputs, so it is the state the engine had, bit for bit.
   */
  cellStateAfter(layer: number, dir: number, t: number): Float64Array {
    this.checkView(layer, dir);
    this.checkStep(t);
    const net = this.network;
    if (net.directions.length !== 1 || net.directions[0] !== 'forward') throw new RangeError('cellStateAfter: forward-only networks');
    const S = cellStateSize(net);
    const Hh = outputSize(net);
    const block = Math.floor(t / this.blockSteps);
    const ck = this.blocks.checkpoint(block);
    if (ck === undefined) throw new RangeError(`step ${t} is not held`);
    const stride = this.engine.stateStride;
    const hs = Array.from({ length: layer + 1 }, (_, k) => Float64Array.from(ck.subarray(k * stride, k * stride + Hh)));
    const ss = Array.from({ length: layer + 1 }, (_, k) => Float64Array.from(ck.subarray(k * stride + this.H, k * stride + this.H + S)));
    const rec = allocStepRecord(net.kind, this.H, Hh, numHeadsOf(net));
    const scratch = new Float64Array(3 * this.H);
    for (let s = block * this.blockSteps; s <= t; s++) {
      let input: ArrayLike<number> = this.x(s);
      for (let k = 0; k <= layer; k++) {
        cellStep(net, net.layers[k]![0]!, input, hs[k]!, S > 0 ? ss[k]! : null, scratch, rec);
        hs[k]!.set(rec.h);
        if (rec.c !== null) ss[k]!.set(rec.c);
        input = hs[k]!;
      }
    }
    return ss[layer]!;
  }

  /**
   * The whole cell state of layer k before step t (forward-only networks): t's block checkpoint at
   * a block's first step (also where the steps before it are no longer held), else cellStateAfter(t - 1).
   */
  cellStateBefore(layer: number, dir: number, t: number): Float64Array {
    this.checkView(layer, dir);
    if (t % this.blockSteps !== 0) return this.cellStateAfter(layer, dir, t - 1);
    this.checkStep(t);
    const net = this.network;
    if (net.directions.length !== 1 || net.directions[0] !== 'forward') throw new RangeError('cellStateBefore: forward-only networks');
    const ck = this.blocks.checkpoint(t / this.blockSteps);
    if (ck === undefined) throw new RangeError(`step ${t} is not held`);
    const at = layer * this.engine.stateStride + this.H;
    return Float64Array.from(ck.subarray(at, at + cellStateSize(net)));
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
