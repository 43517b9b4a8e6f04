import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const DEMO = join(process.cwd(), 'fixtures', 'demos', 'remember');
const input = join(DEMO, 'input.csv');

describe('gatescope memory', () => {
  it('prints the sensitivity per step as JSON, and the LSTM reaches back to step 0', async () => {
    const res = await runCli(['memory', input, '--weights', join(DEMO, 'lstm.json')]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { cell: string; T: number; sensitivity: { t: number; x: number; h: number; c: number }[] };
    expect(doc.cell).toBe('lstm');
    expect(doc.T).toBe(50);
    expect(Object.keys(doc.sensitivity[0]!)).toEqual(['t', 'x', 'h', 'c']);
    expect(doc.sensitivity[49]!.h).toBeCloseTo(Math.sqrt(8), 6);
    expect(doc.sensitivity[0]!.x).toBeGreaterThan(0.01 * doc.sensitivity[49]!.x);
  });

  it('compares with the RNN twin side by side in CSV', async () => {
    const res = await runCli(['memory', input, '-w', join(DEMO, 'lstm.json'), '--compare', join(DEMO, 'rnn.json'), '--format', 'csv']);
    expect(res.code).toBe(0);
    const [header, ...rows] = res.stdout.trim().split('\n');
    expect(header).toBe('t,x,h,c,compare.x,compare.h');
    expect(rows).toHaveLength(50);
    const first = rows[0]!.split(',').map(Number);
    expect(first[1]! / first[4]!).toBeGreaterThan(1e4); // step 0 counts far more for the LSTM
  });

  it('works with random weights and an initial state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-mem-'));
    const state = join(dir, 's.json');
    writeFileSync(state, JSON.stringify({ h0: [[0.5, -0.5]] }));
    const a = await runCli(['memory', input, '--cell', 'gru', '--hidden-size', '2']);
    const b = await runCli(['memory', input, '--cell', 'gru', '--hidden-size', '2', '--initial-state', state]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(JSON.parse(a.stdout).sensitivity[0].c).toBeUndefined();
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('names a --compare network that takes other inputs', async () => {
    const res = await runCli(['memory', input, '-w', join(DEMO, 'lstm.json'), '--compare', join(process.cwd(), 'fixtures', 'demos', 'brackets', 'lstm.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/brackets\/lstm\.json: takes 6 inputs per step, the main network 2: --compare needs the same input/);
  });
});
