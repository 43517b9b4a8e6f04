import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findDemo, listDemos } from '../../src/cli/demos.js';
import { runSequence } from '../../src/engine/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { parseStateDictJson } from '../../src/io/weights/state-dict-json.js';
import { runCli } from '../helpers/cli.js';

describe('gatescope demo', () => {
  it('lists every demo with what it shows and what to look at', async () => {
    const r = await runCli(['demo', '--list']);
    expect(r.code).toBe(0);
    for (const d of listDemos()) expect(r.stdout).toMatch(new RegExp(`^  ${d.name} +\\S`, 'm'));
    expect(r.stdout).toContain('Look: step 1 carries the value');
    expect(r.stdout).toMatch(/Shown\s+beside\s+remember\/rnn\.json/);
    expect(r.stdout).toMatch(/Unit 15 \(selected/);
    expect(r.stdout).toMatch(/--compare\s+fixtures\/demos\/remember\/slstm\.json/);
    expect(r.stderr).toBe('');
  });

  it('names the demos there are when asked for one that is not', async () => {
    const r = await runCli(['demo', 'rememberr']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown demo "rememberr": the demos are remember, remember-gru, sine, brackets');
  });

  it('prints the remember demo as text, the LSTM beside its RNN twin, when stdout is not a terminal', async () => {
    const r = await runCli(['demo', 'remember', '--width', '200']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo: remember');
    expect(r.stdout).toContain('step 50/50');
    expect(r.stdout).toContain('LSTM 2→8 · lstm.json');
    expect(r.stdout).toContain('RNN(tanh) 2→8 · rnn.json');
    expect(r.stdout).not.toMatch(/\u001b/);
  });

  it('prints the memory view: the LSTM reaches back further than the RNN', async () => {
    const r = await runCli(['demo', 'remember', '--memory', '--width', '120']);
    expect(r.code).toBe(0);
    const lstm = /LSTM 2→8 · lstm\.json: reaches back (\d+) steps/.exec(r.stdout);
    const rnn = /RNN\(tanh\) 2→8 · rnn\.json: reaches back (\d+) steps/.exec(r.stdout);
    expect(Number(lstm![1])).toBe(49);
    expect(Number(rnn![1])).toBeLessThan(20);
    for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(120);
  });

  it('opens a text demo with its vocabulary, labelling steps by character', async () => {
    const r = await runCli(['demo', 'brackets', '--step', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('step 3/');
    expect(r.stdout).toContain('“(”');
    expect(r.stdout).toMatch(/predicts “.” \(p 0\.\d\d\) [✓✗] · actual “.”/);
  });

  it('checks its flags before anything runs', async () => {
    expect((await runCli(['demo', 'sine', '--live', '--rate', '0'])).stderr).toContain('--rate must be');
    expect((await runCli(['demo', 'sine', '--rate', '5'])).stderr).toContain('add --live');
    expect((await runCli(['demo', 'remember', '--unit', '8'])).stderr).toContain('--unit must be a unit from 0 to 7, got 8');
    expect((await runCli(['demo', 'remember', '--panel', 'z'])).stderr).toContain("--panel \"z\": this network's panels are 1 f, 2 i, 3 g, 4 o, 5 c, 6 h");
    const c = await runCli(['demo', 'remember', '--panel', 'c', '--unit', '5', '--width', '200']);
    expect(c.stdout).toMatch(/^5c /m);
    expect(c.stdout).toMatch(/^▸5 /m);
  });

  it('shows another network with --compare on any input', async () => {
    const r = await runCli(['fixtures/demos/sine/input.csv', '-w', 'fixtures/demos/sine/lstm.json', '--compare', 'fixtures/demos/remember/lstm.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--compare needs the same input');
    const ok = await runCli(['fixtures/demos/remember/input.csv', '-w', 'fixtures/demos/remember/rnn.json', '--compare', 'fixtures/demos/remember/lstm.json', '--width', '200']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('RNN(tanh) 2→8 · rnn.json vs LSTM 2→8 · lstm.json');
  });

  it('reads the --compare file under the same --max-weights-bytes as --weights', async () => {
    // rnn.json is about 1.4 KB, lstm.json about 4.7 KB: only the compared file is over 2 KiB
    const r = await runCli(['fixtures/demos/remember/input.csv', '-w', 'fixtures/demos/remember/rnn.json', '--compare', 'fixtures/demos/remember/lstm.json', '--max-weights-bytes', '2K']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/remember\/lstm\.json: the file is \d+ bytes, more than the 2 KiB limit \(raise it with --max-weights-bytes\)/);
  });
});

describe('what the demos point at', () => {
  it("remember: unit 2's forget gate stays near 1 after the marked step, as the hint says", () => {
    const demo = findDemo('remember');
    expect(demo.select).toEqual({ unit: 2, panel: 'f' });
    const net = networkFromStateDict(parseStateDictJson(readFileSync(demo.weights, 'utf8'), 'lstm.json'), { source: 'lstm.json', kind: 'lstm' }).network;
    const rows = readFileSync(demo.input, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const H = net.hiddenSize;
    // gates are i f g o: f of unit 2 is row H + 2
    const f = runSequence(net, rows).slice(1).map((s) => s.layers[0]![0]!.gates[H + 2]!);
    expect(Math.min(...f)).toBeGreaterThan(0.85);
    expect(Math.max(...f)).toBeLessThan(1);
  });

  it('brackets: selects the depth-counting unit the manifest measured, with its h in the timeline', () => {
    const demo = findDemo('brackets');
    expect(demo.select).toEqual({ unit: 15, panel: 'h' });
  });
});
