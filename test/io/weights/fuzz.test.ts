import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSequence, validateNetwork } from '../../../src/engine/index.js';
import { InputError } from '../../../src/io/errors.js';
import { describeWeights, formatWeightsDescription, loadWeights, WEIGHTS_FORMATS, type WeightsFormat } from '../../../src/io/weights/index.js';
import { fuzzParams } from '../../helpers/fuzz.js';
import { fixtureBytes } from './fixtures.js';

/**
 * Whatever the bytes, a loader either returns a network the engine accepts or throws an InputError:
 * no TypeError, RangeError, ShapeError or hang.
 */
function check(bytes: Uint8Array, format?: WeightsFormat): void {
  let file;
  try {
    file = loadWeights(bytes, { source: 'fuzz', format });
  } catch (err) {
    if (err instanceof InputError) {
      expect(err.format()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      return;
    }
    throw err;
  }
  validateNetwork(file.network);
  const x = Array.from({ length: 2 }, () => new Array<number>(file.network.inputSize).fill(0.5));
  runSequence(file.network, x, file.initialState ?? undefined);
  formatWeightsDescription(describeWeights(file));
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; flips: { at: number; bit: number }[] }
  | { kind: 'bytes'; at: number; bytes: Uint8Array };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function apply(base: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'truncate':
      return base.slice(0, m.at % (base.length + 1));
    case 'flip': {
      const out = base.slice();
      for (const f of m.flips) out[f.at % out.length]! ^= 1 << f.bit;
      return out;
    }
    case 'bytes': {
      const out = base.slice();
      out.set(m.bytes.subarray(0, Math.max(0, out.length - (m.at % out.length))), m.at % out.length);
      return out;
    }
  }
}

const FIXTURES = [
  'rnn_relu.json',
  'keras_gru_reset_before.json',
  'gru.f64.safetensors',
  'lstm_2l_bidir.bf16.safetensors',
  'onnx_lstm_peephole.onnx',
  'rnn_relu.onnx',
];

describe('loaders under random and damaged bytes', () => {
  for (const name of FIXTURES) {
    it(`${name}: truncated, bit-flipped or overwritten gives a network or an InputError`, () => {
      const base = fixtureBytes(name);
      fc.assert(
        fc.property(mutation, (m) => check(apply(base, m))),
        fuzzParams(250, 42),
      );
    });
  }

  it('random bytes, detected or forced to each format, give an InputError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom(undefined, ...WEIGHTS_FORMATS), (bytes, format) => check(bytes, format)),
      fuzzParams(400, 7),
    );
  });

  it('a safetensors header with random entries gives a network or an InputError', () => {
    const entry = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL'), fc.string()),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 70000 }), { maxLength: 4 }), fc.anything()),
        data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -4, max: 80 }), fc.integer({ min: -4, max: 80 })), fc.anything()),
      },
      { requiredKeys: [] },
    );
    const names = fc.constantFrom('weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', '__proto__', 'constructor', '__metadata__', 'x');
    fc.assert(
      fc.property(fc.array(fc.tuple(names, entry), { maxLength: 6 }), fc.uint8Array({ maxLength: 80 }), (entries, data) => {
        const header: Record<string, unknown> = {};
        for (const [k, v] of entries) Object.defineProperty(header, k, { value: v, enumerable: true, configurable: true, writable: true });
        const text = new TextEncoder().encode(JSON.stringify(header));
        const bytes = new Uint8Array(8 + text.length + data.length);
        new DataView(bytes.buffer).setUint32(0, text.length, true);
        bytes.set(text, 8);
        bytes.set(data, 8 + text.length);
        check(bytes, 'safetensors');
      }),
      fuzzParams(300, 3),
    );
  });
});
