/**
 * Parsing safety: names that are Object's own members, numbers that overflow float32, bytes that are
 * not UTF-8, BOMs and CRLF, and inputs far wider than any real one. The property tests of every
 * reader and loader live in test/io/fuzz.test.ts and test/io/weights/fuzz.test.ts (`npm run fuzz`
 * runs them far longer).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { formatVocab, parseVocab } from '../../src/io/text.js';
import { runCli } from '../helpers/cli.js';
import { fuzzParams } from '../helpers/fuzz.js';
import { expectOneLine, scratch } from './harness.js';

const { dir, file } = scratch('parse');
const lstm = (H: number, D: number) => {
  const m = (r: number, c: number) => Array.from({ length: r }, () => Array(c).fill(0.1));
  return { weight_ih_l0: m(4 * H, D), weight_hh_l0: m(4 * H, H) };
};
const steps = (ndjson: string): { t: number; x: number[] }[] => ndjson.trim().split('\n').map((l) => JSON.parse(l) as { t: number; x: number[] });

describe("names that are Object's own members", () => {
  const MEMBERS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

  it('reads a vocabulary of words such as constructor and toString as tokens', async () => {
    const vocab = file('members.vocab', `${MEMBERS.join('\n')}\n`);
    expect(parseVocab(readFileSync(vocab, 'utf8'), vocab)).toEqual(MEMBERS);
    const r = await runCli(['run', file('members.txt', MEMBERS.join(' ')), '--input-format', 'text', '--tokens', 'words', '--vocab', vocab, '--hidden-size', '1']);
    expect(r.stderr).toBe('');
    expect(steps(r.stdout).map((s) => s.x.indexOf(1))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('treats .constructor, .__proto__ and .toString as unknown extensions', async () => {
    for (const ext of ['constructor', '__proto__', 'toString']) {
      const r = await runCli(['run', file(`data.${ext}`, '1,2\n3,4\n'), '--hidden-size', '1']);
      expect(r.stderr, ext).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('keeps __proto__ and constructor as feature names in CSV, NDJSON and JSON', async () => {
    const csv = await runCli(['run', file('p.csv', '__proto__,constructor\n1,2\n'), '--format', 'json', '--columns', 'constructor,__proto__', '--hidden-size', '1']);
    const nd = await runCli(['run', file('p.ndjson', '{"__proto__":1,"constructor":2}\n{"constructor":4,"__proto__":3}\n'), '--format', 'json', '--hidden-size', '1']);
    const js = await runCli(['run', file('p.json', '[{"__proto__":1,"constructor":2},{"constructor":4,"__proto__":3}]'), '--format', 'json', '--hidden-size', '1']);
    const doc = (r: { stdout: string }) => JSON.parse(r.stdout) as { meta: { features: string[] }; steps: { x: number[] }[] };
    expect(doc(csv).meta.features).toEqual(['constructor', '__proto__']);
    expect(doc(csv).steps[0]!.x).toEqual([2, 1]);
    for (const r of [nd, js]) {
      expect(doc(r).meta.features).toEqual(['__proto__', 'constructor']);
      expect(doc(r).steps.map((s) => s.x)).toEqual([
        [1, 2],
        [3, 4],
      ]);
    }
  });

  // Loader-level tests: test/io/weights/pytorch.test.ts 'treats __proto__ and constructor as
  // ordinary names', test/io/weights/safetensors.test.ts 'keeps __proto__ and constructor as
  // ordinary names'. Here, the whole CLI path, and Object.prototype afterwards.
  it('loads weights JSON with __proto__, constructor and prototype keys without polluting Object', async () => {
    const text = `${JSON.stringify(lstm(2, 2)).slice(0, -1)},"__proto__":{"polluted":[1]},"constructor":[1,2],"prototype":[[1]]}`;
    // an object value is a nested module (state_dict names joined with "."): __proto__.polluted is a name like any other
    const r = await runCli(['inspect', file('proto.json', text)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/not used\s+__proto__\.polluted, constructor, prototype/);
    const ok = await runCli(['inspect', file('proto2.json', `${JSON.stringify(lstm(2, 2)).slice(0, -1)},"constructor":[1,2],"prototype":[[1]]}`)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/not used\s+constructor, prototype/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('numbers', () => {
  // Loader-level: pytorch.test.ts 'rejects numbers that overflow float32 ...', safetensors.test.ts
  // 'rejects values that are not finite in float32 ...', onnx.test.ts 'rejects a weight that
  // overflows float32, by name and index'.
  it('refuses a weight that overflows float32, by name and index', async () => {
    const w = lstm(2, 2);
    w.weight_hh_l0[3]![1] = 1e39;
    const r = await runCli(['run', file('x.csv', '1,2\n'), '-w', file('big.json', JSON.stringify(w))]);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /big\.json: weight_hh_l0\[3\]\[1\] is 1e\+39, not a finite float32 number/);
  });

  it('refuses an input number that overflows to Infinity, naming line and column', async () => {
    const r = await runCli(['run', file('inf.csv', '1,2\n3,1e999\n')]);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /inf\.csv:2:2: Infinity at t=1/);
  });

  it('refuses a class index of 10^9 for cross-entropy, naming the line', async () => {
    const r = await runCli(['train', file('cls.csv', 'a,y\n1,0\n2,1\n3,1000000000\n'), '-o', join(dir, 'cls.json'), '--task', 'target', '--target-column', 'y', '--loss', 'cross-entropy']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /cls\.csv:4: --loss cross-entropy needs class indices .* got 1000000000 \(at most 65536 classes\)/);
  });
});

describe('bytes and line ends', () => {
  it('reads a UTF-8 BOM and CRLF line ends in CSV and NDJSON', async () => {
    const csv = await runCli(['run', file('bom.csv', '\ufeffa,b\r\n1,2\r\n3,4\r\n'), '--format', 'json', '--hidden-size', '1']);
    const nd = await runCli(['run', file('bom.ndjson', '\ufeff{"a":1,"b":2}\r\n{"a":3,"b":4}\r\n'), '--format', 'json', '--hidden-size', '1']);
    for (const r of [csv, nd]) {
      expect(r.stderr).toBe('');
      const doc = JSON.parse(r.stdout) as { meta: { features: string[] }; steps: { x: number[] }[] };
      expect(doc.meta.features).toEqual(['a', 'b']);
      expect(doc.steps.map((s) => s.x)).toEqual([
        [1, 2],
        [3, 4],
      ]);
    }
  });

  it('shows bytes that are not UTF-8 as U+FFFD in names and messages, never crashing', async () => {
    const header = await runCli(['run', file('latin1.csv', Buffer.from([0x61, 0xff, 0xfe, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0x32, 0x0a])), '--format', 'json', '--hidden-size', '1']);
    expect(header.code).toBe(0);
    expect((JSON.parse(header.stdout) as { meta: { features: string[] } }).meta.features).toEqual(['a\ufffd\ufffd', 'b']);
    const cell = await runCli(['run', file('latin1b.csv', Buffer.from('a,b\n1,\xff2\n', 'latin1'))]);
    expect(cell.code).toBe(1);
    expectOneLine(cell.stderr, /latin1b\.csv:2:2: expected a number, got "\ufffd2"/);
  });
});

describe('inputs far wider than real ones', () => {
  it('runs a row of 10^6 columns', async () => {
    const row = `${Array(1e6).fill('0.5').join(',')}\n`;
    const r = await runCli(['run', file('wide.csv', row + row), '--hidden-size', '1']);
    expect(r.stderr).toBe('');
    const s = steps(r.stdout);
    expect(s).toHaveLength(2);
    expect(s[1]!.x).toHaveLength(1e6);
  });

  it('keeps a header of 10^5 names', async () => {
    const names = Array.from({ length: 1e5 }, (_, i) => `c${i}`);
    const r = await runCli(['run', file('names.csv', `${names.join(',')}\n${Array(1e5).fill('1').join(',')}\n`), '--format', 'json', '--hidden-size', '1']);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { meta: { features: string[] } }).meta.features).toEqual(names);
  });

  it('trains cross-entropy on 200,000 rows (no spread of the whole series onto the stack)', async () => {
    const rows = Array.from({ length: 200000 }, (_, t) => `${t % 7},${t % 3}`).join('\n');
    const r = await runCli(['train', file('long.csv', `a,y\n${rows}\n`), '-o', join(dir, 'long.json'), '--task', 'target', '--target-column', 'y', '--loss', 'cross-entropy', '--epochs', '1', '--hidden-size', '1', '--window', '2000', '--batch-size', '100']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/y \(3 classes\)/);
  });
});

describe('the vocabulary train writes', () => {
  it('reads back token for token, whatever the tokens (property)', () => {
    const token = fc.oneof(
      fc.string({ minLength: 1, maxLength: 4 }),
      fc.constantFrom('\n', '\t', '\r', ' ', '\\', '\\n', '\\s', '\\\\', '[', '"', '\ufeff', 'constructor', '__proto__', 'a\r', 'x\ny'),
    );
    fc.assert(
      fc.property(fc.uniqueArray(token, { minLength: 1, maxLength: 12 }), (tokens) => {
        expect(parseVocab(formatVocab(tokens), 'v')).toEqual(tokens);
      }),
      fuzzParams(500, 11),
    );
  });

  it('writes one token per line when it can', () => {
    expect(formatVocab(['a', '\n', ' ', '\\'])).toBe('a\n\\n\n\\s\n\\\\\n');
  });

  it('lets run read the vocabulary of a model trained on text with newlines', async () => {
    const text = file('lines.txt', 'ab a\nba\\n\nabba\n');
    const out = join(dir, 'lines.json');
    const train = await runCli(['train', text, '--input-format', 'text', '-o', out, '--epochs', '1', '--hidden-size', '2']);
    expect(train.code, train.stderr).toBe(0);
    const r = await runCli(['run', text, '--input-format', 'text', '-w', out, '--vocab', join(dir, 'lines.vocab.txt')]);
    expect(r.stderr).toBe('');
    expect(steps(r.stdout)).toHaveLength('ab a\nba\\n\nabba'.length);
  });

  it('is an InputError, not a crash, for a vocabulary with a duplicate', () => {
    expect(() => parseVocab('a\nb\na\n', 'v')).toThrow(InputError);
  });
});
