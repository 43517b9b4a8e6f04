import { describe, expect, it } from 'vitest';
import { formatFromName, sniffFormat } from '../../src/io/detect.js';

const sniff = (text: string | Uint8Array, opts = {}, txt = false) => sniffFormat(typeof text === 'string' ? new TextEncoder().encode(text) : text, opts, txt);

describe('format detection', () => {
  it('maps extensions, leaving .txt to be sniffed', () => {
    expect(['a.csv', 'a.TSV', 'a.json', 'a.jsonl', 'a.ndjson', 'a.npy', 'a.txt', 'a', 'a.bin'].map(formatFromName)).toEqual([
      'csv',
      'tsv',
      'json',
      'ndjson',
      'ndjson',
      'npy',
      'txt',
      null,
      null,
    ]);
  });

  it('sniffs by the first non-space byte', () => {
    expect(sniff('\n  [[1]]')).toBe('json');
    expect(sniff('{"a": 1}\n')).toBe('ndjson');
    expect(sniff(new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]))).toBe('npy');
    expect(sniff('\ufeff1,2\n')).toBe('csv');
    expect(sniff('a\tb\n1\t2\n')).toBe('tsv');
    expect(sniff('# comment, with a comma\n1 2\n')).toBe('ws');
  });

  it('takes tokens or a vocabulary to mean text', () => {
    expect(sniff('hello', { tokens: 'words' })).toBe('text');
    expect(sniff('hello', { vocab: ['h'] })).toBe('text');
  });

  it('tells numbers from prose in a .txt', () => {
    expect(sniff('1 2\n3 4\n', {}, true)).toBe('ws');
    expect(sniff('a, b\n3, 4\n', {}, true)).toBe('csv');
    expect(sniff('Once upon a time\nthere was\n', {}, true)).toBe('text');
    expect(sniff('one line of prose', {}, true)).toBe('text');
  });
});
