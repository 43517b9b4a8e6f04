/**
 * The bundled demos in a real terminal: bare `gatescope` opens the remember demo (an LSTM beside
 * its RNN twin), `m` opens the memory view of both, `a` the attribution view, q restores the terminal; `demo sine --live`
 * streams. Needs `npm run build` first (the test script runs it).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRestored, ptyShell } from '../helpers/pty-shell.js';
import { gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';

const shell = ptyShell(ROOT, { cols: 160, rows: 50, env: { COLORTERM: 'truecolor' } });
const ptyReason = shell.reason;
const run = (command: string) => shell.run(command);

beforeAll(requireBuild);

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
    // a: where the LSTM's answer came from: step 0, the marked value it was asked to report
    s.write('m');
    s.write('a');
    await s.waitFor('attribution at step 50/50 (t=49): the prediction = 0.8902, integrated gradients, 32 points from zeros');
    const rows = s.screen().split('\n');
    const header = rows.findIndex((r) => r.includes('the steps that moved it most'));
    expect(rows[header + 1]).toMatch(/^ t=0\s+"0\.893225, 1"\s+\+0\.9\d\d/);
    s.write('q');
    expect((await s.waitExit()).exitCode).toBe(0);
    await expectRestored(s);
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
