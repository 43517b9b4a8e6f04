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
});
