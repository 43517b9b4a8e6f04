/**
 * The viewer's exits that test/e2e/viewer.test.ts does not already drive (it covers q, Ctrl-C on
 * piped data, SIGTERM, SIGHUP, hostile names on screen and no controlling terminal): SIGINT from
 * outside, the data pipe closing mid-record, and an uncaught error in the real binary. Each ends
 * with the terminal as a shell expects it: alternate screen left, cursor shown, raw mode off.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRestored, ptyShell } from '../helpers/pty-shell.js';
import { BIN, gatescope, requireBuild, ROOT, scratch } from './harness.js';

const shell = ptyShell(ROOT);
const ptyReason = shell.reason;
const run = (command: string) => shell.run(command);
const { dir } = scratch('viewer');
const INPUT = 'fixtures/demos/remember/input.csv';
const WEIGHTS = 'fixtures/demos/remember/lstm.json';

beforeAll(requireBuild);

describe.skipIf(ptyReason !== null)('the viewer restores the terminal', () => {
  it('the check itself sees a terminal left in raw mode', async () => {
    const s = run('printf "\\033[?1049h\\033[?1049l\\033[?25h"; stty raw -echo; stty -a');
    await s.waitFor(/-icanon/);
    await expect(expectRestored(s)).rejects.toThrow('canonical mode and echo back on');
  });

  it('on SIGINT from outside: exit 130', async () => {
    const s = run(`${gatescope} ${INPUT} -w ${WEIGHTS} & pid=$!; echo "pid=$pid"; wait $pid; echo "exit=$?"; stty -a`);
    await s.waitFor('step 1/');
    process.kill(Number(/pid=(\d+)/.exec(s.raw())![1]), 'SIGINT');
    await s.waitFor('exit=130');
    await expectRestored(s);
  });

  it('when the data pipe closes mid-record: shows where the input stopped, keeps the steps, q restores', async () => {
    const fifo = join(dir, 'data.fifo');
    execFileSync('mkfifo', [fifo]);
    const s = run(`cat ${JSON.stringify(fifo)} | ${gatescope} -w ${WEIGHTS} -; echo "exit=$?"; stty -a`);
    const fd = openSync(fifo, 'w');
    writeSync(fd, 'a,b\n1,0\n0,1\n');
    await s.waitFor('step 2/2');
    writeSync(fd, '0,');
    closeSync(fd);
    await s.waitFor(/input stopped: <stdin>:4:2: expected a number, got an empty field/);
    expect(s.screen()).toContain('step 2/2');
    s.write('q');
    // the input's error is on screen; quitting the view is still a normal exit
    await s.waitFor('exit=0');
    await expectRestored(s);
  });

  it('on an uncaught error in the real binary: one line, exit 70', async () => {
    // A preload that throws from a signal listener: an error the viewer did not see coming.
    const boom = 'data:text/javascript,process.on("SIGUSR2",()=>{throw new Error("boom")})';
    const s = run(`node --import '${boom}' ${JSON.stringify(BIN)} ${INPUT} -w ${WEIGHTS} & pid=$!; echo "pid=$pid"; wait $pid; echo "exit=$?"; stty -a`);
    await s.waitFor('step 1/');
    process.kill(Number(/pid=(\d+)/.exec(s.raw())![1]), 'SIGUSR2');
    await s.waitFor('exit=70');
    expect(s.screen()).toContain('gatescope: internal error: boom (set GATESCOPE_DEBUG=1 for details)');
    expect(s.screen()).not.toMatch(/\n\s+at /);
    await expectRestored(s);
  });

  // Found by this audit: `Math.max(1, ...names.map(textWidth))` overflowed the call stack for
  // inputs wider than ~10^5 features; the widths are now taken in a loop (ui/format widestText).
  it('shows an input of 10^6 features: the plain-text view within --width, and live', async () => {
    const wide = join(dir, 'wide.csv');
    const fd = openSync(wide, 'w');
    const n = 1_000_000;
    writeSync(fd, `${Array.from({ length: n }, (_, j) => `f${j}`).join(',')}\n`);
    writeSync(fd, `${Array(n).fill('0.5').join(',')}\n`);
    closeSync(fd);
    const plain = execFileSync('node', [BIN, wide, '--hidden-size', '2', '--snapshot', '--width', '100'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(plain).toContain('LSTM 1000000→2');
    const lines = plain.split('\n');
    expect(lines.length).toBeLessThan(60);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(100);
    const s = run(`${gatescope} ${JSON.stringify(wide)} --hidden-size 2; echo "exit=$?"; stty -a`);
    await s.waitFor('step 1/1', 30000);
    s.write('q');
    await s.waitFor('exit=0', 30000);
    await expectRestored(s);
  });
});

// Ctrl-Z was ignored (raw mode turns it into a byte) and SIGTSTP stopped the viewer with the
// terminal raw on the alternate screen; after `fg` it neither took raw mode back nor redrew.
describe.skipIf(ptyReason !== null)('suspend and resume, like less or vim', () => {
  const RIGHT = '\u001b[C';
  const childOf = (pid: number): number => Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
  const stat = (pid: number): string => execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  const ttyModes = (pid: number): string => {
    const tty = execFileSync('ps', ['-o', 'tty=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return execFileSync('stty', ['-a', '-F', `/dev/${tty}`], { encoding: 'utf8' });
  };
  const until = async (ok: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 250; i++) {
      if (ok()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  for (const how of ['Ctrl-Z', 'SIGTSTP from outside'] as const) {
    it(`${how}: gives the terminal back and stops; SIGCONT takes it again, redraws, and keys work`, async () => {
      const s = run(`${gatescope} ${INPUT} -w ${WEIGHTS}; echo "exit=$?"; stty -a`);
      await s.waitFor('step 1/');
      s.write(RIGHT);
      await s.waitFor('step 2/');
      const viewer = childOf(s.pid);
      try {
        await suspendAndResume(s, viewer, how);
      } finally {
        // A stopped viewer outlives the killed shell: never leave one behind.
        try {
          process.kill(viewer, 'SIGKILL');
        } catch {
          // it exited
        }
      }
    });
  }

  async function suspendAndResume(s: ReturnType<typeof run>, viewer: number, how: 'Ctrl-Z' | 'SIGTSTP from outside'): Promise<void> {
    expect(ttyModes(viewer)).toMatch(/-icanon/); // raw while it runs
    const mark = s.raw().length;
    if (how === 'Ctrl-Z') s.write('\u001a');
    else process.kill(viewer, 'SIGTSTP');
    await until(() => stat(viewer).startsWith('T'), 'the viewer to stop');
    // main screen and cursor shown, written before it stopped (the pty hands output over later)
    await until(() => s.raw().slice(mark).includes('\u001b[?1049l') && s.raw().slice(mark).includes('\u001b[?25h'), `the screen given back; got ${JSON.stringify(s.raw().slice(mark))}`);
    await s.waitFor(/(?:)/); // the xterm model has caught up
    expect(s.term.buffer.active.type).toBe('normal');
    expect(ttyModes(viewer)).not.toMatch(/-icanon|-echo\b/);

    const back = s.raw().length;
    process.kill(viewer, 'SIGCONT');
    await until(() => s.raw().slice(back).includes('\u001b[?1049h'), 'the alternate screen again');
    await s.waitFor('step 2/');
    expect(s.term.buffer.active.type).toBe('alternate');
    expect(ttyModes(viewer)).toMatch(/-icanon/);
    s.write(RIGHT);
    await s.waitFor('step 3/');
    s.write('q');
    await s.waitFor('exit=0');
    await expectRestored(s);
  }
});
