/**
 * Which format an input is in: the explicit option, else the file extension, else the content.
 *
 * Content sniffing looks at the first non-whitespace byte: "\x93NUMPY" is .npy, '[' is JSON, '{'
 * is NDJSON (one object per line); anything else is delimited numbers, with the delimiter taken from
 * the first data line (a tab: TSV, a comma: CSV, else whitespace) — unless `tokens` or `vocab` was
 * given, which means text. A `.txt` file is sniffed further: if its first line (or the line after a
 * header) is numbers, it is delimited numbers, else text.
 */
import type { InputFormat, InputOptions } from './input.js';
import { isNpy } from './npy.js';
import { parseNumberCell } from './rows.js';

const BY_EXTENSION: Readonly<Record<string, InputFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  npy: 'npy',
};

/** The format an extension names, 'txt' for a .txt file (to be sniffed), or null. */
export function formatFromName(path: string): InputFormat | 'txt' | null {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  if (!m) return null;
  const ext = m[1]!.toLowerCase();
  if (ext === 'txt' || ext === 'dat') return 'txt';
  // hasOwn: `data.constructor` or `x.__proto__` is an unknown extension, not Object's own member.
  return Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext]! : null;
}

/** Bytes enough to sniff: a first non-blank, non-comment line complete (or this is all there is). */
export function enoughToSniff(head: Uint8Array): boolean {
  const i = firstContent(head);
  if (i >= head.length) return false;
  const c = head[i]!;
  if (c === 0x93 || c === 0x5b || c === 0x7b) return true;
  return firstLines(head, 2).complete;
}

/**
 * The format of `head` (the first bytes of the input). `end` says whether head is the whole input.
 * `txt` asks for the number-or-text decision of a .txt file.
 */
export function sniffFormat(head: Uint8Array, opts: InputOptions, txt = false): InputFormat {
  // 0x93 cannot start UTF-8 text; a damaged magic after it gets the npy reader's precise error.
  if (isNpy(head) || head[0] === 0x93) return 'npy';
  const i = firstContent(head);
  const c = head[i];
  if (c === 0x5b) return 'json';
  if (c === 0x7b) return 'ndjson';
  const { lines } = firstLines(head, 2);
  if (!txt && (opts.tokens !== undefined || opts.vocab !== undefined)) return 'text';
  if (txt) {
    const numeric = (l: string | undefined) => l !== undefined && l.trim().split(/[\s,]+/).every((f) => parseNumberCell(f) !== null);
    const [a, b] = lines;
    const isNumbers = numeric(a) || (numeric(b) && a !== undefined && b !== undefined && fieldsOf(a) === fieldsOf(b));
    if (!isNumbers) return 'text';
  }
  const first = lines[0] ?? '';
  const data = lines[1] ?? first;
  if (first.includes('\t') || data.includes('\t')) return 'tsv';
  if (first.includes(',') || data.includes(',')) return 'csv';
  return 'ws';
}

function fieldsOf(line: string): number {
  return line.trim().split(/[\s,]+/).length;
}

function firstContent(head: Uint8Array): number {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return i;
}

/** Up to `n` non-blank, non-comment lines from the start; complete when the n-th ended or was followed by more. */
function firstLines(head: Uint8Array, n: number): { lines: string[]; complete: boolean } {
  const text = new TextDecoder().decode(head.subarray(0, Math.min(head.length, 1 << 16)));
  const parts = text.split('\n');
  const lines: string[] = [];
  for (let k = 0; k < parts.length - 1 && lines.length < n; k++) {
    const t = parts[k]!.replace(/\r$/, '');
    if (t.trim() === '' || t.trimStart().startsWith('#')) continue;
    lines.push(t.replace(/^\ufeff/, ''));
  }
  const last = parts[parts.length - 1]!;
  const complete = lines.length > 0 || head.length >= 1 << 16;
  if (lines.length < n && last.trim() !== '' && !last.trimStart().startsWith('#')) lines.push(last.replace(/^\ufeff/, ''));
  return { lines, complete };
}
