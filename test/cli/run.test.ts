import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-run-'));
const csv = join(dir, 'x.csv');
writeFileSync(csv, 'speed,angle\n0.5,-1\n1,0.25\n-0.5,2\n');

describe('gatescope run', () => {
  it('writes one NDJSON object per step with the cell\'s states', async () => {
    const res = await runCli(['run', csv, '--cell', 'gru', '--hidden-size', '3']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.t)).toEqual([0, 1, 2]);
    expect(Object.keys(lines[0].layers[0].forward)).toEqual(['r', 'z', 'n', 'h']);
    expect(lines[0].x).toEqual([0.5, -1]);
    expect(lines[2].y).toEqual(lines[2].layers[0].forward.h);
  });

  it('writes CSV with a header naming every column', async () => {
    const res = await runCli(['run', csv, '--cell', 'rnn', '--hidden-size', '2', '--format', 'csv']);
    const [header, ...rows] = res.stdout.trim().split('\n');
    expect(header).toBe('t,x0,x1,l0.forward.h.0,l0.forward.h.1,y.0,y.1');
    expect(rows).toHaveLength(3);
    expect(rows[1]!.split(',')[0]).toBe('1');
  });

  it('writes one JSON document with meta, steps and final states', async () => {
    const res = await runCli(['run', csv, '--hidden-size', '2', '--layers', '2', '--bidirectional', '--seed', '5', '--format', 'json']);
    const doc = JSON.parse(res.stdout);
    expect(doc.meta).toMatchObject({ cell: 'lstm', inputSize: 2, hiddenSize: 2, numLayers: 2, directions: ['forward', 'reverse'], seed: 5, features: ['speed', 'angle'] });
    expect(doc.steps).toHaveLength(3);
    expect(doc.final.h_n).toHaveLength(4);
    // the reverse final state is the one at t = 0
    expect(doc.final.h_n[3]).toEqual(doc.steps[0].layers[1].reverse.h);
    expect(doc.final.h_n[2]).toEqual(doc.steps[2].layers[1].forward.h);
  });

  it('reads stdin, and a seed changes the numbers', async () => {
    const text = readFileSync(csv, 'utf8');
    const a = await runCli(['run', '-'], { input: text });
    const b = await runCli(['run'], { input: text });
    const c = await runCli(['run', '-', '--seed', '1'], { input: text });
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it('init writes the same weights that random runs use', async () => {
    const init = await runCli(['init', '--input-size', '2', '--hidden-size', '3', '--cell', 'gru', '--seed', '9']);
    expect(init.code).toBe(0);
    const w = join(dir, 'w.json');
    writeFileSync(w, init.stdout);
    expect(Object.keys(JSON.parse(init.stdout))).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
    const fromFile = await runCli(['run', csv, '--weights', w]);
    const random = await runCli(['run', csv, '--cell', 'gru', '--hidden-size', '3', '--seed', '9']);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.stdout).toBe(random.stdout);
  });

  it('writes -o files atomically and completely', async () => {
    const out = join(dir, 'trace.csv');
    const res = await runCli(['run', csv, '--format', 'csv', '-o', out]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run \[input\]/);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
