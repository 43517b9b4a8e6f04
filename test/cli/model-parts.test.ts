/**
 * Nothing silently wrong around the recurrent module: each case here exited 0 with wrong numbers
 * (or a header that did not match its rows) before the head / embedding / vocabulary work.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { f64, npyBytes } from '../io/npy-bytes.js';

const M = 'fixtures/models';
const m = (f: string): string => join(M, f);
const dir = mkdtempSync(join(tmpdir(), 'gs-parts-'));
const tmp = (name: string, content: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** A 1-unit tanh RNN on 1 input, plus whatever tensors `extra` adds. */
const rnnWith = (extra: Record<string, unknown>): string =>
  JSON.stringify({ 'rnn.weight_ih_l0': [[0.5]], 'rnn.weight_hh_l0': [[0.25]], ...extra });
const oneLine = (s: string): string[] => s.trimEnd().split('\n');

describe('the embedding and the vocabulary', () => {
  it('refuses text into an embedding model without --vocab, saying how to pass it', async () => {
    const r = await runCli(['run', m('char_lm.input.txt'), '--weights', m('json/char_lm.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr).at(-1)).toBe(
      "gatescope: fixtures/models/char_lm.input.txt: text input into a model with an embedding (embed.weight, 12 rows) needs the vocabulary it was trained with: a vocabulary built from the text's first-seen order would map tokens to the wrong rows (pass --vocab FILE: a JSON list, a {token: index} dict, {\"itos\": [...]}, or one token per line)",
    );
  });

  it('refuses a vocabulary whose size differs from the embedding rows, naming both numbers and files', async () => {
    const short = tmp('short.vocab.txt', readFileSync(m('word_lm.vocab.txt'), 'utf8').split('\n').slice(0, 9).join('\n'));
    const r = await runCli(['run', m('word_lm.input.txt'), '--weights', m('json/word_lm.json'), '--vocab', short, '--tokens', 'words']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr).at(-1)).toBe(
      `gatescope: ${short}: the vocabulary has 9 tokens but the embedding encoder.weight in fixtures/models/json/word_lm.json has 10 rows (pass the vocabulary the model was trained with)`,
    );
  });

  it('reads a {char: idx} vocabulary as its tokens, not as one token', async () => {
    const r = await runCli(['run', m('char_lm.input.txt'), '--weights', m('json/char_lm.json'), '--vocab', m('char_lm.vocab.json'), '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).meta.head.classes).toEqual([' ', ',', 'd', 'e', 'h', 'i', 'l', 'n', 'o', 'r', 't', 'w']);
  });

  it('refuses numbers into an embedding model, unless --embedding none', async () => {
    const r = await runCli(['run', m('gru_tagger.input.csv'), '--weights', m('json/char_lm.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the weights have an embedding (embed.weight); expected text input (--input-format text) (if that tensor is not an embedding, pass --embedding none)');
    const none = await runCli(['run', m('gru_tagger.input.csv'), '--weights', m('json/char_lm.json'), '--embedding', 'none']);
    expect(none.stderr).toContain("expected 6 features (the weights' input size), got 3");
  });
});

describe('the head', () => {
  it('takes no head from an MLP head and says why; refuses --head on its first layer', async () => {
    const w = tmp('mlp.json', rnnWith({ 'fc1.weight': [[1], [2], [3]], 'fc1.bias': [0, 0, 0], 'fc2.weight': [[1, 1, 1]], 'fc2.bias': [0] }));
    const r = await runCli(['run', '-', '--weights', w], { input: '1\n2\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('"pred"');
    expect(r.stderr).toBe(
      "gatescope: note: no head: fc1.weight [3, 1] takes the RNN(tanh)'s 1 outputs but its 3 outputs feed fc2.weight [1, 3] (a head of several layers, with an activation between them, cannot be reproduced): pred is not computed\n",
    );
    const named = await runCli(['run', '-', '--weights', w, '--head', 'fc1'], { input: '1\n' });
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('--head "fc1": its 3 outputs feed fc2.weight [1, 3]');
  });

  it('refuses two heads that fit, naming both and the flag; --head picks', async () => {
    const w = tmp('two.json', rnnWith({ 'a.weight': [[1]], 'a.bias': [0], 'b.weight': [[2]], 'b.bias': [0.5] }));
    const r = await runCli(['run', '-', '--weights', w], { input: '1\n' });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr).at(-1)).toBe(
      `gatescope: ${w}: 2 Linear layers take the RNN(tanh)'s 1 outputs: a.weight [1, 1], b.weight [1, 1] (name the head with --head a (or --head none))`,
    );
    const b = await runCli(['run', '-', '--weights', w, '--head', 'b', '--format', 'json'], { input: '1\n' });
    expect(b.code).toBe(0);
    const step = JSON.parse(b.stdout).steps[0];
    expect(step.pred[0]).toBeCloseTo(2 * step.y[0] + 0.5, 6);
    const none = await runCli(['run', '-', '--weights', w, '--head', 'none'], { input: '1\n' });
    expect(none.stdout).not.toContain('"pred"');
  });

  it('refuses --head and --embedding without a weights file', async () => {
    const r = await runCli(['run', '-', '--head', 'fc'], { input: '1\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--head names a tensor of a weights file; it needs --weights');
  });
});

describe('--top-k and probabilities', () => {
  it('writes none for numbers by default, and the top k when asked', async () => {
    const args = ['run', m('gru_tagger.input.csv'), '--weights', m('json/gru_tagger.json'), '--format', 'json'];
    const plain = JSON.parse((await runCli(args)).stdout);
    expect(plain.steps[0].probs).toBeUndefined();
    const asked = JSON.parse((await runCli([...args, '--top-k', '1'])).stdout);
    expect(asked.steps[0].probs).toHaveLength(2);
    expect(asked.steps[0].top).toHaveLength(1);
    expect(asked.steps[0].top[0].token).toBeUndefined();
  });

  it('turns them off with --top-k 0 and limits them with --top-k N', async () => {
    const args = ['run', m('char_lm.input.txt'), '--weights', m('json/char_lm.json'), '--vocab', m('char_lm.vocab.json'), '--format', 'json'];
    expect(JSON.parse((await runCli([...args, '--top-k', '0'])).stdout).steps[0].probs).toBeUndefined();
    expect(JSON.parse((await runCli([...args, '--top-k', '2'])).stdout).steps[0].top).toHaveLength(2);
  });

  it('refuses --top-k over one output or without a head', async () => {
    const one = await runCli(['run', m('forecaster.input.csv'), '--weights', m('json/forecaster.json'), '--columns', 'sin,cos', '--top-k', '3']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('--top-k: the head has one output, and a softmax over one output is always 1');
    const none = await runCli(['run', '-', '--top-k', '3'], { input: '1\n' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--top-k needs a head');
    const bad = await runCli(['run', '-', '--top-k', '-1'], { input: '1\n' });
    expect(bad.code).toBe(2);
  });
});

describe('the CSV trace', () => {
  it('of an embedding model has as many header columns as every row, as pandas.read_csv needs', async () => {
    const r = await runCli(['run', m('char_lm.input.txt'), '--weights', m('json/char_lm.json'), '--vocab', m('char_lm.vocab.json'), '--format', 'csv']);
    expect(r.code).toBe(0);
    // csv-parse refuses a row whose field count differs from the header's, as pandas does
    const rows = parseCsv(r.stdout, { columns: true }) as Record<string, string>[];
    const header = (parseCsv(r.stdout, { to: 1 }) as string[][])[0]!;
    expect(new Set(header).size).toBe(header.length);
    expect(rows).toHaveLength(14);
    // x is the token's embedding row (6), not the 12-token vocabulary
    expect(header.filter((h) => /^x\d+$/.test(h))).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5']);
    expect(header.filter((h) => h.startsWith('prob.'))).toHaveLength(12);
    expect(header.slice(-3)).toEqual(['top5.index', 'top5.p', 'top5.token']);
    // tokens such as " " and "," are quoted fields, read back as themselves
    const vocab = Object.keys(JSON.parse(readFileSync(m('char_lm.vocab.json'), 'utf8')) as Record<string, number>);
    for (const row of rows) expect(row['top1.token']).toBe(vocab[Number(row['top1.index'])]);
  });
});

describe('--columns with a timestamp column', () => {
  it('skips the column it does not pick', async () => {
    const r = await runCli(['run', m('forecaster.input.csv'), '--weights', m('json/forecaster.json'), '--columns', 'sin,cos']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(12);
  });
});

describe('a 3-d .npy', () => {
  const values = Array.from({ length: 12 }, (_, i) => i / 10);
  it('that reads as both [T, B, D] and [B, T, D] is refused, naming both readings and the flags', async () => {
    const file = tmp('batch.npy', npyBytes('<f8', [2, 3, 2], f64(values)));
    const r = await runCli(['run', file, '--weights', m('json/forecaster.json')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr).at(-1)).toBe(
      `gatescope: ${file}: header.shape: (2, 3, 2) is either 2 steps of a batch of 3 (T, B, D) or 2 sequences of 3 steps (B, T, D) (pass --no-batch-first for (T, B, D), PyTorch's default, or --batch-first for (B, T, D))`,
    );
    const bf = await runCli(['run', file, '--weights', m('json/forecaster.json'), '--batch-first']);
    expect(bf.stdout.trimEnd().split('\n')).toHaveLength(3);
    const tf = await runCli(['run', file, '--weights', m('json/forecaster.json'), '--no-batch-first']);
    expect(tf.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('with a batch of one is read without a flag', async () => {
    const file = tmp('one.npy', npyBytes('<f8', [1, 6, 2], f64(values)));
    const r = await runCli(['run', file, '--weights', m('json/forecaster.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(6);
  });
});
