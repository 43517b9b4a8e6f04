/**
 * Shared pieces of the hardening tests: the built binary run as a user would run it (the tests need
 * `npm run build` first, as the test script does), a child that reports its own peak memory, and
 * checks that text reaching a terminal carries no control characters.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

import { BIN, gatescopeShell, ROOT } from '../helpers/build.js';

export { BIN, ROOT };
const CHILD = join(ROOT, 'test/hardening/child-main.mjs');

export { requireBuild } from '../helpers/build.js';

export { scratch } from '../helpers/scratch.js';

/** The binary, synchronously, through `sh -c` when the command needs a shell (pipes, redirections). */
export function sh(command: string, opts: { input?: string | Buffer; timeout?: number; env?: Record<string, string> } = {}): SpawnSyncReturns<string> {
  return spawnSync('/bin/sh', ['-c', command], {
    cwd: ROOT,
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeout ?? 30000,
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** `node bin/gatescope.js ...args` as a shell word list. */
export const gatescope = gatescopeShell;

export function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ChildReport {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident set of the child, KiB (VmHWM). */
  peakKiB: number;
  /** heapUsed after GC at a tenth and at the end of a generated input, bytes. */
  heap: number[];
  /** Bytes an endless generated line had handed out when the child stopped. */
  pulled: number;
}

/**
 * Runs the CLI in a child that reports its peak memory; `gen` makes the child generate its own stdin
 * (see child-main.mjs). stdout is counted, not kept, unless `keepStdout`.
 */
export function runChild(args: string[], opts: { gen?: string; keepStdout?: boolean; timeout?: number; cwd?: string } = {}): Promise<ChildReport> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...(opts.gen !== undefined ? { GATESCOPE_GEN: opts.gen } : {}) },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    let side = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (opts.keepStdout === true) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (side += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`child did not finish within ${opts.timeout ?? 60000} ms; stderr: ${stderr}`));
    }, opts.timeout ?? 60000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const r = side.trim() === '' ? { heap: [], pulled: 0, peakKiB: NaN } : (JSON.parse(side) as { heap: number[]; pulled: number; peakKiB: number });
      res({ code, stdout: opts.keepStdout === true ? stdout : `${stdoutBytes} bytes`, stderr, peakKiB: r.peakKiB, heap: r.heap, pulled: r.pulled });
    });
  });
}

/** C0 and C1 control characters other than newline: what must never reach a terminal from input. */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Text that may go to a terminal: no control characters, and the hostile names shown escaped. */
export function expectInert(text: string, ...escaped: string[]): void {
  const bad = CONTROL.exec(text);
  expect(bad, bad ? `control character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')} in: ${JSON.stringify(text.slice(Math.max(0, bad.index - 40), bad.index + 40))}` : '').toBeNull();
  for (const e of escaped) expect(text).toContain(e);
}

/** One line on stderr, no stack trace. */
export function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |node:internal|Error: /);
}

/** The hostile names every terminal-safety test feeds: an OSC title change and a screen clear. */
export const OSC_TITLE = '\u001b]0;owned\u0007';
export const CLEAR = '\u001b[2J';
/** How visible() shows them. */
export const OSC_SHOWN = '\\e]0;owned\\x07';
export const CLEAR_SHOWN = '\\e[2J';
