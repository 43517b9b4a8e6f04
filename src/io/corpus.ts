/**
 * A corpus: many sequences read as one input, for the views that work across sequences (unit
 * search, the corpus list). Five shapes, each member read only when it is asked for:
 *
 *   a folder          every regular file in it (dotfiles aside), in name order, each one sequence
 *                     in any format a single input may have; every member must have the first
 *                     one's features (a text folder shares one vocabulary: --vocab's, or the one
 *                     built from all its files in name order)
 *   a 3-d .npy        (B, T, D): B sequences of T steps (--no-batch-first reads (T, B, D))
 *   text, by lines    each non-empty line a sequence (its newline left out)
 *   text, paragraphs  sequences separated by blank lines (the newlines inside one kept)
 *   NDJSON            each non-empty line one sequence, written as the JSON input format writes a
 *                     whole input: an array of steps (numbers, rows, or objects of named features)
 *
 * Every member is an InputStream, so a member's records, labels and errors are the single-input
 * readers' own; errors name the member (the file, or the corpus file and its line).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { InputError, visible } from './errors.js';
import { openSequence, readWholeFile } from './files.js';
import { decodeWholeText, DEFAULT_MAX_INPUT_BYTES, type InputFormat, type InputOptions, type InputStream } from './input.js';
import { parseJsonInput } from './json.js';
import { parseNpy, streamOf } from './read-input.js';
import { parseNpyHeader } from './npy.js';
import { parseTextInput, tokenize, unknownTokensNote } from './text.js';

export type CorpusKind = 'folder' | 'batch' | 'lines' | 'paragraphs' | 'ndjson';

/** How a text file is cut into sequences. */
export type CorpusSplit = 'lines' | 'paragraphs';

export interface CorpusMember {
  /** A short name for lists, safe to print: the file name, `b=12`, `line 40`. */
  readonly name: string;
  /** Opens the member's records (a fresh stream each call). */
  open(): Promise<InputStream>;
}

export interface Corpus {
  readonly source: string;
  readonly kind: CorpusKind;
  readonly members: readonly CorpusMember[];
  /** What the reader assumed, for stderr. */
  readonly notes: readonly string[];
}

export interface CorpusOptions extends InputOptions {
  /** Text only: cut by lines (the default) or by paragraphs. */
  readonly split?: CorpusSplit;
}

/** Most members a corpus may list (a name and a closure each). */
export const MAX_MEMBERS = 1_000_000;

/**
 * Opens `path` (relative to cwd) as a corpus. Throws InputError naming the file for what cannot be
 * one: a single 2-d .npy, a CSV (one sequence: open it as an input), an empty folder.
 */
export async function openCorpus(path: string, cwd: string, opts: CorpusOptions): Promise<Corpus> {
  const full = resolve(cwd, path);
  let st;
  try {
    st = statSync(full);
  } catch {
    throw new InputError('no such file or folder', { source: path });
  }
  const format = st.isDirectory() ? null : (opts.format ?? formatOf(path));
  if (opts.split !== undefined && format !== 'text') {
    throw new InputError(`--split cuts a text file into sequences; this is ${st.isDirectory() ? 'a folder (each file is one)' : format === null ? 'a file of unknown format' : `${format} input`}`, { source: path });
  }
  if (st.isDirectory()) return folderCorpus(path, full, cwd, opts);
  if (format === 'npy') return batchCorpus(path, await readWholeFile(path, cwd, { maxBytes: opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, flag: '--max-input-bytes' }), opts);
  if (format === 'text') {
    const text = decodeWholeText(await readWholeFile(path, cwd, { maxBytes: opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, flag: '--max-input-bytes' }), path, 'text input');
    return textCorpus(path, text, opts);
  }
  if (format === 'ndjson' || format === 'json') {
    const text = decodeWholeText(await readWholeFile(path, cwd, { maxBytes: opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, flag: '--max-input-bytes' }), path, 'NDJSON input');
    return ndjsonCorpus(path, text, opts);
  }
  throw new InputError(`a ${format ?? 'file of unknown format'} input is one sequence, not a corpus`, {
    source: path,
    hint: 'a corpus is a folder, a 3-d .npy (B, T, D), a text file (--split lines|paragraphs) or NDJSON with one sequence per line',
  });
}

function formatOf(path: string): InputFormat | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.txt' || ext === '.text' || ext === '.md') return 'text';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.json') return 'json';
  return null;
}

async function folderCorpus(path: string, full: string, cwd: string, opts: CorpusOptions): Promise<Corpus> {
  const names = readdirSync(full)
    .filter((n) => !n.startsWith('.'))
    .filter((n) => {
      try {
        return statSync(join(full, n)).isFile();
      } catch {
        return false;
      }
    })
    .sort();
  if (names.length === 0) throw new InputError('the folder has no files to read as sequences', { source: path });
  if (names.length > MAX_MEMBERS) throw new InputError(`${names.length} files: more than ${MAX_MEMBERS} sequences`, { source: path });
  const notes: string[] = [];
  let memberOpts: InputOptions = opts;
  // text files share one vocabulary: the one given, or one built from every file in name order
  const text = names.every((n) => formatOf(n) === 'text') || opts.format === 'text';
  if (text && opts.vocab === undefined) {
    const vocab: string[] = [];
    const seen = new Set<string>();
    for (const n of names) {
      const bytes = await readWholeFile(join(path, n), cwd, { maxBytes: opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, flag: '--max-input-bytes' });
      for (const tok of tokenize(decodeWholeText(bytes, join(path, n), 'text input'), opts.tokens ?? 'chars')) {
        if (!seen.has(tok.text)) {
          seen.add(tok.text);
          vocab.push(tok.text);
        }
      }
    }
    memberOpts = { ...opts, vocab };
    notes.push(`${visible(path)}: one vocabulary of ${vocab.length} tokens built from its ${names.length} files in name order (--vocab to give one)`);
  }
  const members = names.map((n) => ({
    name: visible(n, 40),
    open: () => openSequence(join(full, n), memberOpts, process.stdin).catch((err: unknown) => {
      if (err instanceof InputError && err.source === join(full, n)) throw new InputError(err.message, { source: join(path, n), line: err.line, column: err.column, tensor: err.tensor, hint: err.hint });
      throw err;
    }),
  }));
  return { source: path, kind: 'folder', members, notes };
}

function batchCorpus(path: string, bytes: Uint8Array, opts: CorpusOptions): Corpus {
  const h = parseNpyHeader(bytes, path);
  if (h.shape.length !== 3) {
    throw new InputError(`(${h.shape.join(', ')}) is one sequence; a corpus .npy is (B, T, D)`, { source: path, tensor: 'header.shape', hint: 'open it as an input, without --corpus' });
  }
  const notes: string[] = [];
  const batchFirst = opts.batchFirst ?? true;
  const [d0, d1, d2] = h.shape as [number, number, number];
  const B = batchFirst ? d0 : d1;
  if (opts.batchFirst === undefined && d0 > 1 && d1 > 1) {
    notes.push(`${visible(path)}: (${d0}, ${d1}, ${d2}) read as (B, T, D): ${d0} sequences of ${d1} steps (--no-batch-first for (T, B, D): ${d1} sequences of ${d0} steps)`);
  }
  const members = Array.from({ length: B }, (_, b) => ({
    name: `b=${b}`,
    open: async () => streamOf(parseNpy(bytes, path, { ...opts, batchIndex: b, batchFirst })),
  }));
  return { source: path, kind: 'batch', members, notes };
}

/**
 * A text cut into members: each non-empty line (its newline is the separator, not a token), or
 * each run of lines between blank lines (the newlines inside kept as tokens). The members share
 * one vocabulary: --vocab's, or the one built from every member in order. Each member is parsed
 * when opened; its records and errors carry the line numbers of the whole file.
 */
function textCorpus(path: string, text: string, opts: CorpusOptions): Corpus {
  const split = opts.split ?? 'lines';
  const lines = text.split('\n');
  const parts: { start: number; text: string }[] = [];
  if (split === 'lines') {
    lines.forEach((line, i) => {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (l.trim() !== '') parts.push({ start: i + 1, text: l });
    });
  } else {
    let start = -1;
    let body: string[] = [];
    const close = (): void => {
      if (body.length > 0) parts.push({ start, text: body.join('\n') });
      body = [];
    };
    lines.forEach((line, i) => {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (l.trim() === '') return close();
      if (body.length === 0) start = i + 1;
      body.push(l);
    });
    close();
  }
  if (parts.length === 0) throw new InputError('no sequences: the text is empty', { source: path });
  if (parts.length > MAX_MEMBERS) throw new InputError(`${parts.length} ${split}: more than ${MAX_MEMBERS} sequences`, { source: path });
  let vocab = opts.vocab;
  const notes: string[] = [];
  if (vocab === undefined) {
    const built: string[] = [];
    const seen = new Set<string>();
    for (const p of parts) {
      for (const tok of tokenize(p.text, opts.tokens ?? 'chars')) {
        if (!seen.has(tok.text)) {
          seen.add(tok.text);
          built.push(tok.text);
        }
      }
    }
    vocab = built;
  }
  const shared: InputOptions = { ...opts, vocab };
  const members = parts.map((p) => ({
    name: `line ${p.start}`,
    open: async () => {
      try {
        const t = parseTextInput(p.text, path, shared);
        const records = t.records.map((r) => ({ ...r, line: p.start + r.line - 1 }));
        return streamOf({ source: path, format: 'text', featureNames: t.featureNames, vocab: t.vocab, records, ...(t.unknown ? { notes: [unknownTokensNote(t.unknown, path)] } : {}) });
      } catch (err) {
        if (err instanceof InputError && err.line !== undefined) throw new InputError(err.message, { source: path, line: p.start + err.line - 1, column: err.column, tensor: err.tensor, hint: err.hint });
        throw err;
      }
    },
  }));
  return { source: path, kind: split, members, notes };
}

function ndjsonCorpus(path: string, text: string, opts: CorpusOptions): Corpus {
  const lines = text.split('\n');
  const members: CorpusMember[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const at = i + 1;
    members.push({
      name: `line ${at}`,
      open: async () => {
        try {
          const rows = parseJsonInput(line, path, opts);
          return streamOf({ source: path, format: 'json', featureNames: rows.featureNames, vocab: null, records: rows.records.map((r) => ({ ...r, line: at })) });
        } catch (err) {
          if (err instanceof InputError) throw new InputError(err.message, { source: path, line: at, column: err.column, tensor: err.tensor, hint: err.hint });
          throw err;
        }
      },
    });
  });
  if (members.length === 0) throw new InputError('no sequences: every line is empty', { source: path });
  return { source: path, kind: 'ndjson', members, notes: [] };
}
