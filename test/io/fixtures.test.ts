import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InputOptions } from '../../src/io/input.js';
import { readInput } from '../../src/io/read-input.js';
import { parseVocab } from '../../src/io/text.js';

/** The series written by fixtures/inputs/make-inputs.py. */
const SERIES = [
  [0.5, -1.0, 0.125],
  [1.0, -0.75, 0.25],
  [1.5, -0.5, 0.375],
  [2.0, -0.25, -0.5],
  [-1.25, 0.0, 0.625],
  [-2.0, 0.875, 1.75],
];
const dir = 'fixtures/inputs/';
const noStdin = new PassThrough();

const cases: [string, InputOptions, string, string[]][] = [
  ['series.csv', {}, 'csv', ['a', 'b', 'c']],
  ['series.tsv', {}, 'tsv', ['a', 'b', 'c']],
  ['series.txt', {}, 'ws', ['x0', 'x1', 'x2']],
  ['series.json', {}, 'json', ['x0', 'x1', 'x2']],
  ['series-objects.json', {}, 'json', ['a', 'b', 'c']],
  ['series.ndjson', {}, 'ndjson', ['a', 'b', 'c']],
  ['series-f8.npy', {}, 'npy', ['x0', 'x1', 'x2']],
  ['series-f4.npy', {}, 'npy', ['x0', 'x1', 'x2']],
  ['series-f2.npy', {}, 'npy', ['x0', 'x1', 'x2']],
  ['series-f8-big-endian.npy', {}, 'npy', ['x0', 'x1', 'x2']],
  ['series-batch-tbd.npy', { batchIndex: 1, batchFirst: false }, 'npy', ['x0', 'x1', 'x2']],
  ['series-batch-btd.npy', { batchIndex: 1, batchFirst: true }, 'npy', ['x0', 'x1', 'x2']],
];

describe('fixtures/inputs', () => {
  it.each(cases)('%s gives the sample series', async (name, opts, format, names) => {
    const s = await readInput(dir + name, { ...opts, expectedWidth: 3 }, noStdin);
    expect(s.format).toBe(format);
    expect(s.featureNames).toEqual(names);
    expect(s.records.map((r) => [...r.values])).toEqual(SERIES);
  });

  it('reads the same series through stdin in every format', async () => {
    for (const [name, opts] of cases) {
      const stdin = new PassThrough();
      const bytes = readFileSync(dir + name);
      // Three-byte chunks: every record is cut somewhere.
      for (let i = 0; i < bytes.length; i += 3) stdin.write(bytes.subarray(i, i + 3));
      stdin.end();
      const s = await readInput('-', opts, stdin);
      expect(s.records.map((r) => [...r.values]), name).toEqual(SERIES);
    }
  });

  it('reads one feature and integer dtypes', async () => {
    const a = await readInput(dir + 'feature-a.npy', {}, noStdin);
    expect(a.records.map((r) => [...r.values])).toEqual(SERIES.map((r) => [r[0]]));
    const ints = await readInput(dir + 'ints-i8.npy', {}, noStdin);
    expect(ints.records.map((r) => [...r.values])).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
  });

  it('reads text with the vocabulary file', async () => {
    const vocab = parseVocab(readFileSync(dir + 'hello.vocab', 'utf8'), 'hello.vocab');
    expect(vocab).toEqual(['d', 'e', 'h', 'l', 'o', 'r', 'w', ' ']);
    const s = await readInput(dir + 'hello.txt', { vocab }, noStdin);
    expect(s.format).toBe('text');
    expect(s.records.map((r) => r.label).join('')).toBe('hello world');
    expect(s.records.map((r) => r.token)).toEqual([2, 1, 3, 3, 4, 7, 6, 4, 5, 3, 0]);
    expect([...s.records[0]!.values]).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
  });
});
