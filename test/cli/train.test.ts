import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliEnv } from '../../src/cli/env.js';
import { main } from '../../src/cli/main.js';
import { lossPlot } from '../../src/cli/commands/train.js';
import { loadWeights } from '../../src/io/weights/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-train-'));
const sine = join(dir, 'sine.csv');
writeFileSync(sine, `y,flag\n${Array.from({ length: 80 }, (_, t) => `${Math.sin(t / 3).toFixed(4)},${t % 2}`).join('\n')}\n`);

describe('gatescope train', () => {
  it('trains next-value prediction and writes PyTorch-named JSON with a head, reproducibly', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const args = ['train', sine, '--hidden-size', '4', '--epochs', '3', '--window', '20', '--batch-size', '2', '--seed', '3'];
    const res = await runCli([...args, '-o', a]);
    expect(res.stderr).toMatch(/^training LSTM H=4 on next value of 2 columns: 4 windows, 2 batches\/epoch/);
    expect(res.stderr).toMatch(/epoch 3\/3 loss /);
    expect(res.stderr).toMatch(/trained 3 epochs in \d+s: best loss [\d.e-]+ at epoch \d; wrote /);
    expect(res.code).toBe(0);
    await runCli([...args, '-o', b]);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    const doc = JSON.parse(readFileSync(a, 'utf8')) as Record<string, number[][]>;
    expect(Object.keys(doc)).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'head.weight', 'head.bias']);
    expect([doc['head.weight']!.length, doc['head.weight']![0]!.length]).toEqual([2, 4]);
    // run shows the head's prediction per step
    const run = await runCli(['run', sine, '--weights', a, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).meta.head).toMatchObject({ outputs: 2, tensor: 'head.weight', bias: 'head.bias', topK: 0 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--fast trains in the SIMD kernels to nearly the float64 run\'s weights', async () => {
    const a = join(dir, 'ref.json');
    const b = join(dir, 'fast.json');
    const args = ['train', sine, '--hidden-size', '8', '--epochs', '2', '--window', '20', '--batch-size', '2', '--seed', '3'];
    expect((await runCli([...args, '-o', a])).code).toBe(0);
    const res = await runCli([...args, '--fast', '-o', b]);
    expect(res.code).toBe(0);
    const ref = JSON.parse(readFileSync(a, 'utf8')) as Record<string, number[][] | number[]>;
    const fast = JSON.parse(readFileSync(b, 'utf8')) as Record<string, number[][] | number[]>;
    expect(Object.keys(fast)).toEqual(Object.keys(ref));
    let worst = 0;
    let differs = false;
    for (const k of Object.keys(ref)) {
      const x = ref[k]!.flat();
      const y = fast[k]!.flat();
      x.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - y[i]!));
        if (v !== y[i]) differs = true;
      });
    }
    // Adam's steps are lr-sized whatever the gradient's size, so float32 rounding moves weights little
    expect(worst).toBeLessThan(1e-3);
    expect(differs).toBe(true);
  });

  it('predicts a target column from the others, into safetensors', async () => {
    const out = join(dir, 't.safetensors');
    const res = await runCli(['train', sine, '--task', 'target', '--target-column', 'flag', '--cell', 'gru', '--hidden-size', '3', '--epochs', '2', '--window', '10', '-o', out]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/on flag from 1 column/);
    const file = loadWeights(readFileSync(out), { source: out });
    expect(file.network.kind).toBe('gru');
    expect(file.network.inputSize).toBe(1);
    expect(file.extra.get('head.weight')!.shape).toEqual([1, 3]);
  });

  it('trains class labels with cross-entropy', async () => {
    const out = join(dir, 'c.json');
    const res = await runCli(['train', sine, '--task', 'target', '--target-column', '1', '--loss', 'cross-entropy', '--hidden-size', '3', '--epochs', '2', '--window', '10', '-o', out, '--plot']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/\(2 classes\)/);
    expect(res.stderr).toMatch(/accuracy 0\.\d{3} at epoch/);
    expect(res.stderr).toMatch(/│/);
    expect(JSON.parse(readFileSync(out, 'utf8'))['head.bias']).toHaveLength(2);
  });

  it('trains a char-level model on text and writes its vocabulary', async () => {
    const text = join(dir, 'b.txt');
    writeFileSync(text, '(a(b)).(c).((a)).'.repeat(4));
    const out = join(dir, 'chars.json');
    const res = await runCli(['train', text, '--input-format', 'text', '--hidden-size', '4', '--epochs', '2', '--window', '16', '-o', out]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/next token over 6 tokens/);
    expect(readFileSync(join(dir, 'chars.vocab.txt'), 'utf8')).toBe('(\na\nb\n)\n.\nc\n');
    const view = await runCli(['run', text, '--input-format', 'text', '--weights', out, '--vocab', join(dir, 'chars.vocab.txt')]);
    expect(view.code).toBe(0);
  });

  it('stops on Ctrl-C and keeps the best weights so far', async () => {
    const out = join(dir, 'stopped.json');
    const proc = new EventEmitter();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('epoch 2/')) proc.emit('SIGINT');
    });
    const stdin = new PassThrough();
    stdin.end();
    const env: CliEnv = { stdin, stdout: new PassThrough(), stderr, env: {}, cwd: dir, process: proc as unknown as NodeJS.Process };
    const code = await main(['train', sine, '--hidden-size', '3', '--epochs', '50', '--window', '20', '-o', out], env);
    expect(code).toBe(130);
    expect(err).toMatch(/stopped after 2 of 50 epochs in \d+s: best loss [\d.e-]+ at epoch [12]; wrote /);
    expect(err).not.toMatch(/epoch 3\//);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')))).toContain('head.weight');
  });

  it('refuses options that cannot work before training', async () => {
    const out = join(dir, 'x.json');
    expect((await runCli(['train', sine, '-o', join(dir, 'x.pt')])).stderr).toMatch(/--output must end in \.json .* or \.safetensors/);
    expect((await runCli(['train', sine, '--task', 'target', '-o', out])).stderr).toMatch(/--task target needs --target-column/);
    const bi = await runCli(['train', sine, '--bidirectional', '--bptt', '10', '-o', out]);
    expect(bi.code).toBe(2);
    expect(bi.stderr).toMatch(/--bptt: truncated BPTT \(window 10\) needs a forward-only network/);
    const col = await runCli(['train', sine, '--task', 'target', '--target-column', 'nope', '-o', out]);
    expect(col.code).toBe(1);
    expect(col.stderr).toMatch(/no column "nope" for --target-column; available: y, flag/);
    const ce = await runCli(['train', sine, '--task', 'target', '--target-column', 'y', '--loss', 'cross-entropy', '-o', out]);
    expect(ce.stderr).toMatch(/sine\.csv:3: --loss cross-entropy needs class indices 0, 1, 2, \.\.\. in y, got 0\.3272/);
  });
});

describe('lossPlot', () => {
  it('draws a decaying loss from the top-left to the bottom-right on a log scale', () => {
    expect(lossPlot([1, 0.1, 0.01, 0.001], 10, 4).split('\n')).toEqual([
      '     1.00 │•   ',
      '          │ •  ',
      '          │  • ',
      '  0.00100 │   •',
      '          └────',
      '           epochs 1-4, log scale',
    ]);
    expect(lossPlot([NaN])).toBe('(no loss to plot)');
  });
});
