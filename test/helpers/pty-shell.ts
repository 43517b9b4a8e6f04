/**
 * Shell commands in a real pseudo-terminal for the viewer's end-to-end tests: `sh -c` lets a test
 * pipe data in and run `stty -a` after the viewer in the same terminal, and every session a test
 * opened is killed after it.
 */
import { afterEach, expect } from 'vitest';
import { loadPty, spawnInPty, type PtySession } from './pty.js';

export interface ShellOptions {
  cols?: number;
  rows?: number;
  env?: Record<string, string>;
}

export interface PtyShell {
  /** Why the tests must skip (node-pty or @xterm/headless cannot load), or null. */
  readonly reason: string | null;
  run(command: string, opts?: ShellOptions): PtySession;
}

/** Call at a test file's top level: registers the afterEach that kills its sessions. */
export function ptyShell(cwd: string, defaults: ShellOptions = {}): PtyShell {
  const mods = loadPty();
  const sessions: PtySession[] = [];
  afterEach(() => {
    for (const s of sessions.splice(0)) {
      try {
        s.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  return {
    reason: 'reason' in mods ? mods.reason : null,
    run(command, opts = {}) {
      if ('reason' in mods) throw new Error(mods.reason);
      const s = spawnInPty(mods, '/bin/sh', ['-c', command], {
        cwd,
        cols: opts.cols ?? defaults.cols ?? 120,
        rows: opts.rows ?? defaults.rows ?? 40,
        env: { ...defaults.env, ...opts.env },
      });
      sessions.push(s);
      return s;
    },
  };
}

/**
 * The viewer opened the alternate screen and left it, the cursor is shown, and `stty -a` (run
 * after the viewer in the same terminal) shows canonical mode and echo back on.
 */
export async function expectRestored(s: PtySession): Promise<void> {
  const raw = s.raw();
  expect(raw.lastIndexOf('\u001b[?1049h'), 'the viewer opened the alternate screen').toBeGreaterThan(-1);
  expect(raw.lastIndexOf('\u001b[?1049l'), 'alternate screen left').toBeGreaterThan(raw.lastIndexOf('\u001b[?1049h'));
  expect(raw.lastIndexOf('\u001b[?25h'), 'cursor shown').toBeGreaterThan(raw.lastIndexOf('\u001b[?25l'));
  expect(s.term.buffer.active.type).toBe('normal');
  // stty's output, whichever way the modes are set
  await s.waitFor(/(^|\s)-?icanon(\s|$)/m);
  await s.waitFor(/(^|\s)-?echo(\s|$)/m);
  expect(s.screen(), 'canonical mode and echo back on').not.toMatch(/-icanon|-echo\b/);
}
