import { describe, expect, it } from 'vitest';
import { createCsvParser } from '../../src/io/csv.js';
import type { InputOptions, InputRecord } from '../../src/io/input.js';
import { messageOf } from '../helpers/input-error.js';

function parseAll(text: string, opts: InputOptions & { format?: 'csv' | 'tsv' | 'ws' } = {}, source = 'x.csv') {
  const p = createCsvParser(source, opts);
  const records = [...p.push(text), ...p.flush()];
  return { records, names: p.featureNames };
}
const rows = (rs: readonly InputRecord[]) => rs.map((r) => [...r.values]);

describe('createCsvParser', () => {
  it('reads rows with a detected header', () => {
    const { records, names } = parseAll('a,b\n0.5,-1\n2,3e-1\n');
    expect(names).toEqual(['a', 'b']);
    expect(rows(records)).toEqual([[0.5, -1], [2, 0.3]]);
    expect(records.map((r) => r.line)).toEqual([2, 3]);
    expect(records[0]!.label).toBe('0.5, -1');
  });

  it('names features x0, x1 without a header', () => {
    const { records, names } = parseAll('1,2\n3,4');
    expect(names).toEqual(['x0', 'x1']);
    expect(rows(records)).toEqual([[1, 2], [3, 4]]);
  });

  it('forces header: false so a bad first row is an error', () => {
    expect(messageOf(() => parseAll('a,b\n1,2\n', { header: false }))).toBe('x.csv:1:1: expected a number, got "a"');
  });

  it('reads TSV and whitespace-separated numbers', () => {
    expect(rows(parseAll('1\t2\n3\t4\n', { format: 'tsv' }).records)).toEqual([[1, 2], [3, 4]]);
    expect(rows(parseAll('  1   2\t 3\n4 5 6  \n', { format: 'ws' }).records)).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('skips blank and # comment lines and accepts CRLF and a BOM', () => {
    const { records, names } = parseAll('\ufeff# saved by numpy\r\nu,v\r\n\r\n1,2\r\n# note\r\n3,4\r\n');
    expect(names).toEqual(['u', 'v']);
    expect(rows(records)).toEqual([[1, 2], [3, 4]]);
    expect(records.map((r) => r.line)).toEqual([4, 6]);
  });

  it('unquotes quoted fields with csv-parse', () => {
    const { records, names } = parseAll('"a, first","b ""2"""\n"1.5",2\n');
    expect(names).toEqual(['a, first', 'b "2"']);
    expect(rows(records)).toEqual([[1.5, 2]]);
  });

  it('reads a quoted header name spanning two lines', () => {
    const { records, names } = parseAll('"a\nb",c\n1,2\n');
    expect(names).toEqual(['a\nb', 'c']);
    expect(records[0]!.line).toBe(3);
  });

  it('names a ragged row', () => {
    expect(messageOf(() => parseAll('a,b,c\n1,2,3\n4,5\n'))).toBe('x.csv:3: expected 3 fields, got 2');
  });

  it('names a non-number cell by line and field, quoting it safely', () => {
    expect(messageOf(() => parseAll('1,2\n3,x\u001b[31m\n'))).toBe('x.csv:2:2: expected a number, got "x\\e[31m"');
    expect(messageOf(() => parseAll('1,2\n3,\n'))).toBe('x.csv:2:2: expected a number, got an empty field');
  });

  it('refuses NaN and Inf unless allowed', () => {
    expect(messageOf(() => parseAll('1,2\n3,nan\n'))).toBe('x.csv:2:2: NaN at t=1 (feature x1): expected a finite number (pass --allow-nan to accept it)');
    expect(messageOf(() => parseAll('1,-inf\n'))).toContain('x.csv:1:2: -Infinity at t=0');
    expect(messageOf(() => parseAll('1,1e999\n'))).toContain('Infinity at t=0');
    const { records } = parseAll('1,nan\n-Infinity,inf\n', { allowNonFinite: true });
    expect(rows(records)).toEqual([[1, NaN], [-Infinity, Infinity]]);
  });

  it('checks the width against the weights at the first record', () => {
    expect(messageOf(() => parseAll('a,b\n1,2\n', { expectedWidth: 3 }))).toBe("x.csv:2: expected 3 features (the weights' input size), got 2");
    expect(messageOf(() => parseAll('1,2,3,4\n', { expectedWidth: 3 }))).toContain('(pick features with --columns)');
  });

  it('picks columns by name or index, in the order given', () => {
    const { records, names } = parseAll('a,b,c\n1,2,3\n4,5,6\n', { columns: ['c', '0'], expectedWidth: 2 });
    expect(names).toEqual(['c', 'a']);
    expect(rows(records)).toEqual([[3, 1], [6, 4]]);
    expect(records[0]!.label).toBe('3, 1');
  });

  it('lists the available names for an unknown column', () => {
    expect(messageOf(() => parseAll('a,b\n1,2\n', { columns: ['z'] }))).toBe('x.csv:1: unknown column "z"; available: a, b');
    expect(messageOf(() => parseAll('1,2\n', { columns: ['5'] }))).toBe('x.csv:1: column index 5 is out of range: the input has 2 columns (0-1)');
  });

  it('ignores a bad value in a column that was not picked', () => {
    expect(rows(parseAll('a,b\n1,nan\n', { columns: ['a'] }).records)).toEqual([[1]]);
  });

  it('skips a non-numeric column that --columns does not pick (a timestamp)', () => {
    const text = 'time,sin,cos\n2024-01-01T00:00,0,1\n2024-01-02T00:00,0.5,0.9\n';
    const { records, names } = parseAll(text, { columns: ['sin', 'cos'] });
    expect(names).toEqual(['sin', 'cos']);
    expect(rows(records)).toEqual([[0, 1], [0.5, 0.9]]);
    expect(records[0]!.label).toBe('0, 1');
    // picked, it is still an error naming its line and column
    expect(messageOf(() => parseAll(text, { columns: ['time', 'sin'] }))).toBe('x.csv:2:1: expected a number, got "2024-01-01T00:00"');
  });

  it('refuses a line longer than maxLineBytes before it ends', () => {
    const p = createCsvParser('x.csv', { maxLineBytes: 10 });
    p.push('1,2\n');
    expect(messageOf(() => p.push('1,2,3,4,5,6,7'))).toMatch(/^x\.csv:2: line is longer than 10 bytes/);
  });

  it('reports bad quoting with its line', () => {
    expect(messageOf(() => parseAll('1,2\n"3"x,4\n'))).toBe('x.csv:2: bad quoting: a closing quote must be followed by a delimiter or the end of the line');
    expect(messageOf(() => parseAll('1,2\n"3,4\n'))).toBe('x.csv:2: a quoted field is not closed before the end of input');
  });
});

describe('a record cut across chunks', () => {
  it('keeps a record cut across chunks mid-line and mid-number', () => {
    const p = createCsvParser('<stdin>', {});
    expect(p.push('a,b\n1.2')).toEqual([]);
    expect(p.featureNames).toEqual(['a', 'b']);
    expect(p.push('5,-')).toEqual([]);
    const got = p.push('3\n4,5\n6');
    expect(rows(got)).toEqual([[1.25, -3], [4, 5]]);
    expect(rows(p.push(',7'))).toEqual([]);
    expect(rows(p.flush())).toEqual([[6, 7]]);
  });

  it('keeps a UTF-8 character cut between chunks', () => {
    const bytes = new TextEncoder().encode('é,b\n1,2\n');
    const p = createCsvParser('<stdin>', {});
    p.push(bytes.subarray(0, 1));
    const got = p.push(bytes.subarray(1));
    expect(p.featureNames).toEqual(['é', 'b']);
    expect(rows(got)).toEqual([[1, 2]]);
  });

  it('gives the same records for every split point', () => {
    const text = 'x,y\n0.5,-1\n"2",3e-1\n\n4 , 5\n';
    const whole = rows(parseAll(text).records);
    for (let cut = 0; cut <= text.length; cut++) {
      const p = createCsvParser('x.csv', {});
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.flush()];
      expect(rows(got), `cut at ${cut}`).toEqual(whole);
    }
  });
});
