import { describe, expect, it } from 'vitest';
import { randomNetwork } from '../../../src/engine/index.js';
import { InputError } from '../../../src/io/errors.js';
import { findParts, recordToX, type PartsOptions } from '../../../src/io/weights/parts.js';
import type { Tensor } from '../../../src/io/weights/tensor.js';
import { messageOf } from '../../helpers/input-error.js';

/** A tensor of the given shape whose values are 0, 1, 2, ... (so a wrong pick shows in the numbers). */
function t(...shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, (_, i) => i) };
}
const extraOf = (o: Record<string, Tensor>): Map<string, Tensor> => new Map(Object.entries(o));

/** An LSTM with input D, hidden H (and bidirectional: outputs 2H). */
const lstm = (D: number, H: number, bidirectional = false) =>
  randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, numLayers: 1, bidirectional, seed: 0 });

const parts = (o: Record<string, Tensor>, net = lstm(6, 8), opts: Partial<PartsOptions> = {}) =>
  findParts(extraOf(o), net, { source: 'm.pt', ...opts });

describe('findParts', () => {
  it('finds the head and the embedding whatever they are called, saying why', () => {
    // char_lm: embed / lstm / fc
    const p = parts({ 'embed.weight': t(12, 6), 'fc.weight': t(12, 8), 'fc.bias': t(12) });
    expect(p.head).toMatchObject({ name: 'fc.weight', biasName: 'fc.bias', outSize: 12, inSize: 8 });
    expect(p.embedding).toMatchObject({ name: 'embed.weight', vocabSize: 12 });
    expect(p.ambiguity).toBeNull();
    expect(p.notes).toEqual([
      "head: fc.weight [12, 8] + fc.bias: the only Linear taking the LSTM's 8 outputs",
      "embedding: embed.weight [12, 6]: the only table of rows of 6 (the LSTM's input size) without a bias",
    ]);
    expect(p.roles.get('fc.weight')).toBe('head: 12 outputs');
    expect(p.roles.get('fc.bias')).toBe('head bias');
    expect(p.roles.get('embed.weight')).toBe('embedding: 12 tokens');
  });

  it('finds nested modules (encoder.embedding, a bidirectional classifier)', () => {
    const p = parts({ 'encoder.embedding.weight': t(8, 4), 'classifier.weight': t(3, 10), 'classifier.bias': t(3) }, lstm(4, 5, true));
    expect(p.head?.name).toBe('classifier.weight');
    expect(p.embedding?.name).toBe('encoder.embedding.weight');
  });

  it("is quiet about gatescope's own names", () => {
    const p = parts({ 'embedding.weight': t(12, 6), 'head.weight': t(3, 8), 'head.bias': t(3) });
    expect(p.head?.name).toBe('head.weight');
    expect(p.embedding?.name).toBe('embedding.weight');
    expect(p.notes).toEqual([]);
  });

  it('takes a tensor that fits both roles as the head when the input is numbers or it has a bias', () => {
    // proj-style: input 3, outputs 3: fc [2, 3] with a bias is a Linear
    const net = lstm(3, 3);
    expect(parts({ 'fc.weight': t(2, 3), 'fc.bias': t(2) }, net).head?.name).toBe('fc.weight');
    expect(parts({ 'fc.weight': t(2, 3), 'fc.bias': t(2) }, net).embedding).toBeNull();
    // no bias: numbers in, so no embedding
    const numbers = parts({ 'out.weight': t(2, 3) }, net, { tokens: false });
    expect(numbers.head?.name).toBe('out.weight');
    expect(numbers.notes).toEqual(["head: out.weight [2, 3], no bias: the only Linear taking the LSTM's 3 outputs (the input is numbers, so it is no embedding)"]);
  });

  it('refuses a bias-less tensor that could be either when the input is tokens, naming both readings and the flags', () => {
    const p = parts({ 'proj.weight': t(10, 8) }, lstm(8, 8), { tokens: true });
    expect(p.head).toBeNull();
    expect(p.embedding).toBeNull();
    expect(p.ambiguity).toEqual({
      message: "proj.weight [10, 8] is either the embedding (10 tokens x the LSTM's input 8) or the head (10 outputs from its 8)",
      hint: 'name it with --embedding proj or --head proj',
    });
    expect(parts({ 'proj.weight': t(10, 8) }, lstm(8, 8), { tokens: true, head: 'proj' }).head?.name).toBe('proj.weight');
    expect(parts({ 'proj.weight': t(10, 8) }, lstm(8, 8), { tokens: true, embedding: 'proj' }).embedding?.name).toBe('proj.weight');
  });

  it('tells a tied decoder from its encoder by the bias (D == H)', () => {
    // word LM with tied weights: encoder [V, D] and decoder [V, H] + bias, D == H == 7
    const p = parts({ 'encoder.weight': t(10, 7), 'decoder.weight': t(10, 7), 'decoder.bias': t(10) }, lstm(7, 7), { tokens: true });
    expect(p.ambiguity).toBeNull();
    expect(p.head?.name).toBe('decoder.weight');
    expect(p.embedding?.name).toBe('encoder.weight');
  });

  it('refuses two heads or two tables, naming them and the flag', () => {
    const two = parts({ 'a.weight': t(2, 8), 'a.bias': t(2), 'b.weight': t(3, 8), 'b.bias': t(3) });
    expect(two.ambiguity).toEqual({
      message: "2 Linear layers take the LSTM's 8 outputs: a.weight [2, 8], b.weight [3, 8]",
      hint: 'name the head with --head a (or --head none)',
    });
    expect(parts({ 'a.weight': t(2, 8), 'a.bias': t(2), 'b.weight': t(3, 8), 'b.bias': t(3) }, lstm(6, 8), { head: 'b' }).head?.outSize).toBe(3);
    const tables = parts({ 'e1.weight': t(5, 6), 'e2.weight': t(7, 6) });
    expect(tables.ambiguity?.message).toBe("2 tables of rows of 6 (the LSTM's input size) without a bias: e1.weight [5, 6], e2.weight [7, 6]");
    expect(parts({ 'e1.weight': t(5, 6), 'e2.weight': t(7, 6) }, lstm(6, 8), { embedding: 'e2.weight' }).embedding?.vocabSize).toBe(7);
  });

  it('takes no head from an MLP head, saying why, and refuses --head on its first layer', () => {
    const mlp = { 'fc1.weight': t(16, 8), 'fc1.bias': t(16), 'fc2.weight': t(3, 16), 'fc2.bias': t(3) };
    const p = parts(mlp);
    expect(p.head).toBeNull();
    expect(p.notes).toEqual([
      "no head: fc1.weight [16, 8] takes the LSTM's 8 outputs but its 16 outputs feed fc2.weight [3, 16] (a head of several layers, with an activation between them, cannot be reproduced): pred is not computed",
    ]);
    expect(p.roles.get('fc1.weight')).toBe('not used: feeds fc2.weight (a head of several layers)');
    expect(p.roles.get('fc2.weight')).toBe('not used: fed by fc1.weight (a head of several layers)');
    expect(messageOf(() => parts(mlp, lstm(6, 8), { head: 'fc1' }))).toBe(
      'm.pt: fc1.weight: --head "fc1": its 16 outputs feed fc2.weight [3, 16]: a head of several layers (with an activation between them) cannot be reproduced with one Linear (export the model with a single Linear after the recurrent module, or run without a head (--head none))',
    );
    expect(messageOf(() => parts(mlp, lstm(6, 8), { head: 'fc2' }))).toBe("m.pt: fc2.weight: --head: expected [outputs, 8] (the LSTM's 8 outputs per step), got [3, 16]");
  });

  it('names what a flag may name when it names nothing', () => {
    expect(messageOf(() => parts({ 'fc.weight': t(2, 8) }, lstm(6, 8), { head: 'linear' }))).toBe(
      'm.pt: --head "linear": no such module or tensor (the 2-d *.weight tensors outside the recurrent module: fc.weight [2, 8]) (--head none takes none)',
    );
    expect(messageOf(() => parts({ 'fc.weight': t(2, 8) }, lstm(6, 8), { embedding: 'fc' }))).toBe(
      "m.pt: fc.weight: --embedding: expected [vocabulary, 6] (6 = the LSTM's input size), got [2, 8]",
    );
    expect(parts({ 'fc.weight': t(2, 8) }, lstm(6, 8), { head: 'none' }).head).toBeNull();
  });

  it('checks the bias of the head it takes', () => {
    expect(messageOf(() => parts({ 'fc.weight': t(2, 8), 'fc.bias': t(3) }))).toBe('m.pt: fc.bias: expected [2] (the rows of fc.weight), got [3]');
  });

  it('ignores tensors of other shapes (norms, 1-d, 3-d)', () => {
    const p = parts({ 'norm.weight': t(8), 'conv.weight': t(4, 6, 3), 'other.weight': t(5, 5) });
    expect(p.head).toBeNull();
    expect(p.embedding).toBeNull();
    expect(p.notes).toEqual([]);
  });
});

describe('recordToX', () => {
  const record = (token: number) => ({ values: Float64Array.of(token), label: `t${token}`, line: 3, token });

  it("takes a record's values without an embedding, its token's row with one", () => {
    expect(Array.from(recordToX(null, 'in.txt')(record(1)))).toEqual([1]);
    const emb = { weight: Float32Array.from([0, 1, 10, 11]), vocabSize: 2, name: 'embed.weight' };
    expect(Array.from(recordToX(emb, 'in.txt')(record(1)))).toEqual([10, 11]);
  });

  it('refuses a token outside the embedding, at its line', () => {
    const emb = { weight: Float32Array.from([0, 1, 10, 11]), vocabSize: 2, name: 'embed.weight' };
    expect(() => recordToX(emb, 'in.txt')(record(2))).toThrow(/token "t2" \(index 2\) is outside the embedding's 2 rows/);
  });
});
