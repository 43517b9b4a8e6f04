/**
 * States over time: every gate, pre-activation and state of every layer and direction at every
 * step, kept compactly so the viewer can jump anywhere, plus the running value ranges it scales by.
 *
 * Forward-only networks are stepped as records arrive (live pipes); a network with a reverse
 * direction needs the whole input first, so its records are buffered and run at `finish()`.
 *
 * Storage: one float32 row per step holding, for each (layer, dir) in order, the traced states of
 * the cell (STATE_NAMES, H each: LSTM i f g o c h, GRU r z n h, RNN h) followed by its
 * pre-activations (G*H, engine gate order), then the input x (D) and the head's prediction (O).
 * Rows live in fixed-size chunks so that growth never copies. A streaming store keeps a bounded
 * history: past `maxSteps`, the oldest chunk is dropped and the h/c it ended on is kept as a
 * checkpoint, so the first kept step still knows the state it started from. Step indices stay
 * those of the whole sequence; `first` is the oldest step still held.
 *
 * Every string that came from the input (source, feature names, labels) is made visible here,
 * before anything above can put it on a screen.
 */
import {
  GATE_NAMES,
  STATE_NAMES,
  createStepper,
  gateCount,
  runSequence,
  ShapeError,
  type CellKind,
  type Direction,
  type InitialState,
  type Network,
  type NetworkStep,
  type Stepper,
} from '../engine/index.js';
import { visible } from '../io/errors.js';

/** A linear read-out on the last layer's output y_t: pred = W y + b (same shape as the CLI's). */
export interface TraceHead {
  /** (O, H*dirs) */
  readonly weight: Float32Array;
  /** (O) */
  readonly bias: Float32Array | null;
  readonly outSize: number;
}

export interface TraceStoreOptions {
  /** Where the sequence comes from: a path or `<stdin>` (made visible here). */
  readonly source: string;
  /** Names of the D network inputs; default x0, x1, ... (made visible here). */
  readonly featureNames?: readonly string[];
  readonly init?: InitialState | undefined;
  readonly head?: TraceHead | null;
  /** Steps per storage chunk. @default 1024 */
  readonly chunkSteps?: number;
  /** Longest label kept per step, in characters. @default 40 */
  readonly maxLabelLength?: number;
  /** Labels are tokens of text input (a character or word), not renderings of numbers. @default false */
  readonly tokens?: boolean;
  /** Names of the head's outputs when they are classes (a next-token model's vocabulary); made visible here. */
  readonly classNames?: readonly string[] | null;
  /**
   * Most steps a streaming store keeps (a live pipe never ends); older ones are dropped a chunk at
   * a time. @default as many as fit in `historyBytes`, at least two chunks
   */
  readonly maxSteps?: number;
  /** Memory budget of the kept history when `maxSteps` is not given. @default 256 MiB */
  readonly historyBytes?: number;
}

/** Default memory budget of a streaming store's history. */
export const DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024;

/** Running range of one traced quantity of one (layer, dir) over every step so far. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
  /** Largest |value| (NaN ignored); 0 before the first step. */
  readonly maxAbs: number;
}

export type TraceStatus = 'reading' | 'done' | 'failed';

export type TraceListener = () => void;

/** Width of one traced quantity row: H for states, G*H for 'pre'. */
function stateNamesOf(kind: CellKind): readonly string[] {
  return STATE_NAMES[kind];
}

interface MutableRange {
  min: number;
  max: number;
  maxAbs: number;
}

function emptyRange(): MutableRange {
  return { min: Infinity, max: -Infinity, maxAbs: 0 };
}

function widen(r: MutableRange, v: number): void {
  if (v !== v) return; // NaN says nothing about the scale
  if (v < r.min) r.min = v;
  if (v > r.max) r.max = v;
  const a = v < 0 ? -v : v;
  if (a > r.maxAbs && a !== Infinity) r.maxAbs = a;
}

export class TraceStore {
  readonly network: Network;
  /** The input's name, safe to print. */
  readonly source: string;
  /** D names, safe to print. */
  readonly featureNames: readonly string[];
  readonly init: InitialState | undefined;
  readonly head: TraceHead | null;
  /** Traced states per (layer, dir), in the engine's order (STATE_NAMES). */
  readonly stateNames: readonly string[];
  /** True when steps are computed as records arrive; false when a reverse direction waits for the end. */
  readonly streaming: boolean;
  /** Labels are text tokens (shown quoted). */
  readonly tokens: boolean;
  /** Names of the head's O outputs when they are classes, safe to print; else null. */
  readonly classNames: readonly string[] | null;

  private readonly H: number;
  private readonly D: number;
  private readonly O: number;
  private readonly views: number;
  /** Floats per (layer, dir) block: states then pre-activations. */
  private readonly blockWidth: number;
  /** Floats per step. */
  private readonly rowWidth: number;
  private readonly xOffset: number;
  private readonly predOffset: number;
  private readonly chunkSteps: number;
  private readonly maxLabelLength: number;
  private readonly chunks: (Float32Array | undefined)[] = [];
  private readonly labelChunks: (string[] | undefined)[] = [];
  /** Index of the oldest chunk still held. */
  private firstChunk = 0;
  private readonly maxSteps: number;
  /** The h (and c) each view ended on just before `first`: where the first kept step started. */
  private edge: { h: Float64Array; c: Float64Array | null }[] | null = null;
  /** ranges[view][stateIndex], then one more for 'pre'. */
  private readonly ranges: MutableRange[][];
  private readonly xRange: MutableRange = emptyRange();
  private readonly predRange: MutableRange = emptyRange();
  private readonly listeners = new Set<TraceListener>();
  private readonly stepper: Stepper | null;
  /** Reverse networks: inputs waiting for the end of the sequence. */
  private readonly buffered: { x: Float64Array; label: string }[] = [];
  private count = 0;
  private statusValue: TraceStatus = 'reading';
  private errorValue: string | null = null;

  constructor(network: Network, opts: TraceStoreOptions) {
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
    this.O = this.head?.outSize ?? 0;
    this.stateNames = stateNamesOf(network.kind);
    this.views = network.numLayers * network.directions.length;
    this.blockWidth = this.stateNames.length * this.H + gateCount(network.kind) * this.H;
    this.xOffset = this.views * this.blockWidth;
    this.predOffset = this.xOffset + this.D;
    this.rowWidth = this.predOffset + this.O;
    this.chunkSteps = Math.max(1, opts.chunkSteps ?? 1024);
    this.maxLabelLength = opts.maxLabelLength ?? 40;
    this.ranges = Array.from({ length: this.views }, () => Array.from({ length: this.stateNames.length + 1 }, emptyRange));
    this.streaming = network.directions.length === 1 && network.directions[0] === 'forward';
    this.stepper = this.streaming ? createStepper(network, opts.init) : null;
    this.tokens = opts.tokens ?? false;
    const perStep = this.rowWidth * 4;
    this.maxSteps = Math.max(2 * this.chunkSteps, opts.maxSteps ?? Math.floor((opts.historyBytes ?? DEFAULT_HISTORY_BYTES) / perStep));
    const classes = opts.classNames ?? null;
    this.classNames = classes !== null && classes.length === this.O && this.O > 0 ? classes.map((c) => visible(c, 24)) : null;
  }

  // ---- filling ---------------------------------------------------------------------------

  /** Steps computed and stored so far (T). */
  get length(): number {
    return this.count;
  }

  /** Records received but not yet computed (a reverse direction waits for the whole input). */
  get pending(): number {
    return this.buffered.length;
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
    return this.firstChunk * this.chunkSteps;
  }

  /** Number of (layer, direction) views: L * dirs, ordered l0 dir0, l0 dir1, l1 dir0, ... */
  get viewCount(): number {
    return this.views;
  }

  /** Adds x_t (D values) with its label. Forward-only networks compute the step at once. */
  append(x: ArrayLike<number>, label: string): void {
    if (this.statusValue !== 'reading') throw new Error('TraceStore.append after the input ended');
    const safe = visible(label, this.maxLabelLength);
    if (this.stepper !== null) {
      const step = this.stepper.step(x);
      this.store(step, x, safe);
      this.notify();
    } else {
      if (x.length !== this.D) {
        // The same check the engine makes, early, so the bad record is named while it is fresh.
        throw new ShapeError(`input at t=${this.count + this.buffered.length}: expected ${this.D} features, got ${x.length}`);
      }
      this.buffered.push({ x: Float64Array.from(x), label: safe });
      this.notify();
    }
  }

  /** The input ended: a reverse network runs now. Idempotent. */
  finish(): void {
    if (this.statusValue !== 'reading') return;
    this.flushBuffered();
    this.statusValue = 'done';
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
    this.notify();
  }

  /** Called after every change (append, finish, fail); returns the unsubscribe function. */
  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private flushBuffered(): void {
    if (this.buffered.length === 0) return;
    const items = this.buffered.splice(0);
    const steps = runSequence(
      this.network,
      items.map((b) => b.x),
      this.init,
    );
    steps.forEach((s, t) => this.store(s, items[t]!.x, items[t]!.label));
  }

  private rowFor(t: number): { chunk: Float32Array; base: number } {
    const c = Math.floor(t / this.chunkSteps);
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      chunk = new Float32Array(this.chunkSteps * this.rowWidth);
      this.chunks[c] = chunk;
      this.labelChunks[c] = [];
    }
    return { chunk, base: (t - c * this.chunkSteps) * this.rowWidth };
  }

  /** Drops the oldest chunk once the history is over its limit, keeping the state it ended on. */
  private trim(): void {
    if (!this.streaming || this.count - this.first <= this.maxSteps) return;
    const last = this.first + this.chunkSteps - 1;
    if (last >= this.count - 1) return;
    const dirs = this.network.directions.length;
    const edge: { h: Float64Array; c: Float64Array | null }[] = [];
    for (let k = 0; k < this.network.numLayers; k++) {
      for (let d = 0; d < dirs; d++) {
        edge.push({ h: this.state('h', k, d, last), c: this.network.kind === 'lstm' ? this.state('c', k, d, last) : null });
      }
    }
    this.edge = edge;
    this.chunks[this.firstChunk] = undefined;
    this.labelChunks[this.firstChunk] = undefined;
    this.firstChunk++;
  }

  private store(step: NetworkStep, x: ArrayLike<number>, label: string): void {
    const t = this.count;
    const { chunk, base } = this.rowFor(t);
    const H = this.H;
    const names = this.stateNames;
    const gateNames = GATE_NAMES[this.network.kind];
    const dirs = this.network.directions.length;
    for (let k = 0; k < this.network.numLayers; k++) {
      for (let d = 0; d < dirs; d++) {
        const view = k * dirs + d;
        const rec = step.layers[k]![d]!;
        const ranges = this.ranges[view]!;
        let off = base + view * this.blockWidth;
        for (let s = 0; s < names.length; s++) {
          const name = names[s]!;
          const gi = gateNames.indexOf(name);
          // RNN's only "gate" is h itself; LSTM/GRU h and LSTM c have their own buffers.
          const src = name === 'h' ? rec.h : name === 'c' ? rec.c! : rec.gates.subarray(gi * H, (gi + 1) * H);
          const r = ranges[s]!;
          for (let u = 0; u < H; u++) {
            const v = src[u]!;
            chunk[off + u] = v;
            widen(r, v);
          }
          off += H;
        }
        const pr = ranges[names.length]!;
        const pre = rec.pre;
        for (let j = 0; j < pre.length; j++) {
          chunk[off + j] = pre[j]!;
          widen(pr, pre[j]!);
        }
      }
    }
    const xo = base + this.xOffset;
    for (let j = 0; j < this.D; j++) {
      const v = x[j]!;
      chunk[xo + j] = v;
      widen(this.xRange, v);
    }
    if (this.head !== null) {
      const y = step.y;
      const n = y.length;
      const po = base + this.predOffset;
      for (let o = 0; o < this.O; o++) {
        let s = this.head.bias === null ? 0 : this.head.bias[o]!;
        for (let j = 0; j < n; j++) s += this.head.weight[o * n + j]! * y[j]!;
        chunk[po + o] = s;
        widen(this.predRange, s);
      }
    }
    this.labelChunks[Math.floor(t / this.chunkSteps)]!.push(label);
    this.count = t + 1;
    this.trim();
  }

  // ---- reading ---------------------------------------------------------------------------

  private checkStep(t: number): void {
    if (!Number.isInteger(t) || t < this.first || t >= this.count) {
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

  /** Offset of a state's H values in step t's row. */
  private offsetOf(t: number, view: number, s: number): { chunk: Float32Array; off: number } {
    const { chunk, base } = this.rowFor(t);
    return { chunk, off: base + view * this.blockWidth + s * this.H };
  }

  /** State `name` (a STATE_NAMES entry) of layer k, direction index d at step t: (H) values. */
  state(name: string, layer: number, dir: number, t: number): Float64Array {
    const view = this.checkView(layer, dir);
    const s = this.stateIndex(name);
    this.checkStep(t);
    const { chunk, off } = this.offsetOf(t, view, s);
    return Float64Array.from(chunk.subarray(off, off + this.H));
  }

  /** One unit's value without allocating (timeline and sparkline loops). */
  value(name: string, layer: number, dir: number, t: number, unit: number): number {
    const view = this.checkView(layer, dir);
    const s = this.stateIndex(name);
    this.checkStep(t);
    if (!Number.isInteger(unit) || unit < 0 || unit >= this.H) throw new RangeError(`unit ${unit} is outside 0..${this.H - 1}`);
    const { chunk, off } = this.offsetOf(t, view, s);
    return chunk[off + unit]!;
  }

  /**
   * Fills `out` (length n) with one unit's value at steps t0 .. t0+n-1 (steps past the end are NaN):
   * the timeline's rows without an allocation per step.
   */
  series(name: string, layer: number, dir: number, unit: number, t0: number, out: Float64Array): Float64Array {
    const view = this.checkView(layer, dir);
    const s = this.stateIndex(name);
    if (!Number.isInteger(unit) || unit < 0 || unit >= this.H) throw new RangeError(`unit ${unit} is outside 0..${this.H - 1}`);
    for (let i = 0; i < out.length; i++) {
      const t = t0 + i;
      if (t < this.first || t >= this.count) {
        out[i] = NaN;
        continue;
      }
      const { chunk, off } = this.offsetOf(t, view, s);
      out[i] = chunk[off + unit]!;
    }
    return out;
  }

  /** Pre-activations of layer k, direction d at step t: (G*H) in the engine's gate order. */
  pre(layer: number, dir: number, t: number): Float64Array {
    const view = this.checkView(layer, dir);
    this.checkStep(t);
    const { chunk, off } = this.offsetOf(t, view, this.stateNames.length);
    return Float64Array.from(chunk.subarray(off, off + gateCount(this.network.kind) * this.H));
  }

  /** The network input x_t: (D). */
  x(t: number): Float64Array {
    this.checkStep(t);
    const { chunk, base } = this.rowFor(t);
    return Float64Array.from(chunk.subarray(base + this.xOffset, base + this.xOffset + this.D));
  }

  /** The head's prediction at step t (O), or null without a head. */
  prediction(t: number): Float64Array | null {
    if (this.head === null) return null;
    this.checkStep(t);
    const { chunk, base } = this.rowFor(t);
    return Float64Array.from(chunk.subarray(base + this.predOffset, base + this.predOffset + this.O));
  }

  /** The label of step t (feature values as written, or the character/token), safe to print. */
  label(t: number): string {
    this.checkStep(t);
    return this.labelChunks[Math.floor(t / this.chunkSteps)]![t % this.chunkSteps]!;
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
    if (tp >= 0 && tp === this.first - 1 && this.edge !== null) {
      const e = this.edge[view]!;
      const v = name === 'h' ? e.h : e.c;
      if (v !== null) return v.slice();
    }
    const rows = name === 'h' ? this.init?.h0 : this.init?.c0;
    const out = new Float64Array(this.H);
    const row = rows?.[view];
    if (row != null) for (let u = 0; u < this.H; u++) out[u] = row[u]!;
    return out;
  }

  /** What layer k received at step t: x_t for layer 0, else the layer below's [forward h | reverse h]. */
  layerInput(layer: number, t: number): Float64Array {
    this.checkView(layer, 0);
    if (layer === 0) return this.x(t);
    const dirs = this.network.directions.length;
    const out = new Float64Array(this.H * dirs);
    for (let d = 0; d < dirs; d++) out.set(this.state('h', layer - 1, d, t), d * this.H);
    return out;
  }

  /** Names of layer k's inputs: the feature names for layer 0, else `h3` / `h3←` of the layer below. */
  layerInputNames(layer: number): string[] {
    if (layer === 0) return [...this.featureNames];
    const dirs = this.network.directions;
    const names: string[] = [];
    dirs.forEach((dir) => {
      for (let u = 0; u < this.H; u++) names.push(`L${layer - 1}${dirs.length > 1 ? (dir === 'reverse' ? '←' : '→') : ''} h${u}`);
    });
    return names;
  }

  /** Range of state `name` (or 'pre' for every pre-activation) of layer k, direction d over all steps so far. */
  range(name: string, layer: number, dir: number): ValueRange {
    const view = this.checkView(layer, dir);
    const s = name === 'pre' ? this.stateNames.length : this.stateIndex(name);
    return { ...this.ranges[view]![s]! };
  }

  /** Range of every input feature over all steps so far. */
  inputRange(): ValueRange {
    return { ...this.xRange };
  }

  /** Range of every prediction over all steps so far. */
  predictionRange(): ValueRange {
    return { ...this.predRange };
  }

  /** Direction of view index d. */
  direction(dir: number): Direction {
    const d = this.network.directions[dir];
    if (d === undefined) throw new RangeError(`no direction ${dir}`);
    return d;
  }
}
