/**
 * Feeds a TraceStore from an input stream without starving the event loop: a file that parses
 * faster than the screen can draw still lets keys through, because the loop yields every few
 * milliseconds of work.
 */
import { ShapeError } from '../engine/index.js';
import { InputError } from '../io/errors.js';
import type { TraceStore } from './trace-store.js';

/** The part of an input record the trace needs (io's InputRecord fits). */
export interface TraceRecord {
  readonly values: Float64Array;
  readonly label: string;
  readonly line: number;
  readonly token?: number;
}

export interface IngestOptions {
  /** The network input for a record (an embedding row for text); default its values. */
  readonly toX?: (record: TraceRecord) => ArrayLike<number>;
  /** Longest stretch of synchronous work before yielding, in ms. @default 8 */
  readonly sliceMs?: number;
  /** Stops reading (the viewer quit). */
  readonly signal?: AbortSignal;
  /** Clock, injectable for tests. @default performance.now */
  readonly now?: () => number;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Appends every record to the store, then finishes it. A bad record (InputError, a width the
 * network does not take) ends the input with `store.fail`, keeping every complete step before it;
 * anything else is a bug and is rethrown. Resolves with the number of records appended.
 */
export async function ingest(store: TraceStore, input: AsyncIterable<TraceRecord>, opts: IngestOptions = {}): Promise<number> {
  const toX = opts.toX ?? ((r: TraceRecord) => r.values);
  const sliceMs = opts.sliceMs ?? 8;
  const now = opts.now ?? (() => performance.now());
  let n = 0;
  let sliceStart = now();
  try {
    for await (const record of input) {
      if (opts.signal?.aborted) return n;
      if (!store.streaming && n >= store.maxSteps) {
        // A reverse direction computes nothing until the input ends, so nothing can be dropped:
        // an endless pipe must be refused at the history's bound, not held until memory runs out.
        throw new InputError(`a network with a reverse direction needs the whole input first: more than ${store.maxSteps} steps is past the history`, {
          source: store.source,
          line: record.line,
          hint: 'raise --history, cut the input, or use gatescope stats, which streams any length',
        });
      }
      store.append(toX(record), record.label);
      n++;
      if (now() - sliceStart >= sliceMs) {
        await yieldToLoop();
        sliceStart = now();
      }
    }
    if (!opts.signal?.aborted) store.finish();
  } catch (err) {
    if (err instanceof InputError) store.fail(err.format());
    else if (err instanceof ShapeError) store.fail(err.message);
    else throw err;
  }
  return n;
}
