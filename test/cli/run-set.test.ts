/**
 * `gatescope run --set`: interventions end to end against the PyTorch cases of
 * fixtures/interventions (make_interventions.py), the notes on what changed, and the errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'interventions');
const tmp = mkdtempSync(join(tmpdir(), 'gatescope-set-'));

function files(name: string) {
  const c = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { state_dict: unknown; input: number[][]; y: number[][]; y_plain: number[][] };
  const weights = join(tmp, `${name}.json`);
  const input = join(tmp, `${name}.csv`);
  writeFileSync(weights, JSON.stringify(c.state_dict));
  writeFileSync(input, `${c.input[0]!.map((_, j) => `f${j}`).join(',')}\n${c.input.map((r) => r.join(',')).join('\n')}\n`);
  return { c, weights, input };
}

function expectY(stdout: string, want: number[][]): void {
  const steps = (JSON.parse(stdout) as { steps: { y: number[] }[] }).steps;
  expect(steps).toHaveLength(want.length);
  want.forEach((row, t) => row.forEach((v, i) => expect(Math.abs(steps[t]!.y[i]! - v)).toBeLessThanOrEqual(1e-5)));
}

describe('gatescope run --set', () => {
  it('the 2-layer LSTM case, written as a user writes it, equals PyTorch', async () => {
    const { c, weights, input } = files('lstm_2l');
    const r = await runCli(['run', input, '-w', weights, '--format', 'json', '--set', 'l0.f[1]@3-:=0', '--set', 'l0.c[2]@5:=0.5', '--set', 'h[0]@4-6:=1', '--set', 'x[0]@7:=2']);
    expect(r.code, r.stderr).toBe(0);
    expectY(r.stdout, c.y);
    expect(JSON.parse(r.stdout).meta.interventions).toEqual(['l0.f[1]@3-:=0', 'l0.c[2]@5:=0.5', 'l1.h[0]@4-6:=1', 'x[0]@7:=2']);
    const notes = r.stderr.trimEnd().split('\n');
    expect(notes[0]).toMatch(/^gatescope: note: --set l0\.f\[1\]@3-:=0, .*: y moved by at most [\d.e-]+ \(y\[\d\] at t=\d+\)$/);
    expect(notes.slice(1)).toEqual([expect.stringMatching(/^gatescope: note: layer 0: \d of 5 h units changed, most h\[\d\] by /), expect.stringMatching(/^gatescope: note: layer 1: /)]);
  });

  it('GRU gates and a ReLU RNN, every unit and open-ended ranges', async () => {
    const g = files('gru');
    const rg = await runCli(['run', g.input, '-w', g.weights, '--format', 'json', '--set', 'l0.r[1]@2-4:=0', '--set', 'l1.z@6:=1', '--set', 'l0.n[3]@8-:=0.25']);
    expect(rg.code, rg.stderr).toBe(0);
    expectY(rg.stdout, g.c.y);
    const n = files('rnn_relu');
    const rn = await runCli(['run', n.input, '-w', n.weights, '--nonlinearity', 'relu', '--format', 'json', '--set', 'h[2]@3-:=0', '--set', 'x@5-6:=0']);
    expect(rn.code, rn.stderr).toBe(0);
    expectY(rn.stdout, n.c.y);
  });

  it("says how far the head's prediction moved, each step's against the plain run's", async () => {
    const m = 'fixtures/models';
    const r = await runCli(['run', `${m}/char_lm.input.txt`, '-w', `${m}/char_lm.pt`, '--vocab', `${m}/char_lm.vocab.json`, '--set', 'h[0]@4-6:=1', '--format', 'csv']);
    expect(r.code).toBe(0);
    const moved = /the prediction by at most ([\d.e+-]+) \(t=(\d+)\)/.exec(r.stderr);
    expect(moved).not.toBeNull();
    // the edited run's logits differ from the plain run's from t=4 on: a nonzero difference, not one prediction compared with itself
    expect(Number(moved![1])).toBeGreaterThan(0.01);
    expect(Number(moved![2])).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['q[3]:=0', /no gate or state "q"/],
    ['f[3]@20-:=abc', /"abc" is not a finite number/],
    ['f[3]@9-2:=0', /steps 9-2 run backwards/],
    ['l0.x[1]:=0', /x is the network input: no layer or direction/],
    ['r[1]:=0', /--set l1\.r\[1\]:=0: an LSTM has i, f, g, o, c, h \(and x\), not r/],
    ['l5.h:=0', /layer 5 is outside 0\.\.1/],
    ['rev.h[0]:=0', /the network has no reverse direction/],
    ['h[9]:=0', /unit 9 is outside 0\.\.4/],
  ])('--set %s: one line, exit 2', async (set, message) => {
    const { weights, input } = files('lstm_2l');
    const r = await runCli(['run', input, '-w', weights, '--set', set]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('the viewer with --set', () => {
  const demo = ['fixtures/demos/remember/input.csv', '-w', 'fixtures/demos/remember/lstm.json'];

  it('opens the edited run beside the model as it is: c[2] cleared at step 10 and the LSTM forgets the value', async () => {
    const r = await runCli([...demo, '--set', 'c[2]@10:=0', '--snapshot', '--step', '50', '--width', '120']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/step 50\/50 \(t=49\) │ ŷ 0\.8902 vs ŷ 0\.3492/);
    expect(r.stdout).toContain('LSTM 2→8 · --set c[2]@10:=0');
    // the same value as run --set gives
    const run = await runCli(['run', ...demo, '--set', 'c[2]@10:=0', '--format', 'json']);
    const pred = (JSON.parse(run.stdout) as { steps: { pred: number[] }[] }).steps[49]!.pred[0]!;
    expect(pred.toFixed(4)).toBe('0.3492');
  });

  it('refuses --set with --compare, and a bad spec, in one line', async () => {
    const both = await runCli([...demo, '--set', 'h:=0', '--compare', 'fixtures/demos/remember/rnn.json', '--snapshot']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--set opens the edited run beside the model as it is, in the place --compare would take/);
    const bad = await runCli([...demo, '--set', 'r[0]:=0', '--snapshot']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/an LSTM has i, f, g, o, c, h \(and x\), not r/);
  });
});
