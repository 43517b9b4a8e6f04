import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { WEIGHTS_DIR } from '../io/weights/fixtures.js';

const fixture = (name: string): string => join(WEIGHTS_DIR, name);

describe('gatescope inspect', () => {
  it('describes a safetensors checkpoint', async () => {
    const res = await runCli(['inspect', fixture('lstm_2l_bidir.f32.safetensors')]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^format {6}safetensors, PyTorch names, prefix "lstm\."\nnetwork {5}LSTM, input 3, hidden 4, 2 layers, bidirectional, bias\n/);
  });

  it('prints JSON with --json', async () => {
    const res = await runCli(['inspect', fixture('onnx_gru_lbr0.onnx'), '--json']);
    const desc = JSON.parse(res.stdout) as { cell: string; linearBeforeReset: boolean; format: string };
    expect(desc).toMatchObject({ cell: 'gru', linearBeforeReset: false, format: 'onnx' });
  });

  it('fails with one line naming the file and the node choice', async () => {
    const res = await runCli(['inspect', fixture('onnx_two_lstms.onnx')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/onnx_two_lstms\.onnx: .*choose one with --node NAME/);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    const ok = await runCli(['inspect', fixture('onnx_two_lstms.onnx'), '--node', 'left']);
    expect(ok.stdout).toContain('nodes       "left"');
  });

  describe('says which tensors run takes as the embedding and the head, and why (real models)', () => {
    const models = join('fixtures', 'models', 'json');
    const cases: [string, string, string | null][] = [
      ['char_lm.json', "head        fc.weight [12, 8] + fc.bias: the only Linear taking the LSTM's 8 outputs", 'embedding   embed.weight [12, 6]'],
      ['classifier.json', "head        classifier.weight [3, 10] + classifier.bias: the only Linear taking the LSTM's 10 outputs", 'embedding   encoder.embedding.weight [8, 4]'],
      ['classifier.safetensors', 'head        classifier.weight [3, 10] + classifier.bias', 'embedding   encoder.embedding.weight [8, 4]'],
      ['word_lm.json', "head        decoder.weight [10, 7] + decoder.bias: the only Linear taking the LSTM's 7 outputs", 'embedding   encoder.weight [10, 5]'],
      ['forecaster.json', "head        linear.weight [1, 6] + linear.bias: the only Linear taking the LSTM's 6 outputs", null],
      ['gru_tagger.json', "head        out.weight [2, 8] + out.bias: the only Linear taking the GRU's 8 outputs", null],
      ['relu_rnn_state.json', "head        head.weight [1, 5] + head.bias: the only Linear taking the RNN(tanh)'s 5 outputs", null],
    ];
    it.each(cases)('%s', async (file, head, embedding) => {
      const res = await runCli(['inspect', join(models, file)]);
      expect(res.code).toBe(0);
      expect(res.stderr).toBe('');
      const lines = res.stdout.split('\n');
      expect(lines.some((l) => l.startsWith(head))).toBe(true);
      if (embedding !== null) expect(lines.some((l) => l.startsWith(`${embedding}: the only table of rows of`))).toBe(true);
      else expect(lines.some((l) => l.startsWith('embedding'))).toBe(false);
      expect(lines.some((l) => l.startsWith('recurrent   ') && l.endsWith('...: the only module with PyTorch recurrent names'))).toBe(true);
      // nothing the commands use is "not used"
      expect(lines.some((l) => l.startsWith('not used'))).toBe(false);
    });

    it('in JSON too', async () => {
      const res = await runCli(['inspect', join(models, 'char_lm.json'), '--json']);
      const d = JSON.parse(res.stdout) as { head: unknown; embedding: unknown; ignored: string[]; tensors: { name: string; role: string }[] };
      expect(d.head).toEqual({ tensor: 'fc.weight', bias: 'fc.bias', outputs: 12 });
      expect(d.embedding).toEqual({ tensor: 'embed.weight', vocabulary: 12 });
      expect(d.ignored).toEqual([]);
      expect(d.tensors.find((t) => t.name === 'fc.weight')?.role).toBe('head: 12 outputs');
    });

    it('and --head / --embedding change the answer as they change the run', async () => {
      const res = await runCli(['inspect', join(models, 'char_lm.json'), '--head', 'none', '--embedding', 'none', '--prefix', 'lstm.']);
    expect(res.stdout).toContain('recurrent   lstm.weight_ih_l0, lstm.weight_hh_l0, ...: chosen with --prefix');
      expect(res.stdout).toContain('not used    embed.weight, fc.weight, fc.bias');
      expect(res.stdout).not.toMatch(/^head /m);
      const bad = await runCli(['inspect', join(models, 'char_lm.json'), '--head', 'decoder']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--head "decoder": no such module or tensor (the 2-d *.weight tensors outside the recurrent module: embed.weight [12, 6], fc.weight [12, 8])');
    });
  });

  it('lists the ONNX MatMul head as the head, not as "not used"', async () => {
    const res = await runCli(['inspect', fixture('lstm_2l_bidir.onnx')]);
    expect(res.stdout).toContain('head: 2 outputs [as head.weight, transposed]');
    expect(res.stdout).not.toMatch(/^not used/m);
  });

  it('says what the shapes cannot decide instead of failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-inspect-'));
    const w = join(dir, 'mlp.json');
    writeFileSync(w, JSON.stringify({ weight_ih_l0: [[1]], weight_hh_l0: [[1]], 'fc1.weight': [[1], [2]], 'fc1.bias': [0, 0], 'fc2.weight': [[1, 1]], 'fc2.bias': [0] }));
    const res = await runCli(['inspect', w]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("no head     fc1.weight [2, 1] takes the RNN(tanh)'s 1 outputs but its 2 outputs feed fc2.weight [1, 2]");
    expect(res.stdout).toContain('  fc1.weight    json  [2, 1]  not used: feeds fc2.weight (a head of several layers)');
  });
});
