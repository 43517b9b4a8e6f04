import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/expect-close.js';
import { runCli } from '../helpers/cli.js';
import { WEIGHTS_DIR } from '../io/weights/fixtures.js';

const MODELS = join(WEIGHTS_DIR, '..', 'models');
const TORCH = join(WEIGHTS_DIR, 'torch');

interface Expected {
  command: string[];
  y: number[][];
  pred?: number[][];
}

interface Trace {
  steps: { layers: Record<string, { h: number[] }>[]; pred?: number[] }[];
}

/** The model's own command (from its folder), with y compared against PyTorch's. */
async function runModel(name: string): Promise<{ stderr: string }> {
  const exp = JSON.parse(readFileSync(join(MODELS, `${name}.expected.json`), 'utf8')) as Expected;
  // the input by its full path: openInput reads relative to the process, the weights to env.cwd
  const [input, ...rest] = exp.command;
  const res = await runCli(['run', join(MODELS, input!), ...rest, '--format', 'json'], { cwd: MODELS });
  expect(res.stderr.split('\n').filter((l) => !l.startsWith('gatescope: note:') && l !== '')).toEqual([]);
  expect(res.code).toBe(0);
  const trace = JSON.parse(res.stdout) as Trace;
  expect(trace.steps.length).toBe(exp.y.length);
  trace.steps.forEach((s, t) => {
    const last = s.layers[s.layers.length - 1]!;
    const y = [...(last['forward']?.h ?? []), ...(last['reverse']?.h ?? [])];
    expectClose(y, exp.y[t]!, 1e-5, `${name} y[t=${t}]`);
  });
  return { stderr: res.stderr };
}

describe('gatescope run on torch.save files, as saved', () => {
  it('gru_tagger.bin: the legacy format, 2-layer bidirectional GRU', async () => {
    // the head is found by shape and said so; nothing is assumed
    expect((await runModel('gru_tagger')).stderr).toBe(
      "gatescope: note: head: out.weight [2, 8] + out.bias: the only Linear taking the GRU's 8 outputs\n",
    );
  });

  it('relu_rnn_module.pt: relu from the module, with no flag and nothing assumed', async () => {
    expect((await runModel('relu_rnn_module')).stderr).toBe('');
  });

  it('word_lm.pt: the whole module (pytorch/examples), its encoder embedding fed by the vocabulary', async () => {
    expect((await runModel('word_lm')).stderr).toBe(
      "gatescope: note: head: decoder.weight [10, 7] + decoder.bias: the only Linear taking the LSTM's 7 outputs\n" +
        "gatescope: note: embedding: encoder.weight [10, 5]: the only table of rows of 5 (the LSTM's input size) without a bias\n",
    );
  });

  it('relu_rnn_state.pt --nonlinearity relu', async () => {
    expect((await runModel('relu_rnn_state')).stderr).toBe('');
  });

  it('relu_rnn_state.pt alone: says on stderr that it assumed tanh', async () => {
    const res = await runCli(['run', join(MODELS, 'relu_rnn.input.csv'), '--weights', 'relu_rnn_state.pt', '--format', 'json'], { cwd: MODELS });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(
      "gatescope: note: relu_rnn_state.pt: a state_dict cannot record an RNN's nonlinearity: assumed tanh (say --nonlinearity relu if it is ReLU)\n",
    );
  });

  it('--nonlinearity tanh against a module that records relu: one line naming both, exit 1', async () => {
    const res = await runCli(['run', join(MODELS, 'relu_rnn.input.csv'), '--weights', 'relu_rnn_module.pt', '--nonlinearity', 'tanh'], { cwd: MODELS });
    expect(res.code).toBe(1);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/relu_rnn_module\.pt: the file records rnn as RNN\(relu\) .* but --cell\/--nonlinearity say RNN\(tanh\)/);
  });
});

describe('gatescope inspect on torch.save files', () => {
  it('shows the format, the checkpoint key and the module attributes', async () => {
    const a = await runCli(['inspect', join(MODELS, 'forecaster.pth')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^format {6}PyTorch torch\.save, PyTorch names, prefix "lstm\."\nsaved {7}a state_dict in checkpoint\["model_state_dict"\], zip format\n/);
    expect(a.stdout).toContain("note        took the model from checkpoint['model_state_dict'] (not used: 'epoch', 'optimizer_state_dict', 'loss')");
    const b = await runCli(['inspect', join(MODELS, 'word_lm.pt'), '--json']);
    const desc = JSON.parse(b.stdout) as { format: string; torch: { saved: string; modules: { path: string; attributes: Record<string, unknown> }[] } };
    expect(desc.format).toBe('pytorch');
    expect(desc.torch.saved).toBe('module');
    expect(desc.torch.modules[0]).toMatchObject({ path: 'rnn', attributes: { mode: 'LSTM', hidden_size: 7, num_layers: 2, batch_first: false } });
  });

  it('--checkpoint-key chooses between two models; without it, both are named', async () => {
    const no = await runCli(['inspect', join(TORCH, 'two_models.pth')]);
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(/two_models\.pth: the checkpoint holds recurrent weights under 'model', 'ema_model'; choose one with --checkpoint-key\n$/);
    const yes = await runCli(['inspect', join(TORCH, 'two_models.pth'), '--checkpoint-key', 'ema_model']);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('saved       a state_dict in checkpoint["ema_model"], zip format');
  });

  it('a pickle naming os.system: one line naming the global, exit 1', async () => {
    const res = await runCli(['inspect', join(TORCH, 'evil_system.pt')]);
    expect(res.code).toBe(1);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/evil_system\.pt: archive\/data\.pkl: refuses global posix\.system/);
  });
});
