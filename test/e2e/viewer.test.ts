/**
 * The real binary in a real pseudo-terminal: keys in, screen out, and the terminal left as it was
 * found (alternate screen left, cursor shown, raw mode off) however the viewer ends.
 * Needs `npm run build` first (the test script runs it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLoggingImports, UI_PACKAGES } from '../helpers/import-log.js';
import { KEYS } from '../helpers/pty.js';
import { expectRestored, ptyShell } from '../helpers/pty-shell.js';
import { BIN, gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';

const INPUT = 'fixtures/demos/remember/input.csv';
const WEIGHTS = 'fixtures/demos/remember/lstm.json';
const T = readFileSync(join(ROOT, INPUT), 'utf8').trim().split('\n').length - 1;

// CI=true as on a CI machine (and in some users' shells): Ink alone would then draw nothing until exit.
const shell = ptyShell(ROOT, { env: { COLORTERM: 'truecolor', CI: 'true' } });
const ptyReason = shell.reason;
if (ptyReason !== null) console.warn(`e2e viewer tests skipped: ${ptyReason}`);
const run = shell.run;


beforeAll(requireBuild);

describe.skipIf(ptyReason !== null)('the viewer in a real terminal', () => {
  it('steps with →, opens the help, reflows on resize and restores the terminal on q', async () => {
    const s = run(`${gatescope} ${INPUT} -w ${WEIGHTS}; stty -a`);
    await s.waitFor(`step 1/${T}`);
    expect(s.screen()).toContain('f forget');
    expect(s.term.buffer.active.type).toBe('alternate');
    s.write(KEYS.right);
    s.write(KEYS.right);
    s.write(KEYS.right);
    await s.waitFor(`step 4/${T}`);

    s.write('?');
    await s.waitFor('gatescope keys');
    s.write(KEYS.escape);
    await s.waitForGone('gatescope keys');

    s.resize(70, 30);
    await s.waitFor(/^ {4}1 f\b/m);
    // The title row also exists in the old, wider frame: wait for the repaint (until every line fits).
    const widest = (): number => Math.max(...s.screen().split('\n').map((l) => l.length));
    for (let i = 0; i < 50 && widest() > 70; i++) await new Promise((r) => setTimeout(r, 100));
    for (const line of s.screen().split('\n')) expect(line.length, s.screen()).toBeLessThanOrEqual(70);
    s.resize(30, 8);
    await s.waitFor(/too (narrow|short)/);
    s.resize(120, 40);
    await s.waitFor(`step 4/${T}`);
    await s.waitForGone(/too (narrow|short)/);

    s.write('q');
    const exit = await s.waitExit();
    expect(exit.exitCode).toBe(0);
    await expectRestored(s);
  });

  it('computes the memory view in a worker: keys move the cursor while it computes, the nearest steps drawn first', async () => {
    // an H=512 LSTM over 1,000 steps: the whole measure takes tens of seconds of a core
    const dir = mkdtempSync(join(tmpdir(), 'gatescope-memory-'));
    const csv = join(dir, 'long.csv');
    const rows = Array.from({ length: 1000 }, (_, t) => Array.from({ length: 16 }, (_, i) => Math.sin(0.1 * t + i).toFixed(4)).join(','));
    writeFileSync(csv, `${Array.from({ length: 16 }, (_, i) => `f${i}`).join(',')}\n${rows.join('\n')}\n`);
    const s = run(`${gatescope} ${csv} --hidden-size 512 --memory`);
    await s.waitFor('step 1/1000');
    s.write('G');
    await s.waitFor('step 1000/1000');
    // progress shown, and some columns already drawn (the nearest steps) before the end
    await s.waitFor(/computing .* ([1-9]\d*)\/1000 steps back/, 30000);
    expect(s.screen()).toMatch(/[▁▂▃▄▅▆▇█]/);
    s.write(KEYS.left);
    await s.waitFor('step 999/1000', 3000);
    s.write(KEYS.left);
    await s.waitFor('step 998/1000', 3000);
    // the key was answered while the measure was under way (a new one starts for the new step)
    expect(s.screen()).toMatch(/computing .* \d+\/998 steps back/);
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
  });

  it('follows data piped on stdin, reading keys from the terminal', async () => {
    const s = run(`cat ${INPUT} | ${gatescope} -w ${WEIGHTS} -; stty -a`);
    await s.waitFor(`step ${T}/${T}`);
    expect(s.screen()).toContain('follow');
    s.write(KEYS.left);
    await s.waitFor(`step ${T - 1}/${T}`);
    expect(s.screen()).not.toMatch(/│ follow │/);
    s.write('f');
    await s.waitFor(`step ${T}/${T}`);
    s.write(KEYS.ctrlC);
    await s.waitExit();
    await expectRestored(s);
  });

  for (const [signal, code] of [
    ['TERM', 143],
    ['HUP', 129],
  ] as const) {
    it(`restores the terminal on SIG${signal}`, async () => {
      const s = run(`${gatescope} ${INPUT} -w ${WEIGHTS} & pid=$!; echo "pid=$pid"; wait $pid; echo "exit=$?"; stty -a`);
      await s.waitFor(`step 1/${T}`);
      const pid = /pid=(\d+)/.exec(s.raw())![1]!;
      process.kill(Number(pid), `SIG${signal}`);
      await s.waitFor(`exit=${code}`);
      await expectRestored(s);
    });
  }

  it('shows input text as visible escapes, never running them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatescope-e2e-'));
    const file = join(dir, 'hostile.csv');
    writeFileSync(file, 'a\u001b]0;owned\u0007,b\u001b[2J\n1,2\n3,4\n');
    const s = run(`${gatescope} ${JSON.stringify(file)} --hidden-size 4; stty -a`);
    await s.waitFor('step 1/2');
    expect(s.screen()).toContain('a\\e]0;own'); // cut to the name column's width
    expect(s.screen()).toContain('b\\e[2J');
    expect(s.title()).not.toContain('owned');
    s.write('q');
    await s.waitExit();
    await expectRestored(s);
  });

  it('says how to run headless when the data is piped and there is no terminal for keys', async () => {
    const s = run(`echo 1,2 | setsid -w ${gatescope} --hidden-size 2 -; echo "exit=$?"`);
    await s.waitFor(/exit=\d+/);
    const text = s.screen().replace(/\n/g, '');
    expect(text).toContain('no terminal to read keys from');
    expect(text).toContain('use `gatescope run` for headless output');
    expect(s.screen()).toContain('exit=2');
  });
});

describe('the viewer when stdout is not a terminal', () => {
  it('prints one step as plain text and exits 0', () => {
    const r = spawnSync('node', [BIN, INPUT, '-w', WEIGHTS, '--step', '4', '--width', '100'], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`step 4/${T}`);
    expect(r.stdout).toContain('f forget');
    expect(r.stdout).not.toMatch(/\u001b/);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('never loads Ink or React for the plain-text view', () => {
    const { result: r, urls } = runLoggingImports([INPUT, '-w', WEIGHTS], { bundle: false });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`step ${T}/${T}`);
    expect(urls.some((u) => u.includes('/dist/ui/snapshot.js'))).toBe(true);
    expect(urls.filter((u) => UI_PACKAGES.test(u))).toEqual([]);
  });

  it('refuses a step past the end with a one-line error', () => {
    const r = spawnSync('node', [BIN, INPUT, '-w', WEIGHTS, '--step', String(T + 1)], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('past the end');
  });
});
