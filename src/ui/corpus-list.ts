/**
 * The corpus list (gatescope view FOLDER --corpus): one line per sequence with its length, the
 * prediction at its end, how often its gates sat saturated and the unit whose h ends largest,
 * filled in as the sequences are computed, a progress bar meanwhile. Enter opens the selected
 * sequence in the viewer; b there comes back. Pure: lines from the list's state.
 */
import { softmax } from '../engine/softmax.js';
import type { SequenceSummary } from '../engine/summary.js';
import { fit } from './format.js';
import type { Theme } from './theme.js';

/** One sequence of the list: its summary once computed, or why it could not be. */
export interface CorpusEntry {
  readonly name: string;
  readonly summary: SequenceSummary | null;
  readonly error: string | null;
}

/** What the list shows, filled by its owner (the CLI) as it computes. */
/** Every string here is safe to print: the owner made what came from files visible (io/errors.ts). */
export interface CorpusListing {
  readonly source: string;
  /** The cell and size, e.g. "LSTM H=8". */
  readonly cell: string;
  readonly entries: readonly CorpusEntry[];
  /** The head's outputs are these classes (a vocabulary), or null. */
  readonly classes: readonly string[] | null;
  readonly head: boolean;
  /** Entries computed so far. */
  readonly computed: number;
}

/** The prediction in a few characters: the top class (a printable name) and its probability, or the first values. */
export function predictionText(s: SequenceSummary, classes: readonly string[] | null, head: boolean): string {
  const out = s.output;
  if (out === null) return '-';
  if (head && classes !== null) {
    const p = softmax(out);
    let k = 0;
    for (let i = 1; i < p.length; i++) if (p[i]! > p[k]!) k = i;
    return `${JSON.stringify(classes[k]!)} ${p[k]!.toFixed(2)}`;
  }
  const shown = Array.from(out.subarray(0, 3), (v) => v.toFixed(3)).join(' ');
  return out.length > 3 ? `${shown} ...` : shown;
}

/** The unit whose h ends largest: `h[3] +0.93` (← for a reverse direction). */
export function topText(s: SequenceSummary): string {
  const t = s.top;
  return t === null ? '-' : `h[${t.unit}]${t.direction > 0 ? '←' : ''} ${t.h >= 0 ? '+' : ''}${t.h.toFixed(2)}`;
}

/** The line of one entry, without the selection mark. */
export function entryLine(i: number, e: CorpusEntry, l: CorpusListing): string {
  const name = fit(e.name, 16);
  if (e.error !== null) return `${String(i).padStart(5)}  ${name} ${e.error}`;
  const s = e.summary;
  if (s === null) return `${String(i).padStart(5)}  ${name}     …`;
  return `${String(i).padStart(5)}  ${name} ${String(s.steps).padStart(5)}  ${fit(predictionText(s, l.classes, l.head), 22)} ${`${(100 * s.saturated).toFixed(1)}%`.padStart(9)}  ${topText(s)}`;
}

export interface ListView {
  readonly selected: number;
  /** First entry shown. */
  readonly top: number;
  /** A one-line note (an error opening a sequence), or null. */
  readonly note: string | null;
}

/** Rows of entries a screen of `rows` lines shows: title, header and footer take 3, and the frame stays a line short of the screen. */
export function listRows(rows: number): number {
  return Math.max(1, rows - 4);
}

/** `top` moved so that `selected` is on screen. */
export function scrolled(view: ListView, rows: number): ListView {
  const n = listRows(rows);
  const top = view.selected < view.top ? view.selected : view.selected >= view.top + n ? view.selected - n + 1 : view.top;
  return { ...view, top: Math.max(0, top) };
}

/** The whole screen: title with progress, header, entries, footer. */
export function corpusListLines(l: CorpusListing, v: ListView, cols: number, rows: number, theme: Theme): string[] {
  const n = l.entries.length;
  const done = l.computed >= n;
  const width = 12;
  const filled = Math.round((l.computed / Math.max(1, n)) * width);
  const progress = done ? '' : `computing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${l.computed.toLocaleString('en')}/${n.toLocaleString('en')} · `;
  const title = theme.style('title', fit(`gatescope · corpus ${l.source}: ${n.toLocaleString('en')} sequence${n === 1 ? '' : 's'} (${l.cell})`, cols));
  const header = theme.style('dim', fit(`     #  ${'name'.padEnd(16)} steps  ${(l.head ? 'prediction' : 'y at the end').padEnd(22)} saturated  top h`, cols));
  const lines = [title, header];
  const shown = listRows(rows);
  for (let i = v.top; i < Math.min(n, v.top + shown); i++) {
    const text = fit(entryLine(i, l.entries[i]!, l), cols - 1);
    lines.push(i === v.selected ? `${theme.inverseOn}>${text}${theme.inverseOff}` : ` ${text}`);
  }
  while (lines.length < 2 + shown) lines.push('');
  const footer = v.note !== null ? theme.style('warn', fit(v.note, cols)) : theme.style('dim', fit(`${progress}↑/↓ select · Enter open (b comes back) · PgUp/PgDn · g/G ends · q quit`, cols));
  lines.push(footer);
  return lines;
}
