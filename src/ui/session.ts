/**
 * The viewer's whole interactive state and the one reducer that changes it: plain
 * (state, action) -> state, tested without React. Steps are 0-based here (t, as `run` and the
 * CSV write them); the screen says `step N/T (t=N-1)`, 1-based, and the go-to prompt takes N.
 *
 * Units are shown in `order` (every unit by index unless sorted or filtered, see unit-search.ts):
 * `unit` is the selected unit's index, `unitTop` the first row on screen, a position in that order.
 */
import type { Action } from './keymap.js';

/** Playback speeds in steps per second. */
export const SPEEDS: readonly number[] = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 240];
export const DEFAULT_SPEED = 3;
/** Pages of a tour chapter's story ] goes down at most (a story is a few short paragraphs). */
export const TOUR_PAGES = 8;

export interface Session {
  /** Steps available. */
  readonly T: number;
  /** The input has ended (no more steps will come). */
  readonly done: boolean;
  /** Records read so far, computed or not (a reverse direction computes only at the end). */
  readonly received: number;
  /** Oldest step still held (a long live stream drops its beginning); the cursor stays at or after it. */
  readonly first: number;
  /** Current step, 0-based; 0 while T = 0. */
  readonly cursor: number;
  /** Stay on the newest step as data arrives. */
  readonly follow: boolean;
  readonly playing: boolean;
  /** Index into SPEEDS. */
  readonly speed: number;
  /** Units per panel (H). */
  readonly H: number;
  /** Selected unit. */
  readonly unit: number;
  /** First unit row on screen. */
  readonly unitTop: number;
  /** Unit rows the layout has room for (set by the container). */
  readonly unitRows: number;
  /** (layer, direction) views: L * dirs. */
  readonly views: number;
  readonly view: number;
  /** Panels of the cell (LSTM 6, GRU 4, RNN 1). */
  readonly panels: number;
  /** Panel shown by the timeline, 0-based in display order. */
  readonly timeline: number;
  readonly explain: boolean;
  readonly help: boolean;
  /** Digits typed at the go-to prompt (`:` a step, `u` a unit), or null when no prompt is open. */
  readonly entry: string | null;
  /** What the prompt asks for: a step, a unit, or an intervention written as --set writes one (text). */
  readonly entryKind: 'step' | 'unit' | 'set' | 'signal';
  /** The signal the units are ranked by (sort 'signal'), as typed at the / prompt. */
  readonly signalSpec: string | null;
  /** An intervention typed at the w prompt, for the container to apply (then `edited`), or null. */
  readonly setRequest: string | null;
  /** How units are ordered on screen (o cycles). */
  readonly sort: UnitSort;
  /** Only flagged units on screen (!). */
  readonly flaggedOnly: boolean;
  /**
   * The units on screen in row order, set by the container from the trace (sort and filter
   * applied), or null for every unit by index.
   */
  readonly order: readonly number[] | null;
  /** Free-scale panels (LSTM c, ReLU h) scaled by this step's largest |value| instead of all steps'. */
  readonly localScale: boolean;
  /** First line shown of the help / the explain panel (] and [ scroll). */
  readonly scrollTop: number;
  /** A one-line note for the footer, cleared by the next key. */
  readonly note: string | null;
  readonly quit: boolean;
  /** Opened from a corpus list (b goes back to it); `back` is set when the user asks to. */
  readonly inCorpus: boolean;
  readonly back: boolean;
  /** What the body shows: the gate panels, how far back the memory reaches (m), or where the output came from (a). */
  readonly mode: ViewMode;
  /** A range of steps marked with r (LSTMVis's selection): its first step, and its last once r is pressed again. */
  readonly range: { readonly from: number; readonly to: number | null } | null;
  /**
   * The second network on the same input (--compare, the remember demo's RNN twin), or null.
   * `views`, `view`, `panels` and `timeline` above always describe the focused network, so every
   * key acts on it; `other` holds the same for the one not focused, and `focus` says which of the
   * two (0 = the first, 1 = the compared one) is focused. Switching focus swaps them.
   */
  readonly other: OtherNetwork | null;
  readonly focus: 0 | 1;
  /**
   * With more than one compared network (the remember demo: LSTM, RNN, GRU, minGRU, sLSTM), the first stays on
   * screen and one compared network beside it: `net` is the focused network's index among all of
   * them (0 the first), `partner` the one beside the first (1.. ), and `saved` each network's
   * views (the focused one's entry is stale: the fields above are its live copy). c cycles `net`.
   */
  readonly net: number;
  readonly partner: number;
  readonly saved: readonly OtherNetwork[];
  /** The guided tour's chapter on screen (0-based), or null when the tour is closed. */
  readonly tour: number | null;
  /** The chapter last opened (0-based): t opens the tour there, and the progress file keeps it. */
  readonly reached: number;
  /** What each chapter of the tour selects (tour.ts plans them); empty where there is no tour. */
  readonly chapters: readonly ChapterSetup[];
  /** Flagged units (saturated or dead) of the focused view, in index order, for n / N. */
  readonly flagged: readonly number[];
}

export type ViewMode = 'gates' | 'memory' | 'attribution' | 'diagram' | 'tint' | 'match';

/** Unit orders, in the order o cycles through them. */
export const UNIT_SORTS = ['index', 'variance', 'saturation', 'value'] as const;
/** The orders o cycles, and 'signal': by |r| with the signal typed at the / prompt (signalSpec). */
export type UnitSort = (typeof UNIT_SORTS)[number] | 'signal';

/**
 * What a chapter of the guided tour selects when it opens: the view, the network (an index among
 * all networks, 0 the first), the unit, the step and the timeline's panel. The keys work as ever
 * after that: the chapter's numbers follow what the student selects.
 */
export interface ChapterSetup {
  readonly mode: ViewMode;
  readonly net: number;
  readonly unit: number;
  readonly cursor: number;
  readonly timeline: number;
}

/** What the session keeps of the network that is not focused. */
export interface OtherNetwork {
  readonly views: number;
  readonly view: number;
  readonly panels: number;
  readonly timeline: number;
}

export interface SessionInit {
  readonly H: number;
  readonly views: number;
  readonly panels: number;
  readonly T?: number;
  readonly done?: boolean;
  readonly follow?: boolean;
  /** Starting step (0-based), clamped once steps exist. */
  readonly cursor?: number;
  readonly unitRows?: number;
  /** A second network: its views and panels (units are shared: H is the larger of the two). */
  readonly compare?: { readonly views: number; readonly panels: number } | null;
  /** Networks compared after the second (c cycles through all of them), views and panels each. */
  readonly more?: readonly { readonly views: number; readonly panels: number }[];
  /** The tour's chapters (tour.ts); with `tour`, the chapter open at the start (0-based). */
  readonly chapters?: readonly ChapterSetup[];
  readonly tour?: number | null;
  /** The chapter t opens, when the tour is not open at the start (the progress file's). @default 0 */
  readonly reached?: number;
  /** Open on the memory view. @default 'gates' */
  readonly mode?: ViewMode;
  /** Selected unit at the start (clamped). @default 0 */
  readonly unit?: number;
  /** Panel the timeline shows at the start, 0-based (clamped). @default 0 */
  readonly timeline?: number;
  /** Opened from a corpus list: b goes back to it. */
  readonly inCorpus?: boolean;
}

export type SessionAction =
  | Action
  /** New steps arrived, or the input ended. `received` counts records not yet computed too. */
  | { readonly type: 'data'; readonly T: number; readonly done: boolean; readonly received?: number; readonly first?: number }
  /** Playback timer: advance `steps` steps. */
  | { readonly type: 'tick'; readonly steps: number }
  /** The layout changed: this many unit rows fit. */
  | { readonly type: 'viewport'; readonly unitRows: number }
  /** The units on screen in row order (null: all by index), and the flagged ones in index order. */
  | { readonly type: 'order'; readonly order: readonly number[] | null; readonly flagged: readonly number[] }
  /** A character typed at the w prompt (the container routes every printable key there while it is open). */
  | { readonly type: 'type'; readonly text: string }
  /**
   * What the container has to say for a request the session made (the w prompt's edit applied or
   * refused, the / prompt's ranking): a note for the footer; the w request is consumed.
   */
  | { readonly type: 'note'; readonly note: string }
  /**
   * The networks changed (an edited run appeared or went): every one's views and panels, the first
   * (the one the viewer opened) first. Focus returns to the first; the second comes beside it.
   */
  | { readonly type: 'pair'; readonly nets: readonly { readonly views: number; readonly panels: number }[] }
  /** A key with no binding: it closes the help ("any key") and clears a note, nothing else. */
  | { readonly type: 'unbound' };

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

export function initialSession(init: SessionInit): Session {
  const s = freshSession(init);
  const timeline = clamp(Math.trunc(init.timeline ?? 0), 0, s.panels - 1);
  const started = scrollToUnit({ ...s, timeline }, Math.trunc(init.unit ?? 0));
  return init.tour == null || started.chapters.length === 0 ? started : openChapter(started, init.tour);
}

function freshSession(init: SessionInit): Session {
  const T = init.T ?? 0;
  const follow = init.follow ?? false;
  const unitRows = Math.max(1, init.unitRows ?? init.H);
  const want = init.cursor ?? 0;
  return {
    T,
    done: init.done ?? false,
    received: T,
    first: 0,
    cursor: T === 0 ? 0 : follow ? T - 1 : clamp(want, 0, T - 1),
    follow,
    playing: false,
    speed: DEFAULT_SPEED,
    H: init.H,
    unit: 0,
    unitTop: 0,
    unitRows,
    views: Math.max(1, init.views),
    view: 0,
    panels: Math.max(1, init.panels),
    timeline: 0,
    explain: false,
    help: false,
    entry: null,
    entryKind: 'step',
    setRequest: null,
    signalSpec: null,
    sort: 'index',
    flaggedOnly: false,
    order: null,
    localScale: false,
    scrollTop: 0,
    flagged: [],
    note: null,
    quit: false,
    inCorpus: init.inCorpus ?? false,
    back: false,
    mode: init.mode ?? 'gates',
    range: null,
    other: init.compare ? netView(init.compare) : null,
    focus: 0,
    net: 0,
    partner: 1,
    saved: init.compare ? [netView(init), netView(init.compare), ...(init.more ?? []).map(netView)] : [netView(init)],
    tour: null,
    reached: clamp(Math.trunc(init.tour ?? init.reached ?? 0), 0, Math.max(0, (init.chapters?.length ?? 1) - 1)),
    chapters: init.chapters ?? [],
  };
}

function netView(n: { readonly views: number; readonly panels: number }): OtherNetwork {
  return { views: Math.max(1, n.views), view: 0, panels: Math.max(1, n.panels), timeline: 0 };
}

/**
 * Focuses network `k` (an index among all of them): the first stays on screen, and a compared
 * network comes beside it when focused; the one left keeps its view for when it comes back.
 */
function focusNet(s: Session, k: number): Session {
  if (k === s.net || k < 0 || k >= s.saved.length) return s;
  const saved = s.saved.map((x, i) => (i === s.net ? { views: s.views, view: s.view, panels: s.panels, timeline: s.timeline } : x));
  const t = saved[k]!;
  const partner = k === 0 ? s.partner : k;
  return {
    ...s,
    views: t.views,
    view: t.view,
    panels: t.panels,
    timeline: Math.min(t.timeline, t.panels - 1),
    saved,
    net: k,
    partner,
    focus: k === 0 ? 0 : 1,
    other: k === 0 ? saved[partner]! : saved[0]!,
  };
}

/** Opens chapter k of the tour (clamped): its view, network, unit, step and panel. */
function openChapter(s: Session, k: number): Session {
  const n = s.chapters.length;
  if (n === 0) return { ...s, note: 'the guided tour runs on the bundled demo: gatescope learn' };
  const tour = clamp(Math.trunc(k), 0, n - 1);
  const c = s.chapters[tour]!;
  const on = focusNet(s, c.net);
  const cursor = on.T === 0 ? 0 : clamp(c.cursor, on.first, lastStep(on));
  const timeline = clamp(c.timeline, 0, on.panels - 1);
  return scrollToUnit({ ...on, tour, reached: tour, mode: c.mode, cursor, follow: false, playing: false, timeline, explain: false, help: false, scrollTop: 0, entry: null }, c.unit);
}

/** Focuses the next network (with two, swaps the focused network's view with the other's). */
function switchFocus(s: Session): Session {
  if (s.other === null) return { ...s, note: 'one network only: --compare OTHER_WEIGHTS adds a second' };
  return focusNet(s, (s.net + 1) % s.saved.length);
}

function lastStep(s: Session): number {
  return Math.max(0, s.T - 1);
}

/** Moves the cursor; moving back (or anywhere but the newest step) leaves follow mode. */
function moveTo(s: Session, target: number): Session {
  const cursor = clamp(target, Math.min(s.first, lastStep(s)), lastStep(s));
  const follow = s.follow && cursor >= s.cursor && cursor === lastStep(s);
  return { ...s, cursor, follow };
}

/** Rows in the unit order (every unit when unsorted). */
export function unitCount(s: Pick<Session, 'order' | 'H'>): number {
  return s.order === null ? s.H : s.order.length;
}

/** The unit on row position `pos` of the order. */
export function unitAt(s: Pick<Session, 'order'>, pos: number): number {
  return s.order === null ? pos : (s.order[pos] ?? -1);
}

/** The row position of `unit` in the order, or -1 when it is filtered out. */
export function positionOf(s: Pick<Session, 'order'>, unit: number): number {
  return s.order === null ? unit : s.order.indexOf(unit);
}

/** Selects the unit at row position `pos` and keeps it on screen. */
function scrollToPos(s: Session, pos: number, unitTop = s.unitTop): Session {
  const n = unitCount(s);
  if (n === 0) return { ...s, unitTop: 0 };
  const p = clamp(pos, 0, n - 1);
  const rows = Math.max(1, Math.min(s.unitRows, n));
  let top = clamp(unitTop, 0, Math.max(0, n - rows));
  if (p < top) top = p;
  if (p >= top + rows) top = p - rows + 1;
  return { ...s, unit: unitAt(s, p), unitTop: top };
}

/** Keeps the selected unit on screen (the nearest shown one when it is filtered out). */
function scrollToUnit(s: Session, unit: number, unitTop = s.unitTop): Session {
  const u = clamp(unit, 0, Math.max(0, s.H - 1));
  let pos = positionOf(s, u);
  if (pos < 0 && s.order !== null) {
    // filtered out: the shown unit nearest by index
    let best = 0;
    s.order.forEach((v, i) => {
      if (Math.abs(v - u) < Math.abs(s.order![best]! - u)) best = i;
    });
    pos = best;
  }
  return scrollToPos(s, pos, unitTop);
}

function endEntry(s: Session): Session {
  return s.entry === null ? s : { ...s, entry: null };
}

export function reduce(state: Session, action: SessionAction): Session {
  // Any key clears the last note; data and timer updates, and what the container reports (a
  // changed pair of networks, an applied edit), do not.
  const quiet = action.type === 'data' || action.type === 'tick' || action.type === 'viewport' || action.type === 'order' || action.type === 'pair' || action.type === 'note';
  let s: Session = quiet ? state : state.note === null ? state : { ...state, note: null };

  if (s.help && action.type !== 'data' && action.type !== 'tick' && action.type !== 'viewport' && action.type !== 'order' && action.type !== 'quit' && action.type !== 'back') {
    // The help covers the screen: ] [ ↑ ↓ scroll it; any other key closes it and does nothing else.
    if (action.type === 'scroll') return { ...s, scrollTop: Math.max(0, s.scrollTop + action.delta * 5) };
    if (action.type === 'unit') return { ...s, scrollTop: Math.max(0, s.scrollTop + action.delta) };
    // the help offers the tour: t from it opens the tour
    if (action.type === 'tour' && s.chapters.length > 0) return openChapter({ ...s, help: false, scrollTop: 0 }, action.chapter ?? s.reached);
    return { ...s, help: false, scrollTop: 0 };
  }

  switch (action.type) {
    case 'data': {
      const T = Math.max(s.T, action.T);
      const received = Math.max(T, action.received ?? T);
      const first = Math.min(Math.max(s.first, action.first ?? 0), Math.max(0, T - 1));
      if (T === s.T && action.done === s.done && received === s.received && first === s.first) return s;
      let next: Session = { ...s, T, done: action.done, received, first };
      if (T > 0 && (s.follow || s.T === 0)) next = { ...next, cursor: s.follow ? T - 1 : clamp(s.cursor, first, T - 1) };
      if (next.cursor < first) next = { ...next, cursor: first };
      if (next.playing && action.done && next.cursor >= T - 1 && !next.follow) next = { ...next, playing: false };
      return next;
    }
    case 'tick': {
      if (!s.playing || s.T === 0) return s;
      if (s.cursor >= lastStep(s)) return s.done ? { ...s, playing: false } : s;
      const cursor = Math.min(lastStep(s), s.cursor + Math.max(1, action.steps));
      const stop = s.done && cursor >= lastStep(s);
      return { ...s, cursor, playing: !stop };
    }
    case 'viewport': {
      const rows = Math.max(1, action.unitRows);
      return rows === s.unitRows ? s : scrollToUnit({ ...s, unitRows: rows }, s.unit);
    }
    case 'order': {
      const next: Session = { ...s, order: action.order, flagged: action.flagged };
      return scrollToUnit(next, s.unit);
    }
    case 'digit': {
      if (s.entry === null) {
        // A digit picks the timeline's panel, nothing else (`:` and `u` open a number prompt).
        if (action.digit >= 1 && action.digit <= s.panels) return { ...s, timeline: action.digit - 1 };
        return { ...s, note: s.panels === 1 ? 'one panel only (: goes to a step, u to a unit)' : `panels are 1-${s.panels} (: goes to a step, u to a unit)` };
      }
      if (s.entry.length >= 12) return s;
      return { ...s, entry: s.entry + String(action.digit) };
    }
    case 'prompt':
      return { ...s, entry: '', entryKind: action.kind };
    case 'type':
      // the w prompt takes text; the number prompts digits only (their keys are bound)
      if (s.entry === null || (s.entryKind !== 'set' && s.entryKind !== 'signal') || s.entry.length >= 60) return s;
      return { ...s, entry: s.entry + action.text };
    case 'note':
      return { ...s, setRequest: null, note: action.note };
    case 'pair': {
      const first = focusNet(s, 0);
      const saved = [first.saved[0] ?? netView(first), ...action.nets.slice(1).map(netView)];
      return { ...first, saved, net: 0, partner: 1, focus: 0, other: saved[1] ?? null };
    }
    case 'enter': {
      if (s.entry === null) return s;
      const base: Session = { ...s, entry: null };
      // w then Enter: the text is an intervention for the container (an empty one clears the edits)
      if (s.entryKind === 'set') return { ...base, setRequest: s.entry };
      if (s.entryKind === 'signal') {
        const spec = s.entry.trim();
        return spec === '' ? { ...base, sort: 'index', signalSpec: null, note: 'units by index' } : { ...base, sort: 'signal', signalSpec: spec, flaggedOnly: false };
      }
      if (s.entry === '') return base;
      const n = Number(s.entry);
      if (s.entryKind === 'unit') {
        if (n >= s.H) return { ...scrollToUnit(base, s.H - 1), note: `units are 0-${s.H - 1}: showing ${s.H - 1}` };
        if (s.order !== null && !s.order.includes(n)) return { ...scrollToUnit({ ...base, flaggedOnly: false, order: null }, n), note: `unit ${n} is not flagged: showing all units` };
        return scrollToUnit(base, n);
      }
      if (s.T === 0) return { ...base, note: 'no steps yet' };
      const target = clamp(n, s.first + 1, s.T) - 1;
      const note =
        n > s.T
          ? `step ${n} is past the end: showing the last (${s.T})`
          : n < 1
            ? `steps start at 1 (t=0)`
            : n <= s.first
              ? `steps before ${s.first + 1} are no longer kept (history limit)`
              : null;
      return { ...base, cursor: target, follow: false, note };
    }
    case 'backspace': {
      if (s.entry === null) return s;
      if (s.entry === '') return { ...s, entry: null };
      return { ...s, entry: s.entry.slice(0, -1) };
    }
    case 'escape': {
      if (s.entry !== null) return { ...s, entry: null };
      if (s.explain) return { ...s, explain: false, scrollTop: 0 };
      // the cell diagram and the attribution view say Esc closes them, as the explain panel
      if (s.range !== null) return { ...s, range: null, mode: s.mode === 'match' ? 'gates' : s.mode };
      if (s.mode === 'diagram' || s.mode === 'attribution' || s.mode === 'tint') return { ...s, mode: 'gates' };
      return s;
    }
    case 'scroll':
      // the tour's story shows in a few rows: two lines a press, so none is skipped
      // the tour's story pages (tour.ts fitTour): a press a page, at most a few pages
      if (s.tour !== null && !s.explain) return { ...s, scrollTop: Math.max(0, Math.min(TOUR_PAGES, s.scrollTop + action.delta)) };
      return { ...s, scrollTop: Math.max(0, s.scrollTop + action.delta * 5) };
    case 'unbound':
      return s;
    default:
      break;
  }

  // Every other key closes a go-to prompt.
  s = endEntry(s);
  switch (action.type) {
    case 'step':
      return moveTo(s, s.cursor + action.delta);
    case 'first':
      return moveTo(s, s.first);
    case 'last':
      return moveTo(s, lastStep(s));
    case 'togglePlay': {
      if (s.playing) return { ...s, playing: false };
      // Playing from the last step of a finished input starts again from the first.
      const restart = s.done && s.T > 0 && s.cursor >= lastStep(s);
      return { ...s, playing: true, cursor: restart ? s.first : s.cursor, follow: restart ? false : s.follow };
    }
    case 'speed':
      return { ...s, speed: clamp(s.speed + action.delta, 0, SPEEDS.length - 1) };
    case 'follow':
      return s.follow ? { ...s, follow: false } : { ...s, follow: true, playing: false, cursor: lastStep(s) };
    case 'unit':
      return scrollToPos(s, Math.max(0, positionOf(s, s.unit)) + action.delta);
    case 'unitPage': {
      const rows = Math.max(1, Math.min(s.unitRows, unitCount(s)));
      return scrollToPos(s, Math.max(0, positionOf(s, s.unit)) + action.delta * rows, s.unitTop + action.delta * rows);
    }
    case 'flagged': {
      if (s.flagged.length === 0) return { ...s, note: 'no flagged unit here (saturated or dead: ? says the rule)' };
      const f = s.flagged;
      const next = action.delta > 0 ? (f.find((u) => u > s.unit) ?? f[0]!) : ([...f].reverse().find((u) => u < s.unit) ?? f.at(-1)!);
      const shown = positionOf(s, next) >= 0 ? s : { ...s, order: null, sort: 'index' as const, flaggedOnly: false };
      return scrollToUnit(shown, next);
    }
    case 'sort': {
      // from the / prompt's order, o starts the cycle again
      const sort = s.sort === 'signal' ? 'index' : UNIT_SORTS[(UNIT_SORTS.indexOf(s.sort) + 1) % UNIT_SORTS.length]!;
      return { ...s, sort, signalSpec: null, note: `units by ${SORT_WORDS[sort]}` };
    }
    case 'flaggedOnly':
      if (!s.flaggedOnly && s.flagged.length === 0) return { ...s, note: 'no flagged unit in this view: all shown' };
      return { ...s, flaggedOnly: !s.flaggedOnly, note: s.flaggedOnly ? 'all units shown' : `${s.flagged.length} flagged unit${s.flagged.length === 1 ? '' : 's'} shown (! again: all)` };
    case 'cellScale':
      return { ...s, localScale: !s.localScale, note: s.localScale ? 'free scales: largest |value| of all steps' : 'free scales: largest |value| of this step' };
    case 'view':
      return { ...s, view: (s.view + action.delta + s.views) % s.views };
    case 'explain':
      return { ...s, explain: !s.explain, scrollTop: 0 };
    case 'help':
      return { ...s, help: !s.help, scrollTop: 0 };
    case 'memory':
      return { ...s, mode: s.mode === 'memory' ? 'gates' : 'memory' };
    case 'attribution':
      return { ...s, mode: s.mode === 'attribution' ? 'gates' : 'attribution' };
    case 'diagram':
      return { ...s, mode: s.mode === 'diagram' ? 'gates' : 'diagram' };
    case 'range': {
      if (s.T === 0) return s;
      if (s.range === null) return { ...s, range: { from: s.cursor, to: null }, note: `range from step ${s.cursor + 1}: move to its last step, then r again` };
      if (s.range.to === null) {
        const from = Math.min(s.range.from, s.cursor);
        return { ...s, range: { from, to: Math.max(s.range.from, s.cursor) }, mode: 'match', note: null };
      }
      return { ...s, range: null, mode: s.mode === 'match' ? 'gates' : s.mode };
    }
    case 'tint':
      return { ...s, mode: s.mode === 'tint' ? 'gates' : 'tint' };
    case 'focus':
      return switchFocus(s);
    case 'tour':
      return s.tour !== null ? { ...s, tour: null, mode: 'gates' } : openChapter(s, action.chapter ?? s.reached);
    case 'chapter': {
      if (s.tour === null) return openChapter(s, 0);
      const next = s.tour + action.delta;
      if (next < 0 || next >= s.chapters.length) return { ...s, note: next < 0 ? 'this is the first chapter' : 'this is the last chapter: t closes the tour, q quits' };
      return openChapter(s, next);
    }
    case 'quit':
      return { ...s, quit: true };
    case 'back':
      return s.inCorpus ? { ...s, back: true } : { ...s, note: 'b goes back to a corpus list (gatescope view FOLDER --corpus)' };
  }
  return s;
}

/** How each order is said on screen. */
export const SORT_WORDS: Readonly<Record<UnitSort, string>> = {
  index: 'index',
  variance: 'variance, largest first',
  saturation: 'saturation, most first',
  value: '|value| here, largest first',
  signal: '|r| with the signal, largest first',
};

/** Steps per second at the current speed. */
export function stepsPerSecond(s: Session): number {
  return SPEEDS[s.speed] ?? 1;
}

/**
 * The playback timer: an interval no shorter than one frame at `maxFps`, and how many steps each
 * tick advances so that the speed holds above the frame rate.
 */
export function playbackTimer(s: Session, maxFps = 30): { intervalMs: number; steps: number } {
  const sps = stepsPerSecond(s);
  const minInterval = 1000 / maxFps;
  const intervalMs = Math.max(minInterval, 1000 / sps);
  return { intervalMs, steps: Math.max(1, Math.round((sps * intervalMs) / 1000)) };
}
