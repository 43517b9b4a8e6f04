/**
 * Starts the interactive viewer on injected streams and restores the terminal however it ends.
 * Importing this module imports React and Ink: the CLI loads it lazily, only for the viewer.
 *
 * The screen: the alternate screen buffer (the user's scrollback is left as it was), cursor
 * hidden, keys in raw mode on `keys` (the terminal, or /dev/tty when the data comes on stdin).
 *
 * Suspend (Ctrl-Z, or SIGTSTP from outside) behaves as in less or vim: suspend() gives the terminal
 * back as it was (raw mode off, main screen, cursor shown) before the caller stops the process,
 * and resume() (on SIGCONT) takes it again and redraws the whole frame. Raw mode turns the
 * terminal's own Ctrl-Z into a byte, so the key is seen here and handed to `onSuspendKey`.
 */
import type { MemoryWorkerOptions } from '../trace/memory-host.js';
import { render, useInput, useStdout, type Instance } from 'ink';
import type { Lang } from './i18n/index.js';
import { useEffect } from 'react';
import type { TraceStore } from '../trace/trace-store.js';
import type { ChapterSetup } from './session.js';
import { App, type AppProps } from './App.js';
import { CorpusApp, type CorpusSource } from './CorpusApp.js';
import type { ColorLevel } from './theme.js';
import type { TaskInfo } from './task.js';

/** Set (to true) by scripts/build-bundle.mjs in the bundle, whose Ink renders changed lines correctly. */
declare const __GATESCOPE_INK_LINES__: boolean | undefined;

export const ENTER_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J\u001b[?25l';
/** Leave the alternate screen, show the cursor, reset attributes. */
export const RESTORE_SCREEN = '\u001b[0m\u001b[?1049l\u001b[?25h';
/** After the last resize event, the wait before the whole screen is drawn again (a drag sends many). */
const RESIZE_REDRAW_MS = 80;

export interface ViewerStreams {
  readonly stdout: NodeJS.WriteStream;
  /** Where keys come from: a TTY stream. */
  readonly keys: NodeJS.ReadStream;
  readonly stderr: NodeJS.WriteStream;
}

export interface ViewerOptions {
  /** The trace to show; or, with `corpus`, none: the corpus list opens its sequences. */
  readonly store?: TraceStore;
  /** Many sequences: the list first, Enter opens one (CorpusApp). */
  readonly corpus?: CorpusSource;
  readonly colorLevel: ColorLevel;
  readonly follow?: boolean;
  readonly cursor?: number;
  /** Redraws per second for new data, however fast it arrives. @default 30 */
  readonly maxFps?: number;
  /** Redraws per second at most for keys (Ink's throttle): above the data rate so a held key stays responsive. @default 60 */
  readonly maxKeyFps?: number;
  /** Route console output around the frame (Ink's patchConsole). @default true */
  readonly patchConsole?: boolean;
  /** Reports each frame's render time in ms (benchmarks). */
  readonly onFrame?: (ms: number) => void;
  /** A second network on the same input (--compare), fed by the caller like `store`. */
  readonly compare?: TraceStore | null;
  /** Networks compared after it (c cycles through all), fed by the caller. */
  readonly more?: readonly TraceStore[];
  /** The guided tour's chapters, the chapter to open at the start, and a call for each chapter opened. */
  readonly chapters?: readonly ChapterSetup[];
  readonly tour?: number | null;
  readonly reached?: number;
  readonly onChapter?: (chapter: number) => void;
  /** Names of the networks (weights files), first then compared. */
  readonly names?: readonly (string | undefined)[];
  /** Open on the memory view. */
  readonly memory?: boolean;
  /** Compute the memory view in a worker thread (trace/memory-host.ts), or null: in slices on this one. @default null */
  readonly memoryWorker?: MemoryWorkerOptions | null;
  /** Open on the cell diagram. */
  readonly diagram?: boolean;
  /** The language of the learning screens. */
  readonly lang?: Lang;
  /** Unit selected at the start. */
  readonly unit?: number;
  /** Panel the timeline shows at the start, 0-based. */
  readonly timeline?: number;
  /** Ctrl-Z was pressed: the caller suspends (suspend(), then stops the process). */
  readonly onSuspendKey?: () => void;
  /** What the network is for: a demo's banner and target, random weights. */
  readonly task?: TaskInfo;
}

export interface Viewer {
  /** Resolves when the user quits; rejects if the app crashed. The terminal is restored either way. */
  readonly done: Promise<void>;
  /** Ends the viewer now (a signal, the data pipe's end when asked to) and restores the terminal. Idempotent. */
  stop(): void;
  /** Gives the terminal back (raw mode off, main screen, cursor shown) before the process stops. Idempotent. */
  suspend(): void;
  /** Takes the terminal again after a suspend (raw mode, alternate screen) and redraws everything. */
  resume(): void;
}

/**
 * Hands out Ink's own stdout writer (a write through it erases and redraws the whole last frame)
 * and reports Ctrl-Z, which raw mode delivers as a key.
 */
function TerminalBridge({ onWriter, onCtrlZ }: { onWriter: (write: (data: string) => void) => void; onCtrlZ: () => void }): null {
  const { write } = useStdout();
  useEffect(() => onWriter(write), [write, onWriter]);
  useInput((input, key) => {
    if (key.ctrl && input === 'z') onCtrlZ();
  });
  return null;
}

export function startViewer(streams: ViewerStreams, opts: ViewerOptions): Viewer {
  const { stdout, keys } = streams;
  let restored = false;
  // A resize reflows what is on screen (a line wider than the new width wraps) and Ink draws the
  // frame of the old size once before the app's own re-render, so a renderer that rewrites changed
  // lines only works from a screen that is no longer there. Once the resizing stops and the new
  // frame is drawn, the screen is cleared and the whole frame written again, as less and vim do.
  let resizeTimer: ReturnType<typeof setTimeout> | null = null;
  const onResize = (): void => {
    if (resizeTimer !== null) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      resizeTimer = null;
      if (!restored && !suspended) inkWrite?.('\u001b[H\u001b[2J');
    }, RESIZE_REDRAW_MS);
  };
  stdout.on('resize', onResize);
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.off('resize', onResize);
    if (resizeTimer !== null) clearTimeout(resizeTimer);
    try {
      if (keys.isTTY) keys.setRawMode(false);
    } catch {
      // the terminal may already be gone (SIGHUP)
    }
    try {
      stdout.write(RESTORE_SCREEN);
    } catch {
      // same
    }
  };
  let inkWrite: ((data: string) => void) | null = null;
  const onWriter = (write: (data: string) => void): void => {
    inkWrite = write;
  };
  let suspended = false;
  const onCtrlZ = (): void => {
    if (!suspended) opts.onSuspendKey?.();
  };
  if (opts.store === undefined && opts.corpus === undefined) throw new Error('startViewer needs a store or a corpus');
  const appProps: Omit<AppProps, 'store'> = {
    colorLevel: opts.colorLevel,
    follow: opts.follow ?? false,
    ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
    maxFps: opts.maxFps ?? 30,
    compare: opts.compare ?? null,
    more: opts.more ?? [],
    ...(opts.chapters !== undefined ? { chapters: opts.chapters } : {}),
    ...(opts.tour !== undefined ? { tour: opts.tour } : {}),
    ...(opts.reached !== undefined ? { reached: opts.reached } : {}),
    ...(opts.onChapter !== undefined ? { onChapter: opts.onChapter } : {}),
    ...(opts.names !== undefined ? { names: opts.names } : {}),
    memory: opts.memory ?? false,
    memoryWorker: opts.memoryWorker ?? null,
    diagram: opts.diagram ?? false,
    lang: opts.lang ?? 'en',
    ...(opts.unit !== undefined ? { unit: opts.unit } : {}),
    ...(opts.timeline !== undefined ? { timeline: opts.timeline } : {}),
    ...(opts.task !== undefined ? { task: opts.task } : {}),
  };
  stdout.write(ENTER_SCREEN);
  let instance: Instance;
  try {
    instance = render(
      <>
      <TerminalBridge onWriter={onWriter} onCtrlZ={onCtrlZ} />
      {opts.corpus !== undefined ? <CorpusApp corpus={opts.corpus} {...appProps} /> : <App store={opts.store!} {...appProps} />}
      </>,
      {
        stdout,
        stdin: keys,
        stderr: streams.stderr,
        exitOnCtrlC: false,
        patchConsole: opts.patchConsole ?? true,
        maxFps: opts.maxKeyFps ?? 60,
        // Line by line only with the bundle's Ink: Ink 6.8's incremental renderer starts one row
        // low when the frame is shorter than the screen (as ours is), which the bundle fixes
        // (scripts/build-bundle.mjs); elsewhere whole frames are written.
        incrementalRendering: typeof __GATESCOPE_INK_LINES__ !== 'undefined' && __GATESCOPE_INK_LINES__,
        ...(opts.onFrame ? { onRender: ({ renderTime }: { renderTime: number }) => opts.onFrame!(renderTime) } : {}),
      },
    );
  } catch (err) {
    restore();
    throw err;
  }
  const done = instance.waitUntilExit().then(
    () => {
        restore();
    },
    (err: unknown) => {
        restore();
      throw err;
    },
  );
  return {
    done: done.then(() => undefined),
    stop: () => {
      try {
        instance.unmount();
      } finally {
        restore();
      }
    },
    suspend: () => {
      if (suspended || restored) return;
      suspended = true;
      try {
        if (keys.isTTY) keys.setRawMode(false);
        stdout.write(RESTORE_SCREEN);
      } catch {
        // a terminal that went away: nothing to give back
      }
    },
    resume: () => {
      if (!suspended || restored) return;
      suspended = false;
      try {
        if (keys.isTTY) keys.setRawMode(true);
        // The alternate screen first (cleared, cursor home), then Ink's writer: it erases what it
        // believes is on screen there and writes its whole last frame again.
        stdout.write(ENTER_SCREEN);
        inkWrite?.('');
      } catch {
        // same
      }
    },
  };
}
