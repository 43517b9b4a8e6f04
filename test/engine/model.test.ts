import { describe, expect, it } from 'vitest';
import { checkHead, embeddingRow, hasToken, headForward, headInputSize, headOutput, randomNetwork, ShapeError } from '../../src/engine/index.js';

const head = { inSize: 2, outSize: 2, weight: Float32Array.from([1, 2, 3, 4]), bias: Float32Array.from([0.5, -1]) };

describe('the linear head', () => {
  it('computes W y + b into the caller buffer', () => {
    const out = new Float64Array(2);
    headForward(head, Float64Array.from([1, 1]), out);
    expect(Array.from(out)).toEqual([3.5, 6]);
    expect(headOutput(head, [2, 0], 1)).toBe(5);
  });

  it('has no bias term without a bias', () => {
    const out = new Float64Array(2);
    headForward({ ...head, bias: null }, [1, -1], out);
    expect(Array.from(out)).toEqual([-1, -1]);
  });

  it("reads a projected LSTM's P-wide h per direction", () => {
    const net = { ...randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 6, bidirectional: true, seed: 1 }), projSize: 2 };
    expect(headInputSize(net)).toBe(4);
    expect(() => checkHead(net, { inSize: 4, outSize: 1, weight: new Float32Array(4), bias: null })).not.toThrow();
    expect(() => checkHead(net, { inSize: 12, outSize: 1, weight: new Float32Array(12), bias: null })).toThrow(/takes 12 values but the network gives 4/);
    expect(() => checkHead(net, { inSize: 4, outSize: 2, weight: new Float32Array(8), bias: new Float32Array(3) })).toThrow(ShapeError);
  });
});

describe('the embedding', () => {
  const emb = { vocabSize: 3, weight: Float32Array.from([0, 1, 10, 11, 20, 21]) };

  it("returns a token's row as a view of the table", () => {
    const row = embeddingRow(emb, 2);
    expect(Array.from(row)).toEqual([20, 21]);
    expect(row.buffer).toBe(emb.weight.buffer);
  });

  it('refuses a token outside the table', () => {
    expect(hasToken(emb, 3)).toBe(false);
    expect(hasToken(emb, -1)).toBe(false);
    expect(() => embeddingRow(emb, 3)).toThrow(/outside the embedding's 3 rows/);
  });
});
