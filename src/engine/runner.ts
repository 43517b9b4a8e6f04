/**
 * The runner contract: runs a block of steps of chosen layers and directions from saved states: the one routine behind
 * the full pass over a sequence (which saves the running state every K steps) and the viewer's
 * recomputation of the steps on screen from the nearest saved state. Both go through the same
 * arithmetic, so a recomputed step is bit for bit the step the full pass computed.
 *
 * Two implementations with the same contract: the fast engine's WebAssembly SIMD kernels (float32
 * states, as PyTorch), and the reference engine's cells (float64 states) where WebAssembly SIMD is
 * missing or when asked for. Every step's result is independent of how the steps are cut into
 * runs: the fast kernels compute each step's input projection on its own (a column of the matrix
 * product) and the recurrence one step after another, so 1 step per run or 1,000 give the same bits.
 *
 * A saved state holds, for each view v = layer * dirs + dir, h (H values) then the cell state
 * (cellStateSize: an LSTM's c, H; an sLSTM's c, n, m, 3H; nothing for the others):
 * `stateStride` values per view. A projected LSTM (proj_size P) keeps h in the first P of its H
 * slots (the rest stay 0) and runs on the reference engine only: the kernels have no projection.
 *
 * This file: the contract and the reference implementation. The fast one is fast/block-runner.ts
 * (its WebAssembly memory layout stays inside fast/); choose-runner.ts picks between them.
 */
import { applyInterventions, checkInterventions, intervenedInput, type Intervention } from './intervene.js';
import { allocNetworkStep, initialRow, runDirection, ShapeError, type AfterCell } from './network.js';
import { widenStrided, type RangeSet } from './ranges.js';
import { cellStateSize, outputSize, STATE_NAMES, stateSlot } from './shapes.js';
import { StatsAccumulator, type SequenceStats } from './stats.js';
import type { InitialState, Network, NetworkStep } from './types.js';

/** A saved state: float32 for the fast engine, float64 for the reference. */
export type StateArray = Float32Array | Float64Array;

export type EngineKind = 'fast' | 'reference';

export interface BlockEngine {
  readonly kind: EngineKind;
  readonly network: Network;
  /** Most steps per run. */
  readonly capacity: number;
  /** Values per view in a saved state: H + cellStateSize (h then c; an sLSTM's c, n, m). */
  readonly stateStride: number;
  /** A zeroed saved state of this engine's precision, for every view. */
  newState(): StateArray;
  /** The initial state (h0/c0 or zeros) of every view, as a saved state. */
  initialState(): StateArray;
  /** Sets view v's running state from `state` (a whole saved state: v's part is used). */
  setView(v: number, state: StateArray): void;
  /** Copies view v's running state into `state` (v's part). */
  getView(v: number, state: StateArray): void;
  /** Writes x (D values) as input row i of the next run. */
  setInput(i: number, x: ArrayLike<number>): void;
  /** Writes n rows packed in `rows` (n * D values from its start) as input rows i..i+n-1. */
  setRows(i: number, rows: Float32Array | Float64Array, n: number): void;
  /**
   * Runs rows 0..n-1 through the given views, in the order given (a view must come after the
   * views of the layer below that feed it). A reverse view walks the rows from n-1 down to 0.
   * Each view's running state carries over from its previous run or setView. t0: the step row 0
   * is (what interventions, set for steps, need; the fast runner has none and ignores it).
   */
  run(n: number, views: readonly number[], t0?: number): void;
  /** What row i of the last run computed, in every view that ran (buffers reused by the next call). */
  step(i: number): NetworkStep;
  /** The last layer's output y (its directions' h) at row i of the last run (a buffer reused by the next call). */
  output(i: number): Float64Array;
  /**
   * Widens `ranges` by view v's states and pre-activations over rows 0..n-1 of the last run,
   * straight from the engine's buffers (the full pass reads every step this way: a step read out
   * whole costs more than the step).
   */
  widenRun(n: number, v: number, ranges: RangeSet): void;
  /**
   * Adds rows 0..n-1 of the last run, every view, to the statistics of the states (stats.ts)
   * that the engine keeps over all its runs, straight from its buffers; `count`: whether these
   * rows are new steps (false when a later run covers the same steps again).
   */
  accumulate(n: number, count?: boolean): void;
  /** The statistics of every row accumulated so far. */
  statistics(): SequenceStats;
}

/** Every view in order: l0 dir0, l0 dir1, l1 dir0, ... */
export function allViews(net: Network): number[] {
  return Array.from({ length: net.numLayers * net.directions.length }, (_, v) => v);
}

/** Values per view in a saved state: H, 2H for an LSTM (h then c), 4H for an sLSTM (h, c, n, m). */
export function stateStride(net: Network): number {
  return net.hiddenSize + cellStateSize(net);
}

/** The initial state rows as a saved state (unchecked here: the engines check shapes on creation). */
export function fillInitial(net: Network, init: InitialState | undefined, out: StateArray): StateArray {
  const H = net.hiddenSize;
  const Hout = outputSize(net);
  const s = stateStride(net);
  const S = cellStateSize(net);
  const views = net.numLayers * net.directions.length;
  for (let v = 0; v < views; v++) {
    const h0 = init?.h0?.[v];
    const c0 = init?.c0?.[v];
    for (let u = 0; u < H; u++) out[v * s + u] = h0 != null && u < Hout ? h0[u]! : 0;
    for (let u = 0; u < S; u++) out[v * s + H + u] = c0 != null ? c0[u]! : 0;
  }
  return out;
}

/** The contract on the reference engine's cells (float64 states). */
export class ReferenceBlockEngine implements BlockEngine {
  readonly kind = 'reference' as const;
  readonly stateStride: number;
  /** (capacity, D) */
  private readonly x: Float64Array;
  private readonly steps: NetworkStep[];
  private readonly h: Float64Array[];
  private readonly c: (Float64Array | null)[];
  private readonly scratch: Float64Array;
  private readonly layerIn: Float64Array;
  /** Values set by hand over ranges of steps (intervene.ts); empty for the model as it is. */
  private readonly interventions: readonly Intervention[];
  private readonly stats: StatsAccumulator;

  constructor(
    readonly network: Network,
    private readonly init: InitialState | undefined,
    readonly capacity: number,
    interventions: readonly Intervention[] = [],
  ) {
    checkInterventions(network, interventions);
    this.interventions = interventions;
    this.stats = new StatsAccumulator(network);
    // ShapeError naming h0/c0 on a wrong initial state (the fast runner checks its own)
    for (let k = 0; k < network.numLayers; k++) {
      for (let d = 0; d < network.directions.length; d++) {
        initialRow(network, init, 'h0', k, d);
        if (cellStateSize(network) > 0) initialRow(network, init, 'c0', k, d);
      }
    }
    const H = network.hiddenSize;
    const S = cellStateSize(network);
    const Hout = outputSize(network);
    const views = network.numLayers * network.directions.length;
    this.stateStride = stateStride(network);
    this.x = new Float64Array(capacity * network.inputSize);
    this.steps = Array.from({ length: capacity }, () => allocNetworkStep(network));
    this.h = Array.from({ length: views }, () => new Float64Array(Hout));
    this.c = Array.from({ length: views }, () => (S > 0 ? new Float64Array(S) : null));
    this.scratch = new Float64Array(3 * H);
    this.layerIn = new Float64Array(Hout * network.directions.length);
    const s = this.initialState();
    for (let v = 0; v < views; v++) this.setView(v, s);
  }

  newState(): Float64Array {
    return new Float64Array(this.network.numLayers * this.network.directions.length * this.stateStride);
  }

  initialState(): Float64Array {
    return fillInitial(this.network, this.init, this.newState()) as Float64Array;
  }

  setView(v: number, state: StateArray): void {
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const h = this.h[v]!;
    for (let u = 0; u < h.length; u++) h[u] = state[at + u]!;
    const c = this.c[v];
    if (c != null) for (let u = 0; u < c.length; u++) c[u] = state[at + H + u]!;
  }

  getView(v: number, state: StateArray): void {
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const h = this.h[v]!;
    for (let u = 0; u < h.length; u++) state[at + u] = h[u]!;
    const c = this.c[v];
    if (c != null) for (let u = 0; u < c.length; u++) state[at + H + u] = c[u]!;
  }

  setInput(i: number, x: ArrayLike<number>): void {
    const D = this.network.inputSize;
    for (let j = 0; j < D; j++) this.x[i * D + j] = x[j]!;
  }

  setRows(i: number, rows: Float32Array | Float64Array, n: number): void {
    const D = this.network.inputSize;
    this.x.set(rows.subarray(0, n * D), i * D);
  }

  accumulate(n: number, count = true): void {
    if (!count) throw new Error('the reference runner accumulates each step once');
    for (let i = 0; i < n; i++) this.stats.add(this.step(i));
  }

  statistics(): SequenceStats {
    return this.stats.result();
  }

  run(n: number, views: readonly number[], t0?: number): void {
    if (n > this.capacity) throw new RangeError(`run of ${n} steps exceeds the capacity ${this.capacity}`);
    const net = this.network;
    const D = net.inputSize;
    const dirs = net.directions.length;
    const list = this.interventions;
    if (list.length > 0 && t0 === undefined) throw new Error('a runner with interventions needs the step of row 0');
    const base = t0 ?? 0;
    const xAt = (i: number): ArrayLike<number> => {
      const row = this.x.subarray(i * D, (i + 1) * D);
      return list.length === 0 ? row : intervenedInput(row, base + i, list);
    };
    const after: AfterCell | undefined =
      list.length === 0 ? undefined : (k, d, i, x, hPrev, cPrev, rec) => void applyInterventions(net, k, d, base + i, x, hPrev, cPrev, rec, list);
    for (const v of views) {
      const hState = this.h[v]!;
      const cState = this.c[v]!;
      const last = runDirection(net, Math.floor(v / dirs), v % dirs, this.steps, n, xAt, hState, cState, this.scratch, this.layerIn, after);
      hState.set(last.h);
      if (cState !== null) cState.set(last.c!);
    }
  }

  widenRun(n: number, v: number, ranges: RangeSet): void {
    const net = this.network;
    const dirs = net.directions.length;
    const H = net.hiddenSize;
    const names = STATE_NAMES[net.kind];
    const slots = names.map((name) => stateSlot(net.kind, name, H));
    for (let i = 0; i < n; i++) {
      const rec = this.steps[i]!.layers[Math.floor(v / dirs)]![v % dirs]!;
      for (let s = 0; s < names.length; s++) {
        const { from, offset } = slots[s]!;
        const src = from === 'h' ? rec.h : from === 'c' ? rec.c! : rec.gates;
        widenStrided(ranges, ranges.slot(v, s), src, offset, 0, 1, from === 'h' ? rec.h.length : H);
      }
      widenStrided(ranges, ranges.slot(v, names.length), rec.pre, 0, 0, 1, rec.pre.length);
    }
  }

  step(i: number): NetworkStep {
    const s = this.steps[i]!;
    const last = s.layers[this.network.numLayers - 1]!;
    const Hout = outputSize(this.network);
    for (let d = 0; d < last.length; d++) s.y.set(last[d]!.h, d * Hout);
    return s;
  }

  output(i: number): Float64Array {
    return this.step(i).y;
  }
}

/** Throws ShapeError unless x has the network's D values. */
function checkRow(net: Network, x: ArrayLike<number>, t: number): void {
  if (x.length !== net.inputSize) throw new ShapeError(`input at t=${t}: expected ${net.inputSize} features, got ${x.length}`);
}

/**
 * Runs a whole sequence through `engine`, every view, in runs of up to engine.capacity rows (a
 * network with a reverse direction needs the whole sequence in one run), and hands each step to
 * onStep in time order. The step's buffers are reused by the next: cloneStep keeps one.
 *   xs: (T, D)
 */
export function runAll(engine: BlockEngine, xs: readonly ArrayLike<number>[], onStep: (step: NetworkStep, t: number) => void): void {
  const net = engine.network;
  xs.forEach((x, t) => checkRow(net, x, t));
  const T = xs.length;
  const forward = net.directions.every((d) => d === 'forward');
  if (!forward && T > engine.capacity) throw new RangeError(`a network with a reverse direction runs ${T} steps in one run; the runner holds ${engine.capacity}`);
  const views = allViews(net);
  for (let t0 = 0; t0 < T; t0 += engine.capacity) {
    const n = Math.min(engine.capacity, T - t0);
    for (let i = 0; i < n; i++) engine.setInput(i, xs[t0 + i]!);
    engine.run(n, views, t0);
    for (let i = 0; i < n; i++) onStep(engine.step(i), t0 + i);
  }
}

/**
 * A forward-only network's steps as their inputs arrive: rows are queued until the runner is
 * full or the caller flushes (a live stream flushes whenever its input pauses), and each run's
 * steps come out in time order. Cutting the sequence into runs changes no bits (the contract),
 * so a streamed step equals the same step of a whole-sequence run or of the viewer's trace.
 */
export class StepQueue {
  private queued = 0;
  private done = 0;
  private readonly views: number[];

  constructor(private readonly engine: BlockEngine) {
    if (!engine.network.directions.every((d) => d === 'forward')) {
      throw new ShapeError('a streaming run needs a forward-only network; a reverse direction needs the whole sequence');
    }
    this.views = allViews(engine.network);
  }

  /** Steps queued and not yet run. */
  get pending(): number {
    return this.queued;
  }

  /** Steps pushed so far. */
  get t(): number {
    return this.done + this.queued;
  }

  /** Starts a new sequence: every view back to the initial state, nothing queued, t = 0. */
  reset(): void {
    const s = this.engine.initialState();
    for (const v of this.views) this.engine.setView(v, s);
    this.queued = 0;
    this.done = 0;
  }

  /** Queues x (D values) as the next step; true when the queue is full and must be flushed. */
  push(x: ArrayLike<number>): boolean {
    if (this.queued === this.engine.capacity) throw new RangeError('the step queue is full: flush it first');
    checkRow(this.engine.network, x, this.t);
    this.engine.setInput(this.queued++, x);
    return this.queued === this.engine.capacity;
  }

  /** Runs the queued steps and hands each to onStep in time order (buffers reused, as runAll). */
  flush(onStep: (step: NetworkStep, t: number) => void): void {
    const n = this.queued;
    if (n === 0) return;
    const t0 = this.done;
    this.engine.run(n, this.views, t0);
    this.queued = 0;
    this.done += n;
    for (let i = 0; i < n; i++) onStep(this.engine.step(i), t0 + i);
  }
}
