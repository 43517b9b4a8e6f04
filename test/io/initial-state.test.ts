import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../../src/engine/types.js';
import { parseInitialState } from '../../src/io/initial-state.js';
import { messageOf } from '../helpers/input-error.js';

const lstm: NetworkSpec = { kind: 'lstm', inputSize: 3, hiddenSize: 2, numLayers: 2, directions: ['forward', 'reverse'], bias: true };
const gru: NetworkSpec = { ...lstm, kind: 'gru', numLayers: 1, directions: ['forward'] };

const bad = (text: string, spec: NetworkSpec): string => messageOf(() => parseInitialState(text, 's.json', spec));

describe('parseInitialState', () => {
  it('reads h0 and c0 rows per layer and direction', () => {
    const s = parseInitialState('{"h0": [[1,2],[3,4],[5,6],[7,8]], "c0": [[0,0],[0,1],[1,0],[1,1]]}', 's.json', lstm);
    expect(s.h0?.map((r) => [...Array.from(r)])).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(s.c0?.[3]).toEqual(new Float64Array([1, 1]));
  });

  it("accepts PyTorch's (L*dirs, 1, H) and a missing key", () => {
    const s = parseInitialState('{"h0": [[[0.5, 1]]]}', 's.json', gru);
    expect(s.h0?.[0]).toEqual(new Float64Array([0.5, 1]));
    expect(s.c0).toBeNull();
  });

  it('names the row that is wrong', () => {
    expect(bad('{"h0": [[1,2],[3,4],[5,6]]}', lstm)).toBe('s.json:1:8: h0: expected 4 rows (layers 2 x directions 2), got 3');
    expect(bad('{"h0": [[1,2],[3,4],[5],[7,8]]}', lstm)).toBe('s.json:1:21: h0[2]: expected 2 numbers (the hidden size), got 1');
    expect(bad('{"h0": [[1,"2"]]}', gru)).toBe('s.json:1:12: h0[0][1]: expected a number, got a string "2"');
    expect(bad('{"h0": [[1,1e999]]}', gru)).toBe('s.json:1:12: h0[0][1]: expected a finite number');
  });

  it('refuses c0 for a GRU and unknown keys', () => {
    expect(bad('{"c0": [[1,2]]}', gru)).toBe('s.json:1:8: c0 is only for LSTM, sLSTM and mLSTM, this network is a GRU');
    expect(bad('{"h": [[1,2]]}', gru)).toBe('s.json:1:7: unexpected key "h" (expected "h0" and, for LSTM, sLSTM or mLSTM, "c0")');
    expect(bad('[1]', gru)).toBe('s.json:1:1: expected an object {"h0": [[...]], "c0": [[...]]}, got an array');
    expect(bad('{"h0": ', gru)).toBe('s.json:1:8: expected a value, got the end of input');
  });

  it("names an mLSTM's c0 parts (n, m, C) when a row has the wrong width", () => {
    const mlstm: NetworkSpec = { ...gru, kind: 'mlstm', hiddenSize: 6, numHeads: 2 };
    expect(bad('{"c0": [[1,2]]}', mlstm)).toMatch(/c0\[0\]: expected 26 numbers \(an mLSTM's n \(6\), m \(2\) and C \(2 x 3 x 3\)\), got 2$/);
  });
});
