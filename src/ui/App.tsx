/**
 * The one container: owns the session (through the pure reducer), listens to keys, the terminal
 * size and the trace, and hands each section of the frame its inputs. Everything it draws is
 * composed elsewhere (frame.ts) so this file stays small.
 */
import { Box, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import type { TraceStore } from '../trace/trace-store.js';
import { ExplainPanel } from './components/ExplainPanel.js';
import { Footer } from './components/Footer.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { InputStrip } from './components/InputStrip.js';
import { PanelGrid } from './components/PanelGrid.js';
import { StatusBar } from './components/StatusBar.js';
import { Timeline } from './components/Timeline.js';
import { TooSmall } from './components/TooSmall.js';
import { explainText, type FrameInput } from './frame.js';
import { textWidth } from './format.js';
import { actionFor, keyPresses } from './keymap.js';
import { computeLayout } from './layout.js';
import { panelsFor } from './panels.js';
import { initialSession, playbackTimer, reduce, type Session } from './session.js';
import { createTheme, type ColorLevel } from './theme.js';

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
}

interface Size {
  readonly cols: number;
  readonly rows: number;
}

function useTerminalSize(): Size {
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

/** Mirrors the trace into the session, at most maxFps times a second. */
function useTraceUpdates(store: TraceStore, dispatch: (a: { type: 'data'; T: number; done: boolean; received: number; first: number }) => void, maxFps: number): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const flush = (): void => {
      timer = null;
      last = performance.now();
      dispatch({ type: 'data', T: store.length, done: store.status !== 'reading', received: store.length + store.pending, first: store.first });
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
  }, [store, dispatch, maxFps]);
}

export function App({ store, colorLevel, follow = false, cursor, maxFps = 30, onQuit }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const net = store.network;
  const panels = panelsFor(net.kind);
  const [stored, dispatch] = useReducer(reduce, undefined, () =>
    initialSession({
      H: net.hiddenSize,
      views: store.viewCount,
      panels: panels.length,
      T: store.length,
      done: store.status !== 'reading',
      follow,
      ...(cursor !== undefined ? { cursor } : {}),
    }),
  );
  useTraceUpdates(store, dispatch, maxFps);

  // Stable, so Ink does not re-subscribe to stdin on every frame.
  const onKeys = useCallback((input: string, key: Key) => {
    for (const press of keyPresses({ input, ...key })) {
      const action = actionFor(press);
      if (action !== null) dispatch(action);
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
    if (!stored.quit) return;
    onQuit?.();
    exit();
  }, [stored.quit]);

  const theme = useMemo(() => createTheme(colorLevel), [colorLevel]);
  const xNameWidth = useMemo(() => Math.max(1, ...store.featureNames.map(textWidth)), [store]);
  const timelinePanel = panels[Math.min(stored.timeline, panels.length - 1)]!;
  // The explain panel's length depends on its numbers and the width: count its lines first.
  const explainRows = stored.explain ? explainText(store, stored, size.cols).length : 0;
  const layout = useMemo(
    () =>
      computeLayout({
        cols: size.cols,
        rows: size.rows,
        panels: panels.length,
        H: net.hiddenSize,
        D: net.inputSize,
        xNameWidth,
        explainRows,
        signedSpark: timelinePanel.scale !== 'unit',
        tokenRow: store.tokens,
      }),
    [size.cols, size.rows, explainRows, timelinePanel, xNameWidth, net],
  );

  // The reducer keeps the selected unit on screen for the rows the layout has: sync it now for
  // this frame (a pure call) and in the stored state for the next.
  const session: Session = layout.unitRows > 0 ? reduce(stored, { type: 'viewport', unitRows: layout.unitRows }) : stored;
  useEffect(() => {
    if (layout.unitRows > 0) dispatch({ type: 'viewport', unitRows: layout.unitRows });
  }, [layout.unitRows]);

  const frame: FrameInput = { store, session, theme, layout, panels };
  const s = session;
  if (layout.tooSmall !== null) {
    return (
      <Box flexDirection="column" height={layout.height}>
        <TooSmall frame={frame} memoKey={layout.tooSmall} />
      </Box>
    );
  }
  const at = `${s.cursor}|${s.T}|${s.view}|${s.first}`;
  const units = `${s.unit}|${s.unitTop}|${s.unitRows}|${s.timeline}`;
  return (
    <Box flexDirection="column" height={layout.height}>
      <StatusBar frame={frame} memoKey={`${at}|${s.done}|${s.playing}|${s.speed}|${s.follow}`} />
      <InputStrip frame={frame} memoKey={at} />
      {s.help ? (
        <HelpOverlay frame={frame} memoKey="help" />
      ) : (
        <>
          <PanelGrid frame={frame} memoKey={`${at}|${units}`} />
          {s.explain ? <ExplainPanel frame={frame} memoKey={`${at}|${s.unit}`} /> : null}
          <Timeline frame={frame} memoKey={`${at}|${units}`} />
        </>
      )}
      <Box flexGrow={1} />
      <Footer frame={frame} memoKey={`${s.T}|${s.received}|${s.done}|${s.entry}|${s.note}|${s.unitTop}|${s.unitRows}`} />
    </Box>
  );
}
