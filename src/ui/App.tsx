/**
 * The one container: owns the session (through the pure reducer), listens to keys, the terminal
 * size and the trace, and hands each section of the frame its inputs. What a frame needs and which
 * sections it has come from frame.ts; each section draws itself (sections/*.ts), so this file
 * stays small.
 */
import { Box, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { interventionsFor, parseIntervention, SpecError } from '../engine/intervene-spec.js';
import { editDiff, editedTrace, syncEdited } from '../trace/edited-trace.js';
import { rankUnitsBySignal } from '../trace/unit-signal.js';
import { attributeAt } from '../trace/attribution-view.js';
import type { Lang } from './i18n/index.js';
import type { MemoryWorkerOptions } from '../trace/memory-host.js';
import { MemoryTracker, type MemoryState } from '../trace/memory-view.js';
import type { TraceStore } from '../trace/trace-store.js';
import { SECTION_COMPONENTS } from './components/index.js';
import { frameInput, frameSections, type FrameSection } from './frame.js';
import { actionFor, keyPresses } from './keymap.js';
import { layoutCache } from './layout.js';
import { panelsFor } from './panels.js';
import { viewOf } from './sections/shared.js';
import { initialSession, playbackTimer, reduce, type ChapterSetup, type Session, type SessionAction } from './session.js';
import { createTheme, type ColorLevel } from './theme.js';
import { NO_TASK, type TaskInfo } from './task.js';
import { summariseUnits, unitOrder } from './unit-search.js';

export interface AppProps {
  readonly store: TraceStore;
  readonly colorLevel: ColorLevel;
  /** Start on the newest step and stay there as data arrives (piped input). */
  readonly follow?: boolean;
  /** First step shown, 0-based. */
  readonly cursor?: number;
  /** Redraws per second at most, however fast data arrives. @default 30 */
  readonly maxFps?: number;
  /** Called once the user quits, after the last frame. */
  readonly onQuit?: () => void;
  /** Opened from a corpus list: called (instead of quitting) when the user asks to go back to it (b). */
  readonly onBack?: () => void;
  /**
   * A second network run on the same input (--compare), shown beside or below the first; `c`
   * moves the keys' focus between them. Its store is fed by the caller, as `store` is.
   */
  readonly compare?: TraceStore | null;
  /**
   * Networks compared after `compare` (the remember demo's GRU): c cycles the focus through all of
   * them, the first staying on screen beside the focused one. Fed by the caller.
   */
  readonly more?: readonly TraceStore[];
  /** The guided tour's chapters (tour.ts planTour), or none. */
  readonly chapters?: readonly ChapterSetup[];
  /** Open the tour at this chapter (0-based); t opens it there later too. */
  readonly tour?: number | null;
  /** The chapter t opens while the tour is closed (0-based, the progress file's). */
  readonly reached?: number;
  /** Called with each chapter the tour opens (the progress file). */
  readonly onChapter?: (chapter: number) => void;
  /** Names of the networks (their weights files), first then compared, for their titles. */
  readonly names?: readonly (string | undefined)[];
  /** Open on the memory view (m). @default false */
  readonly memory?: boolean;
  /** Compute the memory view in a worker thread, or null: in slices between keys on this one. @default null */
  readonly memoryWorker?: MemoryWorkerOptions | null;
  /** Open on the cell diagram (d). @default false */
  readonly diagram?: boolean;
  /** The language of the learning screens. @default 'en' */
  readonly lang?: Lang;
  /** Unit selected at the start. @default 0 */
  readonly unit?: number;
  /** Panel the timeline shows at the start, 0-based. @default 0 */
  readonly timeline?: number;
  /** What the network is for: a demo's banner and target, random weights. */
  readonly task?: TaskInfo;
}

interface Size {
  readonly cols: number;
  readonly rows: number;
}

/** The terminal's size, read again on every resize. */
export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** Redraws a second for new data while the cursor stays where the user put it. */
const BACKGROUND_FPS = 5;

/**
 * Calls `update` with `store` at once and then whenever it changes, at most maxFps times a second:
 * a burst of appends is one call. `update` must be stable (a dispatch, a state setter).
 */
function useThrottledTrace(store: TraceStore | null, maxFps: number, update: (store: TraceStore) => void): void {
  useEffect(() => {
    if (store === null) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const flush = (): void => {
      timer = null;
      last = performance.now();
      update(store);
    };
    const off = store.subscribe(() => {
      if (timer !== null) return;
      timer = setTimeout(flush, Math.max(0, 1000 / maxFps - (performance.now() - last)));
    });
    flush();
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, [store, maxFps, update]);
}

type DataAction = { type: 'data'; T: number; done: boolean; received: number; first: number };

/** Mirrors the trace into the session, at most maxFps times a second. */
function useTraceUpdates(store: TraceStore, dispatch: (a: DataAction) => void, maxFps: number): void {
  const update = useCallback(
    (st: TraceStore) => dispatch({ type: 'data', T: st.length, done: st.status !== 'reading', received: st.length + st.pending, first: st.first }),
    [dispatch],
  );
  useThrottledTrace(store, maxFps, update);
}

const versionOf = (store: TraceStore | null): string => (store === null ? '' : `${store.length}|${store.first}|${store.status}`);

/**
 * A version string of a trace that changes when it grows or ends, at most maxFps times a second:
 * the compared network's steps arrive a moment after the first's, and must redraw too.
 */
function useStoreVersion(store: TraceStore | null, maxFps: number): string {
  const [version, setVersion] = useState(() => versionOf(store));
  const update = useCallback((st: TraceStore) => setVersion(versionOf(st)), []);
  useThrottledTrace(store, maxFps, update);
  return version;
}

/**
 * The memory figures of each network at the cursor while the memory view is open. The work runs
 * in a worker thread when `worker` is given (its progress drawn as it comes, the nearest steps
 * first), else in slices between key presses (trace/memory-view.ts); each notice redraws.
 */
function useMemoryStates(stores: readonly TraceStore[], on: boolean, cursor: number, dataVersion: string, worker: MemoryWorkerOptions | null): readonly MemoryState[] | null {
  const trackers = useMemo(() => stores.map((st) => new MemoryTracker(st, { worker })), [...stores, worker]);
  const [progress, setProgress] = useState(0);
  useEffect(() => {
    const offs = trackers.map((t) => t.subscribe(() => setProgress((n) => n + 1)));
    return () => {
      offs.forEach((off) => off());
      trackers.forEach((t) => t.cancel());
    };
  }, [trackers]);
  // request() is idempotent per cursor and memoised: it starts (or continues) the work for the
  // step on screen and drops a job for a step no longer shown.
  return useMemo(() => (on ? trackers.map((t) => t.request(cursor)) : null), [on, cursor, trackers, progress, dataVersion]);
}

export function App({ store, colorLevel, follow = false, cursor, maxFps = 30, onQuit, onBack, compare = null, more = [], chapters, tour, reached, onChapter, names: allNames, memory = false, memoryWorker = null, diagram = false, lang = 'en', unit, timeline, task = NO_TASK }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  // w: the run with interventions typed at the prompt, shown in the compared network's place
  const [edit, setEdit] = useState<{ readonly store: TraceStore; readonly specs: readonly string[] } | null>(null);
  // every network, in c's order; two of them are on screen at a time
  const everyStore = useMemo((): readonly TraceStore[] => (compare === null ? [store] : [store, compare, ...more]), [store, compare, ...more]);
  const everyPanels = useMemo(() => everyStore.map((st) => panelsFor(st.network.kind)), [everyStore]);
  const H = Math.max(...everyStore.map((st) => st.network.hiddenSize));
  const [stored, dispatch] = useReducer(reduce, undefined, () =>
    initialSession({
      H,
      views: store.viewCount,
      panels: everyPanels[0]!.length,
      T: store.length,
      done: store.status !== 'reading',
      follow,
      ...(cursor !== undefined ? { cursor } : {}),
      compare: compare === null ? null : { views: compare.viewCount, panels: everyPanels[1]!.length },
      more: compare === null ? [] : more.map((st, i) => ({ views: st.viewCount, panels: everyPanels[i + 2]!.length })),
      ...(chapters !== undefined ? { chapters } : {}),
      ...(tour !== undefined ? { tour } : {}),
      ...(reached !== undefined ? { reached } : {}),
      mode: memory ? 'memory' : diagram ? 'diagram' : 'gates',
      ...(unit !== undefined ? { unit } : {}),
      ...(timeline !== undefined ? { timeline } : {}),
      inCorpus: onBack !== undefined,
    }),
  );
  // Following, new data is the picture: redraw it as fast as allowed. Otherwise it only moves the
  // header's counts and the overview, and each redraw costs a whole frame, which a key arriving
  // meanwhile waits for: measured on a 1M-step file computed in the background, jumps took
  // 13-50 ms at 30 redraws a second.
  // on screen: the first network and the compared one beside it (c cycles which)
  const partner = edit !== null ? edit.store : compare === null ? null : (everyStore[stored.partner] ?? compare);
  const stores = useMemo((): readonly [TraceStore] | readonly [TraceStore, TraceStore] => (partner === null ? [store] : [store, partner]), [store, partner]);
  const allPanels = useMemo(() => stores.map((st) => panelsFor(st.network.kind)), [stores]);
  const names = edit !== null ? [allNames?.[0], `${allNames?.[0] ?? 'model'} with ${edit.specs.join(' ')}`] : allNames === undefined ? undefined : [allNames[0], allNames[stored.partner]];
  const dataFps = stored.follow ? maxFps : Math.min(maxFps, BACKGROUND_FPS);
  useTraceUpdates(store, dispatch, dataFps);
  const otherVersion = useStoreVersion(partner, dataFps);
  // Keys act on the focused network: its trace and panels are the frame's.
  const focused = stores[stored.focus] ?? store;
  const panels = allPanels[stored.focus] ?? allPanels[0]!;

  // Stable, so Ink does not re-subscribe to stdin on every frame; the w prompt (text) is read from a ref.
  const latest = useRef(stored);
  latest.current = stored;
  const onKeys = useCallback((input: string, key: Key) => {
    for (const press of keyPresses({ input, ...key })) {
      const s = latest.current;
      const typing = s.entry !== null && (s.entryKind === 'set' || s.entryKind === 'signal') && press.input.length > 0 && press.ctrl !== true && press.meta !== true && !press.return && !press.escape && !press.tab && !press.backspace && !press.delete;
      const action: SessionAction = typing ? { type: 'type', text: press.input } : (actionFor(press) ?? { type: 'unbound' });
      // keys of one chunk ("w" then the text typed fast) each see the state the ones before made
      latest.current = reduce(s, action);
      dispatch(action);
    }
  }, []);
  useInput(onKeys);

  useEffect(() => {
    if (!stored.playing) return;
    const { intervalMs, steps } = playbackTimer(stored, maxFps);
    const id = setInterval(() => dispatch({ type: 'tick', steps }), intervalMs);
    return () => clearInterval(id);
  }, [stored.playing, stored.speed, maxFps]);

  useEffect(() => {
    if (stored.tour !== null) onChapter?.(stored.tour);
  }, [stored.tour]);

  useEffect(() => {
    if (stored.back) onBack?.();
  }, [stored.back]);

  // The w prompt's intervention: the run with it (and the ones before) beside the original, or none again.
  useEffect(() => {
    const text = stored.setRequest;
    if (text === null) return;
    if (text.trim() === '') {
      setEdit(null);
      dispatch({ type: 'pair', nets: everyStore.map((st) => ({ views: st.viewCount, panels: panelsFor(st.network.kind).length })) });
      dispatch({ type: 'note', note: edit === null ? 'no edits to clear' : 'edits cleared: the model as it is' });
      return;
    }
    try {
      const specs = [...(edit?.specs ?? []), text.trim()];
      const edited = editedTrace(store, interventionsFor(store.network, specs.map(parseIntervention)));
      setEdit({ store: edited, specs });
      dispatch({ type: 'pair', nets: [store, edited].map((st) => ({ views: st.viewCount, panels: panelsFor(st.network.kind).length })) });
      dispatch({ type: 'note', note: `what if ${specs.join(' ')}: ${editDiff(store, edited, stored.cursor)} (c switches; w then Enter clears)` });
    } catch (err) {
      const why = err instanceof SpecError || err instanceof RangeError ? err.message : String(err);
      dispatch({ type: 'note', note: `w: ${why}` });
    }
  }, [stored.setRequest]);

  // A live input keeps growing: so does its edited run.
  useEffect(() => {
    if (edit !== null) syncEdited(store, edit.store);
  }, [stored.T, stored.done, edit]);

  useEffect(() => {
    if (!stored.quit) return;
    onQuit?.();
    exit();
  }, [stored.quit]);

  const theme = useMemo(() => createTheme(colorLevel), [colorLevel]);
  const layoutOf = useMemo(layoutCache, []);
  const timelinePanel = panels[Math.min(stored.timeline, panels.length - 1)]!;

  // Flags and the unit order of the focused view (unit-search.ts): read again as the trace grows
  // by a quarter or ends, not on every step of a stream.
  const { layer, dir } = viewOf(focused, stored.view);
  const growth = stored.T === 0 ? -1 : Math.floor(Math.log2(stored.T) * 4);
  const summary = useMemo(() => (stored.T > 0 ? summariseUnits(focused, panels, layer, dir) : null), [focused, panels, layer, dir, growth, stored.done, stored.first]);
  const flagged = useMemo(() => summary?.flags.map((x) => x.unit) ?? [], [summary]);
  const valueKey = stored.sort === 'value' ? stored.cursor : -1;
  // the / prompt: units by |r| with a signal, read again as the trace grows by a quarter or ends
  const ranking = useMemo(
    () => (stored.sort === 'signal' && stored.signalSpec !== null && stored.T > 1 ? rankUnitsBySignal(focused, layer, dir, stored.signalSpec) : null),
    [stored.sort, stored.signalSpec, focused, layer, dir, growth, stored.done],
  );
  useEffect(() => {
    if (ranking === null) return;
    if ('error' in ranking) {
      dispatch({ type: 'sort' });
      dispatch({ type: 'note', note: `/: ${ranking.error}` });
      return;
    }
    const top = ranking.order.slice(0, 3).map((u) => `${ranking.best[u]!.state}[${u}] ${ranking.best[u]!.r >= 0 ? '+' : ''}${ranking.best[u]!.r.toFixed(2)}`);
    dispatch({ type: 'note', note: `units by |r| with ${ranking.name} over ${ranking.steps} steps: ${top.join(', ')} (o: other orders)` });
  }, [ranking]);
  const order = useMemo(() => {
    if (summary === null) return null;
    const values = stored.sort === 'value' && focused.holds(stored.cursor) ? focused.state(timelinePanel.name, layer, dir, stored.cursor) : null;
    return unitOrder(summary, stored.sort, stored.flaggedOnly, values, ranking !== null && !('error' in ranking) ? ranking.order : null);
  }, [summary, stored.sort, stored.flaggedOnly, valueKey, timelinePanel, ranking]);

  // The reducer keeps the selected unit on screen for the rows the layout has and the order the
  // trace gives: sync both now for this frame (pure calls, the rows in frameInput) and in the
  // stored state for the next.
  const ordered: Session = stored.order === order && stored.flagged === flagged ? stored : reduce(stored, { type: 'order', order, flagged });
  const memoryStates = useMemoryStates(stores, ordered.mode === 'memory' && ordered.T > 0, ordered.cursor, otherVersion, memoryWorker);
  // one forward and one backward pass over a bounded window: computed when the step or unit changes
  const attribution = useMemo(
    () => (ordered.mode === 'attribution' && ordered.T > 0 ? attributeAt(focused, ordered.cursor, ordered.unit) : null),
    [ordered.mode, ordered.cursor, ordered.unit, ordered.T > 0, focused],
  );
  const frame = frameInput({ stores, session: ordered, cols: size.cols, rows: size.rows, theme, names: names ?? [], memory: memoryStates, attribution, task, version: otherVersion, layoutOf, lang });
  const { layout } = frame;
  useEffect(() => {
    dispatch({ type: 'order', order, flagged });
  }, [order, flagged]);
  useEffect(() => {
    if (layout.unitRows > 0) dispatch({ type: 'viewport', unitRows: layout.unitRows });
  }, [layout.unitRows]);

  const { body, footer } = frameSections(frame);
  const draw = (sec: FrameSection) => {
    const Component = SECTION_COMPONENTS[sec.id];
    return <Component key={sec.id} frame={frame} memoKey={sec.memoKey(frame)} />;
  };
  return (
    <Box flexDirection="column" height={layout.height}>
      {body.map(draw)}
      {footer === null ? null : [<Box key="spacer" flexGrow={1} />, draw(footer)]}
    </Box>
  );
}
