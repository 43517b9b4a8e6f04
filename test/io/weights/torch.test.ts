import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSequence, type CellKind } from '../../../src/engine/index.js';
import { InputError } from '../../../src/io/errors.js';
import { describeWeights, detectWeightsFormat, formatWeightsDescription, loadWeights } from '../../../src/io/weights/index.js';
import { unpickle, type PickleHooks } from '../../../src/io/weights/pickle.js';
import { readTorchFile } from '../../../src/io/weights/torch.js';
import { expectClose } from '../../helpers/expect-close.js';
import { WEIGHTS_DIR } from './fixtures.js';
import { messageOf } from '../../helpers/input-error.js';

const TORCH_DIR = join(WEIGHTS_DIR, 'torch');
const MODELS_DIR = join(WEIGHTS_DIR, '..', 'models');
/** What make_torch.py's hostile pickles would create if anything in them ran. */
const MARKER = '/tmp/gatescope-pickle-ran-MARKER';

interface Expected {
  checkpointKey: string | null;
  saved: 'state_dict' | 'module';
  modules: { path: string; className: string; attributes: Record<string, string | number | boolean> }[];
  tensors: { name: string; dtype: string; shape: number[]; values: number[] }[];
}

const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

function expectTensors(file: string, dir: string, want: Expected): void {
  // two_models.pth needs the choice made (its refusal is tested below)
  const checkpointKey = file === 'two_models.pth' ? (want.checkpointKey ?? undefined) : undefined;
  const got = readTorchFile(bytesOf(join(dir, file)), { source: file, checkpointKey });
  expect(got.checkpointKey, `${file}: checkpoint key`).toBe(want.checkpointKey);
  expect(got.saved, `${file}: what was saved`).toBe(want.saved);
  expect(got.infos.map((i) => i.name), `${file}: names in order`).toEqual(want.tensors.map((t) => t.name));
  for (const t of want.tensors) {
    const info = got.infos.find((i) => i.name === t.name)!;
    expect(info.dtype, `${file}: ${t.name} dtype`).toBe(t.dtype);
    expect(info.shape, `${file}: ${t.name} shape`).toEqual(t.shape);
    if (t.dtype === 'I64') {
      expect(got.tensors.has(t.name), `${file}: ${t.name} is listed, not decoded`).toBe(false);
      continue;
    }
    // float32 values read back exactly (f16/bf16/f64 widened or rounded as torch's .float() does)
    const data = got.tensors.get(t.name)!.data;
    expectClose(data, Float32Array.from(t.values), 0, `${file}: ${t.name}`);
  }
  const attrs = got.modules.map((m) => ({ path: m.path, className: m.className, attributes: Object.fromEntries(m.attributes) }));
  const wantAttrs = want.modules.map((m) => ({ ...m, attributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, v])) }));
  expect(attrs, `${file}: module attributes`).toEqual(wantAttrs);
}

describe('the eight real-world models: every tensor as torch.load reads it', () => {
  const models = json<Record<string, Expected>>(join(TORCH_DIR, 'models.expected.json'));
  for (const [file, want] of Object.entries(models)) {
    it(`${file}: names, dtypes, shapes, values, checkpoint key and attributes`, () => expectTensors(file, MODELS_DIR, want));
  }
});

describe('edge cases: protocols, byte order, views, tied weights, dtypes, legacy modules', () => {
  const edge = json<Record<string, Expected>>(join(TORCH_DIR, 'edge.expected.json'));
  for (const [file, want] of Object.entries(edge)) {
    it(`${file}: every tensor as torch.load reads it`, () => expectTensors(file, TORCH_DIR, want));
  }

  it('tied weights share one storage and both names come out', () => {
    const got = readTorchFile(bytesOf(join(TORCH_DIR, 'tied.pt')), { source: 'tied.pt' });
    expect(Array.from(got.tensors.get('decoder.weight')!.data)).toEqual(Array.from(got.tensors.get('encoder.weight')!.data));
  });
});

interface ModelExpected {
  command: string[];
  cell: CellKind;
  y: number[][];
  h_n: number[][];
  notes: string[];
}

/** Runs the loaded network over the model's CSV input, as `gatescope run` would, and compares y. */
function runAgainstPytorch(name: string, weights: string, kind?: CellKind): string[] {
  const exp = json<ModelExpected>(join(MODELS_DIR, `${name}.expected.json`));
  const file = loadWeights(bytesOf(join(MODELS_DIR, weights)), { source: weights, kind });
  expect(file.network.kind).toBe(exp.cell);
  const csvName = exp.command[0]!;
  const rows = readFileSync(join(MODELS_DIR, csvName), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const steps = runSequence(file.network, rows);
  expect(steps.length).toBe(exp.y.length);
  exp.y.forEach((row, t) => expectClose(steps[t]!.y, row, 1e-5, `${name} y[t=${t}]`));
  return [...file.notes];
}

describe('models the engine can run already, against PyTorch', () => {
  it('gru_tagger.bin (legacy format, 2-layer bidirectional GRU)', () => {
    expect(runAgainstPytorch('gru_tagger', 'gru_tagger.bin')).toEqual([]);
  });

  it('relu_rnn_module.pt: the module records relu, so the network is an RNN(relu) with no flag', () => {
    expect(runAgainstPytorch('relu_rnn_module', 'relu_rnn_module.pt')).toEqual([]);
  });

  it('relu_rnn_state.pt with --nonlinearity relu matches; without it the run says it assumed tanh', () => {
    expect(runAgainstPytorch('relu_rnn_state', 'relu_rnn_state.pt', 'rnn_relu')).toEqual([]);
    const file = loadWeights(bytesOf(join(MODELS_DIR, 'relu_rnn_state.pt')), { source: 'relu_rnn_state.pt' });
    expect(file.network.kind).toBe('rnn_tanh');
    expect(file.notes.join('\n')).toMatch(/assumed tanh .*--nonlinearity relu/);
  });

  it('a flag that disagrees with the recorded nonlinearity is refused, naming both', () => {
    const err = loadError(join(MODELS_DIR, 'relu_rnn_module.pt'), { kind: 'rnn_tanh' });
    expect(err).toMatch(/records rnn as RNN\(relu\).*nonlinearity 'relu'.*say RNN\(tanh\)/);
  });
});

function loadError(path: string, opts: { kind?: CellKind; checkpointKey?: string; maxTensorBytes?: number } = {}): string {
  return messageOf(() => loadWeights(bytesOf(path), { source: 'm.pt', ...opts }), `loading ${path}`);
}

describe('checkpoints', () => {
  it('forecaster.pth: takes model_state_dict and says so', () => {
    const file = loadWeights(bytesOf(join(MODELS_DIR, 'forecaster.pth')), { source: 'forecaster.pth' });
    expect(file.notes).toEqual(["took the model from checkpoint['model_state_dict'] (not used: 'epoch', 'optimizer_state_dict', 'loss')"]);
    expect(file.network.numLayers).toBe(2);
  });

  it('two candidates are refused naming both keys; --checkpoint-key chooses', () => {
    const path = join(TORCH_DIR, 'two_models.pth');
    expect(loadError(path)).toBe("m.pt: the checkpoint holds recurrent weights under 'model', 'ema_model'; choose one with --checkpoint-key");
    const file = loadWeights(bytesOf(path), { source: 'm.pt', checkpointKey: 'ema_model' });
    expect(file.torch?.checkpointKey).toBe('ema_model');
    expect(loadError(path, { checkpointKey: 'epoch' })).toMatch(/checkpoint\['epoch'\] is an int, not a state_dict or a module/);
    expect(loadError(path, { checkpointKey: 'nope' })).toMatch(/no checkpoint key 'nope' \(the checkpoint has 'model', 'ema_model', 'epoch'\)/);
  });

  it('--checkpoint-key on a bare state_dict is refused', () => {
    expect(loadError(join(MODELS_DIR, 'char_lm.pt'), { checkpointKey: 'model' })).toMatch(/the file is a state_dict, not a checkpoint dict/);
  });

  it('numpy scalars and argparse args in a checkpoint are read as inert data', () => {
    const file = loadWeights(bytesOf(join(TORCH_DIR, 'numpy_ckpt.pth')), { source: 'm.pt' });
    expect(file.notes[0]).toBe("took the model from checkpoint['state_dict'] (not used: 'best_acc', 'epoch', 'args')");
  });
});

describe('whole modules', () => {
  it('word_lm.pt: tensors named as state_dict() names them, attributes shown by inspect', () => {
    const file = loadWeights(bytesOf(join(MODELS_DIR, 'word_lm.pt')), { source: 'word_lm.pt' });
    expect(file.prefix).toBe('rnn.');
    expect([...file.extra.keys()]).toEqual(['encoder.weight', 'decoder.weight', 'decoder.bias']);
    const text = formatWeightsDescription(describeWeights(file));
    expect(text).toContain('saved       the whole module (torch.save(model)), zip format');
    expect(text).toContain("module      rnn (torch.nn.modules.rnn.LSTM): mode 'LSTM', input_size 5, hidden_size 7, num_layers 2, bias True, batch_first False");
  });

  it('an attribute that disagrees with the tensors is an error naming both', () => {
    expect(loadError(join(TORCH_DIR, 'bad_attr.pt'))).toBe('m.pt: rnn.weight_hh_l0: module rnn records hidden_size=4, but its tensors say 3');
  });

  it('inspect names the format and the checkpoint key', () => {
    const file = loadWeights(bytesOf(join(MODELS_DIR, 'classifier.pth')), { source: 'c.pth' });
    const d = describeWeights(file);
    expect(d.format).toBe('pytorch');
    expect(d.torch).toMatchObject({ container: 'zip', saved: 'state_dict', checkpointKey: 'state_dict' });
    expect(formatWeightsDescription(d)).toContain('saved       a state_dict in checkpoint["state_dict"], zip format');
  });
});

describe('detection', () => {
  it('zip and legacy files are pytorch by content, from the whole file or its first 4 KB', () => {
    for (const f of ['char_lm.pt', 'gru_tagger.bin', 'forecaster.pth']) {
      const b = bytesOf(join(MODELS_DIR, f));
      expect(detectWeightsFormat(b, f)).toBe('pytorch');
      expect(detectWeightsFormat(b.subarray(0, 4096), f)).toBe('pytorch');
    }
  });
});

describe('hostile pickles: refused by name, nothing run', () => {
  const cases: [string, string][] = [
    ['evil_system.pt', 'posix.system'],
    ['evil_eval.pt', '__builtin__.eval'],
    ['evil_popen.pt', 'subprocess.Popen'],
    ['evil_partial.pt', 'functools.partial'],
    ['evil_legacy.bin', 'posix.system'],
  ];
  for (const [file, global] of cases) {
    it(`${file}: a one-line error naming ${global}, and no marker file`, () => {
      const msg = loadError(join(TORCH_DIR, file));
      expect(msg).toContain(`refuses global ${global}`);
      expect(msg).not.toContain('\n');
      expect(existsSync(MARKER)).toBe(false);
    });
  }
});

describe('the pickle interpreter', () => {
  const plainHooks: PickleHooks = {
    source: 'p.pkl',
    what: 'p.pkl',
    resolveGlobal: (m, n) => {
      throw new InputError(`global ${m}.${n}`, { source: 'p.pkl' });
    },
    call: () => {
      throw new InputError('call', { source: 'p.pkl' });
    },
    build: () => {
      throw new InputError('build', { source: 'p.pkl' });
    },
  };
  const toJson = (v: unknown): unknown => {
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]));
    if (Array.isArray(v)) return v.map(toJson);
    if (typeof v === 'bigint') return Number(v);
    return v;
  };

  it('reads a protocol-0 pickle (text opcodes) as Python wrote it', () => {
    const { value } = unpickle(bytesOf(join(TORCH_DIR, 'plain_proto0.pkl')), 0, plainHooks);
    expect(toJson(value)).toEqual(json(join(TORCH_DIR, 'plain_proto0.json')));
  });

  const bad = (hex: string): string => {
    try {
      unpickle(Uint8Array.from(Buffer.from(hex, 'hex')), 0, plainHooks);
    } catch (err) {
      if (err instanceof InputError) return err.format();
      throw err;
    }
    return 'no error';
  };

  it('hostile lengths, memo indices, stacks and opcodes are InputErrors', () => {
    expect(bad('8002' + '58ffffff7f')).toMatch(/needs 2147483647 more bytes, only 0 left/); // BINUNICODE 2^31-1
    expect(bad('8002' + '8dffffffffffffff7f')).toMatch(/beyond any file/); // BINUNICODE8 2^63
    expect(bad('8002' + '6a07000000' + '2e')).toMatch(/memo 7 read before it was written/);
    expect(bad('8002' + '30')).toMatch(/pops an empty stack/);
    expect(bad('8002' + '28'.repeat(1001))).toMatch(/more than 1000 nested MARKs/);
    expect(bad('8002' + 'ff')).toMatch(/unknown pickle opcode 0xff/);
    expect(bad('8002' + '4b01')).toMatch(/ends before STOP/);
    expect(bad('8002' + '8b00000100' + '00')).toMatch(/needs 65536 more bytes, only 1 left/); // LONG4 length first
    expect(bad('8002' + '8a41' + '00'.repeat(65) + '2e')).toMatch(/65-byte integer \(at most 64\)/);
    expect(bad('8002' + '4b014b012e')).toMatch(/STOP with 2 values on the stack/);
    expect(bad('8002' + '97')).toMatch(/out-of-band buffer/);
    expect(bad('8002' + '8201')).toMatch(/extension-registry/);
    expect(bad('8002' + '4b01' + '29' + '52')).toMatch(/call/); // REDUCE goes through the hooks
  });

  it('--max-weights-bytes bounds what the tensors decode to', () => {
    expect(loadError(join(MODELS_DIR, 'char_lm.pt'), { maxTensorBytes: 1000 })).toMatch(/decode to more than 1000 bytes.*--max-weights-bytes/);
  });
});
