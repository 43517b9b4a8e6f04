/**
 * gatescope learn in a real terminal: every chapter at 80x24 and 200x60, moved through with > as
 * a student would, its numbers checked against the engine's own (test/helpers/remember-engine.ts
 * runs the three networks without the viewer), no line wider than the terminal; the Korean tour at
 * 80x24; the progress file. Needs `npm run build` first.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';
import { ptyShell } from '../helpers/pty-shell.js';
import type { PtySession } from '../helpers/pty.js';
import { chapterExpectations } from '../helpers/remember-engine.js';

const shell = ptyShell(ROOT, { env: { COLORTERM: 'truecolor', CI: 'true', LANG: 'C.UTF-8', LC_ALL: '' } });
const ptyReason = shell.reason;
if (ptyReason !== null) console.warn(`e2e learn tests skipped: ${ptyReason}`);

beforeAll(requireBuild);

const fold = (s: string): string => s.replace(/\s+/g, ' ');
const stateDir = (): string => mkdtempSync(join(tmpdir(), 'gatescope-learn-'));

/** The chapter's screens: as opened, then scrolled with ] while the story says there is more. */
async function chapterScreens(s: PtySession, more: RegExp): Promise<string[]> {
  const screens = [s.screen()];
  for (let i = 0; i < 6 && more.test(s.screen()); i++) {
    const before = s.screen();
    s.write(']');
    for (let n = 0; n < 150 && s.screen() === before; n++) await new Promise((r) => setTimeout(r, 20));
    screens.push(s.screen());
  }
  return screens;
}

function expectFits(screen: string, cols: number, where: string): void {
  for (const line of screen.split('\n')) expect(stringWidth(line), `${where}: ${line}`).toBeLessThanOrEqual(cols);
}

describe.skipIf(ptyReason !== null)('gatescope learn in a real terminal', () => {
  const expected = chapterExpectations();
  for (const [cols, rows] of [
    [80, 24],
    [200, 60],
  ] as const) {
    it(`walks all 9 chapters with > at ${cols}x${rows}, each showing the engine's numbers, none wider than the screen`, async () => {
      const s = shell.run(`${gatescope} learn 1`, { cols, rows, env: { XDG_STATE_HOME: stateDir() } });
      for (let k = 0; k < 9; k++) {
        await s.waitFor(`tour ${k + 1}/9`);
        // chapter 1's memory figures are computed in slices: wait for them
        if (k === 0) await s.waitFor(/LSTM: reaches back[^]*RNN: reaches back/);
        const screens = await chapterScreens(s, /story lines \d+–\d+ of \d+: \] for more/);
        const text = fold(screens.join('\n'));
        for (const want of expected[k]!) expect(text, `chapter ${k + 1} at ${cols}x${rows}: ${want}\n${screens.join('\n---\n')}`).toContain(fold(want));
        for (const sc of screens) expectFits(sc, cols, `chapter ${k + 1}`);
        if (k < 8) s.write('>');
      }
      s.write('q');
      expect((await s.waitExit()).exitCode).toBe(0);
    }, 90_000);
  }

  it('renders every Korean chapter at 80x24 with no line overflowing', async () => {
    const s = shell.run(`${gatescope} learn 1`, { cols: 80, rows: 24, env: { XDG_STATE_HOME: stateDir(), LANG: 'ko_KR.UTF-8' } });
    for (let k = 0; k < 9; k++) {
      await s.waitFor(`둘러보기 ${k + 1}/9`);
      if (k === 0) await s.waitFor(/LSTM: \d+ 스텝[^]*RNN: \d+ 스텝/);
      const screens = await chapterScreens(s, /이야기 \d+줄 중 \d+–\d+줄: \] 더 보기/);
      for (const sc of screens) expectFits(sc, 80, `Korean chapter ${k + 1}`);
      if (k < 8) s.write('>');
    }
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
  }, 90_000);

  it('learn 4 opens chapter 4, remembers it, and a bare learn opens there next time; < goes back', async () => {
    const dir = stateDir();
    const a = shell.run(`${gatescope} learn 4`, { cols: 80, rows: 24, env: { XDG_STATE_HOME: dir } });
    await a.waitFor('tour 4/9 · The forget gate');
    a.write('>');
    await a.waitFor('tour 5/9');
    a.write('q');
    expect((await a.waitExit()).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'gatescope', 'learn.json'), 'utf8'))).toEqual({ version: 1, chapter: 5 });
    const b = shell.run(`${gatescope} learn`, { cols: 80, rows: 24, env: { XDG_STATE_HOME: dir } });
    await b.waitFor('tour 5/9');
    b.write('<');
    await b.waitFor('tour 4/9');
    b.write('t');
    await b.waitForGone('tour 4/9');
    b.write('q');
    expect((await b.waitExit()).exitCode).toBe(0);
  }, 60_000);

  it('a corrupt or unwritable progress file gives a note, never a failure', async () => {
    const dir = stateDir();
    mkdirSync(join(dir, 'gatescope'));
    writeFileSync(join(dir, 'gatescope', 'learn.json'), '{not json');
    chmodSync(join(dir, 'gatescope'), 0o500);
    const s = shell.run(`${gatescope} learn; echo "exit $?"`, { cols: 80, rows: 24, env: { XDG_STATE_HOME: dir } });
    await s.waitFor('tour 1/9');
    s.write('q');
    await s.waitFor('exit 0');
    const out = s.raw();
    expect(out).toContain('is not a tour progress file');
    // root ignores the mode bits: the write note only where the directory really is read-only
    if (process.getuid?.() !== 0) expect(out).toContain('cannot be saved');
    chmodSync(join(dir, 'gatescope'), 0o700);
  }, 60_000);

  it('t in the plain demo opens the tour where the last run left off, and saves the progress', async () => {
    const dir = stateDir();
    mkdirSync(join(dir, 'gatescope'));
    writeFileSync(join(dir, 'gatescope', 'learn.json'), '{"version":1,"chapter":6}');
    const s = shell.run(`${gatescope}`, { cols: 80, rows: 24, env: { XDG_STATE_HOME: dir } });
    await s.waitFor('step 1/50');
    s.write('t');
    await s.waitFor('tour 6/9 · The cell update');
    s.write('>');
    await s.waitFor('tour 7/9');
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'gatescope', 'learn.json'), 'utf8'))).toEqual({ version: 1, chapter: 7 });
  }, 60_000);

  it('c cycles the remember demo through its LSTM, RNN, GRU, minGRU and sLSTM, the LSTM always on screen', async () => {
    const s = shell.run(`${gatescope}`, { cols: 200, rows: 60, env: { XDG_STATE_HOME: stateDir() } });
    await s.waitFor('▶ LSTM 2→8 · lstm.json vs RNN(tanh)');
    s.write('c');
    await s.waitFor('LSTM 2→8 · lstm.json vs ▶ RNN(tanh) 2→8 · rnn.json');
    s.write('c');
    await s.waitFor('LSTM 2→8 · lstm.json vs ▶ GRU 2→8 · gru.json');
    s.write('c');
    await s.waitFor(/LSTM 2→8 · lstm\.json vs ▶ minGRU 2→8 · mingru\.json/);
    s.write('c');
    await s.waitFor(/LSTM 2→8 · lstm\.json vs ▶ sLSTM 2→8 · slstm\.json/);
    s.write('c');
    await s.waitFor('▶ LSTM 2→8 · lstm.json vs sLSTM 2→8 · slstm.json');
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
  }, 60_000);

  it('? offers the tour from the plain demo (npm start), and t opens it', async () => {
    const s = shell.run(`${gatescope}`, { cols: 80, rows: 24, env: { XDG_STATE_HOME: stateDir() } });
    await s.waitFor('step 1/50');
    s.write('?');
    await s.waitFor('t: the guided tour');
    s.write('t');
    await s.waitFor('tour 1/9 · Why memory is short');
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
  }, 60_000);
});
