/**
 * Property tests: every reader, fed random, truncated and bit-flipped variants of the sample inputs,
 * either returns data or throws an InputError (never another error, never a hang); and a line
 * format read in random chunks gives exactly what it gives read whole.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../../src/engine/types.js';
import { InputError } from '../../src/io/errors.js';
import { parseInitialState } from '../../src/io/initial-state.js';
import type { InputFormat, InputOptions, InputSeries } from '../../src/io/input.js';
import { createChunkParser, parseInputBytes } from '../../src/io/read-input.js';
import { parseVocab } from '../../src/io/text.js';
import { fuzzParams } from '../helpers/fuzz.js';

const FIXTURES: [string, InputFormat][] = [
  ['series.csv', 'csv'],
  ['series.tsv', 'tsv'],
  ['series.txt', 'ws'],
  ['series.json', 'json'],
  ['series-objects.json', 'json'],
  ['series.ndjson', 'ndjson'],
  ['series-f4.npy', 'npy'],
  ['series-f2.npy', 'npy'],
  ['series-f8-big-endian.npy', 'npy'],
  ['series-batch-tbd.npy', 'npy'],
  ['hello.txt', 'text'],
];
const bytesOf = new Map(FIXTURES.map(([name]) => [name, new Uint8Array(readFileSync(`fixtures/inputs/${name}`))]));
const RUNS = 150;

/** A mutation of `base`: cut it, flip bits, overwrite or insert bytes, or any mix of these. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ kind: fc.constant('insertText' as const), at: fc.nat(), text: fc.constantFrom('"', ',', '\n', '[', '{', 'nan', '1e999', '-', '\r', '\t', '\\', ']]]]', '\u0000') }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = base.slice();
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % (b.length + 1);
      if (e.kind === 'cut') b = b.slice(0, at);
      else if (e.kind === 'insert' || e.kind === 'insertText') {
        const ins = e.kind === 'insert' ? e.bytes : new TextEncoder().encode(e.text);
        const out = new Uint8Array(b.length + ins.length);
        out.set(b.subarray(0, at));
        out.set(ins, at);
        out.set(b.subarray(at), at + ins.length);
        b = out;
      } else if (b.length > 0) {
        const k = at % b.length;
        b[k] = e.kind === 'flip' ? b[k]! ^ (1 << e.bit) : e.byte;
      }
    }
    return b;
  });
}

type Outcome = { ok: true; series: InputSeries } | { ok: false; message: string };

function attempt(fn: () => InputSeries): Outcome {
  try {
    return { ok: true, series: fn() };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // The one-line message must stay one line.
    expect(err.format()).not.toMatch(/[\n\r]/);
    return { ok: false, message: err.format() };
  }
}

const OPTION_SETS: InputOptions[] = [{}, { allowNonFinite: true }, { expectedWidth: 3 }, { columns: ['1'] }, { header: false, maxLineBytes: 64 }, { batchIndex: 1, batchFirst: true }];

describe('readers fed damaged inputs', () => {
  it.each(FIXTURES)('%s: only InputError, with the format forced or detected', (name, format) => {
    const base = bytesOf.get(name)!;
    fc.assert(
      fc.property(mutated(base), fc.constantFrom(...OPTION_SETS), fc.boolean(), (bytes, opts, force) => {
        const o: InputOptions = format === 'text' ? { tokens: opts.allowNonFinite ? 'words' : 'chars' } : { ...opts };
        if (force) o.format = format;
        attempt(() => parseInputBytes(bytes, name, o));
        attempt(() => parseInputBytes(bytes, '<stdin>', o));
      }),
      fuzzParams(RUNS),
    );
  });

  it('random bytes: only InputError in every format', () => {
    const formats: InputFormat[] = ['csv', 'tsv', 'ws', 'json', 'ndjson', 'npy', 'text'];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...formats), (bytes, format) => {
        attempt(() => parseInputBytes(bytes, 'x', { format }));
      }),
      fuzzParams(RUNS * 2),
    );
  });

  it('random JSON-ish text: only InputError', () => {
    const token = fc.constantFrom('[', ']', '{', '}', ',', ':', '"a"', '1', '-0.5e3', 'null', 'true', ' ', '\n', '"', '\\', 'NaN', '1e999');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), fc.constantFrom<InputFormat>('json', 'ndjson'), (tokens, format) => {
        attempt(() => parseInputBytes(new TextEncoder().encode(tokens.join('')), 'x', { format, maxJsonDepth: 8 }));
      }),
      fuzzParams(RUNS * 2),
    );
  });
});

describe('line formats read in chunks', () => {
  it.each(FIXTURES.filter(([, f]) => f === 'csv' || f === 'tsv' || f === 'ws' || f === 'ndjson'))(
    '%s: any chunking gives what reading whole gives',
    (name, format) => {
      const base = bytesOf.get(name)!;
      fc.assert(
        fc.property(fc.oneof(fc.constant(base), mutated(base)), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cutsRaw) => {
          const whole = attempt(() => parseInputBytes(bytes, name, { format }));
          const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunked = attempt(() => {
            const p = createChunkParser(format, name, { format });
            const records = [];
            let prev = 0;
            for (const c of [...cuts, bytes.length]) {
              records.push(...p.push(bytes.subarray(prev, c)));
              prev = c;
            }
            records.push(...p.flush());
            if (records.length === 0) throw new InputError('no time steps', { source: name, hint: 'the input has no data rows' });
            return { source: name, format, featureNames: p.featureNames ?? [], vocab: null, records };
          });
          expect(chunked.ok).toBe(whole.ok);
          if (whole.ok && chunked.ok) {
            expect(chunked.series.featureNames).toEqual(whole.series.featureNames);
            expect(chunked.series.records).toEqual(whole.series.records);
          } else if (!whole.ok && !chunked.ok) {
            expect(chunked.message).toBe(whole.message);
          }
        }),
        fuzzParams(RUNS),
      );
    },
  );
});

describe('small readers fed damaged text', () => {
  const spec: NetworkSpec = { kind: 'lstm', inputSize: 3, hiddenSize: 2, numLayers: 1, directions: ['forward', 'reverse'], bias: true };
  const good = new TextEncoder().encode('{"h0": [[0.5, -1], [1, 2]], "c0": [[[0, 0]], [[1, 1]]]}');

  it('initial state: only InputError', () => {
    fc.assert(
      fc.property(mutated(good), (bytes) => {
        try {
          parseInitialState(new TextDecoder().decode(bytes), 's.json', spec);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }),
      fuzzParams(RUNS),
    );
  });

  it('vocabulary: only InputError', () => {
    fc.assert(
      fc.property(mutated(bytesOf.get('hello.txt')!), (bytes) => {
        try {
          parseVocab(new TextDecoder().decode(bytes), 'v');
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }),
      fuzzParams(RUNS),
    );
  });
});
