/** io/corpus.ts: the five corpus shapes, their members' records, and the errors that name the member. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCorpus } from '../../src/io/corpus.js';
import type { InputRecord } from '../../src/io/input.js';
import { InputError } from '../../src/io/errors.js';

async function records(c: Awaited<ReturnType<typeof openCorpus>>, i: number): Promise<InputRecord[]> {
  const s = await c.members[i]!.open();
  const out: InputRecord[] = [];
  for await (const r of s) out.push(r);
  return out;
}

/** A (B, T, D) float32 .npy, C order. */
function npy(shape: number[], data: number[]): Uint8Array {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = header + ' '.repeat(pad) + '\n';
  const out = new Uint8Array(10 + h.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  out.set(new TextEncoder().encode(h), 10);
  new Float32Array(out.buffer, 10 + h.length, data.length).set(data);
  return out;
}

describe('openCorpus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-corpus-'));

  it('a folder: every regular file in name order, dotfiles and folders aside', async () => {
    const f = join(dir, 'folder');
    mkdirSync(join(f, 'sub'), { recursive: true });
    writeFileSync(join(f, 'b.csv'), 'a,b\n1,2\n3,4\n');
    writeFileSync(join(f, 'a.csv'), 'a,b\n5,6\n');
    writeFileSync(join(f, '.hidden.csv'), 'a,b\n0,0\n');
    const c = await openCorpus(f, '/', {});
    expect(c.kind).toBe('folder');
    expect(c.members.map((m) => m.name)).toEqual(['a.csv', 'b.csv']);
    expect((await records(c, 1)).map((r) => Array.from(r.values))).toEqual([[1, 2], [3, 4]]);
  });

  it('a text folder shares one vocabulary, built across its files in name order, and says so', async () => {
    const f = join(dir, 'texts');
    mkdirSync(f, { recursive: true });
    writeFileSync(join(f, '1.txt'), 'ab');
    writeFileSync(join(f, '2.txt'), 'ca');
    const c = await openCorpus(f, '/', {});
    expect(c.notes[0]).toMatch(/one vocabulary of 3 tokens built from its 2 files/);
    const second = await records(c, 1);
    expect(second.map((r) => r.token)).toEqual([2, 0]);
  });

  it('a (B, T, D) .npy: B sequences, the reading said; --no-batch-first reads (T, B, D)', async () => {
    const p = join(dir, 'b.npy');
    writeFileSync(p, npy([2, 3, 1], [1, 2, 3, 4, 5, 6]));
    const c = await openCorpus(p, '/', {});
    expect(c.members).toHaveLength(2);
    expect(c.notes[0]).toMatch(/\(2, 3, 1\) read as \(B, T, D\): 2 sequences of 3 steps/);
    expect((await records(c, 1)).map((r) => r.values[0])).toEqual([4, 5, 6]);
    const tb = await openCorpus(p, '/', { batchFirst: false });
    expect(tb.members).toHaveLength(3);
    expect((await records(tb, 0)).map((r) => r.values[0])).toEqual([1, 4]);
  });

  it('a 2-d .npy is one sequence, not a corpus', async () => {
    const p = join(dir, 'one.npy');
    writeFileSync(p, npy([3, 1], [1, 2, 3]));
    await expect(openCorpus(p, '/', {})).rejects.toThrow(/\(3, 1\) is one sequence; a corpus .npy is \(B, T, D\)/);
  });

  it('text by lines (newlines left out) and by paragraphs (newlines inside kept), with the file\'s line numbers', async () => {
    const p = join(dir, 't.txt');
    writeFileSync(p, 'ab\ncd\n\nef\n');
    const lines = await openCorpus(p, '/', {});
    expect(lines.members.map((m) => m.name)).toEqual(['line 1', 'line 2', 'line 4']);
    expect((await records(lines, 2)).map((r) => [r.label, r.line])).toEqual([['e', 4], ['f', 4]]);
    const paras = await openCorpus(p, '/', { split: 'paragraphs' });
    expect(paras.members).toHaveLength(2);
    expect((await records(paras, 0)).map((r) => r.label).join('')).toBe('ab\ncd');
    expect((await records(paras, 1)).map((r) => r.line)).toEqual([4, 4]);
  });

  it('a token outside --vocab is named at its line and column in the file', async () => {
    const p = join(dir, 'v.txt');
    writeFileSync(p, 'ab\nax\n');
    const c = await openCorpus(p, '/', { vocab: ['a', 'b'] });
    const err = await records(c, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).format()).toMatch(/v\.txt:2:2: token "x" is not in the vocabulary/);
  });

  it('NDJSON: one sequence per non-empty line, a bad line named', async () => {
    const p = join(dir, 's.ndjson');
    writeFileSync(p, '[[1,2],[3,4]]\n\n[0.5, 1]\n[[1,"x"]]\n');
    const c = await openCorpus(p, '/', {});
    expect(c.members.map((m) => m.name)).toEqual(['line 1', 'line 3', 'line 4']);
    expect((await records(c, 1)).map((r) => [r.values[0], r.line])).toEqual([[0.5, 3], [1, 3]]);
    const err = (await records(c, 2).catch((e: unknown) => e)) as InputError;
    expect(err.format()).toMatch(/^.*s\.ndjson:4:\d+: expected a number, got a string/);
  });

  it('refuses a CSV, an empty folder and a missing path, naming them', async () => {
    const p = join(dir, 'one.csv');
    writeFileSync(p, 'a\n1\n');
    await expect(openCorpus(p, '/', {})).rejects.toThrow(/is one sequence, not a corpus/);
    mkdirSync(join(dir, 'empty'));
    await expect(openCorpus(join(dir, 'empty'), '/', {})).rejects.toThrow(/no files to read as sequences/);
    await expect(openCorpus(join(dir, 'nope'), '/', {})).rejects.toThrow(/no such file or folder/);
  });
});

describe('openCorpus --split', () => {
  it('refuses --split for anything but a text file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-corpus-split-'));
    writeFileSync(join(dir, 'a.csv'), 'a\n1\n');
    await expect(openCorpus(dir, '/', { split: 'lines' })).rejects.toThrow(/--split cuts a text file into sequences; this is a folder/);
    writeFileSync(join(dir, 's.ndjson'), '[[1]]\n');
    await expect(openCorpus(join(dir, 's.ndjson'), '/', { split: 'paragraphs' })).rejects.toThrow(/this is ndjson input/);
  });
});
