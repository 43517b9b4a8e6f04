import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import type { InputOptions, InputRecord } from '../../src/io/input.js';
import { createNdjsonParser } from '../../src/io/ndjson.js';
import { messageOf } from '../helpers/input-error.js';

const rows = (rs: readonly InputRecord[]) => rs.map((r) => [...r.values]);
function parseAll(text: string, opts: InputOptions = {}) {
  const p = createNdjsonParser('x.ndjson', opts);
  const records = [...p.push(text), ...p.flush()];
  return { records, names: p.featureNames };
}
const bad = (text: string, opts: InputOptions = {}): string => messageOf(() => parseAll(text, opts));

describe('createNdjsonParser', () => {
  it('reads arrays, objects and numbers, one per line', () => {
    expect(rows(parseAll('[1, 2]\n\n[3, 4]\n').records)).toEqual([[1, 2], [3, 4]]);
    const o = parseAll('{"u": 1, "v": 2}\n{"v": 4, "u": 3}\n');
    expect(o.names).toEqual(['u', 'v']);
    expect(rows(o.records)).toEqual([[1, 2], [3, 4]]);
    expect(o.records.map((r) => r.line)).toEqual([1, 2]);
    expect(rows(parseAll('1\n2.5\n').records)).toEqual([[1], [2.5]]);
  });

  it('skips a non-numeric field that --columns does not pick', () => {
    expect(rows(parseAll('{"time": "2024-01-01", "u": 1}\n{"time": "2024-01-02", "u": 2}\n', { columns: ['u'] }).records)).toEqual([[1], [2]]);
    expect(rows(parseAll('["a", 1]\n["b", 2]\n', { columns: ['1'] }).records)).toEqual([[1], [2]]);
  });

  it('picks columns by name', () => {
    expect(rows(parseAll('{"u": 1, "v": 2}\n', { columns: ['v'] }).records)).toEqual([[2]]);
    expect(bad('{"u": 1}\n', { columns: ['w'] })).toBe('x.ndjson:1: unknown column "w"; available: u');
  });

  it('names the line and column of a bad step', () => {
    expect(bad('[1, 2]\n[1, "a"]\n')).toBe('x.ndjson:2:5: expected a number, got a string "a"');
    expect(bad('[1, 2]\n[1]\n')).toBe('x.ndjson:2: expected 2 fields, got 1');
    expect(bad('{"u": 1}\n{"w": 1}\n')).toBe('x.ndjson:2:1: missing feature "u" (features: u)');
    expect(bad('{"u": 1}\n{"u": 1, "w": 2}\n')).toBe('x.ndjson:2:15: unexpected feature "w" (features: u)');
    expect(bad('[1]\n{"u": 1}\n')).toBe('x.ndjson:2:1: expected an array of numbers like the first line, got an object');
    expect(bad('[1]\n[2] [3]\n')).toBe('x.ndjson:2:5: unexpected "[" after the JSON value');
  });

  it('fails on a cut-off last object, naming its line, after the records before it', () => {
    const p = createNdjsonParser('<stdin>', {});
    expect(rows(p.push('{"a": 1}\n{"a": 2}\n{"a": '))).toEqual([[1], [2]]);
    expect(() => p.flush()).toThrow(InputError);
    try {
      p.flush();
    } catch (err) {
      expect((err as InputError).format()).toBe('<stdin>:3:7: expected a value, got the end of input');
    }
  });

  it('keeps a record cut across chunks mid-line and mid-number', () => {
    const text = '{"a": 0.125, "b": -1}\n[\n';
    const p = createNdjsonParser('<stdin>', {});
    expect(p.push('{"a": 0.1')).toEqual([]);
    expect(p.featureNames).toBeNull();
    expect(p.push('25, "b": -')).toEqual([]);
    expect(rows(p.push('1}\n{"a": 2, "b"'))).toEqual([[0.125, -1]]);
    expect(p.featureNames).toEqual(['a', 'b']);
    expect(rows(p.push(': 3}'))).toEqual([]);
    expect(rows(p.flush())).toEqual([[2, 3]]);
    expect(text.length).toBeGreaterThan(0);
  });

  it('refuses deep nesting on one line', () => {
    expect(bad('['.repeat(10000))).toBe('x.ndjson:1:65: JSON nested deeper than 64 levels');
  });

  it('refuses a line longer than maxLineBytes', () => {
    expect(bad(`[${'1,'.repeat(100)}1]\n`, { maxLineBytes: 64 })).toMatch(/^x\.ndjson:1: line is longer than 64 bytes/);
  });
});
