/**
 * Runs a command in a real pseudo-terminal (node-pty) and reads its screen the way a terminal
 * would (@xterm/headless), for end-to-end tests of the viewer. Waits are for screen content with
 * timeouts, never fixed sleeps.
 */
import { createRequire } from 'node:module';
import type { IPty } from 'node-pty';
import type { Terminal as XTerminal } from '@xterm/headless';

const require = createRequire(import.meta.url);

export type PtyModule = typeof import('node-pty');
export type XtermModule = typeof import('@xterm/headless');
/** The two modules a pseudo-terminal session needs. */
export interface PtyModules {
  readonly pty: PtyModule;
  readonly xterm: XtermModule;
}

/** node-pty, or the reason it cannot be used here (a missing native build). Also used by bench/viewer-pty.ts. */
export function loadPty(): PtyModules | { reason: string } {
  try {
    const pty = require('node-pty') as PtyModule;
    const xterm = require('@xterm/headless') as XtermModule;
    return { pty, xterm };
  } catch (err) {
    return { reason: `node-pty cannot load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

export interface PtySession {
  /** The visible screen, lines joined by \n, trailing spaces trimmed. */
  screen(): string;
  /** Everything the program wrote, escape sequences included. */
  raw(): string;
  /** Resolves when `pattern` is on screen; rejects with the screen after `timeoutMs`. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when `pattern` is no longer on screen. */
  waitForGone(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  kill(signal?: string): void;
  readonly pid: number;
  readonly term: XTerminal;
  /** The process's exit. */
  readonly exited: Promise<{ exitCode: number; signal?: number | undefined }>;
  /** Resolves with the exit, or rejects with the screen after `timeoutMs`. */
  waitExit(timeoutMs?: number): Promise<{ exitCode: number; signal?: number | undefined }>;
  /** The terminal's title as last set by the program ('' if never). */
  title(): string;
}

export interface SpawnOptions {
  readonly cols?: number;
  readonly rows?: number;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

export function spawnInPty(mods: PtyModules, file: string, args: string[], opts: SpawnOptions = {}): PtySession {
  const cols = opts.cols ?? 120;
  const rows = opts.rows ?? 40;
  const term = new mods.xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  let title = '';
  term.onTitleChange((t) => (title = t));
  const proc: IPty = mods.pty.spawn(file, args, {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: opts.cwd ?? process.cwd(),
    env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color', ...opts.env },
  });
  let raw = '';
  let pending = 0;
  proc.onData((d) => {
    raw += d;
    pending++;
    term.write(d, () => pending--);
  });
  const exited = new Promise<{ exitCode: number; signal?: number | undefined }>((res) => proc.onExit((e) => res(e)));

  const screen = (): string => {
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < term.rows; y++) lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return lines.join('\n');
  };
  const matches = (p: string | RegExp): boolean => (typeof p === 'string' ? screen().includes(p) : p.test(screen()));
  const poll = (ok: () => boolean, what: string, timeoutMs: number): Promise<void> =>
    new Promise((res, rej) => {
      const start = Date.now();
      const tick = (): void => {
        if (pending === 0 && ok()) return res();
        if (Date.now() - start > timeoutMs) return rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen()}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  return {
    screen,
    raw: () => raw,
    waitFor: (p, timeoutMs = 15000) => poll(() => matches(p), String(p), timeoutMs),
    waitForGone: (p, timeoutMs = 15000) => poll(() => !matches(p), `${String(p)} to go`, timeoutMs),
    write: (d) => proc.write(d),
    resize: (c, r) => {
      term.resize(c, r);
      proc.resize(c, r);
    },
    kill: (signal) => proc.kill(signal),
    pid: proc.pid,
    term,
    exited,
    waitExit: (timeoutMs = 15000) =>
      Promise.race([
        exited,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no exit after ${timeoutMs} ms; screen:\n${screen()}`)), timeoutMs).unref()),
      ]),
    title: () => title,
  };
}

export const KEYS = {
  right: '\u001b[C',
  left: '\u001b[D',
  up: '\u001b[A',
  down: '\u001b[B',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  ctrlC: '\u0003',
} as const;
