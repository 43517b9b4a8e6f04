/**
 * `gatescope attribute`: the headless attribution command, end to end against the PyTorch cases of
 * fixtures/attribution (make_attribution.py), and its one-line errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'attribution');
const tmp = mkdtempSync(join(tmpdir(), 'gatescope-attr-'));

interface Case {
  name: string;
  cell: string;
  state_dict: Record<string, unknown>;
  input: number[][];
  target: { kind: string; t: number; index?: number; layer?: number; direction?: number; unit?: number };
  baseline: string;
  value: number;
  grad_x_input: number[][];
  ig: { method: string; steps: number; attributions: number[][]; total: number }[];
}

/** The case's weights and input as files a user would have. */
function files(name: string): { c: Case; weights: string; input: string } {
  const c = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Case;
  const weights = join(tmp, `${name}.weights.json`);
  const input = join(tmp, `${name}.csv`);
  writeFileSync(weights, JSON.stringify(c.state_dict));
  const D = c.input[0]!.length;
  writeFileSync(input, `${Array.from({ length: D }, (_, j) => `f${j}`).join(',')}\n${c.input.map((r) => r.map(String).join(',')).join('\n')}\n`);
  return { c, weights, input };
}

function expectRows(got: { attributions: number[] }[], want: number[][], tol: number): void {
  expect(got).toHaveLength(want.length);
  want.forEach((row, t) => row.forEach((e, i) => expect(Math.abs(got[t]!.attributions[i]! - e)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)))));
}

describe('gatescope attribute', () => {
  it('integrated gradients of a head logit equal PyTorch (every path rule)', async () => {
    const { c, weights, input } = files('lstm_head');
    for (const ig of c.ig) {
      const r = await runCli(['attribute', input, '-w', weights, '--target', `pred[${c.target.index}]@${c.target.t}`, '--steps', String(ig.steps), '--rule', ig.method]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.method).toBe('integrated-gradients');
      expect(doc.rule).toBe(ig.method);
      expect(doc.target).toBe(`pred[${c.target.index}] at t=${c.target.t}`);
      expect(doc.features).toEqual(['f0', 'f1', 'f2']);
      expect(doc.value).toBeCloseTo(c.value, 6);
      expect(doc.total).toBeCloseTo(ig.total, 6);
      expectRows(doc.steps, ig.attributions, 1e-6);
    }
  });

  it('gradient x input, and an inner c of a 2-layer LSTM', async () => {
    const { c, weights, input } = files('lstm_2l_c');
    const r = await runCli(['attribute', input, '-w', weights, '--target', `l${c.target.layer}.c[${c.target.unit}]@${c.target.t}`, '--method', 'grad-x-input']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.method).toBe('gradient-x-input');
    expect(doc.delta).toBeUndefined();
    expectRows(doc.steps, c.grad_x_input, 1e-6);
    // a smooth cell, 64 Gauss-Legendre points: no completeness note
    const ig = await runCli(['attribute', input, '-w', weights, '--target', `l0.c[${c.target.unit}]@${c.target.t}`]);
    expect(ig.stderr).toBe('');
    expect(JSON.parse(ig.stdout).relativeDelta).toBeLessThan(1e-4);
  });

  it('a bidirectional GRU output against the mean baseline, as CSV', async () => {
    const { c, weights, input } = files('gru_bidir_2l');
    const r = await runCli(['attribute', input, '-w', weights, '--target', `y[${c.target.index}]@${c.target.t}`, '--baseline', 'mean', '--steps', '32', '--format', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const D = c.input[0]!.length;
    expect(lines[0]).toBe(`t,label,${Array.from({ length: D }, (_, j) => `attr.f${j}`).join(',')},total`);
    expect(lines).toHaveLength(c.input.length + 1);
    const want = c.ig[0]!.attributions;
    lines.slice(1).forEach((line, t) => {
      const cells = line.split(',');
      // the label is the row as written, quoted: its commas are inside the quotes
      const values = cells.slice(-D - 1, -1).map(Number);
      values.forEach((v, i) => expect(Math.abs(v - want[t]![i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[t]![i]!))));
    });
  });

  it('says when the attributions do not add up, and what to try', async () => {
    const { c, weights, input } = files('rnn_relu');
    const r = await runCli(['attribute', input, '-w', weights, '--nonlinearity', 'relu', '--target', `h[${c.target.unit}]@${c.target.t}`, '--steps', '8']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^gatescope: note: completeness: the attributions add up to .*a ReLU is not smooth.*try --steps 32\n$/);
  });

  it('defaults to the top prediction at the last step', async () => {
    const { c, weights, input } = files('lstm_head');
    const r = await runCli(['attribute', input, '-w', weights, '--method', 'grad-x-input']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).target).toMatch(new RegExp(`^pred\\[\\d\\] at t=${c.input.length - 1}$`));
  });

  it.each([
    [['--target', 'q'], /--target "q": not a target/],
    [['--target', 'h@3'], /--target "h@3": h needs a unit/],
    [['--target', 'l1.y[0]'], /l<k>\. and rev\. go with h or c/],
    [['--target', 'h[99]@2'], /--target: unit 99 is outside 0\.\.\d+/],
    [['--target', 'y[0]@500'], /--target: step 500 is past the input's last step \(7\)/],
    [['--method', 'grad-x-input', '--steps', '8'], /--steps, --baseline and --rule are for --method ig/],
    [['--steps', '0'], /--steps/],
    [['--method', 'shap'], /method/],
  ])('%j: one line, exit 2', async (extra, message) => {
    const { weights, input } = files('lstm_head');
    const r = await runCli(['attribute', input, '-w', weights, ...(extra as string[])]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('a model without a head needs a --target', async () => {
    const { input } = files('lstm_head');
    const r = await runCli(['attribute', input, '--cell', 'lstm', '--hidden-size', '4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no head: say what to attribute with --target/);
  });
});
