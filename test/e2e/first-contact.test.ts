/**
 * What a first session meets, in a real terminal at 80x24 (the default) and 200x60: the
 * prediction and the target stay on the status line, the task is said, the keys that matter are
 * in the footer, panels get rows before the timeline, each key does one thing, and units can be
 * found. Needs `npm run build` first (the test script runs it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../helpers/pty.js';
import { ptyShell } from '../helpers/pty-shell.js';
import { BIN, gatescopeShell as gatescope, requireBuild, ROOT } from '../helpers/build.js';


const shell = ptyShell(ROOT, { env: { COLORTERM: 'truecolor', CI: 'true' } });
const ptyReason = shell.reason;

beforeAll(requireBuild);

const SIZES = [
  [80, 24],
  [200, 60],
] as const;

/** The unit indices of the panel rows under the first panel title (` 2 `, `▸2 `). */
function firstGridUnits(screen: string): number[] {
  const lines = screen.split('\n');
  const title = lines.findIndex((l) => /^ +1 f forget/.test(l));
  const out: number[] = [];
  for (const l of lines.slice(title + 1)) {
    const m = /^[ ▸] *(\d+) /.exec(l);
    if (m === null) break;
    out.push(Number(m[1]));
  }
  return out;
}

describe.skipIf(ptyReason !== null)('first contact, in a real terminal', () => {
  for (const [cols, rows] of SIZES) {
    it(`remember at ${cols}x${rows}: the task, the prediction against its target, the keys, the units`, async () => {
      const s = shell.run(gatescope, { cols, rows });
      await s.waitFor('step 1/50 (t=0)');
      const first = s.screen();
      const lines = first.split('\n');
      expect(lines[1]).toContain("task: report step 1's value (t=0) at the last step");
      expect(lines[0]).toMatch(/ŷ 0\.8\d+ vs ŷ 0\.0\d+ · target 0\.8932 at the last step/);
      // the footer keeps explain and memory, and help and quit
      const footer = lines.filter((l) => l.trim() !== '').at(-1)!;
      for (const hint of ['e explain', 'm memory', '? help', 'q quit']) expect(footer).toContain(hint);
      // panels before the timeline: at 80x24 at least four units a panel, all 8 at 200x60
      expect(firstGridUnits(first).length).toBeGreaterThanOrEqual(cols === 80 ? 4 : 8);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(cols);

      s.write('G');
      await s.waitFor('step 50/50 (t=49)');
      expect(s.screen().split('\n')[0]).toMatch(/ŷ 0\.8902 ✓ vs ŷ 0\.01664 ✗ · target 0\.8932/);

      // a digit picks the timeline's panel and nothing else; : goes to a step
      s.write('5');
      await s.waitFor(/^5c /m);
      expect(s.screen()).not.toContain('go to step');
      s.write(':');
      await s.waitFor('go to step (1-50): ▏');
      s.write('12\r');
      await s.waitFor('step 12/50 (t=11)');
      expect(s.screen()).toMatch(/^5c /m);
      // u goes to a unit: 7 is selected and on screen
      s.write('u7\r');
      await s.waitFor(/^▸7 /m);
      s.write('q');
      expect((await s.waitExit()).exitCode).toBe(0);
    });
  }

  /** Until nothing more arrives for 300 ms: the frame for the last key is complete. */
  async function settled(s: { raw(): string }): Promise<void> {
    let last = -1;
    while (s.raw().length !== last) {
      last = s.raw().length;
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  for (const [cols, rows] of SIZES) {
    it(`brackets at ${cols}x${rows}: the top guesses per step, and the target named as the actual next character`, async () => {
      const s = shell.run(`${gatescope} demo brackets`, { cols, rows });
      await s.waitFor(/step 161\/161|step 1\/161/);
      s.write('g');
      await s.waitFor('step 1/161 (t=0)');
      s.write('l'.repeat(5));
      await s.waitFor('step 6/161 (t=5)');
      // the status line can arrive a write before the rest of the frame on a loaded machine
      await settled(s);
      const screen = s.screen();
      const status = screen.split('\n')[0]!;
      expect(status).toMatch(/predicts “.” \(p 0\.\d\d\)( [✓✗])? · actual “.”/);
      expect(screen).toContain('task: predict the next character');
      // the strip: the text read, then ranks with their probabilities (fewer at 80x24)
      expect(screen).toMatch(/^ read +\(\)\.\(\)\./m);
      const ranks = screen.split('\n').filter((l) => /^ [1-5] \S+ +(0\.\d\d|<\.01) /.test(l));
      expect(ranks.length).toBeGreaterThanOrEqual(cols === 80 ? 2 : 5);
      const probs = ranks.map((l) => Number(/ (0\.\d\d)/.exec(l)?.[1] ?? 0));
      expect([...probs].sort((a, b) => b - a)).toEqual(probs);
      s.write('q');
      await s.waitExit();
    });
  }

  it('says random weights, and hints at normalising an input far outside the gates\' range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-first-'));
    const ramp = join(dir, 'ramp.csv');
    writeFileSync(ramp, `a\n${Array.from({ length: 40 }, (_, t) => t * 25).join('\n')}\n`);
    const s = shell.run(`${gatescope} ${JSON.stringify(ramp)}`, { cols: 80, rows: 24 });
    await s.waitFor('random weights');
    await s.waitFor(/inputs reach \|x\| = 975\.0: gates saturate/);
    s.write('q');
    await s.waitExit();
  });

  it('finds flagged units at H = 1024: n jumps to one, ! keeps only them, o orders them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-first-'));
    const input = join(dir, 'big.csv');
    // a large constant input: most gates pinned at 0 or 1 from the first step
    writeFileSync(input, `a\n${Array.from({ length: 30 }, () => 2000).join('\n')}\n`);
    const s = shell.run(`${gatescope} ${JSON.stringify(input)} --hidden-size 1024`, { cols: 80, rows: 24 });
    await s.waitFor('step 1/30 (t=0)');
    s.write('n');
    await s.waitFor(/^▸ *\d+ /m);
    s.write('!');
    await s.waitFor(/\d+ of 1024 flagged/);
    s.write('o');
    await s.waitFor(/of 1024 flagged by variance/);
    s.write(KEYS.down);
    // h_prev is 0 at the first step: from the second, the units that drive this one are named
    s.write('le');
    await s.waitFor('explain unit');
    for (let i = 0; i < 4 && !s.screen().includes('driven most through W_hh·h_prev by'); i++) {
      s.write(']');
      await new Promise((r) => setTimeout(r, 200));
    }
    await s.waitFor('driven most through W_hh·h_prev by');
    s.write('q');
    await s.waitExit();
  });
});
