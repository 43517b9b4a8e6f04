/**
 * What every section of the frame reads: the frame's input, the networks on screen, the panels'
 * scales, and the memo-key parts most sections share. Pure, no React.
 */
import type { TraceStore } from '../../trace/trace-store.js';
import type { AttributionState } from '../../trace/attribution-view.js';
import type { Lang } from '../i18n/index.js';
import type { MemoryState } from '../../trace/memory-view.js';
import { fmtNum } from '../format.js';
import type { Layout } from '../layout.js';
import type { PanelSpec } from '../panels.js';
import { unitAt, unitCount, type Session } from '../session.js';
import type { TaskInfo } from '../task.js';
import type { Theme } from '../theme.js';

/** Everything a section needs. `T` is passed (not read from the store) so memoised sections see it change. */
export interface FrameInput {
  /** The focused network's trace (the only one without --compare). */
  readonly store: TraceStore;
  readonly session: Session;
  readonly theme: Theme;
  readonly layout: Layout;
  /** The focused network's panels. */
  readonly panels: readonly PanelSpec[];
  /** Both networks in screen order when a second one is compared; `store` and `panels` are the focused one's. */
  readonly pair?: NetworkPair | null;
  /** Names of the networks in screen order (their weights files), for titles. */
  readonly names?: readonly (string | undefined)[];
  /** The memory view's figures per network in screen order (read in memory mode only). */
  readonly memory?: readonly MemoryState[] | null;
  /** The attribution view's figures for the focused network at the cursor (attribution mode only). */
  readonly attribution?: AttributionState | null;
  /** What the network is for: a demo's banner and target, random weights. */
  readonly task?: TaskInfo;
  /**
   * The compared network's trace as last redrawn (its length, first step and status): it grows
   * apart from the session's T, so the memo keys include it. @default ''
   */
  readonly version?: string;
  /** The language of the learning screens (the cell diagram). @default 'en' */
  readonly lang?: Lang;
}

/** Two networks run on the same input, in screen order (the first is the one the viewer opened). */
export interface NetworkPair {
  readonly stores: readonly [TraceStore, TraceStore];
  readonly panels: readonly [readonly PanelSpec[], readonly PanelSpec[]];
}

/** Whether step t of a trace can be read (a compared network may lag, or hold a shorter history). */
export function held(store: TraceStore, t: number): boolean {
  return t >= store.first && t < store.length;
}

/**
 * The trace that says what the input was (x, labels, source): the first network's, which every
 * step reaches first; the compared one may lag or wait for the whole input.
 */
export function inputStore(f: FrameInput): TraceStore {
  return f.pair?.stores[0] ?? f.store;
}

/** One network's share of the screen. */
export interface Block {
  readonly store: TraceStore;
  readonly panels: readonly PanelSpec[];
  readonly view: number;
  readonly focused: boolean;
  readonly name: string | undefined;
}

/** The networks on screen, in screen order, each with its own view. */
export function blocks(f: FrameInput): Block[] {
  const s = f.session;
  if (f.pair == null || s.other === null) return [{ store: f.store, panels: f.panels, view: s.view, focused: true, name: f.names?.[0] }];
  return [0, 1].map((i) => ({
    store: f.pair!.stores[i]!,
    panels: f.pair!.panels[i]!,
    view: i === s.focus ? s.view : s.other!.view,
    focused: i === s.focus,
    name: f.names?.[i],
  }));
}

/** Layer and direction index of the session's view. */
export function viewOf(store: TraceStore, view: number): { layer: number; dir: number } {
  const dirs = store.network.directions.length;
  return { layer: Math.floor(view / dirs), dir: view % dirs };
}

/** The bar scale of a panel: 1 for gates and tanh values, the largest |value| so far for free ones. */
export function panelScale(store: TraceStore, p: PanelSpec, layer: number, dir: number, at?: number): number {
  if (p.scale !== 'free') return 1;
  const m = at !== undefined && store.holds(at) ? stepMaxAbs(store, p, layer, dir, at) : store.range(p.name, layer, dir).maxAbs;
  return m > 0 ? m : 1;
}

/** The largest |value| of a panel at one step (the local scale, s). */
function stepMaxAbs(store: TraceStore, p: PanelSpec, layer: number, dir: number, t: number): number {
  let m = 0;
  for (const v of store.state(p.name, layer, dir, t)) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}

// ---- panel scales (the grid's titles, the timeline's extra heatmaps) ---------------------

/**
 * The scale a panel's bars use, longest first, always written the same way: `±1` for tanh, `0…1`
 * for gates, `±6.4` for a free scale (the largest |value| of all steps, rounded up), `±2.1 step`
 * when s scales it by this step's largest instead.
 */
export function scaleTexts(store: TraceStore, p: PanelSpec, layer: number, dir: number, at?: number): string[] {
  if (p.scale === 'unit') return ['0…1'];
  if (p.scale === 'tanh') return ['±1'];
  const local = at !== undefined && store.holds(at);
  const maxAbs = local ? stepMaxAbs(store, p, layer, dir, at) : store.range(p.name, layer, dir).maxAbs;
  const tag = local ? ' step' : '';
  return [`±${roundUp2(maxAbs, 4)}${tag}`, `±${roundUp2(maxAbs)}${tag}`];
}

/** m rounded up to `digits` significant digits, so a bound said briefly is still a bound (0.8628 -> 0.87). */
export function roundUp2(m: number, digits = 2): string {
  if (!(m > 0) || !Number.isFinite(m)) return fmtNum(m);
  const step = 10 ** (Math.floor(Math.log10(m)) - digits + 1);
  return String(Number((Math.ceil(m / step - 1e-9) * step).toPrecision(digits)));
}

/** The longest scale text that fits `room` with a little space for the name (the extra heatmaps' rows). */
export function scaleText(store: TraceStore, p: PanelSpec, layer: number, dir: number, room: number): string {
  const alts = scaleTexts(store, p, layer, dir);
  return alts.find((t) => t.length + 4 <= room) ?? alts.at(-1)!;
}

/** The units on rows `top`.. of the session's order, at most `rows` of them. */
export function rowUnits(s: Session, top: number, rows: number): number[] {
  const n = Math.max(0, Math.min(rows, unitCount(s) - top));
  return Array.from({ length: n }, (_, r) => unitAt(s, top + r));
}

/** One section of the frame: its lines, and what they depend on. */
export interface FrameSection {
  /** Names the section: its component and its place in the JSX. */
  readonly id: SectionId;
  /** The section's lines, pre-coloured, none wider than `layout.cols`. */
  readonly lines: (f: FrameInput) => string[];
  /**
   * Everything the lines depend on besides the layout, the theme and the focused trace: while it
   * is unchanged the live view neither recomposes nor re-renders the section.
   */
  readonly memoKey: (f: FrameInput) => string;
}

export type SectionId = 'tooSmall' | 'status' | 'banner' | 'input' | 'help' | 'memory' | 'attribution' | 'diagram' | 'tint' | 'match' | 'guesses' | 'grid' | 'explain' | 'timeline' | 'footer' | 'tour';

/** The step on screen, the views and the compared trace: what nearly every section redraws for. */
export function stepKey(f: FrameInput): string {
  const s = f.session;
  return `${s.cursor}|${s.T}|${s.view}|${s.first}|${s.focus}|${s.other?.view}|${f.version ?? ''}`;
}

/** The units on screen, their order, the timeline's panel and scale. */
export function unitsKey(f: FrameInput): string {
  const s = f.session;
  return `${s.unit}|${s.unitTop}|${s.unitRows}|${s.timeline}|${s.localScale}|${s.order?.join(',') ?? ''}`;
}
