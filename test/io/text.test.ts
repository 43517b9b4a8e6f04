import { describe, expect, it } from 'vitest';
import type { InputOptions } from '../../src/io/input.js';
import { formatVocab, parseTextInput, parseVocab, tokenize, unknownTokensNote } from '../../src/io/text.js';
import { messageOf } from '../helpers/input-error.js';

const bad = (fn: () => unknown): string => messageOf(fn);
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

  it("reads a token outside the vocabulary as its <unk>, counting them", () => {
    const t = parse('very good twist and shout', { tokens: 'words', vocab: ['<pad>', '<unk>', 'very', 'good'] });
    expect(t.records.map((r) => r.token)).toEqual([2, 3, 1, 1, 1]);
    expect(t.records.map((r) => r.label)).toEqual(['very', 'good', 'twist', 'and', 'shout']);
    expect(t.unknown).toEqual({ count: 3, as: '<unk>', first: { text: 'twist', line: 1, column: 11 } });
    expect(unknownTokensNote(t.unknown!, 't.txt')).toBe('t.txt: 3 tokens not in the vocabulary read as <unk> (the first: "twist" at 1:11)');
    expect(parse('ab', { vocab: ['[UNK]', 'a'] }).records.map((r) => r.token)).toEqual([1, 0]);
    expect(parse('ab', { vocab: ['a', 'b', '<unk>'] }).unknown).toBeNull();
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

  it('reads a {token: index} dict by its indices, not as one token', () => {
    expect(parseVocab('{" ": 0, ",": 1, "d": 2}', 'v.json')).toEqual([' ', ',', 'd']);
    expect(parseVocab('{"b": 1, "a": 0, "\\n": 2}', 'v.json')).toEqual(['a', 'b', '\n']);
  });

  it('refuses a dict whose indices are not 0..V-1 each once', () => {
    expect(bad(() => parseVocab('{"a": 0, "b": 2}', 'v.json'))).toBe(
      'v.json: token "b" has index 2, but 2 tokens need the indices 0..1 (a vocabulary with gaps in its indices cannot say which row the gaps are; save the full list)',
    );
    expect(bad(() => parseVocab('{"a": 0, "A": 0}', 'v.json'))).toBe('v.json: tokens "a" and "A" both have index 0');
    expect(bad(() => parseVocab('{"a": "0"}', 'v.json'))).toBe('v.json: token "a": expected an index 0, 1, ..., got a string (a {token: index} dict)');
    expect(bad(() => parseVocab('{"a": 0.5}', 'v.json'))).toBe('v.json: token "a": expected an index 0, 1, ..., got 0.5 (a {token: index} dict)');
  });

  it('reads itos/stoi (torchtext) and idx2word/word2idx, checking they agree', () => {
    const itos = ['<pad>', '<unk>', 'good'];
    expect(parseVocab(JSON.stringify({ itos, stoi: { '<pad>': 0, '<unk>': 1, good: 2 } }), 'v.json')).toEqual(itos);
    expect(parseVocab(JSON.stringify({ itos }), 'v.json')).toEqual(itos);
    expect(parseVocab(JSON.stringify({ stoi: { good: 1, '<unk>': 0 } }), 'v.json')).toEqual(['<unk>', 'good']);
    expect(parseVocab(JSON.stringify({ idx2word: ['a', 'b'], word2idx: { a: 0, b: 1 } }), 'v.json')).toEqual(['a', 'b']);
    expect(bad(() => parseVocab(JSON.stringify({ itos: ['a', 'b'], stoi: { a: 1, b: 0 } }), 'v.json'))).toBe(
      'v.json: "itos"[0] is "a" but "stoi" gives index 0 to "b": they must agree',
    );
    expect(bad(() => parseVocab(JSON.stringify({ itos: ['a', 'b'], stoi: { a: 0 } }), 'v.json'))).toBe(
      'v.json: "itos" has 2 tokens but "stoi" has 1: they must agree',
    );
    expect(bad(() => parseVocab(JSON.stringify({ itos: 'ab' }), 'v.json'))).toBe('v.json: "itos": expected a list of tokens');
  });

  it('writes a vocabulary starting with { or [ as JSON, so that it reads back', () => {
    for (const tokens of [['{', 'a'], ['[', 'b']]) expect(parseVocab(formatVocab(tokens), 'v')).toEqual(tokens);
  });

  it('names a duplicate and refuses an empty vocabulary', () => {
    expect(bad(() => parseVocab('a\nb\na\n', 'v'))).toBe('v:3: duplicate token "a" (first on line 1)');
    expect(bad(() => parseVocab('\n\n', 'v'))).toBe('v: empty vocabulary: expected one token per line');
  });
});
