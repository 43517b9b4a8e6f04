/**
 * The cell diagram (d) in a real terminal at 80x24 and 200x60, on the remember demo's LSTM, then
 * its RNN and GRU (c): every number on the drawing is the engine's own for the selected unit at
 * the last step (test/helpers/remember-engine.ts runs the networks without the viewer).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { ptyShell } from '../helpers/pty-shell.js';
import { gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';
import { at, before, fmt3, remember } from '../helpers/remember-engine.js';

beforeAll(requireBuild);

const T = 49;
const U = 4;

for (const [cols, rows] of [
  [80, 24],
  [200, 60],
] as const) {
  const shell = ptyShell(ROOT, { cols, rows });
  describe.skipIf(shell.reason !== null)(`the cell diagram at ${cols}x${rows}`, () => {
    it('draws the LSTM, RNN and GRU cells with the engine\'s numbers for the selected unit', async () => {
      const s = shell.run(`${gatescope}`);
      await s.waitFor('step 1/50');
      s.write('G');
      await s.waitFor('step 50/50');
      // the demo selects unit 2: two down is unit 4
      s.write('jj');
      s.write('d');
      await s.waitFor(`cell diagram · unit ${U}`);
      const L = remember.lstm;
      const f = at(L, 'f', T, U);
      const i = at(L, 'i', T, U);
      const g = at(L, 'g', T, U);
      const cPrev = before(L, 'c', T, U);
      const c = at(L, 'c', T, U);
      await s.waitFor(`c_prev ${fmt3(cPrev)}`);
      const lstm = s.screen();
      for (const want of [`c ${fmt3(c)}`, `f·c_prev ${fmt3(f * cPrev)}`, `i·g ${fmt3(i * g)}`, `g ${fmt3(g)}`, `f ${fmt3(f)} σ`, `i ${fmt3(i)} σ`, `o ${fmt3(at(L, 'o', T, U))} σ`, `h ${fmt3(at(L, 'h', T, U))}`]) {
        expect(lstm, want).toContain(want);
      }
      for (const line of lstm.split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(cols);
      // c: the RNN beside it, then the GRU
      s.write('c');
      const R = remember.rnn;
      await s.waitFor(`h_prev ${fmt3(before(R, 'h', T, U))}`);
      expect(s.screen()).toContain(`h ${fmt3(at(R, 'h', T, U))}`);
      s.write('c');
      const G = remember.gru;
      await s.waitFor(new RegExp(`z ${fmt3(at(G, 'z', T, U)).replace('+', '\\+')}`));
      expect(s.screen()).toContain(fmt3(at(G, 'h', T, U)));
      for (const line of s.screen().split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(cols);
      s.write('q');
      expect((await s.waitExit()).exitCode).toBe(0);
    });
  });
}
