import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import type { InputOptions } from '../../src/io/input.js';
import { parseTextInput, parseVocab, tokenize } from '../../src/io/text.js';

function bad(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).format();
  }
  throw new Error('expected an InputError');
}
const parse = (text: string, opts: InputOptions = {}) => parseTextInput(text, 't.txt', opts);

describe('tokenize', () => {
  it('splits characters by code point, newlines included, dropping one final newline', () => {
    expect(tokenize('ab\r\nc😀\n').map((t) => [t.text, t.line, t.column])).toEqual([
      ['a', 1, 1],
      ['b', 1, 2],
      ['\n', 1, 3],
      ['c', 2, 1],
      ['😀', 2, 2],
    ]);
  });

  it('splits words on whitespace with their positions', () => {
    expect(tokenize('to be\n  or not\n', 'words').map((t) => [t.text, t.line, t.column])).toEqual([
      ['to', 1, 1],
      ['be', 1, 4],
      ['or', 2, 3],
      ['not', 2, 6],
    ]);
  });
});

describe('parseTextInput', () => {
  it('builds the vocabulary in first-seen order and one-hot encodes', () => {
    const t = parse('abca');
    expect(t.vocab).toEqual(['a', 'b', 'c']);
    expect(t.featureNames).toEqual(['a', 'b', 'c']);
    expect(t.records.map((r) => [r.label, r.token, [...r.values]])).toEqual([
      ['a', 0, [1, 0, 0]],
      ['b', 1, [0, 1, 0]],
      ['c', 2, [0, 0, 1]],
      ['a', 0, [1, 0, 0]],
    ]);
  });

  it('uses a given vocabulary and names an unknown token', () => {
    const t = parse('ba', { vocab: ['a', 'b', 'z'] });
    expect(t.records.map((r) => r.token)).toEqual([1, 0]);
    expect(t.records[0]!.values.length).toBe(3);
    expect(bad(() => parse('ab\nxq', { vocab: ['a', 'b', 'x', '\n'] }))).toBe('t.txt:2:2: token "q" is not in the vocabulary (4 tokens)');
  });

  it('checks the vocabulary size against the weights', () => {
    expect(bad(() => parse('abc', { expectedWidth: 5 }))).toBe(
      "t.txt:1: expected 5 features (the weights' input size), got a vocabulary of 3 tokens (the vocabulary was built from the text; pass --vocab)",
    );
    expect(parse('abc', { vocab: ['a', 'b', 'c', 'd', 'e'], expectedWidth: 5 }).records).toHaveLength(3);
  });

  it('refuses a one-hot series over the value limit', () => {
    expect(bad(() => parse('abcdef', { maxValues: 20 }))).toBe('t.txt: 6 tokens x 6 vocabulary is more than 20 one-hot values (the limit protects memory)');
  });

  it('refuses --columns', () => {
    expect(bad(() => parse('ab', { columns: ['a'] }))).toMatch(/--columns does not apply to text input/);
  });
});

describe('parseVocab', () => {
  it('reads one token per line with escapes for invisible ones', () => {
    expect(parseVocab('a\r\n\\s\n\\n\n\\t\n\\\\\nb\n', 'v')).toEqual(['a', ' ', '\n', '\t', '\\', 'b']);
    expect(parseVocab('["a", " ", "\\n"]', 'v.json')).toEqual(['a', ' ', '\n']);
  });

  it('names a duplicate and refuses an empty vocabulary', () => {
    expect(bad(() => parseVocab('a\nb\na\n', 'v'))).toBe('v:3: duplicate token "a" (first on line 1)');
    expect(bad(() => parseVocab('\n\n', 'v'))).toBe('v: empty vocabulary: expected one token per line');
  });
});
