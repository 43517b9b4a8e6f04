/**
 * The viewer as a user runs it, for the benchmark: the built binary in a real pseudo-terminal
 * (node-pty), its output read by a terminal emulator (@xterm/headless), with the time each screen
 * change lands. Waits poll the emulator's screen after every chunk it has parsed, so a time is when
 * the terminal would show it, not when a byte left the process.
 */
import { readFileSync } from 'node:fs';
import type { IPty } from 'node-pty';
import type { Terminal } from '@xterm/headless';
import type { PtyModules } from '../test/helpers/pty.js';

interface Waiter {
  readonly test: () => boolean;
  readonly resolve: (ms: number) => void;
}

export class PtyViewer {
  readonly term: Terminal;
  readonly proc: IPty;
  /** performance.now() at spawn. */
  readonly started: number;
  /** Bytes received from the program so far. */
  bytes = 0;
  private waiters: Waiter[] = [];
  private exitCode: number | null = null;

  constructor(mods: PtyModules, args: string[], opts: { cols: number; rows: number; cwd: string; env?: Record<string, string> }) {
    this.term = new mods.xterm.Terminal({ cols: opts.cols, rows: opts.rows, allowProposedApi: true, scrollback: 0 });
    this.started = performance.now();
    this.proc = mods.pty.spawn(process.execPath, args, {
      name: 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color', COLORTERM: 'truecolor', ...opts.env },
    });
    this.proc.onData((d) => {
      this.bytes += Buffer.byteLength(d);
      this.term.write(d, () => this.check());
    });
    this.proc.onExit((e) => {
      this.exitCode = e.exitCode;
    });
  }

  /** Screen line y (0-based), trailing spaces trimmed. */
  line(y: number): string {
    const buf = this.term.buffer.active;
    return buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '';
  }

  screen(): string {
    return Array.from({ length: this.term.rows }, (_, y) => this.line(y)).join('\n');
  }

  private check(): void {
    if (this.waiters.length === 0) return;
    const now = performance.now();
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve(now);
      return false;
    });
  }

  /** Resolves with the time (performance.now()) at which `test` first held after a parsed chunk. */
  until(test: () => boolean, timeoutMs = 30000, what = 'the screen'): Promise<number> {
    if (test()) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.test !== test);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; exit ${this.exitCode}; screen:\n${this.screen()}`));
      }, timeoutMs);
      this.waiters.push({
        test,
        resolve: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      });
    });
  }

  /** Waits for the status line (line 0) to match. */
  status(pattern: RegExp, timeoutMs?: number): Promise<number> {
    return this.until(() => pattern.test(this.line(0)), timeoutMs, String(pattern));
  }

  write(data: string): void {
    this.proc.write(data);
  }

  /** The process's peak resident set in MiB (Linux /proc), or null. */
  peakRssMiB(): number | null {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** Quits with q and waits for the exit (killed after a while). */
  async quit(): Promise<void> {
    if (this.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.onExit(() => resolve()));
    // Esc first: a half-typed step number or an overlay would take the q
    this.write('\u001b');
    await new Promise((r) => setTimeout(r, 50));
    this.write('q');
    const timer = setTimeout(() => this.proc.kill(), 5000);
    await exited;
    clearTimeout(timer);
    this.term.dispose();
  }
}
