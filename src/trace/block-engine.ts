/**
 * Runs a block of steps of chosen layers and directions from saved states: the one routine behind
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
 * A saved state holds, for each view v = layer * dirs + dir, h (H values) then, for an LSTM, c (H):
 * `stateStride` values per view. A projected LSTM (proj_size P) keeps h in the first P of its H
 * slots (the rest stay 0) and runs on the reference engine only: the kernels have no projection.
 */
import { allocNetworkStep as allocReferenceStep, flopsPerStep, outputSize, projSizeOf, runDirection, GATE_NAMES, gateCount, STATE_NAMES, type InitialState, type Network, type NetworkStep } from '../engine/index.js';
import { fastAvailable } from '../engine/fast/index.js';
import { allocNetworkStep, chunkSteps, FastRunner } from '../engine/fast/sequence.js';
import type { RangeSet } from './step-rows.js';

/** A saved state: float32 for the fast engine, float64 for the reference. */
export type StateArray = Float32Array | Float64Array;

export type EngineKind = 'fast' | 'reference';

export interface BlockEngine {
  readonly kind: EngineKind;
  readonly network: Network;
  /** Most steps per run. */
  readonly capacity: number;
  /** Values per view in a saved state: H, or 2H for an LSTM (h then c). */
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
  /**
   * Runs rows 0..n-1 through the given views, in the order given (a view must come after the
   * views of the layer below that feed it). A reverse view walks the rows from n-1 down to 0.
   * Each view's running state carries over from its previous run or setView.
   */
  run(n: number, views: readonly number[]): void;
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
}

/** Widens slot s of `ranges` by a[at + i*stride + u] for i < n, u < H (as RangeSet.widen would, value by value). */
export function widenStrided(ranges: RangeSet, s: number, a: Float32Array | Float64Array, at: number, stride: number, n: number, H: number): void {
  const d = ranges.data;
  let min = d[3 * s]!;
  let max = d[3 * s + 1]!;
  let maxAbs = d[3 * s + 2]!;
  // Four values at a time while they are all finite (the usual case); one at a time otherwise,
  // where NaN is skipped and an infinite value widens min/max but not maxAbs.
  let fmin = Infinity;
  let fmax = -Infinity;
  const H4 = H & ~3;
  for (let i = 0; i < n; i++) {
    const row = at + i * stride;
    let u = row;
    for (const e = row + H4; u < e; u += 4) {
      const v0 = a[u]!;
      const v1 = a[u + 1]!;
      const v2 = a[u + 2]!;
      const v3 = a[u + 3]!;
      const lo = Math.min(v0, v1, v2, v3);
      const hi = Math.max(v0, v1, v2, v3);
      if (lo > -Infinity && hi < Infinity) {
        if (lo < fmin) fmin = lo;
        if (hi > fmax) fmax = hi;
        continue;
      }
      for (let q = u; q < u + 4; q++) {
        const v = a[q]!;
        if (v < min) min = v;
        if (v > max) max = v;
        const m = v < 0 ? -v : v;
        if (m > maxAbs && m !== Infinity) maxAbs = m;
      }
    }
    for (const e = row + H; u < e; u++) {
      const v = a[u]!;
      if (v < min) min = v;
      if (v > max) max = v;
      const m = v < 0 ? -v : v;
      if (m > maxAbs && m !== Infinity) maxAbs = m;
    }
  }
  d[3 * s] = Math.min(min, fmin);
  d[3 * s + 1] = Math.max(max, fmax);
  d[3 * s + 2] = Math.max(maxAbs, -fmin, fmax);
}

/** Every view in order: l0 dir0, l0 dir1, l1 dir0, ... */
export function allViews(net: Network): number[] {
  return Array.from({ length: net.numLayers * net.directions.length }, (_, v) => v);
}

function stride(net: Network): number {
  return net.kind === 'lstm' ? 2 * net.hiddenSize : net.hiddenSize;
}

/** The initial state rows as a saved state (unchecked here: the engines check shapes on creation). */
function fillInitial(net: Network, init: InitialState | undefined, out: StateArray): StateArray {
  const H = net.hiddenSize;
  const Hout = outputSize(net);
  const s = stride(net);
  const views = net.numLayers * net.directions.length;
  for (let v = 0; v < views; v++) {
    const h0 = init?.h0?.[v];
    const c0 = init?.c0?.[v];
    for (let u = 0; u < H; u++) {
      out[v * s + u] = h0 != null && u < Hout ? h0[u]! : 0;
      if (net.kind === 'lstm') out[v * s + H + u] = c0 != null ? c0[u]! : 0;
    }
  }
  return out;
}

class FastBlockEngine implements BlockEngine {
  readonly kind = 'fast' as const;
  readonly stateStride: number;
  private readonly runner: FastRunner;
  private readonly out: NetworkStep;
  private readonly views: number;

  constructor(
    readonly network: Network,
    private readonly init: InitialState | undefined,
    readonly capacity: number,
  ) {
    this.runner = new FastRunner(network, init, capacity);
    this.out = allocNetworkStep(network);
    this.stateStride = stride(network);
    this.views = network.numLayers * network.directions.length;
  }

  newState(): Float32Array {
    return new Float32Array(this.views * this.stateStride);
  }

  initialState(): Float32Array {
    // Rounded to float32 as the runner holds it, so that a run from it equals a run from reset().
    return fillInitial(this.network, this.init, this.newState()) as Float32Array;
  }

  setView(v: number, state: StateArray): void {
    const dirs = this.network.directions.length;
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const lstm = this.network.kind === 'lstm';
    this.runner.setState(Math.floor(v / dirs), v % dirs, state.subarray(at, at + H), lstm ? state.subarray(at + H, at + 2 * H) : null);
  }

  getView(v: number, state: StateArray): void {
    const dirs = this.network.directions.length;
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const { h, c } = this.runner.stateViews(Math.floor(v / dirs), v % dirs);
    state.set(h, at);
    if (c !== null) state.set(c, at + H);
  }

  setInput(i: number, x: ArrayLike<number>): void {
    this.runner.setInput(i, x);
  }

  run(n: number, views: readonly number[]): void {
    if (n > this.capacity) throw new RangeError(`run of ${n} steps exceeds the capacity ${this.capacity}`);
    const dirs = this.network.directions.length;
    for (const v of views) this.runner.runView(n, Math.floor(v / dirs), v % dirs);
  }

  step(i: number): NetworkStep {
    this.runner.read(i, this.out);
    return this.out;
  }

  output(i: number): Float64Array {
    const r = this.runner;
    const { H, Hp, dirs } = r.layout;
    const L = this.network.numLayers;
    const f32 = r.mem.f32;
    const y = this.out.y;
    for (let d = 0; d < dirs; d++) {
      const at = r.hAt(L - 1, d) / 4 + i * dirs * Hp;
      y.set(f32.subarray(at, at + H), d * H);
    }
    return y;
  }

  widenRun(n: number, v: number, ranges: RangeSet): void {
    const r = this.runner;
    const { H, Hp, G, GHp, dirs } = r.layout;
    const k = Math.floor(v / dirs);
    const d = v % dirs;
    const b = r.bufs[k]![d]!;
    const f32 = r.mem.f32;
    const names = STATE_NAMES[this.network.kind];
    const gates = GATE_NAMES[this.network.kind];
    for (let s = 0; s < names.length; s++) {
      const name = names[s]!;
      const slot = ranges.slot(v, s);
      if (name === 'h') widenStrided(ranges, slot, f32, r.hAt(k, d) / 4, dirs * Hp, n, H);
      else if (name === 'c') widenStrided(ranges, slot, f32, b.c / 4, Hp, n, H);
      else widenStrided(ranges, slot, f32, b.gates / 4 + gates.indexOf(name) * Hp, GHp, n, H);
    }
    for (let g = 0; g < G; g++) widenStrided(ranges, ranges.slot(v, names.length), f32, b.pre / 4 + g * Hp, GHp, n, H);
  }
}

class ReferenceBlockEngine implements BlockEngine {
  readonly kind = 'reference' as const;
  readonly stateStride: number;
  /** (capacity, D) */
  private readonly x: Float64Array;
  private readonly steps: NetworkStep[];
  private readonly h: Float64Array[];
  private readonly c: (Float64Array | null)[];
  private readonly scratch: Float64Array;
  private readonly layerIn: Float64Array;

  constructor(
    readonly network: Network,
    private readonly init: InitialState | undefined,
    readonly capacity: number,
  ) {
    const H = network.hiddenSize;
    const Hout = outputSize(network);
    const views = network.numLayers * network.directions.length;
    this.stateStride = stride(network);
    this.x = new Float64Array(capacity * network.inputSize);
    this.steps = Array.from({ length: capacity }, () => allocReferenceStep(network));
    this.h = Array.from({ length: views }, () => new Float64Array(Hout));
    this.c = Array.from({ length: views }, () => (network.kind === 'lstm' ? new Float64Array(H) : null));
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
    if (c != null) for (let u = 0; u < H; u++) c[u] = state[at + H + u]!;
  }

  getView(v: number, state: StateArray): void {
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const h = this.h[v]!;
    for (let u = 0; u < h.length; u++) state[at + u] = h[u]!;
    const c = this.c[v];
    if (c != null) for (let u = 0; u < H; u++) state[at + H + u] = c[u]!;
  }

  setInput(i: number, x: ArrayLike<number>): void {
    const D = this.network.inputSize;
    for (let j = 0; j < D; j++) this.x[i * D + j] = x[j]!;
  }

  run(n: number, views: readonly number[]): void {
    if (n > this.capacity) throw new RangeError(`run of ${n} steps exceeds the capacity ${this.capacity}`);
    const net = this.network;
    const D = net.inputSize;
    const dirs = net.directions.length;
    const xAt = (i: number): ArrayLike<number> => this.x.subarray(i * D, (i + 1) * D);
    for (const v of views) {
      const hState = this.h[v]!;
      const cState = this.c[v]!;
      const last = runDirection(net, Math.floor(v / dirs), v % dirs, this.steps, n, xAt, hState, cState, this.scratch, this.layerIn);
      hState.set(last.h);
      if (cState !== null) cState.set(last.c!);
    }
  }

  widenRun(n: number, v: number, ranges: RangeSet): void {
    const net = this.network;
    const dirs = net.directions.length;
    const H = net.hiddenSize;
    const names = STATE_NAMES[net.kind];
    const gates = GATE_NAMES[net.kind];
    for (let i = 0; i < n; i++) {
      const rec = this.steps[i]!.layers[Math.floor(v / dirs)]![v % dirs]!;
      for (let s = 0; s < names.length; s++) {
        const name = names[s]!;
        const src = name === 'h' ? rec.h : name === 'c' ? rec.c! : rec.gates;
        widenStrided(ranges, ranges.slot(v, s), src, name === 'h' || name === 'c' ? 0 : gates.indexOf(name) * H, 0, 1, name === 'h' ? rec.h.length : H);
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

/**
 * The engine that runs when `prefer` is asked for: the fast one only where WebAssembly SIMD runs,
 * and never for a projected LSTM (the kernels have no W_hr).
 */
export function engineKindFor(prefer: EngineKind, net?: Network): EngineKind {
  return prefer === 'fast' && fastAvailable() && (net === undefined || projSizeOf(net) === 0) ? 'fast' : 'reference';
}

/**
 * The engine for blocks of `blockSteps` steps: the fast one where WebAssembly SIMD runs, unless the
 * reference is asked for. A reverse direction walks a block backwards in one run, so a network
 * with one runs whole blocks; forward-only runs use cache-sized chunks.
 */
export function createBlockEngine(net: Network, init: InitialState | undefined, blockSteps: number, prefer: EngineKind = 'fast'): BlockEngine {
  const forwardOnly = net.directions.every((d) => d === 'forward');
  const capacity = forwardOnly ? runCapacity(net, blockSteps) : blockSteps;
  if (engineKindFor(prefer, net) === 'fast') return new FastBlockEngine(net, init, capacity);
  return new ReferenceBlockEngine(net, init, capacity);
}

/** Bytes of saved state per step at most, whatever H: 64 MB of states for a million steps. */
const STATE_BYTES_PER_STEP = 64;

/**
 * Steps between saved states: as many as the engine recomputes in about 2 ms, a power of two from
 * 16 to 1024, but enough that the states stay within STATE_BYTES_PER_STEP. A jump recomputes one
 * or two blocks (the cursor's and the timeline's), and while a background pass shares the cores
 * each takes two to three times as long: measured on 1M steps at H=64, 8 ms blocks (K=1024) made
 * a jump while the pass ran take 44 ms (p50), 2 ms blocks (K=256) 30 ms, with 2 MB of states.
 */
export function defaultBlockSteps(net: Network, kind: EngineKind): number {
  const flopsPerSecond = kind === 'fast' ? 12e9 : 1e9;
  // reading a step back out (every state and pre-activation) costs about as much as 2 ns a value
  const G = gateCount(net.kind);
  const values = net.numLayers * net.directions.length * (2 * G + 2) * net.hiddenSize;
  const perStep = flopsPerStep(net) / flopsPerSecond + values * 2e-9;
  const byTime = 2 ** Math.floor(Math.log2(Math.max(1, 2e-3 / perStep)));
  const stateBytes = net.numLayers * net.directions.length * (net.kind === 'lstm' ? 2 : 1) * net.hiddenSize * (kind === 'fast' ? 4 : 8);
  const byMemory = 2 ** Math.ceil(Math.log2(Math.max(1, stateBytes / STATE_BYTES_PER_STEP)));
  return Math.max(16, Math.min(1024, Math.max(byTime, byMemory)));
}

/** Rows per engine run: the fast engine's cache-friendly chunk, at most a block. */
function runCapacity(net: Network, blockSteps: number): number {
  return Math.max(1, Math.min(blockSteps, chunkSteps(net)));
}
