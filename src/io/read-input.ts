/**
 * The only module in io that touches files or streams. Line formats (csv, tsv, ws, ndjson) are read
 * incrementally, each record handed out as soon as its line is complete; json, npy and text are
 * read whole (up to `maxInputBytes`) and then handed out.
 */
import { createReadStream } from 'node:fs';
import { createCsvParser } from './csv.js';
import { enoughToSniff, formatFromName, sniffFormat } from './detect.js';
import { InputError } from './errors.js';
import {
  decodeWholeText,
  DEFAULT_MAX_INPUT_BYTES,
  formatBytes,
  type ChunkParser,
  type InputFormat,
  type InputOptions,
  type InputRecord,
  type InputSeries,
  type InputStream,
} from './input.js';
import { parseJsonInput } from './json.js';
import { createNdjsonParser } from './ndjson.js';
import { parseNpyRows } from './npy.js';
import { parseTextInput, unknownTokensNote } from './text.js';

const LINE_FORMATS: ReadonlySet<InputFormat> = new Set(['csv', 'tsv', 'ws', 'ndjson']);

/** The error for an input with no records. */
export function noTimeSteps(source: string): InputError {
  return new InputError('no time steps', { source, hint: 'the input has no data rows' });
}

/** A parser for a line format, fed by chunks. */
export function createChunkParser(format: InputFormat, source: string, opts: InputOptions): ChunkParser {
  if (format === 'ndjson') return createNdjsonParser(source, opts);
  if (format === 'csv' || format === 'tsv' || format === 'ws') return createCsvParser(source, { ...opts, format });
  throw new Error(`${format} is not a line format`);
}

function resolveFormat(source: string, head: Uint8Array, opts: InputOptions): InputFormat {
  if (opts.format !== undefined) return opts.format;
  const byName = source === '<stdin>' ? null : formatFromName(source);
  if (byName !== null && byName !== 'txt') return byName;
  return sniffFormat(head, opts, byName === 'txt');
}

/** A whole input in memory: any format, detected from `source`'s extension and the content. */
export function parseInputBytes(bytes: Uint8Array, source: string, opts: InputOptions = {}): InputSeries {
  const format = resolveFormat(source, bytes, opts);
  return finish(source, format, parseWhole(format, bytes, source, opts));
}

/** A whole text input in memory (any format but npy). */
export function parseInputText(text: string, source: string, opts: InputOptions = {}): InputSeries {
  return parseInputBytes(new TextEncoder().encode(text), source, opts);
}

/** The .npy in `bytes` as a series. */
export function parseNpy(bytes: Uint8Array, source: string, opts: InputOptions = {}): InputSeries {
  return finish(source, 'npy', parseWhole('npy', bytes, source, opts));
}

interface Parsed {
  featureNames: readonly string[];
  vocab: readonly string[] | null;
  records: InputRecord[];
  notes?: readonly string[];
}

function finish(source: string, format: InputFormat, p: Parsed): InputSeries {
  if (p.records.length === 0) throw noTimeSteps(source);
  return { source, format, featureNames: p.featureNames, vocab: p.vocab, records: p.records, ...(p.notes ? { notes: p.notes } : {}) };
}

function parseWhole(format: InputFormat, bytes: Uint8Array, source: string, opts: InputOptions): Parsed {
  switch (format) {
    case 'npy':
      return { ...parseNpyRows(bytes, source, opts), vocab: null };
    case 'json':
      return { ...parseJsonInput(decodeText(bytes, source, format), source, opts), vocab: null };
    case 'text': {
      const t = parseTextInput(decodeText(bytes, source, format), source, opts);
      return { featureNames: t.featureNames, vocab: t.vocab, records: t.records, ...(t.unknown ? { notes: [unknownTokensNote(t.unknown, source)] } : {}) };
    }
    default: {
      const parser = createChunkParser(format, source, opts);
      const records = parser.push(bytes);
      for (const r of parser.flush()) records.push(r);
      return { featureNames: parser.featureNames ?? [], vocab: null, records };
    }
  }
}

/** A JSON or text input as text (V8 cannot hold one over about 512 MiB: stream it instead). */
function decodeText(bytes: Uint8Array, source: string, format: InputFormat): string {
  return decodeWholeText(bytes, source, `${format} input`, 'stream it as CSV or NDJSON');
}

/**
 * Chunks from a Node stream, pulled one at a time. Hand-rolled on events rather than the stream's
 * async iterator so that close() can stop at once even while a read is pending, and so that stdin
 * is only paused, not destroyed (the UI may still want it).
 */
class ChunkSource {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly onData = (chunk: Uint8Array | string) => {
    this.queue.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    if (this.queue.length >= 16) this.stream.pause();
    this.notify();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (err: unknown) => {
    this.failure = err;
    this.notify();
  };

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    private readonly destroyOnClose: boolean,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.resume();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The next chunk, or null at the end (or after close). */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.closed) return null;
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        if (this.queue.length < 4) this.stream.resume();
        return chunk;
      }
      if (this.failure !== null) {
        const err = this.failure;
        this.close();
        throw err;
      }
      if (this.ended) {
        this.close();
        return null;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.stream.removeListener('data', this.onData);
    this.stream.removeListener('end', this.onEnd);
    // A late error after close must not become an unhandled 'error' event.
    this.stream.removeListener('error', this.onError);
    this.stream.on('error', () => {});
    const s = this.stream as NodeJS.ReadableStream & { destroy?: () => void };
    if (this.destroyOnClose && typeof s.destroy === 'function') s.destroy();
    else this.stream.pause();
    this.notify();
  }
}

/** path '-' means stdin. Resolves once the format and the feature names are known. */
export async function openInput(path: string, opts: InputOptions, stdin: NodeJS.ReadableStream): Promise<InputStream> {
  const isStdin = path === '-';
  const source = isStdin ? '<stdin>' : path;
  const chunks = new ChunkSource(isStdin ? stdin : createReadStream(path), !isStdin);
  try {
    return await open(source, opts, chunks);
  } catch (err) {
    chunks.close();
    throw err;
  }
}

async function open(source: string, opts: InputOptions, chunks: ChunkSource): Promise<InputStream> {
  // Gather the head: enough bytes to decide the format.
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let atEnd = false;
  const needSniff = opts.format === undefined && (source === '<stdin>' || formatFromName(source) === null || formatFromName(source) === 'txt');
  for (;;) {
    const joined = concat(head, headBytes);
    if (!needSniff && headBytes > 0) break;
    if (needSniff && enoughToSniff(joined)) break;
    const c = await chunks.next();
    if (c === null) {
      atEnd = true;
      break;
    }
    head.push(c);
    headBytes += c.length;
  }
  const first = concat(head, headBytes);
  const format = resolveFormat(source, first, opts);

  if (!LINE_FORMATS.has(format)) {
    const maxBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
    const parts = [first];
    let total = first.length;
    const tooBig = () => new InputError(`${format} input is larger than ${formatBytes(maxBytes)}`, { source, hint: 'stream large inputs as CSV or NDJSON, or raise the limit with --max-input-bytes' });
    if (total > maxBytes) throw tooBig();
    if (!atEnd) {
      for (let c = await chunks.next(); c !== null; c = await chunks.next()) {
        total += c.length;
        if (total > maxBytes) throw tooBig();
        parts.push(c);
      }
    }
    const series = finish(source, format, parseWhole(format, concat(parts, total), source, opts));
    return streamOf(series, () => {});
  }

  const parser = createChunkParser(format, source, opts);
  const pending: InputRecord[] = parser.push(first);
  let done = atEnd;
  let seen = 0;
  if (done) pending.push(...parser.flush());
  // Read until the header and first record are understood, so featureNames is known.
  while (!done && parser.featureNames === null) {
    const c = await chunks.next();
    if (c === null) {
      done = true;
      pending.push(...parser.flush());
    } else pending.push(...parser.push(c));
  }
  if (done && pending.length === 0) throw noTimeSteps(source);
  const featureNames = parser.featureNames ?? [];
  let closed = false;
  let iterating = false;

  async function* records(): AsyncGenerator<InputRecord> {
    if (iterating) throw new Error('an InputStream can be iterated only once');
    iterating = true;
    try {
      for (;;) {
        while (pending.length > 0) {
          if (closed) return;
          seen++;
          yield pending.shift()!;
        }
        if (done || closed) break;
        const c = await chunks.next();
        if (closed) return;
        if (c === null) {
          done = true;
          pending.push(...parser.flush());
          if (seen === 0 && pending.length === 0) throw noTimeSteps(source);
        } else {
          const got = parser.push(c);
          for (const r of got) pending.push(r);
        }
      }
    } finally {
      chunks.close();
    }
  }

  return {
    source,
    format,
    featureNames,
    vocab: null,
    close() {
      closed = true;
      chunks.close();
    },
    [Symbol.asyncIterator]: records,
  };
}

/** A stream over records in memory; close() stops it and calls onClose. */
export function streamOf(series: InputSeries, onClose: () => void = () => {}): InputStream {
  let closed = false;
  return {
    source: series.source,
    format: series.format,
    featureNames: series.featureNames,
    vocab: series.vocab,
    ...(series.notes ? { notes: series.notes } : {}),
    close() {
      closed = true;
      onClose();
    },
    async *[Symbol.asyncIterator]() {
      for (const r of series.records) {
        if (closed) return;
        yield r;
      }
    },
  };
}

/** The chunks as one array (the one chunk itself when there is only one). */
export function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The whole input. path '-' means stdin. */
export async function readInput(path: string, opts: InputOptions, stdin: NodeJS.ReadableStream): Promise<InputSeries> {
  const input = await openInput(path, opts, stdin);
  const records: InputRecord[] = [];
  for await (const r of input) records.push(r);
  return { source: input.source, format: input.format, featureNames: input.featureNames, vocab: input.vocab, records, ...(input.notes ? { notes: input.notes } : {}) };
}
