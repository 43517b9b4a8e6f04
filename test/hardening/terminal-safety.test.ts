/**
 * Text from input reaches a terminal only with its control characters made visible: header names,
 * NDJSON keys, text tokens, file names, tensor and node names, safetensors metadata, and every
 * error message that quotes input. What `run` writes as JSON stays exact (JSON escapes it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/io/weights/index.js';
import { runCli } from '../helpers/cli.js';
import { CLEAR, CLEAR_SHOWN, expectInert, expectOneLine, gatescope, OSC_SHOWN, OSC_TITLE, quote, requireBuild, ROOT, scratch, sh } from './harness.js';

const { onnx } = onnxProto;
const { file } = scratch('term');

const HOSTILE_CSV = `a${OSC_TITLE},b${CLEAR}\n1,2\n3,4\n`;
const lstm = (H: number, D: number, prefix = '') => {
  const m = (r: number, c: number) => Array.from({ length: r }, () => Array(c).fill(0.1));
  return { [`${prefix}weight_ih_l0`]: m(4 * H, D), [`${prefix}weight_hh_l0`]: m(4 * H, H) };
};

beforeAll(requireBuild);

describe('inspect', () => {
  it('shows hostile tensor names and prefixes of a state_dict as escapes', async () => {
    const w = file('w.json', JSON.stringify({ ...lstm(2, 2, `m${OSC_TITLE}.`), [`x${CLEAR}`]: [1, 2] }));
    const r = await runCli(['inspect', w]);
    expect(r.code).toBe(0);
    expectInert(r.stdout, OSC_SHOWN, `x${CLEAR_SHOWN}`);
  });

  it('shows hostile safetensors names and __metadata__ as escapes', async () => {
    const t = (n: number) => ({ shape: [8, 2], data: new Float32Array(n).fill(0.1) });
    const tensors = new Map([
      ['weight_ih_l0', t(16)],
      ['weight_hh_l0', t(16)],
      [`junk${CLEAR}`, { shape: [1], data: new Float32Array([1]) }],
    ]);
    const bytes = encodeSafetensors(tensors, 'F32', new Map([[`k${OSC_TITLE}`, `v${CLEAR}\u202eevil`]]));
    const r = await runCli(['inspect', file('w.safetensors', bytes)]);
    expect(r.code).toBe(0);
    expectInert(r.stdout, `junk${CLEAR_SHOWN}`, `k${OSC_SHOWN}`, `v${CLEAR_SHOWN}\\u202eevil`);
  });

  it('shows hostile ONNX node, initializer, producer and metadata names as escapes', async () => {
    const m = onnx.ModelProto.decode(readFileSync(join(ROOT, 'fixtures/weights/gru.onnx')));
    const node = m.graph!.node!.find((n) => n.opType === 'GRU')!;
    node.name = `gru${CLEAR}`;
    const W = node.input![1]!;
    const renamed = `W${OSC_TITLE}`;
    for (const t of m.graph!.initializer!) if (t.name === W) t.name = renamed;
    node.input![1] = renamed;
    m.producerName = `evil${OSC_TITLE}`;
    m.metadataProps!.push(onnx.StringStringEntryProto.create({ key: `k${CLEAR}`, value: `v${OSC_TITLE}` }));
    const r = await runCli(['inspect', file('m.onnx', onnx.ModelProto.encode(m).finish())]);
    expect(r.code).toBe(0);
    expectInert(r.stdout, `W${OSC_SHOWN}`, `evil${OSC_SHOWN}`, `k${CLEAR_SHOWN}`, 'gru\\');
    const wrong = await runCli(['inspect', file('m2.onnx', onnx.ModelProto.encode(m).finish()), '--node', `no${CLEAR}`]);
    expect(wrong.code).toBe(1);
    expectInert(wrong.stderr, 'no\\');
  });

  it('keeps --json output exact: JSON escapes the names', async () => {
    const w = file('wj.json', JSON.stringify(lstm(2, 2, `m${OSC_TITLE}.`)));
    const r = await runCli(['inspect', w, '--json']);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
  });
});

describe('error messages quoting input', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['a bad cell', () => ['run', file('cell.csv', `a,b\n1,x${CLEAR}\n`)], /cell\.csv:2:2: expected a number, got "x\\e\[2J"/],
    ['an unknown --columns name', () => ['run', file('cols.csv', HOSTILE_CSV), '--columns', `z${CLEAR}`], /unknown column "z\\e\[2J"; available: a\\e\]0;owned\\x07/],
    ['a missing NDJSON key', () => ['run', file('keys.ndjson', `${JSON.stringify({ [`a${OSC_TITLE}`]: 1 })}\n{"b":2}\n`)], /missing feature "a\\e\]0;owned\\x07"/],
    ['an unexpected NDJSON key', () => ['run', file('keys2.ndjson', `{"a":1}\n${JSON.stringify({ a: 2, [`z${CLEAR}`]: 3 })}\n`)], /unexpected feature "z\\e\[2J"/],
    ['a string cell in JSON', () => ['run', file('str.json', JSON.stringify([[1], [`s${OSC_TITLE}`]]))], /a string "s\\e\]0;owned\\x07"/],
    ['a token outside the vocabulary', () => ['run', file('t.txt', `ab${CLEAR}`), '--input-format', 'text', '--vocab', file('v.txt', 'a\nb\n')], /token "\\e"/],
    ['a missing file with escapes in its name', () => ['run', join(file('x', ''), '..', `nope${OSC_TITLE}.csv`)], /nope\\e\]0;owned\\x07\.csv: no such file/],
    ['a wrong --target-column', () => ['train', file('tc.csv', HOSTILE_CSV), '-o', file('tc.json', ''), '--task', 'target', '--target-column', `zz${CLEAR}`], /no column "zz\\e\[2J" for --target-column; available: a\\e\]0;owned\\x07, b\\e\[2J/],
  ];
  for (const [what, argv, pattern] of cases) {
    it(`escapes ${what}`, async () => {
      const r = await runCli(argv());
      expect(r.code).toBe(1);
      expectOneLine(r.stderr, pattern);
      expectInert(r.stderr);
    });
  }
});

describe('usage errors quoting argv', () => {
  // yargs quotes an unknown flag, a stray argument and a value outside its choices raw.
  const OSC52 = '\u001b]52;c;aGk=\u0007'; // writes "hi" to the clipboard
  const cases: [string, () => string[], RegExp][] = [
    ['an unknown flag carrying OSC 52', () => ['run', file('u1.csv', '1,2\n'), `--x${OSC52}`], /Unknown argument: x\\e\]52;c;aGk \(see gatescope --help\)/],
    ['a stray argument carrying a title sequence', () => ['run', file('u2.csv', '1,2\n'), `b${OSC_TITLE}.csv`], /Unknown argument: b\\e\]0;owned\\x07\.csv/],
    ['a --cell value carrying a title sequence', () => ['run', file('u3.csv', '1,2\n'), '--cell', `lstm${OSC_TITLE}`], /--cell "lstm\\u001b\]0;owned\\u0007" is not one of "lstm", "gru", "rnn"/],
    ['a --columns list with an empty name', () => ['run', file('u4.csv', '1,2\n'), '--columns', `a${OSC52},`], /--columns has an empty name: "a\\e\]52;c;aGk=\\x07,"/],
    ['a size flag carrying a C1 CSI', () => ['run', file('u5.csv', '1,2\n'), '--max-line-bytes', '1\u009b2J'], /--max-line-bytes must be a size .* got "1\\x9b2J"/],
  ];
  for (const [what, argv, pattern] of cases) {
    it(`escapes ${what}`, async () => {
      const r = await runCli(argv());
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, pattern);
      expectInert(r.stderr);
    });
  }

  it('escapes a hostile file name that a shell glob handed over', () => {
    const { dir } = scratch('glob');
    writeFileSync(join(dir, 'a.csv'), '1,2\n');
    writeFileSync(join(dir, `b${OSC_TITLE}.csv`), '1,2\n');
    const r = sh(`cd ${quote(dir)} && ${gatescope} run *.csv`);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr, /Unknown argument: b\\e\]0;owned\\x07\.csv/);
    expectInert(r.stderr);
  });
});

describe('invisible characters in names', () => {
  it('shows U+200B, U+200E/F, U+061C and U+FEFF visibly in the plain-text view', () => {
    const csv = file('inv.csv', 'ab,a\u200bb,a\u200eb,a\u200fb,a\u061cb,a\ufeffb\n1,2,3,4,5,6\n');
    const r = sh(`${gatescope} ${quote(csv)} --hidden-size 2 --input-format csv --header --width 200`);
    expect(r.status).toBe(0);
    for (const shown of ['a\\u200bb', 'a\\u200eb', 'a\\u200fb', 'a\\u061cb', 'a\\ufeffb']) expect(r.stdout).toContain(shown);
    expect(r.stdout).not.toMatch(/[\u200b-\u200f\u061c\ufeff]/);
  });

  it('shows them in error messages too', async () => {
    const r = await runCli(['run', file('inv2.csv', 'ab,cd\n1,2\n'), '--columns', 'a\u200bb']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /unknown column "a\\u200bb"/);
  });
});

describe('run', () => {
  it('round-trips the exact header names in --format json meta.features', async () => {
    const r = await runCli(['run', file('h.csv', HOSTILE_CSV), '--format', 'json', '--hidden-size', '2']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { meta: { features: string[] } };
    expect(doc.meta.features).toEqual([`a${OSC_TITLE}`, `b${CLEAR}`]);
    expectInert(r.stdout); // JSON writes them as \u001b ... never raw
  });

  it('escapes C1 controls and bidi overrides that JSON.stringify leaves raw, keeping the names exact', async () => {
    const names = ['a\u009b2J', 'b\u202eevil', 'c\u2028d\u007f'];
    const r = await runCli(['run', file('c1.csv', `${names.join(',')}\n1,2,3\n`), '--format', 'json', '--hidden-size', '1']);
    expect(r.code).toBe(0);
    expectInert(r.stdout, '\\u009b', '\\u202e', '\\u2028', '\\u007f');
    expect((JSON.parse(r.stdout) as { meta: { features: string[] } }).meta.features).toEqual(names);
    const meta = new Map([['note', 'x\u009b2J\u202e']]);
    const t = (n: number) => ({ shape: [8, 2], data: new Float32Array(n).fill(0.1) });
    const w = file('c1.safetensors', encodeSafetensors(new Map([['weight_ih_l0', t(16)], ['weight_hh_l0', t(16)]]), 'F32', meta));
    const inspect = await runCli(['inspect', w, '--json']);
    expect(inspect.code).toBe(0);
    expectInert(inspect.stdout, '\\u009b2J\\u202e');
    expect((JSON.parse(inspect.stdout) as { metadata: [string, string][] }).metadata).toEqual([['note', 'x\u009b2J\u202e']]);
    const source = file('s\u009b2J\u202e.csv', '1,2\n3,4\n');
    const stats = await runCli(['stats', source, '--format', 'json', '--hidden-size', '1']);
    expect(stats.code).toBe(0);
    expectInert(stats.stdout, '\\u009b2J\\u202e');
    expect((JSON.parse(stats.stdout) as { meta: { source: string } }).meta.source).toBe(source);
  });

  it('names CSV columns x0, x1 ...: no input text in the CSV header', async () => {
    const r = await runCli(['run', file('h2.csv', HOSTILE_CSV), '--format', 'csv', '--hidden-size', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^t,x0,x1,l0\.forward\.i\.0,/);
    expectInert(r.stdout);
  });

  it('writes NDJSON with no raw control characters even for text tokens', async () => {
    const r = await runCli(['run', file('t2.txt', `a${OSC_TITLE}b`), '--input-format', 'text', '--hidden-size', '1']);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
  });
});

describe('train', () => {
  it('names a hostile target column and output file through visible()', async () => {
    const data = file('tr.csv', `a${OSC_TITLE},b${CLEAR}\n1,2\n3,4\n2,1\n5,5\n`);
    const out = file(`o${CLEAR}.json`, '');
    const r = await runCli(['train', data, '-o', out, '--epochs', '1', '--hidden-size', '2', '--task', 'target', '--target-column', `b${CLEAR}`]);
    expect(r.code).toBe(0);
    expectInert(r.stderr, `on b${CLEAR_SHOWN} from 1 column`, `wrote ${out.slice(0, -(`${CLEAR}.json`).length)}${CLEAR_SHOWN}.json`);
  });
});

describe('the plain-text view (stdout not a terminal)', () => {
  it('shows hostile header names, file names and tokens as escapes', () => {
    const csv = file(`f${CLEAR}.csv`, HOSTILE_CSV);
    const r = sh(`${gatescope} ${quote(csv)} --hidden-size 2 > ${quote(`${csv}.out`)}; echo $?`);
    expect(r.stdout.trim()).toBe('0');
    const text = readFileSync(`${csv}.out`, 'utf8');
    expectInert(text, 'a\\e]0;', `b${CLEAR_SHOWN}`, `f${CLEAR_SHOWN}.csv`);
    const tokens = sh(`${gatescope} ${quote(file('tok.txt', `x${OSC_TITLE}y`))} --input-format text --step 2 --hidden-size 2`);
    expect(tokens.status).toBe(0);
    expectInert(tokens.stdout, '\\e');
  });
});
