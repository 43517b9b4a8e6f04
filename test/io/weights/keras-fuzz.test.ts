/**
 * Keras .h5 / .keras bytes and TF.js manifests and shards, damaged at random: the loader gives a
 * network the engine runs or a one-line InputError, within bounded time and memory; never another
 * error, a crash of the HDF5 library, or a hang.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSequence, validateNetwork } from '../../../src/engine/index.js';
import { InputError } from '../../../src/io/errors.js';
import { hdf5Ready } from '../../../src/io/weights/hdf5.js';
import { describeWeights, formatWeightsDescription, loadWeightsAsync, type LoadWeightsAsyncOptions } from '../../../src/io/weights/index.js';
import { requireBuilt } from '../../helpers/build.js';
import { fuzzParams } from '../../helpers/fuzz.js';
import { ROOT } from '../../helpers/import-log.js';

const DIR = join(ROOT, 'fixtures', 'weights', 'keras');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));
/**
 * The HDF5 library runs in the built worker (`npm test` builds first) under a short limit here, so
 * that a file it loops on ends as an InputError; one load may take a little longer than that.
 */
const WORKER = new URL('../../../dist/io/weights/hdf5-worker.js', import.meta.url);
const HDF5 = { workerUrl: WORKER, timeoutMs: 1500 };
const MAX_MS = 3000;

async function check(bytes: Uint8Array, opts: Partial<LoadWeightsAsyncOptions> = {}): Promise<void> {
  const start = performance.now();
  let file;
  try {
    file = await loadWeightsAsync(bytes, { source: 'fuzz', hdf5: HDF5, ...opts });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const line = err.format();
    expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(line.split('\n')).toHaveLength(1);
    expect(line.length).toBeLessThan(1200);
    return;
  } finally {
    expect(performance.now() - start).toBeLessThan(MAX_MS);
  }
  validateNetwork(file.network);
  const x = Array.from({ length: 2 }, () => new Array<number>(file.network.inputSize).fill(0.5));
  runSequence(file.network, x);
  formatWeightsDescription(describeWeights(file));
}

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; flips: { at: number; bit: number }[] } | { kind: 'bytes'; at: number; bytes: Uint8Array };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function apply(base: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'truncate':
      return base.slice(0, m.at % (base.length + 1));
    case 'flip': {
      const out = base.slice();
      for (const f of m.flips) {
        const at = f.at % out.length;
        out[at] = out[at]! ^ (1 << f.bit);
      }
      return out;
    }
    case 'bytes': {
      const out = base.slice();
      const at = m.at % out.length;
      out.set(m.bytes.subarray(0, out.length - at), at);
      return out;
    }
  }
}

beforeAll(async () => {
  requireBuilt('dist/io/weights/hdf5-worker.js');
  await hdf5Ready();
});

describe('Keras HDF5 and .keras under damaged bytes', () => {
  it('ends a file on which the HDF5 library loops forever with an InputError', async () => {
    const bytes = fixture('damaged/hdf5-loops.h5');
    const start = performance.now();
    await expect(loadWeightsAsync(bytes, { source: 'loops.h5', hdf5: { workerUrl: WORKER, timeoutMs: 800 } })).rejects.toThrow(
      'the HDF5 library did not finish reading the file within 0.8 s (a damaged file?)',
    );
    expect(performance.now() - start).toBeLessThan(5000);
    // the next file gets a fresh worker
    const ok = await loadWeightsAsync(fixture('lstm_dense.h5'), { source: 'ok.h5', hdf5: HDF5 });
    expect(ok.network.kind).toBe('lstm');
  });

  for (const name of ['lstm_dense.h5', 'gru_bidir_2l.h5', 'lstm_bidir.weights.h5', 'simple_rnn_relu.keras']) {
    it(`${name}: truncated, bit-flipped or overwritten gives a network or an InputError`, async () => {
      const base = fixture(name);
      await fc.assert(
        fc.asyncProperty(mutation, (m) => check(apply(base, m))),
        fuzzParams(120, 7),
      );
      // the library's memory stays bounded: files are freed after each load
      expect(process.memoryUsage().rss).toBeLessThan(2 ** 31);
    }, 120000);
  }

  it('the same for damage where Keras keeps its structure: the superblock and the first object headers', async () => {
    const base = fixture('lstm_dense.h5');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2047 }), fc.integer({ min: 0, max: 255 }), (at, v) => {
        const out = base.slice();
        out[at] = v;
        return check(out);
      }),
      fuzzParams(200, 11),
    );
  }, 120000);
});

describe('TF.js manifests and shards under damage', () => {
  const dir = join(DIR, 'tfjs_gru_quantized');
  const modelText = readFileSync(join(dir, 'model.json'), 'utf8');
  const shard = new Uint8Array(readFileSync(join(dir, 'group1-shard1of1.bin')));

  /** A JSON document with one value somewhere replaced. */
  const edit = fc.record({
    pick: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(-1, 1e300, 2 ** 40, 'float16', 'uint8', 'string', 'bool', '../x.bin', '/etc/passwd', '', null),
      fc.array(fc.integer({ min: -2, max: 2 ** 31 }), { maxLength: 9 }),
    ),
  });

  function editDoc(doc: unknown, pick: number, value: unknown): unknown {
    // every (container, key) pair in the document, in order; replace the pick-th one
    const slots: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach((c, i) => (slots.push([v, i]), walk(c)));
      else if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) slots.push([v as Record<string, unknown>, k]), walk(c);
    };
    walk(doc);
    const [container, key] = slots[pick % slots.length]!;
    (container as Record<string | number, unknown>)[key] = value;
    return doc;
  }

  it('model.json with any value replaced, and shards cut or damaged, gives a network or an InputError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.option(mutation), async (edits, m) => {
        let doc = JSON.parse(modelText) as unknown;
        for (const e of edits) doc = editDoc(doc, e.pick, e.value);
        const bytes = new TextEncoder().encode(JSON.stringify(doc));
        const data = m === null ? shard : apply(shard, m);
        await check(bytes, { readSibling: async (p) => (p === 'group1-shard1of1.bin' ? data : Promise.reject(new InputError('no such shard', { source: p }))) });
      }),
      fuzzParams(400, 3),
    );
  }, 120000);
});
