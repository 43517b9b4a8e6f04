/**
 * The viewer's whole interactive state and the one reducer that changes it: plain
 * (state, action) -> state, tested without React. Steps are 0-based here; the screen says
 * `step N/T` 1-based.
 */
import type { Action } from './keymap.js';

/** Playback speeds in steps per second. */
export const SPEEDS: readonly number[] = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 240];
export const DEFAULT_SPEED = 3;

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
  /** Digits typed towards a step number, or null. */
  readonly entry: string | null;
  /** The timeline choice before the current number entry began (a digit also picks a panel). */
  readonly entryTimeline: number;
  /** A one-line note for the footer, cleared by the next key. */
  readonly note: string | null;
  readonly quit: boolean;
  /** What the body shows: the gate panels, or how far back the memory reaches (m). */
  readonly mode: ViewMode;
  /**
   * The second network on the same input (--compare, the remember demo's RNN twin), or null.
   * `views`, `view`, `panels` and `timeline` above always describe the focused network, so every
   * key acts on it; `other` holds the same for the one not focused, and `focus` says which of the
   * two (0 = the first, 1 = the compared one) is focused. Switching focus swaps them.
   */
  readonly other: OtherNetwork | null;
  readonly focus: 0 | 1;
}

export type ViewMode = 'gates' | 'memory';

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
  /** Open on the memory view. @default 'gates' */
  readonly mode?: ViewMode;
  /** Selected unit at the start (clamped). @default 0 */
  readonly unit?: number;
  /** Panel the timeline shows at the start, 0-based (clamped). @default 0 */
  readonly timeline?: number;
}

export type SessionAction =
  | Action
  /** New steps arrived, or the input ended. `received` counts records not yet computed too. */
  | { readonly type: 'data'; readonly T: number; readonly done: boolean; readonly received?: number; readonly first?: number }
  /** Playback timer: advance `steps` steps. */
  | { readonly type: 'tick'; readonly steps: number }
  /** The layout changed: this many unit rows fit. */
  | { readonly type: 'viewport'; readonly unitRows: number }
  /** A key with no binding: it closes the help ("any key") and clears a note, nothing else. */
  | { readonly type: 'unbound' };

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

export function initialSession(init: SessionInit): Session {
  const s = freshSession(init);
  const timeline = clamp(Math.trunc(init.timeline ?? 0), 0, s.panels - 1);
  return scrollToUnit({ ...s, timeline, entryTimeline: timeline }, Math.trunc(init.unit ?? 0));
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
    entryTimeline: 0,
    note: null,
    quit: false,
    mode: init.mode ?? 'gates',
    other: init.compare ? { views: Math.max(1, init.compare.views), view: 0, panels: Math.max(1, init.compare.panels), timeline: 0 } : null,
    focus: 0,
  };
}

/** Swaps the focused network's view with the other's. */
function switchFocus(s: Session): Session {
  const o = s.other;
  if (o === null) return { ...s, note: 'one network only: --compare OTHER_WEIGHTS adds a second' };
  return {
    ...s,
    views: o.views,
    view: o.view,
    panels: o.panels,
    timeline: Math.min(o.timeline, o.panels - 1),
    other: { views: s.views, view: s.view, panels: s.panels, timeline: s.timeline },
    focus: s.focus === 0 ? 1 : 0,
  };
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

/** Keeps the selected unit on screen. */
function scrollToUnit(s: Session, unit: number, unitTop = s.unitTop): Session {
  const u = clamp(unit, 0, Math.max(0, s.H - 1));
  const rows = Math.max(1, Math.min(s.unitRows, s.H));
  let top = clamp(unitTop, 0, Math.max(0, s.H - rows));
  if (u < top) top = u;
  if (u >= top + rows) top = u - rows + 1;
  return { ...s, unit: u, unitTop: top };
}

function endEntry(s: Session): Session {
  return s.entry === null ? s : { ...s, entry: null };
}

export function reduce(state: Session, action: SessionAction): Session {
  // Any key clears the last note; data and timer updates do not.
  let s: Session = action.type === 'data' || action.type === 'tick' || action.type === 'viewport' ? state : state.note === null ? state : { ...state, note: null };

  if (s.help && action.type !== 'data' && action.type !== 'tick' && action.type !== 'viewport' && action.type !== 'quit') {
    // The help covers the screen: the next key (whatever it is) closes it and does nothing else.
    return { ...s, help: false };
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
    case 'digit': {
      if (s.entry === null) {
        const timeline = action.digit >= 1 && action.digit <= s.panels ? action.digit - 1 : s.timeline;
        return { ...s, entry: String(action.digit), entryTimeline: s.timeline, timeline };
      }
      if (s.entry.length >= 12) return s;
      // A second digit makes it a step number, not a panel choice: put the timeline back.
      return { ...s, entry: s.entry + String(action.digit), timeline: s.entryTimeline };
    }
    case 'enter': {
      if (s.entry === null) return s;
      const n = Number(s.entry);
      const base: Session = { ...s, entry: null, timeline: s.entryTimeline };
      if (s.T === 0) return { ...base, note: 'no steps yet' };
      const target = clamp(n, s.first + 1, s.T) - 1;
      const note =
        n > s.T
          ? `step ${n} is past the end: showing the last (${s.T})`
          : n < 1
            ? `steps start at 1`
            : n <= s.first
              ? `steps before ${s.first + 1} are no longer kept (history limit)`
              : null;
      return { ...base, cursor: target, follow: false, note };
    }
    case 'backspace': {
      if (s.entry === null) return s;
      const entry = s.entry.slice(0, -1);
      if (entry === '') return { ...s, entry: null, timeline: s.entryTimeline };
      return { ...s, entry };
    }
    case 'escape': {
      if (s.entry !== null) return { ...s, entry: null, timeline: s.entryTimeline };
      if (s.explain) return { ...s, explain: false };
      return s;
    }
    case 'unbound':
      return s;
    default:
      break;
  }

  // Every other key ends a number entry; a single digit stays as the timeline choice.
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
      return scrollToUnit(s, s.unit + action.delta);
    case 'unitPage': {
      const rows = Math.max(1, Math.min(s.unitRows, s.H));
      return scrollToUnit(s, s.unit + action.delta * rows, s.unitTop + action.delta * rows);
    }
    case 'view':
      return { ...s, view: (s.view + action.delta + s.views) % s.views };
    case 'explain':
      return { ...s, explain: !s.explain };
    case 'help':
      return { ...s, help: !s.help };
    case 'memory':
      return { ...s, mode: s.mode === 'memory' ? 'gates' : 'memory' };
    case 'focus':
      return switchFocus(s);
    case 'quit':
      return { ...s, quit: true };
  }
  return s;
}

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
