/** `gatescope track`: unit search from the command line, on the real models of fixtures/models. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const M = 'fixtures/models';
const charLm = ['track', `${M}/char_lm.input.txt`, '-w', `${M}/char_lm.pt`, '--vocab', `${M}/char_lm.vocab.json`];

describe('gatescope track', () => {
  it('ranks the units of a language model against a regex over its text, with splits', async () => {
    const r = await runCli([...charLm, '--signal', 'regex:[aeiou]', '--top', '4']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('units that follow regex "[aeiou]" over 14 steps of fixtures/models/char_lm.input.txt (LSTM), best |r| first:');
    expect(lines[1]).toMatch(/rank\s+unit\s+r\s+split\s+precision\s+recall/);
    expect(lines).toHaveLength(2 + 4);
    expect(lines[2]).toMatch(/^\s+1\s+[ifgoch]\[\d\]\s+[+-]\d\.\d{3}\s+[ifgoch] [<>] -?\d\.\d{3}\s+\d\.\d\d\s+\d\.\d\d$/);
  });

  it('JSON: every unit with --top 0, ranked by |r|', async () => {
    const r = await runCli([...charLm, '--signal', 'position', '--top', '0', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { signal: string; steps: number; units: { r: number | null; name: string; split?: unknown }[] };
    expect(doc.signal).toBe('position in line');
    expect(doc.steps).toBe(14);
    expect(doc.units).toHaveLength(6 * 8);
    const rs = doc.units.map((u) => Math.abs(u.r ?? -1));
    for (let i = 1; i < rs.length; i++) expect(rs[i]!).toBeLessThanOrEqual(rs[i - 1]!);
    // position is not 0/1: no splits
    expect(doc.units.every((u) => u.split === undefined)).toBe(true);
  });

  it('an input feature of a numeric model (2 layers)', async () => {
    const r = await runCli(['track', `${M}/forecaster.input.csv`, '-w', `${M}/forecaster.pth`, '--columns', 'sin,cos', '--signal', 'x:sin', '--format', 'json', '--top', '1']);
    expect(r.code, r.stderr).toBe(0);
    const u = (JSON.parse(r.stdout) as { units: { name: string; r: number }[] }).units[0]!;
    expect(u.name).toMatch(/^l[01]\.[ifgoch]\[\d\]$/);
    expect(Math.abs(u.r)).toBeGreaterThan(0.9);
  });

  it.each([
    [[], /say what to track with --signal/],
    [['--signal', 'x:0'], /--signal "x:0": x:FEATURE is for numeric input/],
    [['--signal', 'regex:('], /is not a regular expression/],
    [['--signal', 'position', '--top', '-1'], /--top/],
  ])('%j: one line, exit 2', async (extra, message) => {
    const r = await runCli([...charLm, ...(extra as string[])]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('gatescope: note:') && l !== '')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
