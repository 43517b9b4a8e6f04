/**
 * Sequence input: the types every input reader produces. A sequence is T records (time steps), each
 * a row of D numbers (features). Readers for each format live beside this file; read-input.ts is the
 * only one that touches files or streams.
 */
import { InputError } from './errors.js';

export type InputFormat = 'csv' | 'tsv' | 'ws' | 'json' | 'ndjson' | 'npy' | 'text';

export const INPUT_FORMATS: readonly InputFormat[] = ['csv', 'tsv', 'ws', 'json', 'ndjson', 'npy', 'text'];

/** 16 MiB: far beyond any sane row of numbers, small enough to refuse a runaway line early. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * 1 GiB: the most bytes read whole (JSON, NPY, text) before parsing. Bigger inputs should be
 * streamed as CSV or NDJSON.
 */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/**
 * The longest string V8 makes on 64-bit (buffer.constants.MAX_STRING_LENGTH, about 512 MiB): text
 * read whole (JSON, text, a JSON state_dict) beyond it cannot be decoded, whatever the byte limit.
 */
export const MAX_TEXT_CHARS = 2 ** 29 - 24;

/** A byte count as a limit message gives it: `16 MiB` when it is a whole number of KiB/MiB/GiB, else `1000 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024 && n % (1024 * 1024 * 1024) === 0) return `${n / (1024 * 1024 * 1024)} GiB`;
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * Bytes read whole as UTF-8 text, refused past MAX_TEXT_CHARS with one message for every caller:
 * without the check, a 600 MB JSON file under the byte limits ends in V8's internal error.
 * `what` names the text ("json input", "a JSON weights file"); `hint` says what to do instead.
 */
export function decodeWholeText(bytes: Uint8Array, source: string, what: string, hint?: string): string {
  if (bytes.length > MAX_TEXT_CHARS) {
    throw new InputError(`${what} of ${formatBytes(bytes.length)} is more text than can be read whole, about 512 MiB at most`, {
      source,
      ...(hint !== undefined ? { hint } : {}),
    });
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/** 2^27 numbers (1 GiB as float64): the most values a whole-read input (npy, json) may hold. */
export const DEFAULT_MAX_VALUES = 2 ** 27;

/** Nesting beyond this is refused before JSON.parse; data needs 2 (rows of numbers) or 3 (batched). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export interface InputOptions {
  /** Skip detection. @default from the extension, then the content */
  format?: InputFormat;
  /** Features to keep, by header name or 0-based index, in the order given. @default all */
  columns?: string[];
  /** Whether the first CSV/TSV/whitespace row is a header. @default detected: a non-numeric first row is a header */
  header?: boolean;
  /** Which sequence of a batched 3-d .npy to read. @default 0 */
  batchIndex?: number;
  /**
   * A 3-d .npy is [B, T, D] (true) or [T, B, D] (PyTorch's default, false).
   * @default from the shape when one of its first two dimensions is 1 (that one is the batch); otherwise an error
   */
  batchFirst?: boolean;
  /** Text input: one step per character (code point) or per whitespace-separated word. @default 'chars' */
  tokens?: 'chars' | 'words';
  /** Text input: the vocabulary, index = one-hot position. @default built from the text in first-seen order */
  vocab?: readonly string[];
  /** Accept NaN and ±Infinity instead of stopping at the first one. @default false */
  allowNonFinite?: boolean;
  /** The weights' input size D: every record must have this many features. @default not checked */
  expectedWidth?: number;
  /** Longest line accepted by the line formats, in bytes. @default 16 MiB */
  maxLineBytes?: number;
  /** Largest input read whole (json, npy, text), in bytes. @default 1 GiB */
  maxInputBytes?: number;
  /** Most numbers a whole-read input may hold (npy shape product, json cells). @default 2^27 */
  maxValues?: number;
  /** Deepest JSON nesting accepted. @default 64 */
  maxJsonDepth?: number;
}

/** One time step. */
export interface InputRecord {
  /**
   * (D) the features of this step (after --columns), or a one-hot (V) for text. A view that may
   * share its ArrayBuffer with other records: copy it before changing it.
   */
  readonly values: Float64Array;
  /** For numeric rows a short rendering of the values as written in the file ("0.5, -1"); for text the token. */
  readonly label: string;
  /** 1-based line of the input where this step was written (for npy: the step index + 1). */
  readonly line: number;
  /** Text input: the token's index in the vocabulary. */
  readonly token?: number;
}

/** An input being read. Iterate once; records come as soon as their line is complete. */
export interface InputStream extends AsyncIterable<InputRecord> {
  /** The path, or '<stdin>'. */
  readonly source: string;
  readonly format: InputFormat;
  /** Names of the D features: the header's, or x0, x1, ...; for text the vocabulary. Known once openInput resolves. */
  readonly featureNames: readonly string[];
  /** Text input only: the vocabulary (index = one-hot position). */
  readonly vocab: readonly string[] | null;
  /** What the reader assumed, for stderr (text: tokens read as the vocabulary's `<unk>`). */
  readonly notes?: readonly string[];
  /** Stop reading early: destroys the underlying stream. Iteration then ends. */
  close(): void;
}

/** A whole input in memory. */
export interface InputSeries {
  readonly source: string;
  readonly format: InputFormat;
  readonly featureNames: readonly string[];
  readonly vocab: readonly string[] | null;
  readonly records: readonly InputRecord[];
  /** What the reader assumed, for stderr. */
  readonly notes?: readonly string[];
}

/**
 * An incremental reader for a line format: feed it chunks as they arrive, get back each record whose
 * line is complete. The part of a line cut across chunks is kept until its end arrives.
 */
export interface ChunkParser {
  push(chunk: Uint8Array | string): InputRecord[];
  /** End of input: parses a last line without a newline, or throws if it is a cut-off record. */
  flush(): InputRecord[];
  /** The feature names, or null until the header / first record has been seen. */
  readonly featureNames: readonly string[] | null;
}

/** Default feature names when the input has none: x0, x1, ... */
export function defaultFeatureNames(width: number): string[] {
  return Array.from({ length: width }, (_, i) => `x${i}`);
}
