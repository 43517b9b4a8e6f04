import { describe, expect, it } from 'vitest';
import { parseJsonInput } from '../../src/io/json.js';
import type { InputOptions } from '../../src/io/input.js';
import { messageOf } from '../helpers/input-error.js';

const rows = (text: string, opts: InputOptions = {}) => parseJsonInput(text, 'x.json', opts).records.map((r) => [...r.values]);

const bad = (text: string, opts: InputOptions = {}) => messageOf(() => parseJsonInput(text, 'x.json', opts));

describe('parseJsonInput', () => {
  it('reads rows of numbers, one line per step', () => {
    const r = parseJsonInput('[\n  [0.5, -1],\n  [2, 3]\n]', 'x.json');
    expect(r.featureNames).toEqual(['x0', 'x1']);
    expect(r.records.map((x) => [...x.values])).toEqual([[0.5, -1], [2, 3]]);
    expect(r.records.map((x) => x.line)).toEqual([2, 3]);
    expect(r.records[0]!.label).toBe('0.5, -1');
  });

  it('reads a flat array as one feature', () => {
    expect(rows('[1, 2, 3]')).toEqual([[1], [2], [3]]);
  });

  it('reads objects of named features in the first object key order', () => {
    const r = parseJsonInput('[{"b": 1, "a": 2}, {"a": 4, "b": 3}]', 'x.json');
    expect(r.featureNames).toEqual(['b', 'a']);
    expect(r.records.map((x) => [...x.values])).toEqual([[1, 2], [3, 4]]);
    expect(rows('[{"b": 1, "a": 2}]', { columns: ['a'] })).toEqual([[2]]);
  });

  it('returns no records for []', () => {
    expect(rows('[]')).toEqual([]);
  });

  it('names line and column of a syntax error', () => {
    expect(bad('[[1, 2],\n [3, }]')).toBe('x.json:2:6: expected a value, got "}"');
    expect(bad('[[1, 2],\n [3, 4]')).toBe('x.json:2:8: expected "," or "]", got the end of input');
    expect(bad('[1, NaN]')).toBe('x.json:1:5: JSON has no NaN (non-finite values need CSV or .npy)');
    expect(bad('')).toBe('x.json:1:1: expected a value, got the end of input');
  });

  it('names line and column of a value that is not a number', () => {
    expect(bad('[[1, 2],\n [3, "4"]]')).toBe('x.json:2:6: expected a number, got a string "4"');
    expect(bad('[[1, 2], [3, null]]')).toBe('x.json:1:14: expected a number, got null');
    expect(bad('[{"a": 1}, {"a": true}]')).toBe('x.json:1:18: expected a number, got true');
  });

  it('names ragged rows and mismatched objects', () => {
    expect(bad('[[1, 2],\n [3]]')).toBe('x.json:2:2: expected 2 fields, got 1');
    expect(bad('[[1, 2], 3]')).toBe('x.json:1:10: expected an array of numbers like step 0, got a number');
    expect(bad('[{"a": 1, "b": 2}, {"a": 1}]')).toBe('x.json:1:20: missing feature "b" (features: a, b)');
    expect(bad('[{"a": 1}, {"a": 1, "c": 2}]')).toBe('x.json:1:26: unexpected feature "c" (features: a)');
    expect(bad('{"a": 1}')).toBe('x.json:1:1: expected an array of time steps, got an object');
  });

  it('checks the expected width and finiteness', () => {
    expect(bad('[\n[1, 2]]', { expectedWidth: 3 })).toBe("x.json:2: expected 3 features (the weights' input size), got 2");
    expect(bad('[[1, 1e999]]')).toContain('x.json:1:6: Infinity at t=0');
  });

  it('refuses nesting deeper than the limit without recursing', () => {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    expect(bad(deep)).toBe('x.json:1:65: JSON nested deeper than 64 levels');
    expect(bad('[[[1]]]', { maxJsonDepth: 2 })).toBe('x.json:1:3: JSON nested deeper than 2 levels');
  });

  it('refuses more values than the limit', () => {
    expect(bad('[[1, 2], [3, 4]]', { maxValues: 3 })).toBe('x.json:1:1: too many values: 2 x 2 > 3');
  });
});
