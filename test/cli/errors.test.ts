import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { scratch } from '../helpers/scratch.js';

const { dir, file } = scratch('err');

const lstmWeights = (H: number, D: number) => {
  const m = (r: number, c: number) => Array.from({ length: r }, () => Array(c).fill(0.1));
  return { weight_ih_l0: m(4 * H, D), weight_hh_l0: m(4 * H, H), bias_ih_l0: Array(4 * H).fill(0), bias_hh_l0: Array(4 * H).fill(0) };
};

/** One line on stderr, the exit code, nothing on stdout, no stack trace. */
async function expectFailure(argv: string[], code: number, pattern: RegExp, input?: string): Promise<void> {
  const res = await runCli(argv, input === undefined ? {} : { input });
  expect(res.code).toBe(code);
  expect(res.stderr).toMatch(pattern);
  expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(res.stderr).not.toMatch(/\n\s+at /);
  expect(res.stdout).toBe('');
}

describe('usage errors exit 2 with one line', () => {
  it('rejects an unknown flag', () => expectFailure(['run', '--bogus'], 2, /^gatescope: Unknown argument: bogus/));
  it('rejects a value outside the choices, naming the flag, the value and the choices', async () => {
    await expectFailure(['run', '--cell', 'transformer'], 2, /^gatescope: --cell "transformer" is not one of "lstm", "gru", "rnn", "mingru", "minlstm", "slstm", "mlstm" \(see gatescope --help\)\n$/);
    await expectFailure(['run', 'x.csv', '--format', 'foo'], 2, /^gatescope: --format "foo" is not one of "ndjson", "json", "csv"/);
    await expectFailure(['run', 'x.csv', '--format', 'foo', '--cell', 'bar'], 2, /--format "foo" is not one of .*; --cell "bar" is not one of "lstm", "gru", "rnn", "mingru", "minlstm", "slstm", "mlstm"/);
  });
  it('rejects a bad hidden size', async () => {
    const csv = file('ok.csv', '1,2\n3,4\n');
    await expectFailure(['run', csv, '--hidden-size', '0'], 2, /--hidden-size must be a whole number from 1/);
    await expectFailure(['run', csv, '--hidden-size', '2.5'], 2, /--hidden-size must be a whole number/);
  });
  it('refuses random-weight flags next to a weights file', async () => {
    const w = file('w1.json', JSON.stringify(lstmWeights(2, 2)));
    await expectFailure(['run', file('ok2.csv', '1,2\n'), '--weights', w, '--hidden-size', '4'], 2, /--hidden-size sets up random weights/);
  });
  it('rejects --nonlinearity with an LSTM', () => expectFailure(['run', '--cell', 'lstm', '--nonlinearity', 'relu'], 2, /--nonlinearity applies to --cell rnn/));
});

describe('data errors exit 1 and name the place', () => {
  it('names a missing file', () => expectFailure(['run', join(dir, 'nope.csv')], 1, /nope\.csv: no such file or directory/));
  it('names the line and column of a bad cell', () =>
    expectFailure(['run', file('bad.csv', 'a,b\n1,2\n3,oops\n')], 1, /bad\.csv:3:2: .*"oops"/));
  it('names a ragged row', () => expectFailure(['run', file('ragged.csv', '1,2\n3\n')], 1, /ragged\.csv:2.*expected 2/));
  it('names the step with NaN', () => expectFailure(['run', file('nan.csv', '1,2\nNaN,4\n')], 1, /nan\.csv:2:1: .*NaN/i));
  it('refuses an empty input', () => expectFailure(['run', file('empty.csv', '')], 1, /empty\.csv: .*no time steps/));
  it('refuses empty stdin', () => expectFailure(['run', '-'], 1, /<stdin>: .*no time steps/, ''));
  it('names the input size mismatch', async () => {
    const w = file('w2.json', JSON.stringify(lstmWeights(2, 3)));
    await expectFailure(['run', file('two.csv', '1,2\n'), '--weights', w], 1, /two\.csv:1: expected 3 features \(the weights' input size\), got 2/);
  });
  it('names a tensor with the wrong shape', async () => {
    const bad = { ...lstmWeights(2, 2), weight_hh_l0: Array.from({ length: 2 }, () => Array(8).fill(0)) };
    await expectFailure(['run', file('x.csv', '1,2\n'), '--weights', file('w3.json', JSON.stringify(bad))], 1, /weight_hh_l0/);
    const wrongIh = { ...lstmWeights(2, 2), weight_ih_l0: Array.from({ length: 2 }, () => Array(8).fill(0)) };
    await expectFailure(['run', file('x2.csv', '1,2\n'), '--weights', file('w3b.json', JSON.stringify(wrongIh))], 1, /weight_ih_l0: expected \[8, 8\], got \[2, 8\]/);
  });
  it('names a missing tensor', async () => {
    const { bias_hh_l0: _, ...missing } = lstmWeights(2, 2);
    await expectFailure(['run', file('x3.csv', '1,2\n'), '--weights', file('w4.json', JSON.stringify(missing))], 1, /bias_hh_l0/);
  });
  it('names an unknown tensor', async () => {
    const extra = { ...lstmWeights(2, 2), weight_ih_l3: [[0]] };
    await expectFailure(['run', file('x4.csv', '1,2\n'), '--weights', file('w5.json', JSON.stringify(extra))], 1, /weight_ih_l3/);
  });
  it('names the initial state row with the wrong width', async () => {
    const w = file('w6.json', JSON.stringify(lstmWeights(2, 2)));
    const init = file('init.json', JSON.stringify({ h0: [[0, 0, 0]], c0: [[0, 0]] }));
    await expectFailure(['run', file('x5.csv', '1,2\n'), '--weights', w, '--initial-state', init], 1, /init\.json:[\d:]*: h0\[0\]: expected 2 numbers/);
  });
  it('leaves no partial -o file behind on failure', async () => {
    const out = join(dir, 'out', 'trace.ndjson');
    writeFileSync(join(dir, 'placeholder'), '');
    await runCli(['run', file('bad2.csv', '1,2\n3,x\n'), '-o', join(dir, 'trace.ndjson')]);
    expect(readdirSync(dir).filter((n) => n.includes('trace.ndjson'))).toEqual([]);
    await expectFailure(['run', file('ok3.csv', '1,2\n'), '-o', out], 1, /out\/?.*no such file or directory/);
  });
});
