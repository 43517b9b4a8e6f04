import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import type { InputRecord } from '../../src/io/input.js';
import { openInput, parseInputText, readInput } from '../../src/io/read-input.js';
import { rejectionOf } from '../helpers/input-error.js';
import { scratch } from '../helpers/scratch.js';

const { dir, file } = scratch('io');
const rows = (rs: readonly InputRecord[]) => rs.map((r) => [...r.values]);
const noStdin = new PassThrough();

const rejection = async (p: Promise<unknown>): Promise<string> => (await rejectionOf(p)).format();

/** Resolves on the next macrotask, so that stream events queued by a write have been delivered. */
const tick = () => new Promise((r) => setImmediate(r));

describe('readInput', () => {
  it('reads a CSV file by its extension', async () => {
    const s = await readInput(file('a.csv', 'a,b\n1,2\n3,4\n'), {}, noStdin);
    expect(s.format).toBe('csv');
    expect(s.featureNames).toEqual(['a', 'b']);
    expect(rows(s.records)).toEqual([[1, 2], [3, 4]]);
  });

  it('sniffs the format of a file without a known extension', async () => {
    expect((await readInput(file('a', '[[1, 2]]'), {}, noStdin)).format).toBe('json');
    expect((await readInput(file('b', '{"a": 1}\n{"a": 2}\n'), {}, noStdin)).format).toBe('ndjson');
    expect((await readInput(file('c', '1\t2\n'), {}, noStdin)).format).toBe('tsv');
    expect((await readInput(file('d', '1 2\n'), {}, noStdin)).format).toBe('ws');
    expect((await readInput(file('e', 'a,b\n1,2\n'), {}, noStdin)).format).toBe('csv');
  });

  it('tells numbers from text in a .txt file', async () => {
    expect((await readInput(file('n.txt', '0.5 1\n2 3\n'), {}, noStdin)).format).toBe('ws');
    expect((await readInput(file('h.txt', 'a b\n2 3\n'), {}, noStdin)).featureNames).toEqual(['a', 'b']);
    const t = await readInput(file('t.txt', 'hello\n'), {}, noStdin);
    expect(t.format).toBe('text');
    expect(t.vocab).toEqual(['h', 'e', 'l', 'o']);
  });

  it('fails with "no time steps" on empty input or a header alone', async () => {
    expect(await rejection(readInput(file('empty.csv', ''), {}, noStdin))).toMatch(/empty\.csv: no time steps/);
    expect(await rejection(readInput(file('head.csv', 'a,b\n'), {}, noStdin))).toMatch(/head\.csv: no time steps/);
    expect(await rejection(readInput(file('empty.json', '[]'), {}, noStdin))).toMatch(/empty\.json: no time steps/);
  });

  it('passes a missing file on as the system error', async () => {
    await expect(readInput(join(dir, 'nope.csv'), {}, noStdin)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a whole-read input over maxInputBytes', async () => {
    const p = file('big.json', `[${'1,'.repeat(5000)}1]`);
    expect(await rejection(readInput(p, { maxInputBytes: 4096 }, noStdin))).toMatch(/json input is larger than 4 KiB/);
  });
});

describe('openInput on stdin', () => {
  it('yields each record as soon as its line is complete', async () => {
    const stdin = new PassThrough();
    stdin.write('a,b\n1,');
    const input = await openInput('-', {}, stdin);
    expect(input.source).toBe('<stdin>');
    expect(input.format).toBe('csv');
    expect(input.featureNames).toEqual(['a', 'b']);
    const it = input[Symbol.asyncIterator]();
    const first = it.next();
    stdin.write('2\n3');
    expect((await first).value?.values).toEqual(new Float64Array([1, 2]));
    const second = it.next();
    await tick();
    stdin.write(',4');
    stdin.end();
    expect((await second).value?.values).toEqual(new Float64Array([3, 4]));
    expect((await it.next()).done).toBe(true);
  });

  it('keeps a record cut across stdin chunks mid-line and mid-number', async () => {
    const stdin = new PassThrough();
    const pieces = ['{"a": 0.', '125, "b"', ': -1}\n{"a"', ': 2, "b": 3', '}\n'];
    const opened = openInput('-', {}, stdin);
    for (const p of pieces) {
      stdin.write(p);
      await tick();
    }
    stdin.end();
    const s = await opened;
    const got: InputRecord[] = [];
    for await (const r of s) got.push(r);
    expect(s.format).toBe('ndjson');
    expect(rows(got)).toEqual([[0.125, -1], [2, 3]]);
  });

  it('yields every complete record before a cut-off NDJSON object, then names its line', async () => {
    const stdin = new PassThrough();
    stdin.end('[1, 2]\n[3, 4]\n[5, ');
    const input = await openInput('-', { format: 'ndjson' }, stdin);
    const got: InputRecord[] = [];
    let error = '';
    try {
      for await (const r of input) got.push(r);
    } catch (err) {
      error = (err as InputError).format();
    }
    expect(rows(got)).toEqual([[1, 2], [3, 4]]);
    expect(error).toBe('<stdin>:3:5: expected a value, got the end of input');
  });

  it('accepts a last line without a newline', async () => {
    const stdin = new PassThrough();
    stdin.end('1 2\n3 4');
    expect(rows((await readInput('-', {}, stdin)).records)).toEqual([[1, 2], [3, 4]]);
  });

  it('sniffs JSON and reads it whole', async () => {
    const stdin = new PassThrough();
    stdin.write('  [[1,');
    setImmediate(() => stdin.end(' 2]]'));
    const s = await readInput('-', {}, stdin);
    expect(s.format).toBe('json');
    expect(rows(s.records)).toEqual([[1, 2]]);
  });

  it('reads text from stdin when tokens are asked for', async () => {
    const stdin = new PassThrough();
    stdin.end('to be or not to be');
    const s = await readInput('-', { tokens: 'words' }, stdin);
    expect(s.format).toBe('text');
    expect(s.vocab).toEqual(['to', 'be', 'or', 'not']);
    expect(s.records.map((r) => r.token)).toEqual([0, 1, 2, 3, 0, 1]);
  });

  it('rejects empty stdin with no time steps', async () => {
    const stdin = new PassThrough();
    stdin.end('');
    expect(await rejection(openInput('-', {}, stdin))).toBe('<stdin>: no time steps (the input has no data rows)');
  });

  it('stops at close() even while a read is pending, without destroying stdin', async () => {
    const stdin = new PassThrough();
    stdin.write('1,2\n');
    const input = await openInput('-', {}, stdin);
    const it = input[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const pending = it.next();
    input.close();
    expect((await pending).done).toBe(true);
    expect(stdin.destroyed).toBe(false);
  });

  it('names the first bad line of a stream', async () => {
    const stdin = new PassThrough();
    stdin.end('1,2\n3,4\n5,x\n');
    expect(await rejection(readInput('-', {}, stdin))).toBe('<stdin>:3:2: expected a number, got "x"');
  });

  it('checks the expected width at the first record', async () => {
    expect(await rejection(readInput(file('x.csv', 'a,b\n1,2\n'), { expectedWidth: 3 }, noStdin))).toMatch(
      /x\.csv:2: expected 3 features \(the weights' input size\), got 2$/,
    );
  });
});

describe('parseInputText', () => {
  it('detects from the source name and content', () => {
    expect(parseInputText('1,2\n', 'a.csv').format).toBe('csv');
    expect(parseInputText('[1]', '<stdin>').format).toBe('json');
    expect(parseInputText('a b c', 'a.txt').format).toBe('text');
  });
});
