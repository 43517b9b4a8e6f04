import { describe, expect, it } from 'vitest';
import { parameterCount } from '../../../src/engine/index.js';
import { describeWeights, formatWeightsDescription, loadWeights } from '../../../src/io/weights/index.js';
import { fixtureBytes } from './fixtures.js';

const load = (file: string): ReturnType<typeof loadWeights> => loadWeights(fixtureBytes(file), { source: file });

describe('describeWeights', () => {
  it('describes a full-model safetensors checkpoint', () => {
    const f = load('lstm_2l_bidir.f16.safetensors');
    const d = describeWeights(f);
    expect(d).toMatchObject({
      format: 'safetensors',
      layout: 'pytorch',
      cell: 'lstm',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      directions: ['forward', 'reverse'],
      bias: true,
      linearBeforeReset: null,
      clip: null,
      peepholes: false,
      prefix: 'lstm.',
      ignored: [],
      head: { tensor: 'head.weight', bias: 'head.bias', outputs: 2 },
      embedding: { tensor: 'embedding.weight', vocabulary: 5 },
      ambiguity: null,
      metadata: [['format', 'pt']],
      initialState: { h0: false, c0: false },
    });
    expect(d.parameterCount).toBe(parameterCount(f.network));
    // embedding 5x3, head 2x8 + 2
    expect(d.fileValueCount).toBe(parameterCount(f.network) + 15 + 18);
    expect(d.tensors[1]).toEqual({ name: 'lstm.weight_ih_l0', shape: [16, 3], dtype: 'F16', role: 'weight_ih_l0' });
  });

  it('describes ONNX peepholes, initial states and GRU form', () => {
    const lstm = describeWeights(load('onnx_lstm_peephole.onnx'));
    expect(lstm.peepholes).toBe(true);
    expect(lstm.initialState).toEqual({ h0: true, c0: true });
    // W, R, B and P: 16*3 + 16*4 + 32 + 12
    expect(lstm.parameterCount).toBe(48 + 64 + 32 + 12);
    expect(lstm.tensors.find((t) => t.name === 'P')).toEqual({ name: 'P', shape: [1, 12], dtype: 'FLOAT', role: 'P of LSTM "lstm0" (layer 0)' });
    expect(describeWeights(load('onnx_gru_lbr0.onnx')).linearBeforeReset).toBe(false);
    expect(describeWeights(load('onnx_lstm_bidir_clip.onnx')).clip).toBeCloseTo(0.8, 6);
  });

  it('formats a readable summary', () => {
    const text = formatWeightsDescription(describeWeights(load('lstm_2l_bidir.f32.safetensors')));
    const lines = text.split('\n');
    expect(lines[0]).toBe('format      safetensors, PyTorch names, prefix "lstm."');
    expect(lines[1]).toBe('network     LSTM, input 3, hidden 4, 2 layers, bidirectional, bias');
    expect(lines[2]).toBe('recurrent   lstm.weight_ih_l0, lstm.weight_hh_l0, ...: the only module with PyTorch recurrent names');
    expect(lines[3]).toBe('parameters  736 as the engine holds them (the file: 769 values in 19 tensors)');
    expect(lines[4]).toBe('tensors');
    expect(lines).toContain('  lstm.weight_hh_l1_reverse  F32  [16, 4]  weight_hh_l1_reverse');
    // the head and the embedding that run, stats and the viewer use are not "not used" (issue 13)
    expect(lines.some((l) => l.startsWith('not used'))).toBe(false);
    expect(lines).toContain('  head.weight                F32  [2, 8]   head: 2 outputs');
    expect(lines).toContain('  head.bias                  F32  [2]      head bias');
    expect(lines).toContain('  embedding.weight           F32  [5, 3]   embedding: 5 tokens');
    expect(lines).toContain("head        head.weight [2, 8] + head.bias: the only Linear taking the LSTM's 8 outputs");
    expect(lines).toContain("embedding   embedding.weight [5, 3]: the only table of rows of 3 (the LSTM's input size) without a bias");
    expect(lines).toContain('metadata    format = pt');
  });

  it("names the ONNX MatMul head and the Keras Dense head as used, under the name run takes them by", () => {
    const onnx = formatWeightsDescription(describeWeights(load('lstm_2l_bidir.onnx'))).split('\n');
    expect(onnx).toContain('  onnx::MatMul_433  FLOAT  [8, 2]      head: 2 outputs [as head.weight, transposed]');
    expect(onnx).toContain('  head.bias         FLOAT  [2]         head bias');
    expect(onnx.some((l) => l.startsWith('not used'))).toBe(false);
    const keras = describeWeights(load('keras_lstm_2l_bidir.json'));
    expect(keras.tensors.find((t) => t.name === 'dense/kernel:0')?.role).toBe('head: 2 outputs [as head.weight, transposed]');
    expect(keras.tensors.find((t) => t.name === 'dense/bias:0')?.role).toBe('head bias [as head.bias]');
    expect(keras.ignored).toEqual([]);
    expect(keras.head).toEqual({ tensor: 'head.weight', bias: 'head.bias', outputs: 2 });
  });

  it('lists what the shapes cannot decide, and what the flags pick', () => {
    const doc = JSON.stringify({
      weight_ih_l0: [[1, 2]], weight_hh_l0: [[1]], 'a.weight': [[1]], 'a.bias': [0], 'b.weight': [[2]], 'b.bias': [0],
    });
    const f = loadWeights(new TextEncoder().encode(doc), { source: 'two.json', kind: 'rnn_tanh' });
    const d = describeWeights(f);
    expect(d.head).toBeNull();
    expect(d.ambiguity).toBe("2 Linear layers take the RNN(tanh)'s 1 outputs: a.weight [1, 1], b.weight [1, 1] (name the head with --head a (or --head none))");
    expect(formatWeightsDescription(d)).toContain("parts       cannot tell: 2 Linear layers take the RNN(tanh)'s 1 outputs");
    expect(formatWeightsDescription(d)).toContain('not used    a.weight, a.bias, b.weight, b.bias');
    const picked = describeWeights(f, { head: 'b' });
    expect(picked.head).toEqual({ tensor: 'b.weight', bias: 'b.bias', outputs: 1 });
    expect(picked.ignored).toEqual(['a.weight', 'a.bias']);
  });

  it('formats ONNX nodes, options and notes', () => {
    const text = formatWeightsDescription(describeWeights(load('onnx_lstm_reverse_layout1.onnx')));
    expect(text).toContain('format      ONNX, ONNX node');
    expect(text).toContain('nodes       "lstm0"');
    expect(text).toContain('network     LSTM, input 2, hidden 3, 1 layer, reverse only, bias');
    expect(text).toContain('init state  h0, c0 stored in the file');
    expect(text).toContain('note        LSTM "lstm0" has layout = 1 (batch-first X and Y); the weights read the same');
    const gru = formatWeightsDescription(describeWeights(load('onnx_gru_lbr0.onnx')));
    expect(gru).toContain('GRU, input 3, hidden 4, 1 layer, forward, bias, linear_before_reset 0');
  });

  it('escapes control characters in every name from the file', () => {
    const doc = {
      weight_ih_l0: [[1]],
      weight_hh_l0: [[1]],
      'evil\u001b]0;pwned\u0007': [1],
    };
    const f = loadWeights(new TextEncoder().encode(JSON.stringify(doc)), { source: 'e.json' });
    const text = formatWeightsDescription(describeWeights(f));
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('evil\\e]0;pwned\\x07');
  });
});
