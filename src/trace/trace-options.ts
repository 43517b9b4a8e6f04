/** What a TraceStore is made with, and what it reports holding. */
import type { LinearHead } from '../engine/model.js';
import type { Intervention } from '../engine/intervene.js';
import type { InitialState } from '../engine/types.js';
import type { EngineKind } from '../engine/runner.js';
import type { RowSource } from './input-history.js';

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
  /**
   * Values set by hand over ranges of steps (engine/intervene.ts): the trace is then the network run
   * with them, on the reference engine. The model is not changed. @default none
   */
  readonly interventions?: readonly Intervention[];
  /** Rows read back from the input at will; the store is then filled by `receivePass`, not `append`. */
  readonly rows?: RowSource;
}

/** Default memory budget of a streaming store's history. */
export const DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024;

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

/** Default memory for recomputed blocks. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
