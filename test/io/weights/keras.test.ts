import { describe, expect, it } from 'vitest';
import { runSequence } from '../../../src/engine/index.js';
import { encodeSafetensors, loadWeights, type LoadWeightsOptions } from '../../../src/io/weights/index.js';
import { kerasNameParts, looksLikeKeras } from '../../../src/io/weights/keras.js';
import { expectClose } from '../../helpers/expect-close.js';
import { errorOf } from '../../helpers/input-error.js';
import { fixtureBytes } from './fixtures.js';

type Doc = Record<string, unknown>;
const fixtureDoc = (name: string): Doc => JSON.parse(new TextDecoder().decode(fixtureBytes(name))) as Doc;
const load = (doc: Doc, opts: Partial<LoadWeightsOptions> = {}): ReturnType<typeof loadWeights> =>
  loadWeights(new TextEncoder().encode(JSON.stringify(doc)), { source: 'k.json', ...opts });

describe('Keras names', () => {
  it('splits layer, direction and leaf', () => {
    expect(kerasNameParts('lstm/lstm_cell/kernel:0')).toEqual({ layer: 'lstm', direction: null, leaf: 'kernel' });
    expect(kerasNameParts('bidirectional_1/backward_lstm_1/lstm_cell_1/recurrent_kernel:0')).toEqual({
      layer: 'bidirectional_1',
      direction: 'backward',
      leaf: 'recurrent_kernel',
    });
    expect(kerasNameParts('model/gru_2/bias')).toEqual({ layer: 'model/gru_2', direction: null, leaf: 'bias' });
    expect(kerasNameParts('kernel')).toEqual({ layer: '', direction: null, leaf: 'kernel' });
    expect(kerasNameParts('lstm.weight_ih_l0')).toBeNull();
    expect(looksLikeKeras(['lstm.weight_ih_l0', 'head.bias'])).toBe(false);
    expect(looksLikeKeras(['dense/kernel:0'])).toBe(true);
  });
});

/** A SimpleRNN with D = 2, H = 2 and numbers easy to follow by hand. */
const simpleRnn = (): Doc => ({
  'simple_rnn/simple_rnn_cell/kernel:0': [[1, 0], [0, -1]],
  'simple_rnn/simple_rnn_cell/recurrent_kernel:0': [[0.5, 0], [0, 0.5]],
  'simple_rnn/simple_rnn_cell/bias:0': [0.1, 0.2],
});

describe('Keras JSON', () => {
  it('runs a SimpleRNN as h = act(x K + h R + b), tanh or relu', () => {
    const x = [[0.3, 0.4], [1, -2]];
    const tanh = load(simpleRnn());
    expect(tanh.network.kind).toBe('rnn_tanh');
    const h1 = [Math.tanh(0.3 + 0.1), Math.tanh(-0.4 + 0.2)];
    const h2 = [Math.tanh(1 + 0.5 * h1[0]! + 0.1), Math.tanh(2 + 0.5 * h1[1]! + 0.2)];
    const steps = runSequence(tanh.network, x);
    expectClose(steps[0]!.y, h1, 1e-7, 'h1');
    expectClose(steps[1]!.y, h2, 1e-7, 'h2');
    const relu = load(simpleRnn(), { kind: 'rnn_relu' });
    expect(relu.network.kind).toBe('rnn_relu');
    expectClose(runSequence(relu.network, x)[0]!.y, [0.4, 0], 1e-7, 'relu h1');
  });

  it('names a missing kernel', () => {
    const doc = fixtureDoc('keras_gru_reset_after.json');
    delete doc['gru/gru_cell/kernel:0'];
    expect(errorOf(() => load(doc)).format()).toBe('k.json: gru/kernel: missing tensor: Keras layer "gru" has no kernel');
  });

  it('names a bias of the wrong shape, with both GRU forms', () => {
    const doc = fixtureDoc('keras_gru_reset_after.json');
    doc['gru/gru_cell/bias:0'] = [[1, 2, 3]];
    expect(errorOf(() => load(doc)).format()).toBe(
      'k.json: gru/gru_cell/bias:0: expected [2, 12] (reset_after=True) or [12] (reset_after=False), got [1, 3]',
    );
  });

  it('names a kernel of the wrong shape and a recurrent kernel that is no cell', () => {
    const doc = simpleRnn();
    doc['simple_rnn/simple_rnn_cell/kernel:0'] = [[1, 0, 0]];
    expect(errorOf(() => load(doc)).format()).toBe('k.json: simple_rnn/simple_rnn_cell/kernel:0: expected [input size, 2], got [1, 3]');
    const odd = simpleRnn();
    odd['simple_rnn/simple_rnn_cell/recurrent_kernel:0'] = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]];
    expect(errorOf(() => load(odd)).message).toBe('expected [H, G*H] with G = 4 (LSTM), 3 (GRU) or 1 (SimpleRNN), got [1, 10]');
  });

  it('refuses a Bidirectional with only one side', () => {
    const doc = fixtureDoc('keras_lstm_2l_bidir.json');
    for (const k of Object.keys(doc)) if (k.includes('backward_lstm_1')) delete doc[k];
    expect(errorOf(() => load(doc)).message).toBe(
      'Keras layer "bidirectional_1": expected one cell, or forward_* and backward_* cells of a Bidirectional',
    );
  });

  it('checks that stacked layers chain', () => {
    const doc = simpleRnn();
    doc['simple_rnn_1/simple_rnn_cell_1/kernel:0'] = [[1, 0], [0, 1], [1, 1]];
    doc['simple_rnn_1/simple_rnn_cell_1/recurrent_kernel:0'] = [[1, 0], [0, 1]];
    doc['simple_rnn_1/simple_rnn_cell_1/bias:0'] = [0, 0];
    expect(errorOf(() => load(doc)).format()).toBe(
      'k.json: simple_rnn_1/simple_rnn_cell_1/kernel:0: expected [2, 2] (the layer below gives 2 features), got [3, 2]',
    );
    doc['simple_rnn_1/simple_rnn_cell_1/kernel:0'] = [[1, 0], [0, 1]];
    expect(load(doc).network.numLayers).toBe(2);
  });

  it('selects layers with --prefix', () => {
    const doc = fixtureDoc('keras_lstm_2l_bidir.json');
    const top = load(doc, { prefix: 'bidirectional_1' });
    expect(top.network.numLayers).toBe(1);
    expect(top.network.inputSize).toBe(8);
    expect(top.ignored.filter((n) => n.startsWith('bidirectional/'))).toHaveLength(6);
    expect(errorOf(() => load(doc, { prefix: 'lstm_9' })).message).toBe(
      'no Keras recurrent layer under --prefix "lstm_9" (found: "bidirectional", "bidirectional_1")',
    );
  });

  it('reads Keras names from safetensors too, or when forced with layout', () => {
    const doc = fixtureDoc('keras_gru_reset_after.json');
    const tensors = new Map(
      Object.entries(doc).map(([k, v]) => {
        const flat = (v as unknown[]).flat(2) as number[];
        const shape = Array.isArray((v as unknown[])[0]) ? [(v as unknown[]).length, ((v as unknown[])[0] as unknown[]).length] : [(v as unknown[]).length];
        return [k, { shape, data: flat }];
      }),
    );
    const f = loadWeights(encodeSafetensors(tensors), { source: 'k.safetensors' });
    expect(f.format).toBe('safetensors');
    expect(f.layout).toBe('keras');
    expect(f.network.linearBeforeReset).toBe(true);
    const forced = load(fixtureDoc('keras_gru_reset_before.json'), { layout: 'keras' });
    expect(forced.network.linearBeforeReset).toBe(false);
    expect(forced.format).toBe('keras-json');
  });

  it('keeps an embedding as embedding.weight and harmless odd names', () => {
    const doc = simpleRnn();
    doc['embedding/embeddings:0'] = [[1, 2], [3, 4], [5, 6]];
    doc['__proto__/kernel:0'] = [[1]];
    doc['constructor'] = [2];
    const f = load(doc);
    expect(f.extra.get('embedding.weight')!.shape).toEqual([3, 2]);
    expect(f.ignored).toEqual(['embedding/embeddings:0', '__proto__/kernel:0', 'constructor']);
    // a lone kernel group is the head
    expect(f.extra.get('head.weight')!.shape).toEqual([1, 1]);
  });
});
