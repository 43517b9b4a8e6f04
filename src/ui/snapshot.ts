/**
 * The static view of one step as plain text (no escape sequence of any kind), for stdout that is
 * not a terminal: `gatescope x.csv > out.txt`, `--snapshot`, `--step N`. Every unit is shown, so
 * nothing is cut; the same composers as the live view draw it. Imports no React and no Ink.
 */
import { MemoryTracker } from '../trace/memory-view.js';
import type { Lang } from './i18n/index.js';
import type { TraceStore } from '../trace/trace-store.js';
import { composeFrame, frameInput } from './frame.js';
import { MIN_COLS } from './layout.js';
import { panelsFor } from './panels.js';
import { initialSession, type ChapterSetup } from './session.js';
import { createTheme } from './theme.js';
import type { TaskInfo } from './task.js';

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
  /** A second network run on the same input, drawn with the first (--compare). */
  readonly compare?: TraceStore | null;
  /** Networks compared after it (the tour's chapter 8 focuses the GRU). */
  readonly more?: readonly TraceStore[];
  /** The guided tour: its chapters and the one to print (0-based). */
  readonly chapters?: readonly ChapterSetup[];
  readonly tour?: number | null;
  /** Names of the networks (weights files), first then compared. */
  readonly names?: readonly (string | undefined)[];
  /** Print the memory view (how far back the state reaches) instead of the gate panels. */
  readonly memory?: boolean;
  /** Print the cell diagram of the selected unit instead of the gate panels. */
  readonly diagram?: boolean;
  /** The language of the learning screens. @default 'en' */
  readonly lang?: Lang;
  /** What the network is for: a demo's banner and target, random weights. */
  readonly task?: TaskInfo;
}

export function renderSnapshot(store: TraceStore, opts: SnapshotOptions = {}): string {
  const compare = opts.compare ?? null;
  const more = compare === null ? [] : (opts.more ?? []);
  const every = compare === null ? [store] : [store, compare, ...more];
  const everyPanels = every.map((st) => panelsFor(st.network.kind));
  const H = Math.max(...every.map((st) => st.network.hiddenSize));
  const T = store.length;
  const initial = initialSession({
    H,
    views: store.viewCount,
    panels: everyPanels[0]!.length,
    T,
    done: store.status !== 'reading',
    cursor: opts.step ?? Math.max(0, T - 1),
    unitRows: H,
    compare: compare === null ? null : { views: compare.viewCount, panels: everyPanels[1]!.length },
    more: more.map((st, i) => ({ views: st.viewCount, panels: everyPanels[i + 2]!.length })),
    ...(opts.chapters !== undefined ? { chapters: opts.chapters, tour: opts.tour ?? null } : {}),
    mode: opts.memory === true ? 'memory' : opts.diagram === true ? 'diagram' : 'gates',
    ...(opts.unit !== undefined ? { unit: opts.unit } : {}),
    ...(opts.timeline !== undefined ? { timeline: opts.timeline } : {}),
  });
  // on screen: the first network and the one the session puts beside it
  const partner = compare === null ? null : (every[initial.partner] ?? compare);
  const stores = partner === null ? ([store] as const) : ([store, partner] as const);
  const names = opts.names === undefined ? [] : [opts.names[0], opts.names[initial.partner]];
  const view = Math.max(0, Math.min(store.viewCount - 1, opts.view ?? 0));
  const session = initial.tour !== null ? initial : { ...initial, view, first: store.first, cursor: Math.max(store.first, initial.cursor) };
  // A still picture waits for its numbers: the memory figures are computed here, to the end.
  const memory = (opts.memory === true || initial.mode === 'memory') && T > 0 ? stores.map((st) => new MemoryTracker(st).computeNow(session.cursor)) : null;
  const cols = Math.max(MIN_COLS, opts.cols ?? 120);
  const frame = frameInput({ stores, session, cols, rows: 0, snapshot: true, theme: createTheme(0, false), names, memory, task: opts.task, lang: opts.lang ?? 'en' });
  const lines = composeFrame(frame);
  if (store.error !== null) lines.push(` input stopped: ${store.error}`);
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
