/**
 * Keras weights in HDF5, in the two layouts Keras writes (read through hdf5.ts):
 *
 * Keras 2 / tf.keras `model.save('m.h5')` and `model.save_weights('w.h5')`, and Keras 3's legacy
 * .h5 (keras legacy/saving/legacy_h5_format.py, save_weights_to_hdf5_group):
 *
 *   /                       attrs model_config (JSON, full save only), keras_version, backend
 *   /model_weights          (full save; save_weights writes the same at the root)
 *     attr layer_names      [b'lstm', b'dense']   model.layers order; long lists are split into
 *                                                 layer_names0, layer_names1, ... (64 KB header limit)
 *     lstm/                 one group per layer, attr weight_names [b'lstm/lstm_cell/kernel:0', ...]
 *       lstm/lstm_cell/kernel:0, .../recurrent_kernel:0, .../bias:0      (the weight names as paths)
 *     bidirectional/bidirectional/forward_lstm/lstm_cell/kernel:0, .../backward_lstm/...
 *   /optimizer_weights      not read
 *
 * Keras 3 `model.save_weights('m.weights.h5')`, and model.weights.h5 inside a .keras file
 * (keras saving/saving_lib.py, H5IOStore / H5Entry, _save_container_state):
 *
 *   /layers/lstm/cell/vars/0, 1, 2          kernel, recurrent_kernel, bias (LSTMCell.build order)
 *   /layers/bidirectional/forward_layer/cell/vars/0..2, /layers/bidirectional/backward_layer/...
 *   /layers/dense/vars/0, 1                 kernel, bias
 *   /layers/embedding/vars/0                embeddings
 *   /layers/time_distributed/layer/vars/0, 1  a TimeDistributed(Dense)'s kernel, bias
 *   /optimizer/vars/...                     not read
 *
 *   A layer's key is its class name in snake_case with `_1`, `_2` for repeats (not its name);
 *   Keras 2.13-2.15 wrote `_layer_checkpoint_dependencies` for `layers`.
 */
import { InputError } from '../errors.js';
import type { Hdf5Reader } from './hdf5.js';
import { kerasConfigLayers, kerasSaveKeys, networkFromKerasModel, type KerasEntry, type KerasLayerConfig, type KerasModelOptions, type KerasModelWeights } from './keras-model.js';
import { FLOAT_DTYPES, type TensorInfo } from './tensor.js';

export interface KerasFile {
  readonly weights: KerasModelWeights;
  readonly infos: TensorInfo[];
  readonly metadata: Map<string, string>;
  readonly notes: string[];
}

const CELL_VARS = ['kernel', 'recurrent_kernel', 'bias'];
const WEIGHT_LEAVES = new Set(['kernel', 'recurrent_kernel', 'bias', 'embeddings']);

/**
 * The Keras model in an open HDF5 file. `config` is the model config from elsewhere (a .keras
 * file's config.json); a full .h5 save brings its own `model_config`.
 */
export function kerasFromHdf5(f: Hdf5Reader, config: unknown, opts: KerasModelOptions): KerasFile {
  const { source } = opts;
  const metadata = new Map<string, string>();
  for (const key of ['keras_version', 'backend']) {
    const v = f.textAttr('/', key);
    if (typeof v === 'string') metadata.set(key, v);
  }
  const legacyBase = f.kind('/model_weights') === 'group' ? '/model_weights' : '/';
  const layerNames = chunkedAttr(f, legacyBase, 'layer_names');
  if (layerNames !== undefined) {
    let layers: KerasLayerConfig[] | null = null;
    const text = f.textAttr('/', 'model_config');
    if (typeof text === 'string') layers = kerasConfigLayers(parseJson(text, source, 'attribute model_config'), source, 'model_config');
    else if (config !== undefined) layers = kerasConfigLayers(config, source, 'config.json');
    const { entries, infos } = legacyEntries(f, legacyBase, layerNames, source);
    const weights = networkFromKerasModel(entries, layers, opts);
    return { weights, infos: withRoles(infos, weights), metadata, notes: layers === null ? ['a weights-only file (save_weights): no model config'] : [] };
  }
  const root = f.kind('/layers') === 'group' ? '/layers' : f.kind('/_layer_checkpoint_dependencies') === 'group' ? '/_layer_checkpoint_dependencies' : null;
  if (root !== null) {
    const layers = config === undefined ? null : kerasConfigLayers(config, source, 'config.json');
    const byKey = layers === null ? null : kerasSaveKeys(layers);
    const { entries, infos } = keras3Entries(f, root, byKey, source);
    const keyOf = new Map([...(byKey ?? [])].map(([k, l]) => [l, k]));
    const weights = networkFromKerasModel(entries, layers, opts, (l) => keyOf.get(l) ?? l.name);
    return { weights, infos: withRoles(infos, weights), metadata, notes: layers === null ? ['a Keras 3 weights-only file: no model config'] : [] };
  }
  let top: string[] = [];
  try {
    top = f.keys('/');
  } catch {
    // listed as none
  }
  throw new InputError(
    `an HDF5 file, but not Keras weights: expected a layer_names attribute (Keras 2 .h5) or a layers group (Keras 3 .weights.h5) (top level: ${top.slice(0, 8).map((k) => JSON.stringify(k)).join(', ') || 'empty'})`,
    { source },
  );
}

/** A string-list attribute, also when Keras split it into name0, name1, ... */
function chunkedAttr(f: Hdf5Reader, path: string, name: string): string[] | undefined {
  const whole = f.textAttr(path, name);
  if (whole !== undefined) return typeof whole === 'string' ? [whole] : whole;
  const out: string[] = [];
  for (let k = 0; ; k++) {
    const part = f.textAttr(path, `${name}${k}`);
    if (part === undefined) return k === 0 ? undefined : out;
    out.push(...(typeof part === 'string' ? [part] : part));
  }
}

function join(base: string, name: string): string {
  return base === '/' ? `/${name}` : `${base}/${name}`;
}

function legacyEntries(f: Hdf5Reader, base: string, layerNames: readonly string[], source: string) {
  const entries: KerasEntry[] = [];
  const infos: TensorInfo[] = [];
  for (const layer of layerNames) {
    const g = join(base, layer);
    if (f.kind(g) !== 'group') throw new InputError(`missing group: layer_names lists ${JSON.stringify(layer)}`, { source, tensor: g.slice(1) });
    for (const w of chunkedAttr(f, g, 'weight_names') ?? []) {
      const path = join(g, w);
      const name = path.slice(1);
      if (f.kind(path) !== 'dataset') throw new InputError(`missing dataset: weight_names of ${JSON.stringify(layer)} lists ${JSON.stringify(w)}`, { source, tensor: name });
      const segs = w.split('/');
      const leaf = segs.pop()!.replace(/:\d+$/, '');
      const dirSeg = segs.find((s) => s !== layer && /^(forward|backward)_/.test(s));
      const direction = dirSeg === undefined ? null : dirSeg.startsWith('forward_') ? 'forward' : 'backward';
      read(f, path, name, infos, WEIGHT_LEAVES.has(leaf), (tensor) => entries.push({ layer, direction, leaf, path: name, tensor }));
    }
  }
  return { entries, infos };
}

function keras3Entries(f: Hdf5Reader, root: string, byKey: Map<string, KerasLayerConfig> | null, source: string) {
  const entries: KerasEntry[] = [];
  const infos: TensorInfo[] = [];
  // Without a config, keys in save order: lstm, lstm_1, ..., lstm_10 (not the file's lstm_10 < lstm_2).
  const keys = byKey !== null ? [...byKey.keys()].filter((k) => f.kind(join(root, k)) === 'group') : naturalOrder(f.keys(root));
  const vars = (path: string, layer: string, direction: KerasEntry['direction'], names: readonly string[]): void => {
    const v = join(path, 'vars');
    if (f.kind(v) !== 'group') return;
    const idx = naturalOrder(f.keys(v));
    for (const [i, n] of idx.entries()) {
      if (n !== String(i)) throw new InputError(`expected datasets 0, 1, 2, ... in ${v.slice(1)}, got ${JSON.stringify(n)}`, { source, tensor: join(v, n).slice(1) });
      const p = join(v, n);
      if (f.kind(p) !== 'dataset') throw new InputError('missing dataset', { source, tensor: p.slice(1) });
      read(f, p, p.slice(1), infos, names[i] !== undefined, (tensor) => entries.push({ layer, direction, leaf: names[i] ?? `var_${i}`, path: p.slice(1), tensor }));
    }
  };
  for (const key of keys) {
    const base = join(root, key);
    const cls = byKey?.get(key)?.className;
    const own = cls === 'Embedding' || (cls === undefined && /^embedding(_\d+)?$/.test(key)) ? ['embeddings'] : cls === 'Dense' || (cls === undefined && /^dense(_\d+)?$/.test(key)) ? ['kernel', 'bias'] : [];
    vars(base, key, null, own);
    if (f.kind(join(base, 'cell')) === 'group') vars(join(base, 'cell'), key, null, CELL_VARS);
    // TimeDistributed keeps the layer it wraps in `layer` (a Dense: kernel, bias)
    const td = cls === 'TimeDistributed' || (cls === undefined && /^time_distributed(_\d+)?$/.test(key));
    if (td && f.kind(join(base, 'layer')) === 'group') vars(join(base, 'layer'), key, null, ['kernel', 'bias']);
    for (const [half, direction] of [['forward_layer', 'forward'], ['backward_layer', 'backward']] as const) {
      const h = join(base, half);
      if (f.kind(h) !== 'group') continue;
      if (f.kind(join(h, 'cell')) === 'group') vars(join(h, 'cell'), key, direction, CELL_VARS);
      else throw new InputError(`expected ${half}/cell/vars (a wrapped LSTM, GRU or SimpleRNN)`, { source, tensor: h.slice(1) });
    }
  }
  return { entries, infos };
}

/**
 * Reads a float dataset into `add`, and lists every dataset. A weight the network needs (`required`:
 * a kernel, bias, ...) must be float (readFloat names the dtype otherwise); any other non-float one
 * (a Dropout's seed) is listed as not used.
 */
function read(f: Hdf5Reader, path: string, name: string, infos: TensorInfo[], required: boolean, add: (t: ReturnType<Hdf5Reader['readFloat']>) => void): void {
  const info = f.info(path);
  infos.push({ name, shape: info.shape, dtype: info.dtype });
  if (required || (FLOAT_DTYPES as readonly string[]).includes(info.dtype)) add(f.readFloat(path, name));
}

function withRoles(infos: TensorInfo[], w: KerasModelWeights): TensorInfo[] {
  return infos.map((i) => ({ ...i, role: w.roles.get(i.name) ?? (w.extra.has(i.name) ? 'extra' : 'not used') }));
}

function naturalOrder(keys: readonly string[]): string[] {
  const split = (k: string): [string, number] => {
    const m = /^(.*?)(?:_(\d+))?$/.exec(k)!;
    return [m[1]!, m[2] === undefined ? (/^\d+$/.test(k) ? Number(k) : -1) : Number(m[2])];
  };
  return [...keys].sort((a, b) => {
    if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
    const [pa, na] = split(a);
    const [pb, nb] = split(b);
    return pa < pb ? -1 : pa > pb ? 1 : na - nb;
  });
}

export function parseJson(text: string, source: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { source });
  }
}
