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
 * This class is the assembly and the filling side; reading is trace-reader.ts (which it extends),
 * and the parts are input-history.ts (inputs and labels), block-cache.ts (checkpoints and
 * recomputed blocks) and filling.ts (the three ways steps arrive).
 */
import { createBlockEngine, defaultBlockSteps, engineKindFor } from '../engine/choose-runner.js';
import { validateNetwork, type InitialState, type Network } from '../engine/index.js';
import type { Intervention } from '../engine/intervene.js';
import { allViews, type EngineKind } from '../engine/runner.js';
import { visible } from '../io/errors.js';
import { BlockCache } from './block-cache.js';
import { Filling, type TraceListener, type TraceStatus } from './filling.js';
import { InputHistory, type RowSource } from './input-history.js';
import type { PassUpdate, ReadRows, SequencePass } from './pass.js';
import { StepRows } from './step-rows.js';
import { TraceReader, type TraceParts } from './trace-reader.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_HISTORY_BYTES, type TraceFootprint, type TraceStoreOptions } from './trace-options.js';

export type { RowSource } from './input-history.js';
export { DEFAULT_HISTORY_BYTES, type TraceFootprint, type TraceStoreOptions } from './trace-options.js';
export type { ValueRange } from './step-rows.js';
export type { EngineKind } from '../engine/runner.js';

export type { TraceListener, TraceStatus } from './filling.js';

/** What the constructor makes: the reader's parts and the store's own fields. */
interface Assembly {
  readonly parts: TraceParts;
  readonly maxSteps: number;
  readonly interventions: readonly Intervention[];
}

/** Sizes and makes the parts of a store: block size from the engine that runs, cache and history within their budgets. */
function assemble(network: Network, opts: TraceStoreOptions): Assembly {
  validateNetwork(network);
  const D = network.inputSize;
  const names = opts.featureNames ?? [];
  const featureNames = Array.from({ length: D }, (_, j) => {
    const n = names[j];
    return n === undefined ? `x${j}` : visible(n, 24);
  });
  const head = opts.head ?? null;
  const rows = new StepRows(network, head);
  const views = allViews(network);
  const streaming = network.directions.length === 1 && network.directions[0] === 'forward';
  const maxLabelLength = opts.maxLabelLength ?? 40;
  // The block size depends on the engine that will run; the reference engine is the fallback.
  const interventions = opts.interventions ?? [];
  const kind = interventions.length > 0 ? 'reference' : engineKindFor(opts.engine ?? 'fast', network);
  const K = Math.max(1, opts.chunkSteps ?? defaultBlockSteps(network, kind));
  const engine = createBlockEngine(network, opts.init, K, kind, interventions);
  const ranges = rows.newRanges();
  const maxCached = Math.max(3, Math.floor((opts.cacheBytes ?? DEFAULT_CACHE_BYTES) / (K * rows.width * 4)));
  const perStep = D * 4 + 24 + maxLabelLength + engine.newState().byteLength / K;
  const maxSteps = Math.max(2 * K, opts.maxSteps ?? Math.floor((opts.historyBytes ?? DEFAULT_HISTORY_BYTES) / perStep));
  const rowSource = opts.rows ?? null;
  const history = new InputHistory(D, K, maxLabelLength, rowSource);
  const blocks = new BlockCache(engine, rows, K, maxCached, views);
  const fill = new Filling(engine, rows, ranges, history, blocks, views, streaming, maxSteps, rowSource);
  return { parts: { network, featureNames, head, blockSteps: K, streaming, rows, engine, ranges, history, blocks, fill }, maxSteps, interventions };
}

export class TraceStore extends TraceReader {
  /** The input's name, safe to print. */
  readonly source: string;
  readonly init: InitialState | undefined;
  /** Labels are text tokens (shown quoted). */
  readonly tokens: boolean;
  /** Names of the head's O outputs when they are classes, safe to print; else null. */
  readonly classNames: readonly string[] | null;
  /** Most steps kept (`maxSteps`, or what fits in `historyBytes`); a store that waits for the end (a reverse direction) is fed at most this many (ingest.ts). */
  readonly maxSteps: number;
  /** Values set by hand (engine/intervene.ts) this trace runs with; empty for the model as it is. */
  readonly interventions: readonly Intervention[];

  private readonly rowSource: RowSource | null;

  constructor(network: Network, opts: TraceStoreOptions) {
    const made = assemble(network, opts);
    super(made.parts);
    this.maxSteps = made.maxSteps;
    this.interventions = made.interventions;
    this.source = visible(opts.source, 80);
    this.init = opts.init;
    this.tokens = opts.tokens ?? false;
    const classes = opts.classNames ?? null;
    const O = this.rows.outSize;
    this.classNames = classes !== null && classes.length === O && O > 0 ? classes.map((c) => visible(c, 24)) : null;
    this.rowSource = opts.rows ?? null;
  }

  // ---- filling ---------------------------------------------------------------------------

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

}
