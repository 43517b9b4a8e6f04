/**
 * Weights files in, a Network out. The format is detected from the content (never only the name):
 *
 *   safetensors   u64 LE header length, then `{`          safetensors.ts
 *   onnx          a protobuf ModelProto (first byte a field tag such as 0x08 ir_version)   onnx.ts
 *   pytorch-json  `{` with PyTorch names (weight_ih_l0, ...)                               state-dict-json.ts
 *   keras-json    `{` with Keras names (kernel, recurrent_kernel, bias)                   keras.ts
 *   pytorch       torch.save: a zip holding <archive>/data.pkl, or a legacy pickle (\x80\x02)  torch.ts
 *   keras-h5      the HDF5 signature \x89HDF\r\n\x1a\n (Keras 2 .h5, Keras 3 .weights.h5)     keras-h5.ts
 *   keras-v3      a zip (PK\x03\x04) with config.json and model.weights.h5 (.keras)         keras-zip.ts
 *   tfjs          `{` with a weightsManifest list (TF.js model.json; shards beside it)     tfjs.ts
 *
 * The HDF5 reader (WebAssembly) starts asynchronously and TF.js shards are other files, so those
 * formats need loadWeightsAsync (or, synchronously, a started reader / the shards given in `shards`).
 *
 * The containers (JSON, safetensors) deliver named tensors; the naming (PyTorch or Keras, found from
 * the names or forced with `layout`) decides how they map onto the engine. ONNX maps its own node.
 * Every InputError leaving here has file-supplied text made visible (no terminal escapes).
 */
import { cellLabel, type CellKind, type InitialState } from '../../engine/index.js';
import { InputError, visible } from '../errors.js';
import { decodeWholeText } from '../input.js';
import { hdf5IsReady, looksLikeHdf5, withHdf5 } from './hdf5.js';
import { kerasFromHdf5Isolated, type Hdf5Limits } from './hdf5-isolated.js';
import { looksLikeKeras, networkFromKeras } from './keras.js';
import { kerasFromHdf5, type KerasFile } from './keras-h5.js';
import { networkFromKerasModel, kerasConfigLayers, type KerasEntry } from './keras-model.js';
import { looksLikeKerasZip, readKerasZip } from './keras-zip.js';
import { looksLikeTfjs, mayBeTfjs, parseTfjsModel, tfjsShardPaths, tfjsTensors, type TfjsModel } from './tfjs.js';
import { loadOnnx, looksLikeOnnx } from './onnx.js';
import { networkFromStateDict, recurrentPrefixes, type LoadedWeights } from './pytorch.js';
import { looksLikeSafetensors, parseSafetensors } from './safetensors.js';
import { jsonSyntaxError, parseStateDictJson } from './state-dict-json.js';
import { FLOAT_DTYPES, type Tensor, type TensorInfo } from './tensor.js';
import {
  checkModuleAttributes,
  looksLikePickle,
  looksLikeTorchZip,
  moduleAt,
  moduleText,
  readTorchFile,
  recordedKind,
  SAVE_HINT,
  type TorchModuleInfo,
} from './torch.js';
import { looksLikeZip, readZipEntries } from './zip.js';
import type { TorchSaved, WeightsFile, WeightsFormat } from './weights-file.js';

export { WEIGHTS_FORMATS, type TorchSaved, type WeightsFile, type WeightsFormat, type WeightsLayout } from './weights-file.js';

export interface LoadWeightsOptions {
  /** File name for messages. */
  source: string;
  /** --prefix: PyTorch module prefix (`lstm.`) or Keras layer path (`bidirectional`). */
  prefix?: string | undefined;
  /** --cell / --nonlinearity, when given. */
  kind?: CellKind | undefined;
  /** --weights-format, to skip detection. */
  format?: WeightsFormat | undefined;
  /** --node: the ONNX recurrent node to use when the graph has several that do not stack. */
  node?: string | undefined;
  /** --layout: read a JSON or safetensors file's names as Keras's (`keras`) or PyTorch's. */
  layout?: 'pytorch' | 'keras' | undefined;
  /** --checkpoint-key: which entry of a torch checkpoint dict holds the model. */
  checkpointKey?: string | undefined;
  /** Most bytes the tensors of a torch file may decode to (float32); --max-weights-bytes. */
  maxTensorBytes?: number | undefined;
  /**
   * safetensors and torch files: little-endian float32 tensors at aligned offsets become views of
   * `bytes` instead of copies, so a big file is held once; `bytes` must then stay unchanged for as
   * long as the network is used. @default false
   */
  inPlace?: boolean | undefined;
  /** TF.js: the shards, by their manifest path (loadWeightsAsync fills this through readSibling). */
  shards?: ReadonlyMap<string, Uint8Array> | undefined;
}

export interface LoadWeightsAsyncOptions extends LoadWeightsOptions {
  /**
   * Reads a file beside the weights file (a TF.js shard) by its manifest path, which has been
   * checked to stay inside the folder (no `..`, not absolute). The caller bounds the bytes.
   */
  readSibling?: ((path: string) => Promise<Uint8Array>) | undefined;
  /** The HDF5 reader's worker thread and time limit (hdf5-isolated.ts). */
  hdf5?: Hdf5Limits | undefined;
}

/** Which format the bytes are, from their content. */
export function detectWeightsFormat(bytes: Uint8Array, source: string): 'pytorch' | 'pytorch-json' | 'safetensors' | 'onnx' | 'keras-h5' | 'keras-v3' {
  if (looksLikeHdf5(bytes)) return 'keras-h5';
  if (detectTorchZip(bytes)) return 'pytorch';
  if (looksLikePickle(bytes)) return 'pytorch';
  const zip = detectZip(bytes);
  if (zip !== null) return zip;
  // safetensors first: its length's low byte may itself be `{` (0x7b), but a JSON text has no NULs.
  if (looksLikeSafetensors(bytes)) return 'safetensors';
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b /* { */) return 'pytorch-json';
  if (looksLikeOnnx(bytes)) return 'onnx';
  throw new InputError('unrecognised weights format: expected a torch.save file (.pt, .pth, .bin), safetensors, ONNX, or a state_dict as JSON', {
    source,
    hint: formatHint(bytes),
  });
}

/**
 * Which zip-based format the bytes are, or null (not a zip, or a zip no reader claims: the
 * error's hint then names it).
 */
function detectZip(bytes: Uint8Array): 'keras-v3' | null {
  return looksLikeKerasZip(bytes) ? 'keras-v3' : null;
}

/**
 * A zip is a torch.save file when one of its entries is `<archive>/data.pkl`. The whole file gives
 * the central directory; the first few kilobytes (early detection) give the first local header,
 * which torch always writes for data.pkl.
 */
function detectTorchZip(bytes: Uint8Array): boolean {
  if (!looksLikeZip(bytes)) return false;
  if (looksLikeTorchZip(bytes)) return true;
  try {
    return [...readZipEntries(bytes, '').keys()].some((n) => /(^|\/)data\.pkl$/.test(n));
  } catch {
    return false;
  }
}

/** Names what a common unsupported file is, so the hint can say how to convert it. */
function formatHint(bytes: Uint8Array): string {
  const starts = (...b: number[]): boolean => b.every((v, k) => bytes[k] === v);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return `a zip, but not a torch.save file (no data.pkl); from PyTorch, ${SAVE_HINT}`;
  if (starts(0x80)) return `a pickle of a protocol torch.save does not write; ${SAVE_HINT}`;
  if (bytes.length === 0) return 'the file is empty';
  return 'see `gatescope --help` for the weights formats';
}

export function loadWeights(bytes: Uint8Array, opts: LoadWeightsOptions): WeightsFile {
  try {
    return load(bytes, opts);
  } catch (err) {
    if (err instanceof InputError) throw visibleError(err);
    throw err;
  }
}

/**
 * loadWeights for every format: starts the HDF5 reader when the bytes are HDF5 or a .keras zip,
 * and reads a TF.js model's shards through `readSibling`.
 */
export async function loadWeightsAsync(bytes: Uint8Array, opts: LoadWeightsAsyncOptions): Promise<WeightsFile> {
  try {
    const format = opts.format ?? detectWeightsFormat(bytes, opts.source);
    if (format === 'keras-h5' || format === 'keras-v3') {
      // the HDF5 library runs in a worker thread under a time limit
      const { config, metadata, h5 } = kerasContainer(format, bytes, opts.source);
      const k = await kerasFromHdf5Isolated(h5, config, { source: opts.source, prefix: opts.prefix, kind: opts.kind }, opts.hdf5);
      return kerasWeightsFile(format, k, new Map([...k.metadata, ...metadata]), opts);
    }
    let shards = opts.shards;
    if (shards === undefined && (format === 'tfjs' || format === 'pytorch-json' || format === 'keras-json')) {
      const model = tfjsModelOf(bytes, opts, format === 'tfjs');
      if (model !== null) {
        if (opts.readSibling === undefined) throw new InputError('a TF.js model.json: its weight shards are separate files, and no way to read them was given', { source: opts.source });
        const read = new Map<string, Uint8Array>();
        for (const p of tfjsShardPaths(model)) read.set(p, await opts.readSibling(p));
        shards = read;
      }
    }
    return loadWeights(bytes, { ...opts, shards });
  } catch (err) {
    if (err instanceof InputError) throw visibleError(err);
    throw err;
  }
}

/** The TF.js model in a JSON weights file, or null when it is not one (unless `forced`). */
function tfjsModelOf(bytes: Uint8Array, opts: LoadWeightsOptions, forced: boolean): TfjsModel | null {
  const text = decodeWholeText(bytes, opts.source, 'a JSON weights file', 'save large weights as safetensors');
  if (!forced && !mayBeTfjs(text)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    if (!forced) return null; // the state-dict reader reports the syntax error with line and column
    throw jsonSyntaxError(text, err, opts.source);
  }
  if (!looksLikeTfjs(doc)) {
    if (forced) throw new InputError('expected a TF.js model.json (an object with a weightsManifest list)', { source: opts.source, tensor: 'weightsManifest' });
    return null;
  }
  return parseTfjsModel(doc, opts.source);
}

function load(bytes: Uint8Array, opts: LoadWeightsOptions): WeightsFile {
  const { source } = opts;
  const format = opts.format ?? detectWeightsFormat(bytes, source);
  switch (format) {
    case 'keras-h5':
    case 'keras-v3': {
      if (!hdf5IsReady()) {
        throw new InputError('a Keras HDF5 file: its reader (WebAssembly) starts asynchronously', { source, hint: 'read it with loadWeightsAsync' });
      }
      const { config, metadata, h5 } = kerasContainer(format, bytes, source);
      const k = withHdf5(h5, source, (f) => kerasFromHdf5(f, config, opts));
      return kerasWeightsFile(format, k, new Map([...k.metadata, ...metadata]), opts);
    }
    case 'tfjs':
      return loadTfjs(tfjsModelOf(bytes, opts, true)!, opts);
    case 'pytorch':
      return loadTorch(bytes, opts);
    case 'onnx': {
      const o = loadOnnx(bytes, opts);
      if (opts.prefix !== undefined) o.notes.push('--prefix does not apply to ONNX (choose a node with --node)');
      if (opts.layout !== undefined) o.notes.push('--layout does not apply to ONNX (the node says its own layout)');
      return {
        format,
        layout: 'onnx',
        network: o.network,
        prefix: '',
        extra: o.extra,
        ignored: o.ignored,
        tensors: o.infos,
        metadata: o.metadata,
        initialState: o.initialState,
        modules: o.nodes,
        notes: o.notes,
      };
    }
    case 'safetensors': {
      const st = parseSafetensors(bytes, source, opts.inPlace === true);
      return fromTensors(format, st.tensors, st.infos, st.metadata, opts);
    }
    case 'pytorch-json':
    case 'keras-json': {
      if (opts.format === undefined) {
        const model = tfjsModelOf(bytes, opts, false);
        if (model !== null) return loadTfjs(model, opts);
      }
      const text = decodeWholeText(bytes, source, 'a JSON weights file', 'save large weights as safetensors');
      const chosen: string[] = [];
      const tensors = parseStateDictJson(text, source, chosen);
      const infos = [...tensors].map(([name, t]) => ({ name, shape: t.shape, dtype: t.dtype ?? 'json' }));
      // A forced format also fixes the naming; detection leaves it to the names.
      const layout = opts.layout ?? (opts.format === 'keras-json' ? 'keras' : opts.format === 'pytorch-json' ? 'pytorch' : undefined);
      const file = fromTensors(format, tensors, infos, new Map(), { ...opts, layout });
      return chosen.length > 0 ? { ...file, notes: [...chosen, ...file.notes] } : file;
    }
  }
}

/** The HDF5 bytes of a .h5 or .keras file, with a .keras file's config and metadata. */
function kerasContainer(format: 'keras-h5' | 'keras-v3', bytes: Uint8Array, source: string): { config: unknown; metadata: Map<string, string>; h5: Uint8Array } {
  if (format === 'keras-h5') return { config: undefined, metadata: new Map(), h5: bytes };
  const z = readKerasZip(bytes, source);
  return { config: z.config, metadata: z.metadata, h5: z.weights };
}

function loadTfjs(model: TfjsModel, opts: LoadWeightsOptions): WeightsFile {
  const { source } = opts;
  if (opts.shards === undefined) {
    throw new InputError('a TF.js model.json: its weight shards are separate files; read it with loadWeightsAsync and readSibling', { source });
  }
  const { tensors, infos, notes } = tfjsTensors(model, opts.shards, source);
  const layers = model.topology === undefined ? null : kerasConfigLayers(model.topology, source, 'modelTopology');
  const entries: KerasEntry[] = [];
  for (const [name, tensor] of tensors) {
    const segs = name.split('/');
    const leaf = segs.pop()!.replace(/:\d+$/, '');
    const layer = segs[0] ?? '';
    const dirSeg = segs.slice(1).find((s) => /^(forward|backward)_/.test(s));
    entries.push({ layer, direction: dirSeg === undefined ? null : dirSeg.startsWith('forward_') ? 'forward' : 'backward', leaf, path: name, tensor });
  }
  const weights = networkFromKerasModel(entries, layers, opts);
  const k: KerasFile = {
    weights,
    infos: infos.map((i) => ({ ...i, role: weights.roles.get(i.name) ?? (weights.extra.has(i.name) ? 'extra' : 'not used') })),
    metadata: model.metadata,
    notes: [...notes, ...(layers === null ? ['no modelTopology: the layer types come from the weights alone'] : [])],
  };
  return kerasWeightsFile('tfjs', k, model.metadata, opts);
}

function kerasWeightsFile(format: 'keras-h5' | 'keras-v3' | 'tfjs', k: KerasFile, metadata: ReadonlyMap<string, string>, opts: LoadWeightsOptions): WeightsFile {
  const notes = [...k.notes, ...k.weights.notes];
  if (opts.node !== undefined) notes.push('--node applies to ONNX only; ignored');
  if (opts.layout === 'pytorch') notes.push('--layout pytorch does not apply: the file is Keras');
  return {
    format,
    layout: 'keras',
    network: k.weights.network,
    prefix: '',
    extra: k.weights.extra,
    ignored: k.weights.ignored,
    tensors: k.infos,
    metadata,
    initialState: null,
    modules: k.weights.layers,
    notes,
  };
}

/**
 * A torch.save file: the model's tensors through the PyTorch name map, with what a whole module
 * records (an RNN's nonlinearity) passed in as the cell kind and its sizes checked against the tensors.
 */
function loadTorch(bytes: Uint8Array, opts: LoadWeightsOptions): WeightsFile {
  const { source } = opts;
  const pt = readTorchFile(bytes, { source, checkpointKey: opts.checkpointKey, maxTensorBytes: opts.maxTensorBytes, inPlace: opts.inPlace });
  const prefixes = recurrentPrefixes(pt.tensors.keys());
  const prefix = opts.prefix ?? (prefixes.length === 1 ? prefixes[0]! : undefined);
  const module = prefix !== undefined ? moduleAt(pt.modules, prefix) : undefined;
  const recorded = module !== undefined ? recordedKind(module) : undefined;
  let kind = opts.kind;
  if (recorded !== undefined) {
    if (opts.kind !== undefined && opts.kind !== recorded) {
      throw new InputError(
        `the file records ${module!.path || 'the module'} as ${cellLabel(recorded)} (${moduleText(module!)}), but --cell/--nonlinearity say ${cellLabel(opts.kind)}`,
        { source, hint: 'leave out --cell/--nonlinearity to use what the file records' },
      );
    }
    kind = recorded;
  }
  const file = fromTensors('pytorch', pt.tensors, pt.infos, new Map(), { ...opts, kind, layout: 'pytorch', format: 'pytorch' });
  if (module !== undefined) checkModuleAttributes(file.network, module, file.prefix, pt.tensors, source);
  const notes = [...pt.notes, ...file.notes];
  if (file.network.kind === 'rnn_tanh' && recorded === undefined && opts.kind === undefined) {
    notes.push('a state_dict cannot record an RNN\'s nonlinearity: assumed tanh (say --nonlinearity relu if it is ReLU)');
  }
  const torch: TorchSaved = { container: pt.container, saved: pt.saved, checkpointKey: pt.checkpointKey, modules: pt.modules };
  return { ...file, notes, torch };
}

/** A container's named tensors through the PyTorch or the Keras name map. */
function fromTensors(
  container: 'pytorch' | 'pytorch-json' | 'keras-json' | 'safetensors',
  tensors: ReadonlyMap<string, Tensor>,
  infos: readonly TensorInfo[],
  metadata: ReadonlyMap<string, string>,
  opts: LoadWeightsOptions,
): WeightsFile {
  const { source } = opts;
  const keras = opts.layout === 'keras' || (opts.layout === undefined && looksLikeKeras(tensors.keys()));
  // A recurrent weight stored as integers must fail by name, not as "missing".
  for (const info of infos) {
    if ((FLOAT_DTYPES as readonly string[]).includes(info.dtype) || info.dtype === 'json') continue;
    if (/(weight|bias)_(ih|hh)_l\d+/.test(info.name) || /(linear_[zfih]|to_hidden_and_(f_i_)?gate)\.(weight|bias)$/.test(info.name) || /(^|\/)(recurrent_kernel|kernel|bias)(:\d+)?$/.test(info.name)) {
      throw new InputError(`dtype ${info.dtype}: expected ${FLOAT_DTYPES.join(', ')}`, { source, tensor: info.name });
    }
  }
  const nonFloat = infos.filter((i) => !tensors.has(i.name)).map((i) => i.name);
  const notes = opts.node !== undefined ? ['--node applies to ONNX only; ignored'] : [];
  if (keras) {
    const k = networkFromKeras(tensors, opts);
    return {
      format: container === 'pytorch-json' ? 'keras-json' : container,
      layout: 'keras',
      network: k.network,
      prefix: '',
      extra: k.extra,
      ignored: [...k.ignored, ...nonFloat],
      tensors: infos.map((i) => ({ ...i, role: k.roles.get(i.name) ?? (tensors.has(i.name) ? 'extra' : 'not used') })),
      metadata,
      initialState: null,
      modules: k.layers,
      notes: [...k.notes, ...notes],
    };
  }
  const p = networkFromStateDict(tensors, opts);
  if (p.cellModule === true) {
    const label = p.network.kind === 'lstm' ? 'nn.LSTMCell' : p.network.kind === 'gru' ? 'nn.GRUCell' : 'nn.RNNCell';
    notes.push(
      `${visible(p.prefix)}weight_ih, ${visible(p.prefix)}weight_hh: a cell module (${label}), run over the sequence as the one-layer ${cellLabel(p.network.kind)} it equals (a loop of cell(x_t, state) from a zero state)`,
    );
  }
  return {
    format: container === 'keras-json' ? 'pytorch-json' : container,
    layout: 'pytorch',
    network: p.network,
    prefix: p.prefix,
    extra: p.extra,
    ignored: [...p.ignored, ...nonFloat],
    tensors: infos.map((i) => ({
      ...i,
      role: p.extra.has(i.name) ? 'extra' : p.minCells?.roles.get(i.name) ?? (tensors.has(i.name) ? i.name.slice(p.prefix.length) : 'not used'),
    })),
    metadata,
    initialState: null,
    modules: [],
    notes,
    ...(p.minCells !== undefined ? { minCells: p.minCells } : {}),
  };
}

/** The same error with every piece of file-supplied text made safe to print. */
function visibleError(err: InputError): InputError {
  const copy = new InputError(visible(err.message, 400), {
    source: err.source,
    ...(err.line !== undefined ? { line: err.line } : {}),
    ...(err.column !== undefined ? { column: err.column } : {}),
    ...(err.tensor !== undefined ? { tensor: visible(err.tensor, 80) } : {}),
    ...(err.hint !== undefined ? { hint: visible(err.hint, 200) } : {}),
  });
  return copy;
}

export { describeWeights, formatWeightsDescription, type WeightsDescription } from './describe.js';
export { encodeSafetensors } from './safetensors.js';
export { stateDictFromNetwork } from './pytorch.js';
export type { Tensor, TensorInfo } from './tensor.js';
