/**
 * Delimited numbers: CSV, TSV or whitespace-separated, one row per time step, one column per
 * feature, with an optional header row whose names label the features.
 *
 * - Header: `opts.header`, else detected: a first row with any non-empty, non-numeric field is a header.
 * - Blank lines and lines starting with `#` (numpy.savetxt's comments) are skipped.
 * - CSV/TSV fields may be quoted; a quoted record is handed to csv-parse, which knows the quoting
 *   rules, and a quote left open at the end of a line continues on the next one. Unquoted lines are
 *   split directly (same result, far cheaper per line).
 * - Whitespace format: any run of spaces and tabs separates fields; leading/trailing ones are ignored.
 */
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { InputError, visible } from './errors.js';
import { defaultFeatureNames, DEFAULT_MAX_LINE_BYTES, formatBytes, type ChunkParser, type InputOptions, type InputRecord } from './input.js';
import { createLineSplitter, type Line } from './lines.js';
import { notANumber, parseNumberCell, RowShaper } from './rows.js';

export type Delimited = 'csv' | 'tsv' | 'ws';

const WS = /[ \t]+/;

export function createCsvParser(source: string, opts: InputOptions & { format?: Delimited } = {}): ChunkParser {
  const kind: Delimited = opts.format ?? 'csv';
  const delimiter = kind === 'tsv' ? '\t' : ',';
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const splitter = createLineSplitter(source, maxLineBytes);
  let shaper: RowShaper | null = null;
  // A CSV record whose quoted field spans lines, kept until its quote closes.
  let open: { text: string; line: number } | null = null;

  const split = (text: string, line: number): string[] => {
    if (kind === 'ws') return text.trim().split(WS);
    if (!text.includes('"')) return text.split(delimiter);
    let rows: string[][];
    try {
      rows = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
    } catch (err) {
      if (err instanceof CsvError) {
        const at = (err as CsvError & { lines?: number }).lines;
        const what =
          err.code === 'CSV_INVALID_CLOSING_QUOTE'
            ? 'a closing quote must be followed by a delimiter or the end of the line'
            : err.code === 'CSV_QUOTE_NOT_CLOSED'
              ? 'a quoted field is not closed'
              : err.code === 'INVALID_OPENING_QUOTE'
                ? 'a quote inside an unquoted field'
                : visible(err.message.replace(/ at line \d+.*$/, ''), 120);
        throw new InputError(`bad quoting: ${what}`, { source, line: line + (typeof at === 'number' && at > 1 ? at - 1 : 0) });
      }
      throw err;
    }
    return rows[0] ?? [''];
  };

  const row = (text: string, line: number): InputRecord | null => {
    const fields = split(text, line);
    if (shaper === null) {
      const isHeader = opts.header ?? fields.some((f) => f.trim() !== '' && parseNumberCell(f) === null);
      if (isHeader) {
        const names = fields.map((f, i) => (f.trim() === '' ? `x${i}` : f.trim()));
        shaper = new RowShaper(source, names, { ...opts, namesPlace: { line } });
        return null;
      }
      shaper = new RowShaper(source, defaultFeatureNames(fields.length), { ...opts, namesPlace: { line } });
    }
    if (fields.length !== shaper.rawWidth) {
      throw new InputError(`expected ${shaper.rawWidth} fields, got ${fields.length}`, { source, line });
    }
    const raw = new Float64Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      if (!shaper.uses(i)) continue;
      const v = parseNumberCell(fields[i]!);
      if (v === null) throw notANumber(fields[i]!, source, line, i + 1);
      raw[i] = v;
    }
    return shaper.record(raw, fields, line, (i) => (i < 0 ? { line } : { line, column: i + 1 }));
  };

  const lines = (ls: readonly Line[], out: InputRecord[]): void => {
    for (const l of ls) {
      if (open !== null) {
        open.text += '\n' + l.text;
        if (open.text.length > maxLineBytes) {
          throw new InputError(`quoted record is longer than ${formatBytes(maxLineBytes)}`, { source, line: open.line });
        }
        if (quoteCount(l.text) % 2 === 1) {
          const r = row(open.text, open.line);
          open = null;
          if (r !== null) out.push(r);
        }
        continue;
      }
      const t = l.text.trimStart();
      if (t === '' || t.startsWith('#')) continue;
      if (kind !== 'ws' && quoteCount(l.text) % 2 === 1) {
        open = { text: l.text, line: l.number };
        continue;
      }
      const r = row(l.text, l.number);
      if (r !== null) out.push(r);
    }
  };

  return {
    push(chunk) {
      const out: InputRecord[] = [];
      lines(splitter.push(chunk), out);
      return out;
    },
    flush() {
      const out: InputRecord[] = [];
      const last = splitter.flush();
      if (last !== null) lines([last], out);
      if (open !== null) throw new InputError('a quoted field is not closed before the end of input', { source, line: open.line });
      return out;
    },
    get featureNames() {
      return shaper?.featureNames ?? null;
    },
  };
}

function quoteCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}
