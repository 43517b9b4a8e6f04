/** `gatescope track`: unit search from the command line, on the real models of fixtures/models. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tint, tintedHtml } from '../../src/cli/tint-html.js';
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

  it('--html: the text tinted by each listed unit, every value in its token\'s title, as run computes it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gatescope-tint-')), 'quote.html');
    const r = await runCli([...charLm, '--signal', 'regex:[aeiou]', '--top', '2', '--html', out, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const units = (JSON.parse(r.stdout) as { units: { name: string; state: string; unit: number }[] }).units;
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|src=|href=/);
    const trace = JSON.parse((await runCli(['run', `${M}/char_lm.input.txt`, '-w', `${M}/char_lm.pt`, '--vocab', `${M}/char_lm.vocab.json`, '--format', 'json'])).stdout) as {
      steps: { layers: { forward: Record<string, number[]> }[] }[];
    };
    const text = readFileSync(`${M}/char_lm.input.txt`, 'utf8');
    for (const u of units) {
      const spans = [...html.matchAll(new RegExp(`title="t=(\\d+) ${u.name.replace(/[[\]]/g, '\\$&')}=([-\\d.e]+)">([^<]*)</span>`, 'g'))];
      expect(spans).toHaveLength(14);
      expect(spans.map((m) => m[3]).join('')).toBe(text.slice(0, 14));
      spans.forEach((m) => expect(Number(m[2])).toBeCloseTo(trace.steps[Number(m[1])]!.layers[0]!.forward[u.state]![u.unit]!, 6));
    }
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

describe('the tinted page', () => {
  it('escapes the text, colours by sign and size, and shows newlines', () => {
    const html = tintedHtml('a <title>', ['<', 'b', '&', '\n', '"'], [{ name: 'c[1]', r: 0.5, values: Float64Array.of(1, -1, 0, 0.5, NaN) }], false);
    expect(html).toContain('<title>a &lt;title&gt;</title>');
    expect(html).toContain('>&lt;</span>');
    expect(html).toContain('>&amp;</span>');
    expect(html).toContain('>&quot;</span>');
    expect(html).toContain('>↵\n</span>');
    expect(tint(1, 1)).toBe('rgb(255,0,0)');
    expect(tint(-0.5, 1)).toBe('rgb(128,128,255)');
    expect(tint(0, 1)).toBe('rgb(255,255,255)');
    expect(tint(NaN, 1)).toBe('rgb(255,255,255)');
  });
});

describe('gatescope track --range (LSTMVis match)', () => {
  it('names the units on over the range and the windows where they go on together, as engine/match.ts ranks them', async () => {
    const r = await runCli([...charLm, '--range', '3-4', '--state', 'o', '--format', 'json', '--top', '0']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { threshold: number; range: { from: number; to: number }; views: { pattern: string[]; matches: { from: number; to: number; score: number; hits: number }[] }[] };
    expect(doc.threshold).toBe(0.5);
    expect(doc.range).toEqual({ from: 3, to: 4 });
    const v = doc.views[0]!;
    for (const m of v.matches) {
      expect(m.to - m.from).toBe(1);
      expect(m.hits).toBeLessThanOrEqual(v.pattern.length);
      expect(m.from > 4 || m.to < 3).toBe(true);
    }
    const scores = v.matches.map((m) => m.score);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
  });

  it('refuses a range past the end or written wrong, naming it', async () => {
    expect((await runCli([...charLm, '--range', '3-400'])).stderr).toMatch(/--range 3-400: .* has 14 steps/);
    expect((await runCli([...charLm, '--range', 'x'])).stderr).toContain('expected A-B');
  });
});
