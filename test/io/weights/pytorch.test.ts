import { describe, expect, it } from 'vitest';
import { loadWeights, type LoadWeightsOptions } from '../../../src/io/weights/index.js';
import { errorOf } from '../../helpers/input-error.js';
import { fixtureBytes } from './fixtures.js';

type Doc = Record<string, unknown>;

function fixtureDoc(name: string): Doc {
  return JSON.parse(new TextDecoder().decode(fixtureBytes(name))) as Doc;
}

function load(doc: Doc | string, opts: Partial<LoadWeightsOptions> = {}): ReturnType<typeof loadWeights> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return loadWeights(new TextEncoder().encode(text), { source: 'm.json', ...opts });
}

const transpose = (m: number[][]): number[][] => m[0]!.map((_, c) => m.map((row) => row[c]!));

describe('PyTorch state_dict JSON errors', () => {
  it('names a tensor with the wrong shape, with expected and actual', () => {
    const doc = fixtureDoc('lstm_2l_bidir.json');
    doc['lstm.weight_hh_l1'] = transpose(doc['lstm.weight_hh_l1'] as number[][]);
    expect(errorOf(() => load(doc)).format()).toBe('m.json: lstm.weight_hh_l1: expected [16, 4], got [4, 16]');
  });

  it('names a missing tensor', () => {
    const doc = fixtureDoc('lstm_2l_bidir.json');
    delete doc['lstm.bias_hh_l1_reverse'];
    expect(errorOf(() => load(doc)).format()).toBe('m.json: lstm.bias_hh_l1_reverse: missing tensor');
  });

  it('names a tensor the network has no place for', () => {
    const doc = fixtureDoc('lstm_2l_bidir.json');
    delete doc['lstm.bias_ih_l0'];
    delete doc['lstm.bias_hh_l0'];
    const e = errorOf(() => load(doc));
    expect(e.tensor).toMatch(/^lstm\.bias_(ih|hh)_l0_reverse$/);
    expect(e.message).toBe('unexpected tensor for a 2-layer bidirectional LSTM without bias');
  });

  it('fails fast on an absurd layer number', () => {
    const doc = fixtureDoc('rnn_relu.json');
    doc['weight_ih_l99999999'] = [[1, 2]];
    expect(errorOf(() => load(doc, { kind: 'rnn_relu' })).format()).toBe(
      'm.json: weight_ih_l1: missing tensor (the file has weight_ih_l99999999, so it needs every layer below it)',
    );
  });

  it('rejects numbers that overflow float32, ragged arrays and strings, by name', () => {
    const overflow = fixtureDoc('rnn_relu.json');
    (overflow['bias_ih_l0'] as number[])[1] = 1e39;
    expect(errorOf(() => load(overflow)).format()).toBe('m.json: bias_ih_l0[1] is 1e+39, not a finite float32 number');
    const ragged = fixtureDoc('rnn_relu.json');
    (ragged['weight_hh_l0'] as number[][])[2] = [1];
    expect(errorOf(() => load(ragged)).message).toBe('ragged tensor: expected an array of 3 at weight_hh_l0[2], got an array of 1');
    const text = fixtureDoc('rnn_relu.json');
    (text['weight_hh_l0'] as unknown[][])[0]![0] = '0.5';
    expect(errorOf(() => load(text)).message).toBe('expected a number at weight_hh_l0[0][0], got a string');
  });

  it('does not allocate for a ragged array that pretends to be huge', () => {
    const wide = new Array(100000).fill(0);
    const doc = { weight_ih_l0: [wide, ...new Array(99999).fill([])] };
    expect(errorOf(() => load(doc)).message).toMatch(/^ragged tensor: expected an array of 100000 at weight_ih_l0\[1\]/);
  });

  it('treats __proto__ and constructor as ordinary names', () => {
    const text = JSON.stringify(fixtureDoc('rnn_relu.json')).replace(/^\{/, '{"__proto__": [1, 2], "constructor": [3],');
    const f = load(text, { kind: 'rnn_relu' });
    expect([...f.extra.keys()].sort()).toEqual(['__proto__', 'constructor']);
    expect([...f.extra.get('__proto__')!.data]).toEqual([1, 2]);
    expect(({} as Doc)['0']).toBeUndefined();
  });

  it('asks for --prefix when there are several modules, and checks a given prefix', () => {
    const one = fixtureDoc('rnn_relu.json');
    const doc: Doc = {};
    for (const [k, v] of Object.entries(one)) {
      doc[`enc.${k}`] = v;
      doc[`dec.${k}`] = v;
    }
    expect(errorOf(() => load(doc)).message).toBe('several recurrent modules found ("enc.", "dec."); choose one with --prefix');
    const f = load(doc, { prefix: 'dec.' });
    expect(f.prefix).toBe('dec.');
    expect(f.ignored).toHaveLength(4);
    expect(errorOf(() => load(doc, { prefix: 'mid.' })).message).toBe(
      'no tensor mid.weight_ih_l0 for --prefix "mid." (found: "enc.", "dec.")',
    );
  });

  it('checks --cell against the gate rows', () => {
    expect(errorOf(() => load(fixtureDoc('lstm_2l_bidir.json'), { kind: 'gru' })).message).toBe(
      'the weights are a LSTM (4 gate rows per unit), not a GRU as --cell says',
    );
  });

  it('reports a JSON syntax error with line and column', () => {
    const e = errorOf(() => load('{\n  "weight_ih_l0": [1,, 2]\n}'));
    expect(e.format()).toBe('m.json:2:22: expected a value, got ","');
  });

  it('says there is no recurrent module in a file without one', () => {
    expect(errorOf(() => load({ 'head.weight': [[1]] })).message).toBe(
      'no recurrent weights found: expected weight_ih_l0, weight_hh_l0, ... (PyTorch names)',
    );
  });
});

describe('format detection', () => {
  it('tells the user what an unsupported file looks like', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]);
    expect(errorOf(() => loadWeights(zip, { source: 'm.pt' })).format()).toMatch(
      /^m\.pt: unrecognised weights format: .*\(a zip, but not a torch\.save file \(no data\.pkl\); from PyTorch, save model\.state_dict\(\) .*json\.dump/,
    );
    expect(errorOf(() => loadWeights(new Uint8Array(0), { source: 'e' })).hint).toBe('the file is empty');
  });

  it('detects each fixture format from content alone', () => {
    const cases: [string, string][] = [
      ['lstm_2l_bidir.json', 'pytorch-json'],
      ['keras_lstm_2l_bidir.json', 'keras-json'],
      ['lstm_2l_bidir.f32.safetensors', 'safetensors'],
      ['gru.onnx', 'onnx'],
    ];
    for (const [file, format] of cases) expect(loadWeights(fixtureBytes(file), { source: 'no-extension' }).format).toBe(format);
  });

  it('honours a forced format', () => {
    const e = errorOf(() => loadWeights(fixtureBytes('lstm_2l_bidir.json'), { source: 'm', format: 'onnx' }));
    expect(e.message).toMatch(/^not a valid ONNX model|^the ONNX model has no graph/);
    const k = errorOf(() => loadWeights(fixtureBytes('lstm_2l_bidir.json'), { source: 'm', format: 'keras-json' }));
    expect(k.message).toMatch(/^no Keras recurrent layer found/);
    const p = errorOf(() => loadWeights(fixtureBytes('keras_gru_reset_before.json'), { source: 'm', format: 'pytorch-json' }));
    expect(p.message).toMatch(/^no recurrent weights found/);
  });

  it('makes file-supplied text in errors visible', () => {
    const e = errorOf(() => load({ 'evil\u001b[2J.weight_ih_l0': [[1]], 'evil\u001b[2J.weight_hh_l0': [[1, 2]] }));
    expect(e.format()).not.toContain('\u001b');
    expect(e.format()).toContain('\\e[2J');
  });
});

describe('options that do not apply', () => {
  it('notes them instead of failing', () => {
    expect(loadWeights(fixtureBytes('gru.onnx'), { source: 'g', prefix: 'gru.' }).notes).toContain(
      '--prefix does not apply to ONNX (choose a node with --node)',
    );
    expect(loadWeights(fixtureBytes('rnn_relu.json'), { source: 'r', node: 'x' }).notes).toEqual(['--node applies to ONNX only; ignored']);
  });
});
