/** gatescope learn as a command: chapters as plain text with the engine's numbers, its errors, progress, and chapter 9's commands run for real. */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EN } from '../../src/ui/i18n/en.js';
import { textWidth } from '../../src/ui/format.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/build.js';
import { chapterExpectations } from '../helpers/remember-engine.js';

const fold = (s: string): string => s.replace(/\s+/g, ' ');
const stateDir = (): string => mkdtempSync(join(tmpdir(), 'gatescope-learn-'));

describe('gatescope learn', () => {
  const expected = chapterExpectations();

  it("prints each chapter as plain text off a terminal, with the engine's numbers, in 120 and 80 columns", async () => {
    for (const width of ['120', '80']) {
      for (let k = 0; k < 9; k++) {
        const r = await runCli(['learn', String(k + 1), '--width', width], { env: { XDG_STATE_HOME: stateDir() } });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`tour ${k + 1}/9`);
        expect(r.stdout).not.toContain('\u001b');
        // the plain-text view shows the whole story: every number the chapter gives is there
        for (const want of expected[k]!) expect(fold(r.stdout), `chapter ${k + 1} at ${width}: ${want}`).toContain(fold(want));
        for (const line of r.stdout.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(Number(width));
      }
    }
  });

  it('in Korean: every chapter within 80 columns', async () => {
    for (let k = 0; k < 9; k++) {
      const r = await runCli(['learn', String(k + 1), '--width', '80', '--lang', 'ko'], { env: { XDG_STATE_HOME: stateDir() } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`둘러보기 ${k + 1}/9`);
      for (const line of r.stdout.split('\n')) expect(textWidth(line), line).toBeLessThanOrEqual(80);
    }
  });

  it('a chapter out of 1-9 is a one-line usage error', async () => {
    for (const bad of ['0', '10', '2.5', 'x']) {
      const r = await runCli(['learn', bad], { env: {} });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/chapter/);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
  });

  it('with no chapter, opens the one the progress file holds; a corrupt file is a note and chapter 1', async () => {
    const dir = stateDir();
    mkdirSync(join(dir, 'gatescope'));
    writeFileSync(join(dir, 'gatescope', 'learn.json'), '{"version":1,"chapter":6}\n');
    const r = await runCli(['learn'], { env: { XDG_STATE_HOME: dir } });
    expect(r.stdout).toContain('tour 6/9');
    expect(r.stderr).toBe('');
    writeFileSync(join(dir, 'gatescope', 'learn.json'), 'garbage');
    const c = await runCli(['learn'], { env: { XDG_STATE_HOME: dir } });
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('tour 1/9');
    expect(c.stderr).toMatch(/^gatescope: note: .*learn\.json is not a tour progress file/);
  });

  it("chapter 9's commands work as written (on a copy of a fixture named data.csv)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gatescope-try-'));
    copyFileSync(join(ROOT, 'fixtures', 'inputs', 'series.csv'), join(cwd, 'data.csv'));
    const commands = (EN.tour.chapters[8]!.commands ?? []).map(([c]) => c.trim()).filter((c) => c.startsWith('gatescope '));
    // train first: the others open what it writes
    const ordered = [...commands.filter((c) => c.includes(' train ')), ...commands.filter((c) => !c.includes(' train '))];
    expect(ordered.length).toBeGreaterThanOrEqual(4);
    for (const cmd of ordered) {
      // the CLI reads paths from the process's directory: the same names, in the scratch folder
      const argv = cmd
        .split(/\s+/)
        .slice(1)
        .map((w) => (/^(data\.csv|m\.json|model\.json)$/.test(w) ? join(cwd, w) : w));
      if (argv.includes(join(cwd, 'model.json'))) copyFileSync(join(cwd, 'm.json'), join(cwd, 'model.json'));
      const r = await runCli([...argv, ...(argv[0] === 'train' || argv[0] === 'demo' ? [] : ['--snapshot', '--width', '80'])], { cwd });
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
    }
  });
});
