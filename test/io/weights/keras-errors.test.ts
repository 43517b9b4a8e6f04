/**
 * Damaged and hostile Keras / TF.js files: each one an InputError of one line that names the file
 * and the tensor, group or shard, never a crash, a stack or numbers from half a file. HDF5 files
 * are built here with h5wasm's writer (the same library that reads them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/io/errors.js';
import { hdf5Ready } from '../../../src/io/weights/hdf5.js';
import { detectWeightsFormat, loadWeights, loadWeightsAsync, type LoadWeightsAsyncOptions } from '../../../src/io/weights/index.js';
import { ROOT } from '../../helpers/import-log.js';
import { rejectionOf } from '../../helpers/input-error.js';

const DIR = join(ROOT, 'fixtures', 'weights', 'keras');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));

interface H5Group {
  get(name: string): unknown;
  create_group(name: string): H5Group;
  create_dataset(args: { name: string; data: unknown; shape?: number[]; dtype?: string }): unknown;
  create_attribute(name: string, data: unknown): void;
}
type H5Lib = { File: new (name: string, mode: 'w') => H5Group & { close(): void }; FS: { readFile(p: string): Uint8Array; unlink(p: string): void } };
let h5: H5Lib;
let made = 0;

/** An HDF5 file built by `build`, as bytes. */
function makeH5(build: (f: H5Group) => void): Uint8Array {
  const name = `/test-${++made}.h5`;
  const f = new h5.File(name, 'w');
  build(f);
  f.close();
  const bytes = h5.FS.readFile(name);
  h5.FS.unlink(name);
  return bytes;
}

const f32 = (n: number, v = 0.1): Float32Array => new Float32Array(n).fill(v);

/** A dataset at a path with '/' in it, creating the groups on the way (as h5py does). */
function dataset(g: H5Group, path: string, data: unknown, shape: number[]): void {
  const segs = path.split('/');
  const leaf = segs.pop()!;
  let at = g;
  for (const s of segs) at = (at.get(s) as H5Group | null) ?? at.create_group(s);
  at.create_dataset({ name: leaf, data, shape });
}

/** A tf.keras save_weights file with one LSTM (D=3, H=2); `edit` changes it before the write. */
function lstmWeightsFile(edit: { omit?: string; recurrentShape?: number[]; kernelDtype?: 'int' } = {}): Uint8Array {
  return makeH5((f) => {
    f.create_attribute('layer_names', ['lstm']);
    const g = f.create_group('lstm');
    const names = ['lstm/lstm_cell/kernel:0', 'lstm/lstm_cell/recurrent_kernel:0', 'lstm/lstm_cell/bias:0'];
    g.create_attribute('weight_names', names);
    const shapes: Record<string, number[]> = { kernel: [3, 8], recurrent_kernel: edit.recurrentShape ?? [2, 8], bias: [8] };
    for (const n of names) {
      const leaf = n.split('/').pop()!.replace(':0', '');
      if (edit.omit === leaf) continue;
      const shape = shapes[leaf]!;
      const count = shape.reduce((a, b) => a * b, 1);
      const data = leaf === 'kernel' && edit.kernelDtype === 'int' ? new Int32Array(count) : f32(count);
      dataset(g, n, data, shape);
    }
  });
}

async function loadError(bytes: Uint8Array, opts: Partial<LoadWeightsAsyncOptions> = {}): Promise<InputError> {
  const e = await rejectionOf(loadWeightsAsync(bytes, { source: 'm.h5', ...opts }));
  expect(e.format().split('\n')).toHaveLength(1);
  return e;
}

beforeAll(async () => {
  await hdf5Ready();
  h5 = (await import('h5wasm')) as unknown as H5Lib;
});

describe('damaged HDF5', () => {
  it('names a truncated file and what HDF5 says about it', async () => {
    const whole = fixture('lstm_dense.h5');
    for (const cut of [100, 1000, Math.floor(whole.length / 2), whole.length - 16]) {
      const e = await loadError(whole.subarray(0, cut));
      expect(e.format()).toMatch(/^m\.h5: (not a readable HDF5 file|cannot read|missing)/);
    }
    const e = await loadError(whole.subarray(0, 1000));
    expect(e.message).toMatch(/truncated file: eof = 1000/);
  });

  it('names a dataset that weight_names lists but the file lacks', async () => {
    const e = await loadError(lstmWeightsFile({ omit: 'bias' }));
    expect(e.format()).toBe('m.h5: lstm/lstm/lstm_cell/bias:0: missing dataset: weight_names of "lstm" lists "lstm/lstm_cell/bias:0"');
  });

  it('names a weight of the wrong shape', async () => {
    const e = await loadError(lstmWeightsFile({ recurrentShape: [2, 7] }));
    expect(e.format()).toMatch(/^m\.h5: lstm\/lstm\/lstm_cell\/recurrent_kernel:0: expected \[H, G\*H\] with G = 4 \(LSTM\), 3 \(GRU\) or 1 \(SimpleRNN\), got \[2, 7\]$/);
  });

  it('refuses an integer kernel by its dtype', async () => {
    const e = await loadError(lstmWeightsFile({ kernelDtype: 'int' }));
    expect(e.format()).toBe('m.h5: lstm/lstm/lstm_cell/kernel:0: dtype I32: expected F16, F32 or F64');
  });

  it('says when an HDF5 file is not Keras weights', async () => {
    const bytes = makeH5((f) => f.create_group('experiment').create_dataset({ name: 'data', data: f32(4) }));
    const e = await loadError(bytes);
    expect(e.message).toMatch(/an HDF5 file, but not Keras weights: .* \(top level: "experiment"\)/);
  });

  it('refuses what the config says gatescope cannot run, naming the layer', async () => {
    const withConfig = (layer: object): Uint8Array =>
      makeH5((f) => {
        f.create_attribute('model_config', JSON.stringify({ class_name: 'Sequential', config: { layers: [layer] } }));
        const mw = f.create_group('model_weights');
        mw.create_attribute('layer_names', ['gru']);
        const g = mw.create_group('gru');
        g.create_attribute('weight_names', ['gru/gru_cell/kernel:0', 'gru/gru_cell/recurrent_kernel:0', 'gru/gru_cell/bias:0']);
        dataset(g, 'gru/gru_cell/kernel:0', f32(18), [3, 6]);
        dataset(g, 'gru/gru_cell/recurrent_kernel:0', f32(12), [2, 6]);
        dataset(g, 'gru/gru_cell/bias:0', f32(12), [2, 6]);
      });
    const gru = (config: object) => ({ class_name: 'GRU', config: { name: 'gru', units: 2, ...config } });
    expect((await loadError(withConfig(gru({ activation: 'relu' })))).message).toBe('Keras layer "gru" (GRU): activation "relu": gatescope runs a GRU with tanh only');
    expect((await loadError(withConfig(gru({ recurrent_activation: 'hard_sigmoid' })))).message).toMatch(/recurrent_activation "hard_sigmoid"/);
    expect((await loadError(withConfig(gru({ reset_after: false })))).message).toMatch(/the config says reset_after=False but the bias has the other shape/);
    const ok = await loadWeightsAsync(withConfig(gru({ reset_after: true })), { source: 'm.h5' });
    expect(ok.network.linearBeforeReset).toBe(true);
  });
});

describe('layouts Keras writes in rarer cases', () => {
  /** One LSTM (D=3, H=2) and a Dense(1) head in a tf.keras save_weights file. */
  const build = (chunked: boolean, names: (layer: string, w: string) => string) =>
    makeH5((f) => {
      if (chunked) {
        // save_attributes_to_hdf5_group splits lists longer than 64 KB into name0, name1, ...
        f.create_attribute('layer_names0', ['lstm']);
        f.create_attribute('layer_names1', ['dense']);
      } else {
        f.create_attribute('layer_names', ['lstm', 'dense']);
      }
      const g = f.create_group('lstm');
      const ws = ['kernel', 'recurrent_kernel', 'bias'].map((w) => names('lstm', w));
      g.create_attribute('weight_names', ws);
      dataset(g, ws[0]!, Float32Array.from({ length: 24 }, (_, i) => i / 24), [3, 8]);
      dataset(g, ws[1]!, Float32Array.from({ length: 16 }, (_, i) => -i / 16), [2, 8]);
      dataset(g, ws[2]!, f32(8, 0.5), [8]);
      const d = f.create_group('dense');
      const dn = ['kernel', 'bias'].map((w) => names('dense', w));
      d.create_attribute('weight_names', dn);
      dataset(d, dn[0]!, f32(2, 0.25), [2, 1]);
      dataset(d, dn[1]!, f32(1, -1), [1]);
    });

  it('reads layer_names split into chunks and Keras 3 legacy .h5 weight paths as tf.keras names', async () => {
    const tfKeras = await loadWeightsAsync(build(false, (l, w) => (l === 'lstm' ? `lstm/lstm_cell/${w}:0` : `dense/${w}:0`)), { source: 'a.h5' });
    const chunked = await loadWeightsAsync(build(true, (l, w) => (l === 'lstm' ? `lstm/lstm_cell/${w}:0` : `dense/${w}:0`)), { source: 'b.h5' });
    // Keras 3's legacy_h5_format names weights by their path: sequential/lstm/lstm_cell/kernel
    const keras3 = await loadWeightsAsync(build(false, (l, w) => (l === 'lstm' ? `sequential/lstm/lstm_cell/${w}` : `sequential/dense/${w}`)), { source: 'c.h5' });
    for (const other of [chunked, keras3]) {
      expect(other.network).toEqual(tfKeras.network);
      expect(other.extra.get('head.weight')).toEqual(tfKeras.extra.get('head.weight'));
      expect(other.extra.get('head.bias')?.data).toEqual(Float32Array.of(-1));
    }
    // weight_ih row 0 (gate i, unit 0), column 1 (input 1) is the kernel's [1][0]: flat index 8
    expect(tfKeras.network.layers[0]![0]!.wIh[1]).toBeCloseTo(8 / 24, 7);
  });
});

describe('a TimeDistributed(Dense) head', () => {
  it('is the linear head, in a Keras 2 full save and a Keras 3 weights file', async () => {
    const lstm = (g: H5Group, names: string[]) => {
      dataset(g, names[0]!, f32(24), [3, 8]);
      dataset(g, names[1]!, f32(16), [2, 8]);
      dataset(g, names[2]!, f32(8), [8]);
    };
    const keras2 = makeH5((f) => {
      f.create_attribute(
        'model_config',
        JSON.stringify({
          class_name: 'Sequential',
          config: {
            layers: [
              { class_name: 'LSTM', config: { name: 'lstm', units: 2, return_sequences: true } },
              { class_name: 'TimeDistributed', config: { name: 'time_distributed', layer: { class_name: 'Dense', config: { name: 'dense', units: 1, activation: 'sigmoid' } } } },
            ],
          },
        }),
      );
      const mw = f.create_group('model_weights');
      mw.create_attribute('layer_names', ['lstm', 'time_distributed']);
      const g = mw.create_group('lstm');
      const names = ['lstm/lstm_cell/kernel:0', 'lstm/lstm_cell/recurrent_kernel:0', 'lstm/lstm_cell/bias:0'];
      g.create_attribute('weight_names', names);
      lstm(g, names);
      const t = mw.create_group('time_distributed');
      t.create_attribute('weight_names', ['time_distributed/kernel:0', 'time_distributed/bias:0']);
      dataset(t, 'time_distributed/kernel:0', f32(2, 0.5), [2, 1]);
      dataset(t, 'time_distributed/bias:0', f32(1, 0.25), [1]);
    });
    const a = await loadWeightsAsync(keras2, { source: 'td.h5' });
    expect(a.extra.get('head.weight')?.shape).toEqual([1, 2]);
    expect(a.notes).toContain('TimeDistributed(Dense) "time_distributed" has activation "sigmoid": pred is its input to "sigmoid" (the head is linear)');
    const keras3 = makeH5((f) => {
      const layers = f.create_group('layers');
      const cell = layers.create_group('lstm').create_group('cell').create_group('vars');
      lstm(cell, ['0', '1', '2']);
      const td = layers.create_group('time_distributed').create_group('layer').create_group('vars');
      dataset(td, '0', f32(2, 0.5), [2, 1]);
      dataset(td, '1', f32(1, 0.25), [1]);
    });
    const b = await loadWeightsAsync(keras3, { source: 'td.weights.h5' });
    expect(b.extra.get('head.weight')?.data).toEqual(Float32Array.of(0.5, 0.5));
    expect(b.extra.get('head.bias')?.data).toEqual(Float32Array.of(0.25));
  });
});

describe('damaged .keras zips', () => {
  const zip = fixture('simple_rnn_relu.keras');

  it('names a truncated zip', async () => {
    const e = await loadError(zip.subarray(0, zip.length - 30), { source: 'm.keras' });
    expect(e.format()).toMatch(/^m\.keras: (a truncated or damaged zip|model\.weights\.h5: )/);
  });

  it('names a damaged entry by its CRC', async () => {
    const bad = zip.slice();
    // a byte inside model.weights.h5 (stored, after the two small JSON entries)
    const at = Math.floor(bad.length / 2);
    bad[at] = bad[at]! ^ 0xff;
    const e = await loadError(bad, { source: 'm.keras' });
    expect(e.format()).toBe('m.keras: model.weights.h5: CRC-32 mismatch (a damaged zip)');
  });

  it('refuses an entry that claims more than deflate can give, before inflating (a zip bomb)', async () => {
    const z = zipSync({ 'metadata.json': strToU8('{}'), 'config.json': strToU8('{}'), 'model.weights.h5': new Uint8Array(1 << 20) }, { level: 9 });
    // the directory's uncompressed size of model.weights.h5 -> 3 GB
    let at = z.length - 22;
    while (!(z[at] === 0x50 && z[at + 1] === 0x4b && z[at + 2] === 0x05 && z[at + 3] === 0x06)) at--;
    const view = new DataView(z.buffer);
    let cd = view.getUint32(at + 16, true);
    for (;;) {
      const nameLength = view.getUint16(cd + 28, true);
      const name = new TextDecoder().decode(z.subarray(cd + 46, cd + 46 + nameLength));
      if (name === 'model.weights.h5') break;
      cd += 46 + nameLength + view.getUint16(cd + 30, true) + view.getUint16(cd + 32, true);
    }
    view.setUint32(cd + 24, 3e9, true);
    const e = await loadError(z, { source: 'bomb.keras' });
    expect(e.format()).toMatch(/^bomb\.keras: model\.weights\.h5: declares 3000000000 bytes from \d+ compressed, more than deflate can give \(a damaged zip or a zip bomb\)$/);
    // and an honest deflated zip of a real model reads
    const real = unzipSync(zip);
    const ok = await loadWeightsAsync(zipSync(real, { level: 6 }), { source: 'deflated.keras' });
    expect(ok.network.kind).toBe('rnn_relu');
  });

  it('leaves other zips (a PyTorch .pt) to the other readers', () => {
    // a zip whose only entry is archive/data.pkl: not claimed as .keras, but as torch.save's zip
    const name = new TextEncoder().encode('archive/data.pkl');
    const local = new Uint8Array(30 + name.length);
    local.set([0x50, 0x4b, 0x03, 0x04]);
    local[26] = name.length;
    local.set(name, 30);
    expect(detectWeightsFormat(local, 'm.pt')).toBe('pytorch');
  });
});

describe('TF.js shards', () => {
  const modelJson = readFileSync(join(DIR, 'tfjs_lstm_2l', 'model.json'), 'utf8');
  const withPaths = (paths: string[]): Uint8Array => {
    const doc = JSON.parse(modelJson) as { weightsManifest: { paths: string[] }[] };
    doc.weightsManifest[0]!.paths = paths;
    return new TextEncoder().encode(JSON.stringify(doc));
  };

  it('refuses a shard path that leaves the folder, before reading anything', async () => {
    for (const [p, why] of [
      ['../secret.bin', 'leaves the folder (..)'],
      ['a/../../b.bin', 'leaves the folder (..)'],
      ['/etc/passwd', 'is absolute'],
      ['C:\\x.bin', 'contains a backslash'],
      ['https://example.invalid/x.bin', 'is a URL'],
      ['x\u001b[2J.bin', 'contains a control character'],
    ] as const) {
      let reads = 0;
      const e = await loadError(withPaths([p]), { source: 'model.json', readSibling: async () => (reads++, new Uint8Array()) });
      expect(e.message).toContain(why);
      expect(e.format()).toMatch(/^model\.json: weightsManifest\[0\]\.paths: shard path /);
      expect(e.format()).not.toContain('\u001b');
      expect(reads).toBe(0);
    }
  });

  it('names the weight that runs past a short shard', async () => {
    const shards = new Map(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'].map((n) => [n, fixture(`tfjs_lstm_2l/${n}`)]));
    shards.set('group1-shard3of3.bin', shards.get('group1-shard3of3.bin')!.subarray(0, 100));
    const e = await loadError(new TextEncoder().encode(modelJson), { source: 'model.json', readSibling: async (p) => shards.get(p)! });
    expect(e.format()).toMatch(/^model\.json: lstm_1\/lstm_cell_1\/(bias|recurrent_kernel): needs bytes \d+\.\.\d+ of group 0's shards \(group1-shard1of3\.bin, group1-shard2of3\.bin, group1-shard3of3\.bin\), which hold 900 \(a shard is missing bytes\)$/);
  });

  it('asks for loadWeightsAsync when the shards cannot be read', () => {
    expect(() => loadWeights(new TextEncoder().encode(modelJson), { source: 'model.json' })).toThrow(/its weight shards are separate files/);
  });
});
