/**
 * The bundled demos in a real terminal: bare `gatescope` opens the remember demo (an LSTM beside
 * its RNN twin), `m` opens the memory view of both, q restores the terminal; `demo sine --live`
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
