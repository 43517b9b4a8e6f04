import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomNetwork, runSequence, STATE_NAMES } from '../../src/engine/index.js';
import { StatsAccumulator } from '../../src/engine/stats.js';
import { runCli } from '../helpers/cli.js';
import { expectClose } from '../helpers/expect-close.js';
import { f32, npyBytes } from '../io/npy-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-stats-'));
const csv = join(dir, 'x.csv');
const rows = Array.from({ length: 40 }, (_, t) => [Math.sin(t / 3), Math.cos(t / 5) * 2]);
writeFileSync(csv, `speed,angle\n${rows.map((r) => r.join(',')).join('\n')}\n`);

interface StatsDoc {
  meta: { steps: number; cell: string; directions: string[]; hiddenSize: number };
  stats: { layer: number; direction: string; state: string; saturation: string | null; mean: number[]; std: number[]; min: number[]; max: number[]; saturated: number[] | null }[];
}

describe('gatescope stats', () => {
  it('prints a table with one block per layer, direction and state', async () => {
    const res = await runCli(['stats', csv, '--hidden-size', '3', '--layers', '2']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe(`LSTM: 2 layers, forward, H=3, D=2; 40 steps of ${csv}; random weights, seed 0`);
    const blocks = lines.filter((l) => l.startsWith('layer '));
    expect(blocks.map((l) => l.split(' (')[0])).toEqual(
      [0, 1].flatMap((k) => STATE_NAMES.lstm.map((s) => `layer ${k} forward ${s}`)),
    );
    expect(blocks[0]).toMatch(/^layer 0 forward i \(sigmoid: saturated below 0.02 or above 0.98\): \d saturated, \d dead of 3$/);
    expect(blocks[4]).toContain('layer 0 forward c (unbounded)');
    // header + 3 unit rows per block
    const firstBlock = lines.indexOf(blocks[0]!);
    expect(lines[firstBlock + 1]).toMatch(/unit\s+mean\s+std\s+min\s+max\s+sat/);
    expect(lines[firstBlock + 4]).toMatch(/^\s+2\s+-?\d/);
  });

  it('gives the reference engine\'s statistics as JSON', async () => {
    const res = await runCli(['stats', csv, '--cell', 'gru', '--hidden-size', '4', '--bidirectional', '--layers', '2', '--seed', '3', '-f', 'json']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as StatsDoc;
    expect(doc.meta).toMatchObject({ steps: 40, cell: 'gru', directions: ['forward', 'reverse'], hiddenSize: 4 });
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 3 });
    const acc = new StatsAccumulator(net);
    for (const s of runSequence(net, rows)) acc.add(s);
    const expected = acc.result().groups;
    expect(doc.stats).toHaveLength(expected.length);
    doc.stats.forEach((g, i) => {
      const e = expected[i]!;
      expect([g.layer, g.direction, g.state, g.saturation]).toEqual([e.layer, e.direction, e.state, e.saturation]);
      for (const key of ['mean', 'std', 'min', 'max'] as const) expectClose(g[key], e[key], 1e-5, `${g.layer}.${g.direction}.${g.state}.${key}[{i}]`);
      expectClose(g.saturated!, e.saturated!, 1 / 40, `${g.state}.saturated[{i}]`);
    });
  });

  it('marks saturated and dead units', async () => {
    // a ReLU RNN whose only unit never fires: dead
    const weights = join(dir, 'dead.json');
    writeFileSync(weights, JSON.stringify({ weight_ih_l0: [[0, 0]], weight_hh_l0: [[0]], bias_ih_l0: [-1], bias_hh_l0: [0] }));
    const res = await runCli(['stats', csv, '--weights', weights, '--nonlinearity', 'relu']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('layer 0 forward h (unbounded): 0 saturated, 1 dead of 1');
    expect(res.stdout).toMatch(/\n\s+0\s+0\.0000\s+0\.0000\s+0\.0000\s+0\.0000\s+-\s+dead\n/);
    // a tanh RNN driven hard: saturated
    writeFileSync(weights, JSON.stringify({ weight_ih_l0: [[0, 0]], weight_hh_l0: [[0]], bias_ih_l0: [9], bias_hh_l0: [0] }));
    const sat = await runCli(['stats', csv, '--weights', weights, '--cell', 'rnn']);
    expect(sat.stdout).toContain('1 saturated, 0 dead of 1');
    expect(sat.stdout).toMatch(/100\.0%\s+saturated/);
  });

  it('answers first: the flagged units under a stated rule, whose threshold is a flag', async () => {
    // h = tanh(x): 46 of 50 steps at x = 10 (saturated +1), 4 at 0: pinned 92% of the time
    const pinned = join(dir, 'pinned.csv');
    writeFileSync(pinned, `a\n${Array.from({ length: 50 }, (_, t) => (t % 12 === 5 ? 0 : 10)).join('\n')}\n`);
    const weights = join(dir, 'pinned.json');
    writeFileSync(weights, JSON.stringify({ weight_ih_l0: [[1], [0.01]], weight_hh_l0: [[0, 0], [0, 0]], bias_ih_l0: [0, 0], bias_hh_l0: [0, 0] }));
    const res = await runCli(['stats', pinned, '--weights', weights, '--cell', 'rnn']);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[1]).toMatch(/^flagged units: saturated = .* on at least 90% of the steps \(--saturated 0.9\)/);
    expect(lines[3]).toBe('  layer 0 forward h: 1 saturated +1 (unit 0)');
    expect(res.stdout).toMatch(/\n\s+0\s+.*92\.0%\s+saturated \+1\n/);
    const strict = await runCli(['stats', pinned, '--weights', weights, '--cell', 'rnn', '--saturated', '0.95']);
    expect(strict.stdout).toContain('  none of the 2 units in any layer, direction or state');
    expect(strict.stdout).toContain('on at least 95% of the steps');
    const bad = await runCli(['stats', pinned, '--weights', weights, '--cell', 'rnn', '--saturated', '95']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--saturated must be a fraction of the steps');
    // sorted by std, largest first; flagged rows only
    const sorted = await runCli(['stats', pinned, '--weights', weights, '--cell', 'rnn', '--sort', 'std', '--flagged']);
    const rows = sorted.stdout.split('\n').filter((l) => /^\s+\d+\s/.test(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^\s+0\s/);
    const json = JSON.parse((await runCli(['stats', pinned, '--weights', weights, '--cell', 'rnn', '-f', 'json'])).stdout) as { meta: { flags: { saturatedFraction: number } }; stats: { flagged: Record<string, number[]> }[] };
    expect(json.meta.flags.saturatedFraction).toBe(0.9);
    expect(json.stats[0]!.flagged).toEqual({ 'saturated +1': [0] });
  });

  it('writes to a file with -o and reads stdin', async () => {
    const out = join(dir, 'stats.json');
    const res = await runCli(['stats', '-', '-f', 'json', '-o', out], { input: readFileSync(csv) });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as StatsDoc).meta.steps).toBe(40);
  });

  it('reads an .npy file straight from its bytes, with the same numbers as its CSV', async () => {
    // multiples of 1/8: exact in float32 and in decimal
    const vals = Array.from({ length: 60 }, (_, t) => [((t * 5) % 17) / 8 - 1, ((t * 3) % 11) / 8]);
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, npyBytes('<f4', [60, 2], f32(vals.flat())));
    const asCsv = join(dir, 'x8.csv');
    writeFileSync(asCsv, `x0,x1\n${vals.map((r) => r.join(',')).join('\n')}\n`);
    for (const flags of [['--hidden-size', '5'], ['--bidirectional', '--layers', '2', '--cell', 'gru']]) {
      const a = await runCli(['stats', npy, '-f', 'json', ...flags]);
      const b = await runCli(['stats', asCsv, '-f', 'json', ...flags]);
      expect(a.stderr).toBe('');
      const [da, db] = [JSON.parse(a.stdout) as StatsDoc, JSON.parse(b.stdout) as StatsDoc];
      expect(da.meta.steps).toBe(60);
      expect(da.stats).toEqual(db.stats);
    }
    // a bad value stops with io's message, naming the tensor element
    const bad = join(dir, 'nan.npy');
    writeFileSync(bad, npyBytes('<f4', [3, 2], f32([1, 2, 3, NaN, 5, 6])));
    const res = await runCli(['stats', bad]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`gatescope: ${bad}: data[t=1, 1]: NaN at t=1 (feature x1): expected a finite number (pass --allow-nan to accept it)\n`);
    // and a width the weights do not take, as for any input
    const w = join(dir, 'w3.json');
    writeFileSync(w, (await runCli(['init', '--input-size', '3'])).stdout);
    const wrong = await runCli(['stats', npy, '--weights', w]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(npy);
    expect(wrong.stderr).toContain('expected 3 features');
  });

  it('reports bad data and bad usage in one line', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3\n');
    const res = await runCli(['stats', bad]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('bad.csv');
    const usage = await runCli(['stats', csv, '--format', 'xml']);
    expect(usage.code).toBe(2);
  });
});
