import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { randomNetwork, runSequence, softmax } from '../../src/engine/index.js';
import { csvHeader, csvRow, csvText, stepObject } from '../../src/cli/trace-format.js';

const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 1, bidirectional: false, seed: 1 });
const steps = runSequence(net, [Float64Array.from([1, -1]), Float64Array.from([0.5, 2])]);
const pred = Float64Array.from([2, -1, 0.5]);
const readout = { topK: 2, classNames: ['a,b', ' ', '"q"'] };

describe('trace formats', () => {
  it('write the probabilities and the top k beside the raw pred, with tokens', () => {
    const o = stepObject(net, 0, [1, -1], steps[0]!, pred, readout);
    expect(o.pred).toEqual([2, -1, 0.5]);
    expect(o.probs).toEqual(Array.from(softmax(pred)));
    expect(o.top).toEqual([
      { index: 0, p: o.probs![0], token: 'a,b' },
      { index: 2, p: o.probs![2], token: '"q"' },
    ]);
    expect(stepObject(net, 0, [1, -1], steps[0]!, pred).probs).toBeUndefined();
  });

  it('give a CSV whose header matches every row, tokens quoted as CSV reads them back', () => {
    const text = [csvHeader(net, 3, readout), csvRow(net, 0, [1, -1], steps[0]!, pred, readout), csvRow(net, 1, [0.5, 2], steps[1]!, pred, readout)].join('\n');
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]!['top1.token']).toBe('a,b');
    expect(rows[0]!['top2.token']).toBe('"q"');
    expect(Object.keys(rows[0]!).slice(-6)).toEqual(['top1.index', 'top1.p', 'top1.token', 'top2.index', 'top2.p', 'top2.token']);
  });

  it('write control characters in a token as inert escapes', () => {
    expect(csvText('\u001b[31m')).toBe('\\u001b[31m');
    expect(csvText('\n')).toBe('"\n"');
    expect(csvText(' ')).toBe('" "');
    expect(csvText('ok')).toBe('ok');
  });
});
