/**
 * The static view of one step as plain text (no escape sequence of any kind), for stdout that is
 * not a terminal: `gatescope x.csv > out.txt`, `--snapshot`, `--step N`. Every unit is shown, so
 * nothing is cut; the same composers as the live view draw it. Imports no React and no Ink.
 */
import type { TraceStore } from '../trace/trace-store.js';
import { textWidth } from './format.js';
import { composeFrame } from './frame.js';
import { computeLayout, MIN_COLS } from './layout.js';
import { panelsFor } from './panels.js';
import { initialSession, reduce } from './session.js';
import { createTheme } from './theme.js';

export interface SnapshotOptions {
  /** Width in columns. @default 120 */
  readonly cols?: number;
  /** Step to show, 0-based. @default the last step */
  readonly step?: number;
  /** (layer, direction) view index: layer * dirs + dir. @default 0 */
  readonly view?: number;
  /** Selected unit (marked, and the timeline's sparkline). @default 0 */
  readonly unit?: number;
  /** Panel the timeline shows, 0-based in display order. @default 0 */
  readonly timeline?: number;
}

export function renderSnapshot(store: TraceStore, opts: SnapshotOptions = {}): string {
  const net = store.network;
  const panels = panelsFor(net.kind);
  const cols = Math.max(MIN_COLS, opts.cols ?? 120);
  const T = store.length;
  let session = initialSession({
    H: net.hiddenSize,
    views: store.viewCount,
    panels: panels.length,
    T,
    done: store.status !== 'reading',
    cursor: opts.step ?? Math.max(0, T - 1),
    unitRows: net.hiddenSize,
  });
  const view = Math.max(0, Math.min(store.viewCount - 1, opts.view ?? 0));
  const timeline = Math.max(0, Math.min(panels.length - 1, opts.timeline ?? 0));
  session = { ...session, view, timeline, first: store.first, cursor: Math.max(store.first, session.cursor) };
  if (opts.unit !== undefined) session = reduce(session, { type: 'unit', delta: opts.unit });
  const layout = computeLayout({
    cols,
    rows: 0,
    panels: panels.length,
    H: net.hiddenSize,
    D: net.inputSize,
    xNameWidth: Math.max(1, ...store.featureNames.map(textWidth)),
    explainRows: 0,
    signedSpark: panels[timeline]!.scale !== 'unit',
    tokenRow: store.tokens,
    snapshot: true,
  });
  const lines = composeFrame({ store, session, theme: createTheme(0, false), layout, panels });
  if (store.error !== null) lines.push(` input stopped: ${store.error}`);
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
