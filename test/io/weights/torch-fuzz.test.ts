import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSequence, validateNetwork } from '../../../src/engine/index.js';
import { InputError } from '../../../src/io/errors.js';
import { describeWeights, formatWeightsDescription, loadWeights } from '../../../src/io/weights/index.js';
import { MAX_STACK } from '../../../src/io/weights/pickle.js';
import { fuzzParams } from '../../helpers/fuzz.js';
import { WEIGHTS_DIR } from './fixtures.js';

/**
 * torch.save files under hostile bytes: the pickle interpreter and the zip / legacy containers
 * either give a network the engine accepts or the tool's own one-line InputError; no TypeError,
 * RangeError, hang, or anything run (a pickle naming os.system must never create its marker).
 */
const MARKER = '/tmp/gatescope-pickle-ran-MARKER';
const MODELS = join(WEIGHTS_DIR, '..', 'models');
const TORCH = join(WEIGHTS_DIR, 'torch');
const bytesOf = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

function check(bytes: Uint8Array): void {
  let file;
  try {
    file = loadWeights(bytes, { source: 'fuzz.pt', format: 'pytorch', maxTensorBytes: 1 << 24 });
  } catch (err) {
    if (err instanceof InputError) {
      expect(err.format()).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
      return;
    }
    throw err;
  }
  validateNetwork(file.network);
  runSequence(file.network, [new Array<number>(file.network.inputSize).fill(0.5)]);
  formatWeightsDescription(describeWeights(file));
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function apply(base: Uint8Array, m: { kind: string; at?: number; flips?: { at: number; bit: number }[]; bytes?: Uint8Array }): Uint8Array {
  if (m.kind === 'truncate') return base.slice(0, m.at! % (base.length + 1));
  const out = base.slice();
  if (m.kind === 'flip') for (const f of m.flips!) out[f.at % out.length]! ^= 1 << f.bit;
  else out.set(m.bytes!.subarray(0, Math.max(0, out.length - (m.at! % out.length))), m.at! % out.length);
  return out;
}

describe('torch files under damaged bytes', () => {
  const files = [join(MODELS, 'char_lm.pt'), join(MODELS, 'gru_tagger.bin'), join(MODELS, 'word_lm.pt'), join(TORCH, 'legacy_module.pt'), join(TORCH, 'views.pt')];
  for (const path of files) {
    it(`${path.split('/').pop()}: truncated, bit-flipped or overwritten gives a network or an InputError`, () => {
      const base = bytesOf(path);
      fc.assert(
        fc.property(mutation, (m) => check(apply(base, m))),
        fuzzParams(200, 11),
      );
    });
  }
});

// ----------------------------------------------------------------------------- a pickle assembler
const enc = new TextEncoder();
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)];
const global = (m: string, n: string): number[] => [0x63, ...enc.encode(`${m}\n${n}\n`)];

/** Pieces a hostile pickle is made of: valid torch fragments, dangerous globals, bad lengths. */
const piece = fc.oneof(
  fc.constantFrom(
    [0x28], [0x29], [0x5d], [0x7d], [0x4e], [0x88], [0x2e], [0x30], [0x31], [0x32], [0x52], [0x81], [0x62], [0x61], [0x65],
    [0x73], [0x75], [0x74], [0x85], [0x86], [0x87], [0x6c], [0x64], [0x51], [0x93], [0x94], [0x8f], [0x90], [0x91], [0x97], [0x98],
    global('collections', 'OrderedDict'),
    global('torch._utils', '_rebuild_tensor_v2'),
    global('torch._utils', '_rebuild_parameter'),
    global('torch', 'FloatStorage'),
    global('torch', 'HalfStorage'),
    global('torch', 'LongStorage'),
    global('__main__', 'Net'),
    global('torch.nn.modules.rnn', 'LSTM'),
    global('os', 'system'),
    global('posix', 'system'),
    global('builtins', 'eval'),
    global('builtins', 'exec'),
    global('subprocess', 'Popen'),
    global('functools', 'partial'),
    global('builtins', 'getattr'),
    global('torch', 'load'),
    str('storage'),
    str('0'),
    str('cpu'),
    str('weight_ih_l0'),
    str('weight_hh_l0'),
    str('_parameters'),
    str('_modules'),
    str(`touch ${MARKER}`),
  ),
  fc.integer({ min: 0, max: 255 }).map((n) => [0x4b, n]), // BININT1
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => [0x4a, ...u32(n)]), // BININT
  fc.integer({ min: 0, max: 300 }).map((n) => [0x71, n & 0xff]), // BINPUT
  fc.integer({ min: 0, max: 300 }).map((n) => [0x68, n & 0xff]), // BINGET
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => [0x6a, ...u32(n)]), // LONG_BINGET
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => [0x58, ...u32(n)]), // BINUNICODE, hostile length
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => [0x8b, ...u32(n)]), // LONG4, hostile length
  fc.integer({ min: 0, max: 255 }).map((n) => [n]), // any opcode
);

const pickleBody = fc.array(piece, { maxLength: 60 }).map((ps) => [0x80, 0x02, ...ps.flat()]);

/** A zip with one STORED data.pkl entry (and a storage entry "0"), as torch lays it out. */
function torchZip(pkl: Uint8Array, storage: Uint8Array): Uint8Array {
  const entries: [string, Uint8Array][] = [['archive/data.pkl', pkl], ['archive/data/0', storage], ['archive/version', enc.encode('3\n')]];
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    const local = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(data.length), ...u32(data.length), n.length, 0, 0, 0, ...n]);
    central.push(Uint8Array.from([0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(data.length), ...u32(data.length), n.length, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(offset), ...n]));
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const dirSize = central.reduce((a, c) => a + c.length, 0);
  const end = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, entries.length, 0, entries.length, 0, ...u32(dirSize), ...u32(offset), 0, 0]);
  return Buffer.concat([...parts, ...central, end]);
}

/** The legacy layout: magic, protocol, sys_info, then `main`, then whatever follows. */
function legacy(main: number[], rest: number[]): Uint8Array {
  const magic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
  const protocol = [0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e];
  const sysInfo = [0x80, 0x02, 0x7d, 0x2e];
  return Uint8Array.from([...magic, ...protocol, ...sysInfo, ...main, ...rest]);
}

describe('random pickles in torch containers', () => {
  it('a zip whose data.pkl is random opcodes, dangerous globals and hostile lengths: an InputError, nothing run', () => {
    fc.assert(
      fc.property(pickleBody, fc.uint8Array({ maxLength: 64 }), (pkl, storage) => {
        check(torchZip(Uint8Array.from(pkl), storage));
        expect(existsSync(MARKER)).toBe(false);
      }),
      fuzzParams(600, 5),
    );
  });

  it('a legacy file whose main pickle is random: an InputError, nothing run', () => {
    fc.assert(
      fc.property(pickleBody, fc.uint8Array({ maxLength: 64 }), (pkl, rest) => {
        check(legacy(pkl, Array.from(rest)));
        expect(existsSync(MARKER)).toBe(false);
      }),
      fuzzParams(600, 6),
    );
  });

  it('a REDUCE of each dangerous global is refused by name before anything is built', () => {
    for (const [m, n] of [['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['builtins', 'eval'], ['builtins', 'exec'], ['subprocess', 'check_output'], ['functools', 'partial'], ['torch', 'load'], ['torch.hub', 'load'], ['runpy', '_run_code'], ['_posixsubprocess', 'fork_exec'], ['numpy', 'load']] as const) {
      const pkl = Uint8Array.from([0x80, 0x02, ...global(m, n), ...str(`touch ${MARKER}`), 0x85, 0x52, 0x2e]);
      let message = '';
      try {
        loadWeights(torchZip(pkl, new Uint8Array()), { source: 'evil.pt' });
      } catch (err) {
        message = (err as InputError).format();
      }
      expect(message).toContain(m.startsWith('torch') ? `global ${m}.${n} is not one gatescope reads` : `refuses global ${m}.${n}`);
      expect(existsSync(MARKER)).toBe(false);
    }
  });
});

describe('random tensor metadata in a well-formed state_dict', () => {
  const int = (n: number): number[] => [0x4a, ...u32(n)];
  const tensor = fc.record({
    name: fc.constantFrom('weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse', 'weight_ih_l1', 'head.weight', 'x'),
    storage: fc.constantFrom('FloatStorage', 'HalfStorage', 'BFloat16Storage', 'DoubleStorage', 'LongStorage', 'BoolStorage'),
    key: fc.constantFrom('0', '1'),
    numel: fc.integer({ min: 0, max: 40 }),
    offset: fc.integer({ min: 0, max: 45 }),
    size: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 3 }),
    stride: fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 3 }),
  });
  it('offsets, sizes, strides, storage sizes and dtypes: a network or an InputError', () => {
    fc.assert(
      fc.property(fc.array(tensor, { maxLength: 5 }), fc.uint8Array({ maxLength: 320 }), (ts, storage) => {
        const pkl: number[] = [0x80, 0x02, 0x7d, 0x28];
        for (const t of ts) {
          pkl.push(...str(t.name), ...global('torch._utils', '_rebuild_tensor_v2'), 0x28);
          pkl.push(0x28, ...str('storage'), ...global('torch', t.storage), ...str(t.key), ...str('cpu'), ...int(t.numel), 0x74, 0x51);
          pkl.push(...int(t.offset), 0x28, ...t.size.flatMap(int), 0x74, 0x28, ...t.stride.flatMap(int), 0x74, 0x89, 0x7d, 0x74, 0x52);
        }
        pkl.push(0x75, 0x2e);
        check(torchZip(Uint8Array.from(pkl), storage));
      }),
      fuzzParams(500, 9),
    );
  });
});

describe('bounds', () => {
  it('a stack past its ceiling is an InputError, not an out-of-memory', () => {
    const pkl = new Uint8Array(4 + MAX_STACK + 1).fill(0x32);
    pkl.set([0x80, 0x02, 0x4b, 0x01]);
    expect(() => loadWeights(torchZip(pkl, new Uint8Array()), { source: 'big.pt' })).toThrow(/more than 1048576 values on the stack/);
  });

  it('modules nested 100 deep are refused at the depth limit', () => {
    // m = Net(); m._modules = {'a': m'}; ... built inside out: each level a NEWOBJ + BUILD of {_parameters, _modules}
    const level = (inner: number[]): number[] => [
      ...global('__main__', 'Net'), 0x29, 0x81,
      0x7d, 0x28, ...str('_parameters'), 0x7d, ...str('_modules'), 0x7d, ...(inner.length ? [...str('a'), ...inner, 0x73] : []), 0x75, 0x62,
    ];
    let body: number[] = [];
    for (let k = 0; k < 100; k++) body = level(body);
    const pkl = Uint8Array.from([0x80, 0x02, ...body, 0x2e]);
    expect(() => loadWeights(torchZip(pkl, new Uint8Array()), { source: 'deep.pt' })).toThrow(/nested more than 64 deep/);
  });

  it('a module that contains itself, and sharing that would multiply the walk, are refused', () => {
    // m = Net(); m.__dict__ = {_parameters: {}, _modules: {'a': m}}
    const self = Uint8Array.from([
      0x80, 0x02, ...global('__main__', 'Net'), 0x29, 0x81, 0x71, 0,
      0x7d, 0x28, ...str('_parameters'), 0x7d, ...str('_modules'), 0x7d, ...str('a'), 0x68, 0, 0x73, 0x75, 0x62, 0x2e,
    ]);
    expect(() => loadWeights(torchZip(self, new Uint8Array()), { source: 's.pt' })).toThrow(/a module that contains itself/);
    // each level's _modules = {'x': child, 'y': child}: 2^30 paths from 30 objects
    let body: number[] = [];
    for (let k = 0; k < 30; k++) {
      const child = k === 0 ? [] : [...str('x'), 0x68, k - 1, ...str('y'), 0x68, k - 1];
      body = [...body, ...global('__main__', 'Net'), 0x29, 0x81, 0x7d, 0x28, ...str('_parameters'), 0x7d, ...str('_modules'), 0x7d,
        ...(child.length ? [0x28, ...child, 0x75] : []), 0x75, 0x62, 0x71, k, 0x30];
    }
    const shared = Uint8Array.from([0x80, 0x02, ...body, 0x68, 29, 0x2e]);
    expect(() => loadWeights(torchZip(shared, new Uint8Array()), { source: 'w.pt' })).toThrow(/more than 100000 modules/);
  });

  it('a view reaching past its storage is refused naming the tensor', () => {
    // {'weight_ih_l0': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 2), 0, (1000000,), (1,), False, OrderedDict())}
    const pkl = Uint8Array.from([
      0x80, 0x02, 0x7d, ...str('weight_ih_l0'), ...global('torch._utils', '_rebuild_tensor_v2'),
      0x28, 0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), 0x4b, 2, 0x74, 0x51,
      0x4b, 0, 0x4a, ...u32(1000000), 0x85, 0x4b, 1, 0x85, 0x89, ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x74, 0x52,
      0x73, 0x2e,
    ]);
    expect(() => loadWeights(torchZip(pkl, new Uint8Array(8)), { source: 'v.pt' })).toThrow(/reach element 999999 of a 2-element storage/);
  });
});
