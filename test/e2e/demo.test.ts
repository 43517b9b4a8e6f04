/**
 * The bundled demos in a real terminal: bare `gatescope` opens the remember demo (an LSTM beside
 * its RNN twin), `m` opens the memory view of both, q restores the terminal; `demo sine --live`
 * streams. Needs `npm run build` first (the test script runs it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPty, spawnInPty, type PtySession } from '../helpers/pty.js';

const ROOT = resolve(import.meta.dirname, '../..');
const gatescope = `node ${JSON.stringify(join(ROOT, 'bin/gatescope.js'))}`;
const mods = loadPty();
const ptyReason = 'reason' in mods ? mods.reason : null;

const sessions: PtySession[] = [];
function run(command: string): PtySession {
  if ('reason' in mods) throw new Error(mods.reason);
  const s = spawnInPty(mods, '/bin/sh', ['-c', command], { cwd: ROOT, cols: 160, rows: 50, env: { COLORTERM: 'truecolor' } });
  sessions.push(s);
  return s;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests');
});

afterEach(() => {
  for (const s of sessions.splice(0)) {
    try {
      s.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe.skipIf(ptyReason !== null)('the demos in a real terminal', () => {
  it('bare gatescope opens remember; m shows the memory of both networks; q restores the terminal', async () => {
    const s = run(`${gatescope}; stty -a`);
    await s.waitFor('step 1/50');
    expect(s.screen()).toContain('▶ LSTM 2→8 · lstm.json');
    // Side by side, the RNN's name shortens to the room its one panel leaves.
    expect(s.screen()).toMatch(/RNN\(tanh\)( 2→8)? · rnn\.json/);
    s.write('G');
    await s.waitFor('step 50/50');
    s.write('m');
    await s.waitFor('memory at step 50/50');
    await s.waitFor(/▶ LSTM 2→8 · lstm\.json: reaches back 49 steps/);
    await s.waitFor(/RNN\(tanh\) 2→8 · rnn\.json: reaches back 14 steps/);
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
    const raw = s.raw();
    expect(raw.lastIndexOf('\u001b[?1049l'), 'alternate screen left').toBeGreaterThan(raw.lastIndexOf('\u001b[?1049h'));
    expect(raw.lastIndexOf('\u001b[?25h'), 'cursor shown').toBeGreaterThan(raw.lastIndexOf('\u001b[?25l'));
    await s.waitFor(/(^|\s)icanon(\s|$)/m);
    expect(s.screen()).not.toMatch(/-icanon|-echo\b/);
  });

  it('demo sine --live streams one step at a time, following the newest', async () => {
    const s = run(`${gatescope} demo sine --live --rate 400`);
    await s.waitFor(/step \d+\/\d+\+/);
    expect(s.screen()).toContain('follow');
    await s.waitFor('step 200/200 ');
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
  });
});
