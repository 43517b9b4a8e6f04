/**
 * Resource limits: a file that claims absurd sizes, nests absurdly deep or never ends is refused
 * with a clear error before any large allocation, and `run` streams a long input in bounded memory.
 * The memory claims are measured in a child process (its peak RSS, or its heap after GC), with
 * generous margins and no timing.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { decodeWholeText, MAX_TEXT_CHARS } from '../../src/io/input.js';
import { parseInputBytes } from '../../src/io/read-input.js';
import { loadWeights } from '../../src/io/weights/index.js';
import { runCli } from '../helpers/cli.js';
import { describeError } from '../../src/cli/errors.js';
import { CapacityError } from '../../src/engine/index.js';
import { instantiateKernels } from '../../src/engine/fast/kernels.js';
import { expectOneLine, requireBuild, ROOT, runChild, scratch } from './harness.js';

const { onnx } = onnxProto;
const { dir, file } = scratch('limits');
const MiB = 1024 * 1024;
/** A CLI child refusing a file at once stays near its start-up size (about 75 MiB). */
const SMALL_PEAK_KIB = 200 * 1024;

beforeAll(requireBuild);

function safetensors(header: string, data = new Uint8Array(16)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function npy(shape: string): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + 16);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const csv = file('x.csv', '1,2\n3,4\n');

async function expectData(argv: string[], pattern: RegExp, input?: string): Promise<void> {
  const r = await runCli(argv, input === undefined ? {} : { input });
  expect(r.code, r.stderr).toBe(1);
  expectOneLine(r.stderr, pattern);
}

describe('sizes announced in headers', () => {
  it('refuses an .npy announcing 10^12 values before reading its data', () =>
    expectData(['run', file('huge.npy', npy('(1000000, 1000000)'))], /huge\.npy: header\.shape: \(1000000, 1000000\) is more than \d+ values/));

  it('refuses a safetensors tensor announcing 10^12 values', () =>
    expectData(
      ['inspect', file('huge.safetensors', safetensors(JSON.stringify({ weight_ih_l0: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4e12] } })))],
      /huge\.safetensors: weight_ih_l0: shape: \[1000000, 1000000\] is more than \d+ values/,
    ));

  it('refuses a safetensors header length of 2^31 bytes', () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 2n ** 31n, true);
    b[8] = 0x7b;
    return expectData(['inspect', file('len.safetensors', b)], /header length \d+ is over the \d+-byte limit/);
  });

  it('refuses an ONNX tensor with huge dims, by name', () => {
    const m = onnx.ModelProto.decode(readFileSync(join(ROOT, 'fixtures/weights/gru.onnx')));
    const t = m.graph!.initializer!.find((i) => (i.dims ?? []).length === 3)!;
    t.dims = [1, 1e6, 1e6];
    return expectData(['inspect', file('huge.onnx', onnx.ModelProto.encode(m).finish())], new RegExp(`huge\\.onnx: ${t.name!.replace(/[.:]/g, '\\$&')}: dims: \\[1, 1000000, 1000000\\] is more than`));
  });
});

describe('nesting', () => {
  it('refuses JSON input nested 10^6 deep at the 65th level', () => expectData(['run', file('deep.json', nested(1e6))], /deep\.json:1:65: JSON nested deeper than 64 levels/));

  it('refuses an initial state nested 10^6 deep', () =>
    expectData(['run', csv, '--initial-state', file('deep-state.json', `{"h0":${nested(1e6)}}`)], /deep-state\.json:1:\d+: JSON nested deeper than 64 levels/));

  it('refuses a JSON vocabulary of nested arrays', () =>
    expectData(['run', file('v.txt', 'ab'), '--input-format', 'text', '--vocab', file('deep.vocab', nested(1e5))], /deep\.vocab: invalid JSON vocabulary/));

  // These three were measured at hundreds of megabytes to gigabytes of nested arrays before the
  // nesting check ran ahead of JSON.parse: the child's peak memory shows it no longer does.
  it('refuses a weights JSON nested 4*10^6 deep without building it', async () => {
    const r = await runChild(['run', csv, '-w', file('deep-w.json', `{"a":${nested(4e6)}}`)]);
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /deep-w\.json:1:21: JSON nested deeper than 16 levels/);
    expect(r.peakKiB).toBeLessThan(SMALL_PEAK_KIB);
  });

  it('refuses a safetensors header nested 4*10^6 deep without building it', async () => {
    const r = await runChild(['inspect', file('deep.safetensors', safetensors(`{"a":${nested(4e6)}}`))]);
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /deep\.safetensors: header: JSON nested deeper than 8 levels/);
    expect(r.peakKiB).toBeLessThan(SMALL_PEAK_KIB);
  });

  it('refuses an NDJSON line nested 4*10^6 deep without building it', async () => {
    const r = await runChild(['run', file('deep.ndjson', `${nested(4e6)}\n`)]);
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /deep\.ndjson:1:65: JSON nested deeper than 64 levels/);
    expect(r.peakKiB).toBeLessThan(SMALL_PEAK_KIB);
  });
});

describe('inputs that never end', () => {
  it('stops an endless line at --max-line-bytes without buffering more', async () => {
    const r = await runChild(['run', '-', '--max-line-bytes', '4M'], { gen: 'line:0' });
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /<stdin>:1: line is longer than 4 MiB \(.*--max-line-bytes raises the limit\)/);
    // What the reader holds ahead of the parser (a few 64 KiB chunks) on top of the limit.
    expect(r.pulled).toBeLessThan(4 * MiB + 4 * MiB);
    expect(r.peakKiB).toBeLessThan(SMALL_PEAK_KIB);
  });

  it('stops an endless line at the 16 MiB default', async () => {
    const r = await runChild(['run', '-'], { gen: 'line:0' });
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /line is longer than 16 MiB/);
    expect(r.pulled).toBeLessThan(16 * MiB + 4 * MiB);
  });

  it('refuses /dev/zero as a line input (one endless line)', () => expectData(['run', '/dev/zero', '--max-line-bytes', '1M'], /\/dev\/zero:1: line is longer than 1 MiB/));

  it('refuses /dev/zero read whole (JSON) at --max-input-bytes', () =>
    expectData(['run', '/dev/zero', '--input-format', 'json', '--max-input-bytes', '2M'], /\/dev\/zero: json input is larger than 2 MiB .*--max-input-bytes/));

  it('refuses /dev/zero as weights from its first bytes', () => expectData(['run', csv, '-w', '/dev/zero'], /\/dev\/zero: unrecognised weights format/));

  it('refuses /dev/zero forced to a weights format at --max-weights-bytes', () =>
    expectData(['run', csv, '-w', '/dev/zero', '--weights-format', 'onnx', '--max-weights-bytes', '1M'], /\/dev\/zero: the file is more than 1 MiB, more than the 1 MiB limit \(raise it with --max-weights-bytes\)/));

  it('refuses /dev/zero as an initial state or vocabulary at --max-input-bytes', async () => {
    await expectData(['run', csv, '--initial-state', '/dev/zero', '--max-input-bytes', '1M'], /\/dev\/zero: the file is more than 1 MiB.*--max-input-bytes/);
    await expectData(['run', file('t.txt', 'ab'), '--input-format', 'text', '--vocab', '/dev/zero', '--max-input-bytes', '1M'], /\/dev\/zero: the file is more than 1 MiB/);
  });

  it('refuses a regular weights file over the limit by its size, before reading it', () =>
    expectData(['inspect', file('w.json', `{"weight_ih_l0": [[${'0,'.repeat(600)}0]]}`), '--max-weights-bytes', '1K'], /w\.json: the file is \d+ bytes, more than the 1 KiB limit/));

  it('reads weights from a FIFO (a process substitution) like a file', async () => {
    const fifo = join(dir, 'weights.fifo');
    execFileSync('mkfifo', [fifo]);
    const m = (r: number, c: number) => Array.from({ length: r }, () => Array(c).fill(0.1));
    const writer = spawn('/bin/sh', ['-c', `cat > '${fifo}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(JSON.stringify({ weight_ih_l0: m(8, 2), weight_hh_l0: m(8, 2) }));
    const r = await runCli(['run', csv, '-w', fifo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe('limit flags', () => {
  it('take sizes with K, M, G suffixes', async () => {
    const r = await runCli(['run', csv, '--max-line-bytes', '64K', '--max-input-bytes', '1G', '--hidden-size', '1']);
    expect(r.code).toBe(0);
    await expectData(['run', file('long.csv', `${'1,'.repeat(100)}1\n`), '--max-line-bytes', '100'], /long\.csv:1: line is longer than 100 bytes/);
  });

  it('refuse a size that is not one, as a usage error', async () => {
    for (const bad of ['1x', '0', '-5', '1.5M', '']) {
      const r = await runCli(['run', csv, '--max-line-bytes', bad]);
      expect(r.code, bad).toBe(2);
      expectOneLine(r.stderr, /--max-line-bytes must be a size in bytes such as 65536, 64K, 16M or 2G/);
    }
  });
});

describe('text longer than V8 can hold (about 512 MiB)', () => {
  // Was an internal error ("Cannot create a string longer than 0x1fffffe8 characters") for a 600 MB
  // JSON input or JSON state_dict under the 1 GiB byte limits. The zeroed buffer stays virtual.
  const huge = () => new Uint8Array(MAX_TEXT_CHARS + 1);

  it('refuses a JSON or text input read whole, by name', () => {
    for (const format of ['json', 'text'] as const) {
      expect(() => parseInputBytes(huge(), 'big.json', { format })).toThrow(new RegExp(`^${format} input of \\d+ bytes is more text than can be read whole, about 512 MiB at most$`));
      expect(() => parseInputBytes(huge(), 'big.json', { format })).toThrow(InputError);
    }
  });

  it('refuses a JSON state_dict, suggesting safetensors', () => {
    let err: unknown = null;
    try {
      loadWeights(huge(), { source: 'big.json', format: 'pytorch-json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).format()).toMatch(/^big\.json: a JSON weights file of \d+ bytes is more text than can be read whole, about 512 MiB at most \(save large weights as safetensors\)$/);
  });

  it('refuses an initial state or vocabulary the same way (one check, decodeWholeText)', () => {
    expect(() => decodeWholeText(huge(), 'vocab.txt', 'a vocabulary')).toThrow(/^a vocabulary of \d+ bytes is more text than can be read whole, about 512 MiB at most$/);
    expect(decodeWholeText(new TextEncoder().encode('\ufeffok'), 'vocab.txt', 'a vocabulary')).toBe('ok');
  });
});

describe('random-weight sizes whose product is absurd', () => {
  // Each flag has its own range, but --hidden-size 4096 --layers 64 together ask for 8.6 * 10^9
  // weights (crashed with an out-of-memory abort before the check).
  const cases: [string, string[]][] = [
    ['run', ['run', csv, '--hidden-size', '4096', '--layers', '64']],
    ['init', ['init', '-D', '65536', '--hidden-size', '4096']],
    ['train', ['train', csv, '-o', join(dir, 'big.json'), '--hidden-size', '4096', '--layers', '8']],
  ];
  for (const [what, argv] of cases) {
    it(`${what}: a usage error before any allocation`, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, /--hidden-size 4096, --layers \d+ and \d+ input features make \d+ parameters, more than \d+/);
    });
  }
});

describe('commands that hold every step: --max-memory', () => {
  // memory on `yes 0.5,0.25 |` passed 1.1 GiB in 14 s, run --bidirectional over 150k steps at
  // H=256 3.9 GiB: both hold every step. Now they count the steps as they read and stop at the budget.
  it('memory on a stream far longer than the budget: exit 1 naming the size and the flag, memory bounded', async () => {
    const r = await runChild(['memory', '-', '--input-format', 'csv', '--hidden-size', '256', '--max-memory', '64M'], { gen: 'csv:2000000', timeout: 60000 });
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /^gatescope: <stdin>:\d+: memory holds every step: more than \d+ steps of \d+ KiB each need more than --max-memory 64\.0 MiB \(raise it, e\.g\. --max-memory 1G, or cut the input\)\n$/);
    expect(r.peakKiB).toBeLessThan(64 * 1024 + SMALL_PEAK_KIB);
  });

  it('run --bidirectional on a long stream: exit 1 naming the size and the flag, memory bounded', async () => {
    const r = await runChild(['run', '-', '--input-format', 'csv', '--hidden-size', '256', '--bidirectional', '--max-memory', '64M'], { gen: 'csv:2000000', timeout: 60000 });
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /a network with a reverse direction holds every step: more than \d+ steps .* --max-memory 64\.0 MiB .*gatescope stats streams any length/);
    expect(r.peakKiB).toBeLessThan(64 * 1024 + SMALL_PEAK_KIB);
  });

  it('the viewer of a network with a reverse direction on a stream past its history: exit 1, not held whole', async () => {
    // It waits for the end to compute anything, so it cannot drop old steps: `yes | gatescope -
    // --bidirectional` grew without bound. Refused at the history's bound (--history, or its bytes).
    const r = await runChild(['-', '--input-format', 'csv', '--bidirectional', '--hidden-size', '2', '--history', '5000'], { gen: 'csv:200000', timeout: 60000 });
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr, /^gatescope: <stdin>:5001: a network with a reverse direction needs the whole input first: more than 5000 steps is past the history \(raise --history/);
    expect(r.peakKiB).toBeLessThan(SMALL_PEAK_KIB);
  });

  it('runs what fits, and a bad --max-memory is a usage error', async () => {
    const csv = scratch('budget').file('b.csv', '1,2\n3,4\n5,6\n');
    const ok = await runCli(['run', csv, '--bidirectional', '--hidden-size', '2', '--max-memory', '1M']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(3);
    const bad = await runCli(['memory', csv, '--max-memory', '12x']);
    expect(bad.code).toBe(2);
    expectOneLine(bad.stderr, /--max-memory must be a size in bytes/);
  });

  it('a run too large for the fast engine is bad data (exit 1), not an internal error (was 70)', () => {
    expect(() => instantiateKernels(5 * 2 ** 30)).toThrow(CapacityError);
    const { message, code } = describeError(new CapacityError('the fast engine needs 19538 MiB, more than WebAssembly\'s 4 GiB', 19538 * MiB), false);
    expect(code).toBe(1);
    expect(message).toBe('the fast engine needs 19538 MiB, more than WebAssembly\'s 4 GiB');
  });
});

describe('the viewer\'s history is what its budget counts', () => {
  // The viewer keeps a label per step (made visible by the store). visible() built them with `+=`
  // per character: a rope of about 450 bytes for a 25-character label, 7x what the history's byte
  // budget counted, so an endless pipe grew far past it (238 -> 445 MiB in 55 s and on).
  it('visible() returns flat strings: 200,000 labels hold well under 100 bytes each', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'test/hardening/label-heap.mjs')], { encoding: 'utf8' });
    const perLabel = Number(out.split(' ')[0]);
    expect(perLabel).toBeLessThan(100);
  });
});

describe('run streams in bounded memory', () => {
  // The child generates its own stdin and weighs its heap after GC at a tenth and at the end of the
  // stream: a reader that kept records or an output that ignored backpressure would grow by tens
  // of megabytes over these lines.
  it('keeps the heap flat over 200,000 CSV lines', async () => {
    const r = await runChild(['run', '-', '--input-format', 'csv', '--hidden-size', '4'], { gen: 'csv:200000', timeout: 60000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.heap).toHaveLength(2);
    expect(r.heap[1]! - r.heap[0]!).toBeLessThan(8 * MiB);
  });

  it('keeps the heap flat over 100,000 NDJSON lines', async () => {
    const r = await runChild(['run', '-', '--input-format', 'ndjson', '--hidden-size', '4', '--format', 'csv'], { gen: 'ndjson:100000', timeout: 60000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.heap[1]! - r.heap[0]!).toBeLessThan(8 * MiB);
  });
});
