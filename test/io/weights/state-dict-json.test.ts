import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/io/errors.js';
import { loadWeights } from '../../../src/io/weights/index.js';
import { parseStateDictJson } from '../../../src/io/weights/state-dict-json.js';

/** A 1-unit RNN (input 3) as nested lists, the reference the other forms must equal. */
const NESTED = { weight_ih_l0: [[0.5, -1, 2]], weight_hh_l0: [[0.25]], bias_ih_l0: [0.1], bias_hh_l0: [-0.2] };

const values = (text: string, notes?: string[]): Record<string, { shape: readonly number[]; data: number[] }> =>
  Object.fromEntries([...parseStateDictJson(text, 'm.json', notes)].map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]));

const reference = values(JSON.stringify(NESTED));

describe('JSON state_dicts in the forms people write', () => {
  it('[shape, flat values] and [shape, nested values]', () => {
    const doc = { weight_ih_l0: [[1, 3], [0.5, -1, 2]], weight_hh_l0: [[1, 1], [[0.25]]], bias_ih_l0: [0.1], bias_hh_l0: [-0.2] };
    expect(values(JSON.stringify(doc))).toEqual(reference);
  });

  it('{"shape", "data"} and {"dtype", "shape", "values"} records, flat or nested', () => {
    const doc = {
      weight_ih_l0: { shape: [1, 3], data: [0.5, -1, 2] },
      weight_hh_l0: { dtype: 'float32', shape: [1, 1], values: [[0.25]] },
      bias_ih_l0: { shape: [1], data: [0.1] },
      bias_hh_l0: { dtype: 'torch.float32', shape: [1], values: [-0.2] },
    };
    expect(values(JSON.stringify(doc))).toEqual(reference);
  });

  it('a checkpoint dict: the model under model_state_dict, the rest not used, and it says so', () => {
    const notes: string[] = [];
    const doc = { epoch: 3, model_state_dict: NESTED, optimizer_state_dict: { state: {}, param_groups: [] }, loss: 0.5 };
    expect(values(JSON.stringify(doc), notes)).toEqual(reference);
    expect(notes).toEqual(['took the model from the JSON\'s "model_state_dict" (not used: "epoch", "optimizer_state_dict", "loss")']);
    const file = loadWeights(new TextEncoder().encode(JSON.stringify({ state_dict: NESTED, best: 1 })), { source: 'm.json' });
    expect(file.notes[0]).toBe('took the model from the JSON\'s "state_dict" (not used: "best")');
  });

  it('modules nested as objects get state_dict names joined with "."', () => {
    const doc = { rnn: NESTED, fc: { weight: [[1]], bias: [0] } };
    expect(Object.keys(values(JSON.stringify(doc)))).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias']);
  });

  it('a real [2, N] matrix stays a matrix (never read as [shape, values])', () => {
    expect(values('{"w": [[1, 2], [3, 4]]}')['w']).toEqual({ shape: [2, 2], data: [1, 2, 3, 4] });
    // [[2, 1], [a, b]] could be either: the nested reading wins, as it always did
    expect(values('{"w": [[2, 1], [0.5, 0.25]]}')['w']).toEqual({ shape: [2, 2], data: [2, 1, 0.5, 0.25] });
  });

  const err = (text: string): string => {
    try {
      parseStateDictJson(text, 'm.json');
    } catch (e) {
      if (e instanceof InputError) return e.format();
      throw e;
    }
    return 'no error';
  };

  it('a shape that does not fit its values, and two models, are errors naming them', () => {
    expect(err('{"w": {"shape": [2, 3], "data": [1, 2]}}')).toBe('m.json: w: shape [2, 3] needs 6 values, got 2 (an array of 2)');
    expect(err('{"w": {"shape": [-1], "data": []}}')).toMatch(/^m.json: w.shape: expected non-negative integer dimensions/);
    expect(err('{"w": {"shape": [3, 2], "data": [[1, 2, 3], [4, 5, 6]]}}')).toBe('m.json: w: shape [3, 2], but the values nest as [2, 3]');
    expect(err(JSON.stringify({ model: NESTED, state_dict: NESTED }))).toBe('m.json: the JSON holds recurrent weights under "state_dict", "model"; keep one');
  });
});
