/** `gatescope corpus` and `gatescope track --corpus`, on the real models of fixtures/models. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const M = 'fixtures/models';
const lm = ['-w', `${M}/char_lm.pt`, '--vocab', `${M}/char_lm.vocab.json`];
const dir = mkdtempSync(join(tmpdir(), 'gs-corpus-cli-'));

interface Ranked {
  units: { name: string; r: number | null; split?: { precision: number; recall: number } }[];
  steps: number;
  source: string;
}

describe('gatescope track --corpus', () => {
  it('over a folder of one file ranks exactly as track over that file', async () => {
    const f = join(dir, 'one');
    mkdirSync(f);
    copyFileSync(`${M}/char_lm.input.txt`, join(f, 'a.txt'));
    const single = await runCli(['track', `${M}/char_lm.input.txt`, ...lm, '--signal', 'regex:[aeiou]', '--top', '0', '--format', 'json']);
    const many = await runCli(['track', f, '--corpus', ...lm, '--signal', 'regex:[aeiou]', '--top', '0', '--format', 'json']);
    expect(many.code, many.stderr).toBe(0);
    const a = JSON.parse(single.stdout) as Ranked;
    const b = JSON.parse(many.stdout) as Ranked;
    expect(b.steps).toBe(a.steps);
    expect(b.source).toMatch(/\(1 sequence\)$/);
    expect(b.units.map((u) => u.name)).toEqual(a.units.map((u) => u.name));
    // the same bits run; r is written to 6 significant digits
    b.units.forEach((u, i) => expect(Math.abs(u.r! - a.units[i]!.r!)).toBeLessThanOrEqual(1e-6));
    // a binned split: precision and recall of its own threshold, never better than the exact best
    expect(b.units[0]!.split).toBeDefined();
  });

  it('over text lines: each line its own sequence, the signal made per line', async () => {
    const p = join(dir, 'lines.txt');
    writeFileSync(p, 'hello world\nlow, old\n\nthe dew\n');
    const r = await runCli(['track', p, '--corpus', ...lm, '--signal', 'position', '--top', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`units that follow position in line over 26 steps of ${p} (3 sequences) (LSTM), best |r| first:`);
  });

  it('says --split needs --corpus and --html one text', async () => {
    expect((await runCli(['track', `${M}/char_lm.input.txt`, ...lm, '--signal', 'position', '--split', 'lines'])).stderr).toContain('--split cuts a corpus: add --corpus');
    const r = await runCli(['track', dir, '--corpus', ...lm, '--signal', 'position', '--html', join(dir, 'x.html')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--html tints one text');
  });
});

describe('gatescope corpus', () => {
  it('lists each line of a text with its length and the top class at its end', async () => {
    const p = join(dir, 'list.txt');
    writeFileSync(p, 'hello world\nlow, old\n');
    const r = await runCli(['corpus', p, ...lm, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { sequences: { name: string; steps: number; prediction: number[]; class: string; saturated: number }[] };
    expect(doc.sequences.map((s) => [s.name, s.steps])).toEqual([['line 1', 11], ['line 2', 8]]);
    const byToken = JSON.parse(readFileSync(`${M}/char_lm.vocab.json`, 'utf8')) as Record<string, number>;
    const vocab = Object.keys(byToken).sort((a, b) => byToken[a]! - byToken[b]!);
    for (const s of doc.sequences) {
      expect(s.prediction).toHaveLength(vocab.length);
      expect(s.class).toBe(vocab[s.prediction.indexOf(Math.max(...s.prediction))]);
      expect(s.saturated).toBeGreaterThanOrEqual(0);
    }
    const text = await runCli(['corpus', p, ...lm]);
    expect(text.stdout.split('\n').slice(0, 3).join('\n')).toMatch(/^.*list\.txt: 2 sequences \(LSTM H=8\)\n\s+#\s+name\s+steps\s+prediction\s+saturated\s+top h\n\s+0\s+line 1\s+11\s+"."/);
  });

  it('a bad sequence stops the list with its file and line', async () => {
    const p = join(dir, 'bad.ndjson');
    writeFileSync(p, '[[1,2],[3,4]]\n[[0,1,2]]\n');
    const r = await runCli(['corpus', p, '--hidden-size', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('differ from the first sequence');
  });
});

describe('gatescope corpus --set', () => {
  it('runs the edit on every sequence: each edited prediction is the engine\'s, the summary counts what changed', async () => {
    const r = await runCli(['corpus', 'fixtures/inputs/lines.txt', ...lm, '--set', 'c[6]:=0', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { interventions: string[]; changed: { sequences: number; topClassFlipped: number; meanChange: number }; sequences: { prediction: number[]; edited: { prediction: number[]; change: number } }[] };
    expect(doc.interventions).toEqual(['c[6]:=0']);
    expect(doc.changed.sequences).toBe(4);
    // line 1 alone, through run --set: the same edited prediction at its last step
    const one = join(dir, 'one-line.txt');
    writeFileSync(one, readFileSync('fixtures/inputs/lines.txt', 'utf8').split('\n')[0]!);
    const run = await runCli(['run', one, ...lm, '--set', 'c[6]:=0', '--format', 'json']);
    const steps = (JSON.parse(run.stdout) as { steps: { pred: number[] }[] }).steps;
    const want = steps.at(-1)!.pred;
    doc.sequences[0]!.edited.prediction.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-6));
    const change = Math.max(...doc.sequences[0]!.prediction.map((v, k) => Math.abs(doc.sequences[0]!.edited.prediction[k]! - v)));
    expect(Math.abs(doc.sequences[0]!.edited.change - change)).toBeLessThan(1e-5);
  });

  it('refuses an edit that does not fit the network, naming --set', async () => {
    const r = await runCli(['corpus', 'fixtures/inputs/lines.txt', ...lm, '--set', 'c[99]:=0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--set .*99/);
  });
});

describe('gatescope attribute --corpus', () => {
  it('attributes each sequence as attribute does one, and shares the |attributions| among the features', async () => {
    const f = join(dir, 'attr');
    mkdirSync(f);
    copyFileSync('fixtures/models/forecaster.input.csv', join(f, 'a.csv'));
    const flags = ['-w', 'fixtures/models/forecaster.pth', '--columns', 'sin,cos', '--method', 'grad-x-input'];
    const one = JSON.parse((await runCli(['attribute', 'fixtures/models/forecaster.input.csv', ...flags])).stdout) as { value: number; total: number; steps: { total: number }[] };
    const r = await runCli(['attribute', f, '--corpus', ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { features: { name: string; share: number }[]; sequences: { value: number; total: number; top: { t: number; share: number } }[] };
    const s = doc.sequences[0]!;
    expect(s.value).toBeCloseTo(one.value, 8);
    expect(s.total).toBeCloseTo(one.total, 8);
    const totals = one.steps.map((x) => Math.abs(x.total));
    expect(s.top.t).toBe(totals.indexOf(Math.max(...totals)));
    expect(doc.features.map((x) => x.name).sort()).toEqual(['cos', 'sin']);
    expect(doc.features.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 6);
  });

  it('refuses csv for a corpus and --split without it', async () => {
    expect((await runCli(['attribute', dir, '--corpus', '--hidden-size', '2', '--target', 'h[0]', '--format', 'csv'])).stderr).toContain('a corpus is written as json');
    expect((await runCli(['attribute', 'fixtures/models/forecaster.input.csv', '--split', 'lines'])).stderr).toContain('--split cuts a corpus');
  });
});
