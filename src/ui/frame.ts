/**
 * The frame: what it needs (frameInput), which sections it has in which order (frameSections), and
 * the sections composed as plain lines (composeFrame). Each section draws itself (sections/*.ts);
 * the live view (App.tsx, one Ink component per section) and the static snapshot both read the
 * same list, so the mode switch, the section order and the memo keys are written once, here and
 * in the sections. Pure functions with no React.
 */
import type { TraceStore } from '../trace/trace-store.js';
import { widestText } from './format.js';
import { bannerText, guessRowsWanted } from './guess-strip.js';
import { computeLayout, type Layout, type LayoutInput } from './layout.js';
import { panelsFor } from './panels.js';
import { reduce, type Session } from './session.js';
import { NO_TASK } from './task.js';
import { explainSection, explainText } from './sections/explain.js';
import { footerSection } from './sections/footer.js';
import { timelineSection } from './sections/timeline.js';
import { gridSection } from './sections/grid.js';
import { bannerSection } from './sections/banner.js';
import { guessesSection } from './sections/guesses.js';
import { helpSection } from './sections/help.js';
import { inputSection } from './sections/input.js';
import { attributionSection } from './sections/attribution.js';
import { diagramSection } from './sections/diagram.js';
import { tintSection } from './sections/tint.js';
import { matchSection } from './sections/match.js';
import { memorySection } from './sections/memory.js';
import type { FrameInput, FrameSection, NetworkPair } from './sections/shared.js';
import { statusSection } from './sections/status.js';
import { tooSmallSection } from './sections/too-small.js';
import { tourSection } from './sections/tour.js';

export type { FrameInput, FrameSection, NetworkPair } from './sections/shared.js';

/**
 * What a frame is built from: the traces, the session, the terminal's size, and the parts of the
 * frame input the caller already has (the theme, the names, the memory and attribution figures,
 * the task, the compared trace's version, the language: documented on FrameInput).
 */
export interface FrameRequest extends Pick<FrameInput, 'theme' | 'names' | 'memory' | 'attribution' | 'task' | 'version' | 'lang'> {
  /** The networks in screen order: the one the viewer opened, then the compared one. */
  readonly stores: readonly [TraceStore] | readonly [TraceStore, TraceStore];
  readonly session: Session;
  readonly cols: number;
  /** Rows of the terminal (not read for a snapshot). */
  readonly rows: number;
  /** The static plain-text view: no height limit, every unit shown, no footer. @default false */
  readonly snapshot?: boolean;
  /**
   * Computes the layout. The live view passes one that hands back the same object for the same
   * input, so memoised sections see an unchanged layout as unchanged. @default computeLayout
   */
  readonly layoutOf?: (input: LayoutInput) => Layout;
}

/**
 * Everything a frame needs: the focused network's panels, the layout for this terminal and this
 * session (the explain panel's length, the guess strip, the banner), and the session with the
 * layout's unit rows (the reducer keeps the selected unit among them).
 */
export function frameInput(r: FrameRequest): FrameInput {
  const [first, compare] = r.stores;
  const s0 = r.session;
  const task = r.task ?? NO_TASK;
  const allPanels = r.stores.map((st) => panelsFor(st.network.kind));
  const focused = r.stores[s0.focus] ?? first;
  const panels = allPanels[s0.focus] ?? allPanels[0]!;
  const timelinePanel = panels[Math.min(s0.timeline, panels.length - 1)]!;
  const gates = s0.mode === 'gates';
  const layout = (r.layoutOf ?? computeLayout)({
    cols: r.cols,
    rows: r.rows,
    panels: allPanels[0]!.length,
    H: Math.max(...r.stores.map((st) => st.network.hiddenSize)),
    D: focused.network.inputSize,
    xNameWidth: nameWidth(first),
    // The explain panel's length depends on its numbers and the width: its lines are counted first.
    explainRows: s0.explain && gates ? explainText(focused, s0, r.cols, r.lang ?? 'en').length : 0,
    signedSpark: timelinePanel.scale !== 'unit',
    tokenRow: first.tokens,
    snapshot: r.snapshot ?? false,
    compare: compare === undefined ? null : { panels: allPanels[1]!.length, focus: s0.focus },
    banner: bannerText(task, first) !== null,
    guessRows: gates ? guessRowsWanted(focused) : 0,
  });
  const session = layout.unitRows > 0 ? reduce(s0, { type: 'viewport', unitRows: layout.unitRows }) : s0;
  const pair: NetworkPair | null = compare === undefined ? null : { stores: [first, compare], panels: [allPanels[0]!, allPanels[1]!] };
  return { store: focused, session, theme: r.theme, layout, panels, pair, names: r.names ?? [], memory: r.memory ?? null, attribution: r.attribution ?? null, task, version: r.version ?? '', lang: r.lang ?? 'en' };
}

const nameWidths = new WeakMap<TraceStore, number>();

/** The widest feature name, once per trace (a vocabulary can be thousands of names). */
function nameWidth(store: TraceStore): number {
  let w = nameWidths.get(store);
  if (w === undefined) nameWidths.set(store, (w = widestText(store.featureNames, 1)));
  return w;
}

/** The sections of a frame, top down, and the footer at its bottom row (null: none). */
export interface FrameSections {
  readonly body: readonly FrameSection[];
  readonly footer: FrameSection | null;
}

/** Which sections the frame has: the one mode switch (help, memory view, gates; explain open). */
export function frameSections(f: FrameInput): FrameSections {
  const { layout: L, session: s } = f;
  if (L.tooSmall !== null) return { body: [tooSmallSection], footer: null };
  // the tour's text takes the banner's place: it says what the network does, and more
  if (s.tour !== null && !s.help) return { body: [statusSection, inputSection, tourSection], footer: L.footer ? footerSection : null };
  const top = [statusSection, bannerSection, inputSection];
  const body = s.help
    ? [helpSection]
    : s.mode === 'memory'
      ? [memorySection]
      : s.mode === 'attribution'
        ? [attributionSection]
        : s.mode === 'diagram'
          ? [diagramSection, timelineSection]
          : s.mode === 'tint'
            ? [tintSection]
            : s.mode === 'match'
              ? [matchSection, timelineSection]
          : [guessesSection, gridSection, ...(s.explain ? [explainSection] : []), timelineSection];
  return { body: [...top, ...body], footer: L.footer ? footerSection : null };
}

/** The whole frame, `layout.height` lines: what the snapshot prints and the tests read. */
export function composeFrame(f: FrameInput): string[] {
  const { body, footer } = frameSections(f);
  const lines = body.flatMap((sec) => sec.lines(f));
  if (footer !== null) {
    const L = f.layout;
    while (lines.length < L.height - 1) lines.push('');
    lines.length = Math.min(lines.length, L.height - 1);
    lines.push(...footer.lines(f));
  }
  return lines;
}
