/**
 * The top guesses of a head with several outputs, per step (Karpathy's "unreasonable
 * effectiveness" strip): a row of the input text around the cursor, then one row per rank with
 * the guess of that rank at each step, coloured by its probability (bright = sure), and at the
 * left the cursor step's guess and probability. Read down a column: what the network expected
 * after that character. Also the banner row under the status line.
 */
import type { TraceStore } from '../trace/trace-store.js';
import { ColourRuns } from './bars.js';
import { fit, textWidth } from './format.js';
import type { Session } from './session.js';
import { guessesAt, inputHint, isClassifier, type TaskInfo } from './task.js';
import type { Theme } from './theme.js';

/** Guesses per step shown when there is room. */
export const TOP_K = 5;

/** One column for a token: a space as ␣, anything not one column wide as ·. */
function glyph(text: string): string {
  if (text === ' ') return '␣';
  if (text === '\n') return '⏎';
  return textWidth(text) === 1 ? text : '·';
}

/** Rows the strip wants for this trace: the text row and TOP_K ranks (fewer outputs, fewer ranks); 0 without a classifier head. */
export function guessRowsWanted(store: TraceStore): number {
  if (!isClassifier(store)) return 0;
  return 1 + Math.min(TOP_K, store.head!.outSize);
}

export interface GuessStripInput {
  readonly store: TraceStore;
  /** The trace that holds the input's labels (the first network's). */
  readonly input: TraceStore;
  readonly session: Session;
  readonly theme: Theme;
  readonly cols: number;
  /** Rows: the text row and rows - 1 ranks. */
  readonly rows: number;
}

const LEFT = 13;

export function guessStrip({ store, input, session: s, theme, cols, rows }: GuessStripInput): string[] {
  if (rows < 2 || s.T === 0) return [];
  const k = rows - 1;
  const width = Math.max(1, cols - LEFT - 1);
  const w0 = Math.max(input.first, Math.min(s.cursor - Math.floor(width / 2), s.T - width));
  const steps: number[] = [];
  for (let t = Math.max(0, w0); t < Math.min(s.T, w0 + width); t++) steps.push(t);
  const names = store.classNames;
  const name = (i: number): string => (names === null ? String(i % 10) : glyph(names[i] ?? '?'));
  const guesses = steps.map((t) => guessesAt(store, t, k));
  const here = guessesAt(store, s.cursor, k);
  const lines: string[] = [];
  // The text the network read, the cursor's character inverse.
  let text = '';
  for (const t of steps) {
    const g = glyph(input.label(t));
    text += t === s.cursor ? theme.inverseOn + g + theme.inverseOff : g;
  }
  lines.push(theme.style('dim', fit(' read', LEFT)) + text);
  for (let r = 0; r < k; r++) {
    const top = here?.[r];
    const left = top === undefined ? '' : ` ${r + 1} ${fit(names === null ? `#${top.index}` : glyph(names[top.index] ?? '?'), 3)} ${top.p < 0.005 ? '<.01' : top.p.toFixed(2)}`;
    const runs = new ColourRuns(theme);
    steps.forEach((t, i) => {
      const g = guesses[i]?.[r];
      if (g === undefined) {
        runs.plain(' ');
        return;
      }
      const ch = name(g.index);
      if (t === s.cursor) runs.plain(theme.inverseOn + ch + theme.inverseOff);
      else runs.add(theme.seq(g.p), ch);
    });
    lines.push((r === 0 ? theme.style('selected', fit(left, LEFT)) : fit(left, LEFT)) + runs.done());
  }
  return lines;
}

/** The banner under the status line: the demo's task, else a hint about the input's range; null for none. */
export function bannerText(task: TaskInfo, store: TraceStore): string | null {
  return task.banner ?? inputHint(store);
}

/** The banner row fitted to `cols`. */
export function bannerLine(theme: Theme, text: string, cols: number): string {
  return theme.style('accent', fit(` ${text}`, cols));
}
