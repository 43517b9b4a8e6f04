/**
 * A Keras model as its files record it: the weights by layer, and (when the file has it) the model
 * config that says what each layer is. Shared by the .h5 (both layouts), .keras and TF.js readers;
 * the numbers go through keras.ts's explicit name map, the config decides what the weights alone
 * cannot tell:
 *
 *   LSTM / GRU            activation tanh, recurrent_activation sigmoid (anything else refused)
 *   SimpleRNN             activation tanh -> rnn_tanh, relu -> rnn_relu
 *   GRU reset_after       checked against the bias shape ((2, 3H) True, (3H) False)
 *   go_backwards          one layer only: our reverse direction (refused when layers stack on it)
 *   Bidirectional         merge_mode concat only (our output is [forward h | reverse h])
 *   return_sequences      False on the last layer: the Dense head reads only the last step (a note)
 *   Dense after the RNN   the linear head (`head.weight` / `head.bias`), also as TimeDistributed(Dense); a non-linear activation
 *                         is not applied (a note); several Dense layers are no single linear head
 *   Embedding before it   `embedding.weight`; mask_zero noted
 *
 * Without a config (a weights-only file) the layer kinds come from the weights' shapes and names,
 * and what no weight records (the activation) is assumed as Keras's default and said in a note.
 */
import { cellLabel, type CellKind } from '../../engine/index.js';
import { InputError, visible } from '../errors.js';
import { networkFromKeras, type KerasWeights } from './keras.js';
import type { Tensor } from './tensor.js';

/** One layer of a model config, in model.layers order. */
export interface KerasLayerConfig {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** One weight of the file, by the Keras layer it belongs to. */
export interface KerasEntry {
  /** The layer's name (Keras 2, TF.js) or its key under `layers/` (Keras 3: `lstm`, `lstm_1`). */
  readonly layer: string;
  /** The half of a Bidirectional it belongs to. */
  readonly direction: 'forward' | 'backward' | null;
  /** kernel, recurrent_kernel, bias, embeddings, or the file's own last name segment. */
  readonly leaf: string;
  /** Where the file has it (the name `inspect` shows). */
  readonly path: string;
  readonly tensor: Tensor;
}

export interface KerasModelOptions {
  source: string;
  prefix?: string | undefined;
  kind?: CellKind | undefined;
}

/** What keras.ts gives, with roles keyed by the file's own paths. */
export type KerasModelWeights = KerasWeights & { readonly config: boolean };

/** Layers that compute nothing at inference. */
const PASS_THROUGH = new Set(['InputLayer', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
const RECURRENT = new Set(['LSTM', 'GRU', 'SimpleRNN']);

/**
 * The layers of a model config: `{class_name: Sequential|Functional|Model, config: {layers: [...]}}`
 * (Keras 2 `model_config`, Keras 3 `config.json`, TF.js `modelTopology` or its `model_config`).
 */
export function kerasConfigLayers(doc: unknown, source: string, where: string): KerasLayerConfig[] {
  const bad = (what: string): never => {
    throw new InputError(`${where}: ${what}`, { source });
  };
  if (!isObject(doc)) return bad('expected a JSON object (a Keras model config)');
  const top = isObject(doc.model_config) ? doc.model_config : doc;
  const cls = top.class_name;
  if (typeof cls !== 'string') return bad('expected a class_name (Sequential or Functional)');
  if (!['Sequential', 'Functional', 'Model'].includes(cls)) {
    return bad(`a ${JSON.stringify(visible(cls))} model: expected Sequential or Functional (a subclassed model saves no layer config; save its weights alone)`);
  }
  const cfg = top.config;
  // Keras < 2.2.3 wrote a Sequential's config as the bare list of layers
  const list = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(list)) return bad('expected config.layers, a list');
  return list.map((l, i): KerasLayerConfig => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) return bad(`layer ${i}: expected {class_name, config}`);
    const name = typeof l.name === 'string' ? l.name : l.config.name;
    if (typeof name !== 'string') return bad(`layer ${i}: expected a name`);
    return { name, className: l.class_name, config: l.config };
  });
}

/** Keras 3's key for a layer under `layers/`: the class name in snake_case, `_1`, `_2`, ... when repeated. */
export function kerasSaveKeys(layers: readonly KerasLayerConfig[]): Map<string, KerasLayerConfig> {
  const used = new Map<string, number>();
  const keys = new Map<string, KerasLayerConfig>();
  for (const l of layers) {
    if (l.className === 'InputLayer') continue;
    let key = snakeCase(l.className);
    const n = used.get(key);
    used.set(key, n === undefined ? 0 : n + 1);
    if (n !== undefined) key = `${key}_${n + 1}`;
    keys.set(key, l);
  }
  return keys;
}

/** keras.src.utils.naming.to_snake_case */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

interface RecurrentPlan {
  readonly layer: KerasLayerConfig;
  /** The wrapped layer's config (the layer itself unless Bidirectional). */
  readonly cells: readonly KerasLayerConfig[];
  readonly bidirectional: boolean;
}

/** The model's layers, checked against what gatescope can run: recurrent layers, a head, an embedding. */
function plan(layers: readonly KerasLayerConfig[], source: string, keyOf: (l: KerasLayerConfig) => string) {
  const notes: string[] = [];
  const refuse = (l: KerasLayerConfig, what: string): never => {
    throw new InputError(`Keras layer ${JSON.stringify(visible(l.name))} (${visible(l.className)}): ${what}`, { source });
  };
  const recurrent: RecurrentPlan[] = [];
  const after: KerasLayerConfig[] = [];
  let embedding: KerasLayerConfig | null = null;
  for (const l of layers) {
    if (PASS_THROUGH.has(l.className)) continue;
    const isRnn = RECURRENT.has(l.className) || l.className === 'Bidirectional';
    if (isRnn) {
      if (after.length > 0) refuse(l, `comes after ${after.map((a) => JSON.stringify(visible(a.name))).join(', ')}, which gatescope cannot run between recurrent layers`);
      let cells: KerasLayerConfig[];
      if (l.className === 'Bidirectional') {
        const mode = l.config.merge_mode;
        if (mode !== 'concat' && mode !== undefined) {
          refuse(l, `merge_mode ${JSON.stringify(mode)}: gatescope joins the two directions as concat ([forward h | backward h]) only`);
        }
        cells = [innerLayer(l, 'layer', source)];
        if (l.config.backward_layer !== undefined && l.config.backward_layer !== null) cells.push(innerLayer(l, 'backward_layer', source));
        if (cells[0]!.config.go_backwards === true) refuse(l, 'its forward layer has go_backwards=True');
      } else {
        cells = [l];
      }
      for (const c of cells) {
        if (!RECURRENT.has(c.className)) refuse(l, `wraps a ${visible(c.className)}; expected LSTM, GRU or SimpleRNN`);
      }
      recurrent.push({ layer: l, cells, bidirectional: l.className === 'Bidirectional' });
      continue;
    }
    if (recurrent.length === 0) {
      if (l.className === 'Embedding' && embedding === null) {
        embedding = l;
        if (l.config.mask_zero === true) {
          notes.push(`Embedding ${JSON.stringify(visible(l.name))} has mask_zero=True: Keras skips steps whose token index is 0; gatescope runs them`);
        }
        continue;
      }
      if (l.className === 'Masking') {
        notes.push(`Masking layer ${JSON.stringify(visible(l.name))}: Keras skips steps whose features all equal ${JSON.stringify(l.config.mask_value ?? 0)}; gatescope runs them`);
        continue;
      }
      refuse(l, 'comes before the recurrent layers; gatescope runs an optional Embedding, then the recurrent layers, then an optional Dense');
    }
    after.push(l);
  }
  if (recurrent.length === 0) {
    throw new InputError(`the model config has no LSTM, GRU or SimpleRNN layer (layers: ${layers.map((l) => visible(l.className)).join(', ') || 'none'})`, { source });
  }

  // The layer kinds and what they do.
  let kind: CellKind | null = null;
  let resetAfter: boolean | null = null;
  for (const [k, r] of recurrent.entries()) {
    for (const c of r.cells) {
      const cfg = c.config;
      const act = cfg.activation ?? 'tanh';
      let here: CellKind;
      if (c.className === 'SimpleRNN') {
        if (act !== 'tanh' && act !== 'relu') refuse(r.layer, `activation ${JSON.stringify(act)}: gatescope runs a SimpleRNN with tanh or relu`);
        here = act === 'relu' ? 'rnn_relu' : 'rnn_tanh';
      } else {
        if (act !== 'tanh') refuse(r.layer, `activation ${JSON.stringify(act)}: gatescope runs ${c.className === 'LSTM' ? 'an' : 'a'} ${c.className} with tanh only`);
        const rec = cfg.recurrent_activation ?? 'sigmoid';
        if (rec !== 'sigmoid') {
          refuse(r.layer, `recurrent_activation ${JSON.stringify(rec)}: gatescope's gates are the logistic sigmoid (Keras 2.3+ default)`);
        }
        here = c.className === 'LSTM' ? 'lstm' : 'gru';
        if (here === 'gru') {
          const ra = cfg.reset_after ?? true;
          if (resetAfter !== null && ra !== resetAfter) refuse(r.layer, 'reset_after differs from the first GRU layer');
          resetAfter = ra === true;
        }
      }
      if (kind !== null && here !== kind) refuse(r.layer, `a ${cellLabel(here)} cannot stack on a ${cellLabel(kind)}`);
      kind = here;
      if (cfg.time_major === true) refuse(r.layer, 'time_major=True');
      if (cfg.stateful === true) notes.push(`layer ${JSON.stringify(visible(r.layer.name))} is stateful: gatescope starts every sequence from zero state (or --initial-state)`);
    }
    const cfg = r.cells[0]!.config;
    const last = k === recurrent.length - 1;
    if (!last && cfg.return_sequences !== true) {
      refuse(r.layer, 'return_sequences=False but another recurrent layer follows (it would see one step)');
    }
    if (!r.bidirectional && cfg.go_backwards === true && recurrent.length > 1) {
      refuse(r.layer, 'go_backwards=True in a stack: Keras hands the next layer the outputs in reversed order, which gatescope does not model');
    }
  }
  const goBackwards = recurrent.length === 1 && !recurrent[0]!.bidirectional && recurrent[0]!.cells[0]!.config.go_backwards === true;
  if (goBackwards) {
    notes.push(
      `layer ${JSON.stringify(visible(recurrent[0]!.layer.name))} has go_backwards=True: it is run as a reverse direction, each state shown at the step it last read (Keras returns the sequence in reversed order)`,
    );
  }

  // The head: one Dense after the recurrent layers (pass-through layers aside).
  let head: KerasLayerConfig | null = null;
  // TimeDistributed(Dense) is the same per-step head
  const isDense = (l: KerasLayerConfig): boolean => l.className === 'Dense' || (l.className === 'TimeDistributed' && wrapped(l)?.className === 'Dense');
  const dense = after.filter(isDense);
  const others = after.filter((l) => !isDense(l));
  if (dense.length === 1 && after[0] === dense[0]) {
    head = dense[0]!;
    const act = (head.className === 'TimeDistributed' ? wrapped(head)!.config : head.config).activation ?? 'linear';
    if (act !== 'linear') notes.push(`${head.className === 'TimeDistributed' ? 'TimeDistributed(Dense)' : 'Dense'} ${JSON.stringify(visible(head.name))} has activation ${JSON.stringify(act)}: pred is its input to ${JSON.stringify(act)} (the head is linear)`);
    const lastCfg = recurrent.at(-1)!.cells[0]!.config;
    if (lastCfg.return_sequences !== true) {
      notes.push(`return_sequences=False: the model's Dense reads only the last step; pred at earlier steps is what it would read there`);
    }
  } else if (dense.length > 0) {
    notes.push(`${after.map((a) => `${visible(a.className)} ${JSON.stringify(visible(a.name))}`).join(', ')} after the recurrent layers are not one linear head: no pred`);
  }
  if (head !== null && others.length > 0) {
    notes.push(`not applied after the head: ${others.map((a) => `${visible(a.className)} ${JSON.stringify(visible(a.name))}`).join(', ')}`);
  }
  return {
    kind: kind!,
    resetAfter,
    goBackwards,
    recurrent: recurrent.map((r) => keyOf(r.layer)),
    head: head === null ? null : keyOf(head),
    embedding: embedding === null ? null : keyOf(embedding),
    notes,
  };
}

/** The layer a wrapper (TimeDistributed) holds, or null. */
function wrapped(l: KerasLayerConfig): KerasLayerConfig | null {
  const inner = l.config.layer;
  if (!isObject(inner) || typeof inner.class_name !== 'string' || !isObject(inner.config)) return null;
  return { name: typeof inner.config.name === 'string' ? inner.config.name : l.name, className: inner.class_name, config: inner.config };
}

function innerLayer(l: KerasLayerConfig, field: string, source: string): KerasLayerConfig {
  const inner = l.config[field];
  if (!isObject(inner) || typeof inner.class_name !== 'string' || !isObject(inner.config)) {
    throw new InputError(`Keras layer ${JSON.stringify(visible(l.name))} (Bidirectional): expected config.${field} {class_name, config}`, { source });
  }
  return { name: typeof inner.config.name === 'string' ? inner.config.name : l.name, className: inner.class_name, config: inner.config };
}

/**
 * The network of a Keras model from its weights by layer and, when present, its config. `keyOf`
 * gives the entry key of a config layer (its name, or Keras 3's `layers/` key).
 */
export function networkFromKerasModel(
  entries: readonly KerasEntry[],
  layers: readonly KerasLayerConfig[] | null,
  opts: KerasModelOptions,
  keyOf: (l: KerasLayerConfig) => string = (l) => l.name,
): KerasModelWeights {
  const { source } = opts;
  const synthetic = (e: KerasEntry): string => `${e.layer}/${e.direction ? `${e.direction}_layer/` : ''}${e.leaf}`;
  const byName = new Map<string, KerasEntry>();
  for (const e of entries) {
    const name = synthetic(e);
    const seen = byName.get(name);
    if (seen !== undefined) {
      throw new InputError(`two weights are the ${e.leaf} of Keras layer ${JSON.stringify(visible(e.layer))} (${visible(seen.path)} and this one)`, { source, tensor: e.path });
    }
    byName.set(name, e);
  }
  const notes: string[] = [];
  let p: ReturnType<typeof plan> | null = null;
  let use: Map<string, Tensor>;
  if (layers !== null) {
    p = plan(layers, source, keyOf);
    const wanted = new Set([...p.recurrent, ...(p.head ? [p.head] : []), ...(p.embedding ? [p.embedding] : [])]);
    for (const key of p.recurrent) {
      if (!entries.some((e) => e.layer === key)) {
        throw new InputError(`missing weights: the config has recurrent layer ${JSON.stringify(visible(key))}, the file has no weights for it`, { source, tensor: key });
      }
    }
    use = new Map([...byName].filter(([, e]) => wanted.has(e.layer)).map(([n, e]) => [n, e.tensor]));
    notes.push(...p.notes);
  } else {
    use = new Map([...byName].map(([n, e]) => [n, e.tensor]));
  }
  let kind = opts.kind;
  if (p !== null && opts.kind !== undefined && opts.kind !== p.kind) {
    throw new InputError(`the model config says ${cellLabel(p.kind)}, not a ${cellLabel(opts.kind)} as --cell says`, { source });
  }
  if (p !== null) kind = p.kind;
  let k: KerasWeights;
  try {
    k = networkFromKeras(use, { source, prefix: opts.prefix, kind });
  } catch (err) {
    // name the tensor as the file has it, not by the name keras.ts was given
    const e = err instanceof InputError && err.tensor !== undefined ? byName.get(err.tensor) : undefined;
    if (e === undefined) throw err;
    const ie = err as InputError;
    throw new InputError(ie.message, { source: ie.source, tensor: e.path, ...(ie.hint !== undefined ? { hint: ie.hint } : {}) });
  }
  let network = k.network;
  if (p !== null) {
    if (network.kind === 'gru' && p.resetAfter !== null && network.bias && network.linearBeforeReset !== p.resetAfter) {
      throw new InputError(
        `the config says reset_after=${p.resetAfter ? 'True' : 'False'} but the bias has the other shape (${p.resetAfter ? '[2, 3H]' : '[3H]'} expected)`,
        { source, tensor: entries.find((e) => e.layer === k.layers[0] && e.leaf === 'bias')?.path ?? 'bias' },
      );
    }
    if (network.kind === 'gru' && !network.bias && p.resetAfter !== null) {
      network = { ...network, linearBeforeReset: p.resetAfter };
      k.notes.splice(0, k.notes.length, ...k.notes.filter((n) => !n.startsWith('GRU without bias')));
    }
    if (p.goBackwards) network = { ...network, directions: ['reverse'] };
  } else {
    if (network.kind === 'rnn_tanh' && opts.kind === undefined) {
      notes.push('SimpleRNN: the file does not record its activation; assuming tanh (the default; --nonlinearity relu for relu)');
    } else if (network.kind === 'lstm' || network.kind === 'gru') {
      notes.push(`${cellLabel(network.kind)}: the file does not record the activations; assuming Keras's defaults (tanh, recurrent sigmoid)`);
    }
  }
  // Roles and names as the file has them.
  const real = (name: string): string => byName.get(name)?.path ?? name;
  const roles = new Map([...k.roles].map(([n, r]) => [real(n), r]));
  const extra = new Map([...k.extra].map(([n, t]) => [real(n), t]));
  // the head and the embedding are used (by the CLI), even though the network does not hold them
  const ignored = k.ignored.map(real).filter((n) => !/^(head|embedding)\./.test(roles.get(n) ?? ''));
  for (const [n, e] of byName) {
    if (!use.has(n)) {
      ignored.push(e.path);
      extra.set(e.path, e.tensor);
    }
  }
  return { network, layers: k.layers, extra, ignored, roles, notes: [...k.notes, ...notes], config: layers !== null };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
