/**
 * Keras recurrent layers, named as `model.weights` names them and saved as JSON:
 *
 *   json.dump({w.name: w.numpy().tolist() for w in model.weights}, open('m.json', 'w'))
 *
 *   {
 *     "lstm/lstm_cell/kernel:0":             [[...]]   (D, G*H)    gate columns in Keras's order
 *     "lstm/lstm_cell/recurrent_kernel:0":   [[...]]   (H, G*H)
 *     "lstm/lstm_cell/bias:0":               [...]     (G*H)
 *     "lstm_1/lstm_cell_1/kernel:0": ...               layer 1, input H*dirs; layers stack in file order
 *     "bidirectional/forward_lstm/lstm_cell/kernel:0", "bidirectional/backward_lstm/lstm_cell/kernel:0", ...
 *                                                      the two directions of one layer
 *     "dense/kernel:0" (H*dirs, K), "dense/bias:0" (K)  a head: kept in `extra`, also as PyTorch's
 *                                                      head.weight (K, H*dirs) and head.bias
 *     "embedding/embeddings:0" (V, D)                  kept in `extra`, also as embedding.weight
 *   }
 *
 * A layer is the path without its last segment, without a `*_cell[_N]` segment and without a
 * `forward_*` / `backward_*` segment. Keras 3 names (no `:0`) and bare `kernel`,
 * `recurrent_kernel`, `bias` (a single layer) read the same.
 *
 * Gate columns (KERAS_MAP): LSTM i, f, c, o (PyTorch's i, f, g, o: the same order); GRU z, r, h
 * (PyTorch r, z, n); SimpleRNN one block, tanh unless --cell rnn_relu. A Keras LSTM has one bias,
 * which becomes bias_ih (bias_hh = 0). A GRU with reset_after=True (the TF2 default) has bias
 * (2, 3H) = [input bias; recurrent bias], exactly PyTorch's form; reset_after=False has bias (3H)
 * and applies the reset gate before the recurrent product: ONNX's linear_before_reset = 0.
 */
import { cellLabel, GATE_NAMES, gateCount, type CellKind, type Direction, type DirectionParams, type Network } from '../../engine/index.js';
import { InputError, visible } from '../errors.js';
import { shapeText, type Tensor } from './tensor.js';

/** Keras column blocks, and which one each of our gates (GATE_NAMES order) comes from. */
export const KERAS_MAP = {
  lstm: { gates: ['i', 'f', 'c', 'o'], ours: { i: 'i', f: 'f', g: 'c', o: 'o' } },
  gru: { gates: ['z', 'r', 'h'], ours: { r: 'r', z: 'z', n: 'h' } },
  rnn: { gates: ['h'], ours: { h: 'h' } },
} as const satisfies Record<string, { gates: readonly string[]; ours: Record<string, string> }>;

const LEAVES = new Set(['kernel', 'recurrent_kernel', 'bias', 'embeddings']);
const CELL_SEGMENT = /^(lstm|gru|simple_rnn)_cell(_\d+)?$/;
const DIRECTION_SEGMENT = /^(forward|backward)_/;

export interface KerasWeights {
  readonly network: Network;
  /** The Keras layers used, bottom first. */
  readonly layers: readonly string[];
  readonly extra: Map<string, Tensor>;
  readonly ignored: string[];
  /** Which file tensor became what. */
  readonly roles: Map<string, string>;
  readonly notes: string[];
}

interface NameParts {
  readonly layer: string;
  readonly direction: 'forward' | 'backward' | null;
  readonly leaf: string;
}

/** Splits a Keras weight name, or null when it is not one of kernel/recurrent_kernel/bias/embeddings. */
export function kerasNameParts(name: string): NameParts | null {
  const segs = name.split('/');
  const leaf = segs.pop()!.replace(/:\d+$/, '');
  if (!LEAVES.has(leaf)) return null;
  let direction: NameParts['direction'] = null;
  const kept: string[] = [];
  for (const s of segs) {
    const m = DIRECTION_SEGMENT.exec(s);
    if (m && direction === null) direction = m[1] as 'forward' | 'backward';
    else if (!CELL_SEGMENT.test(s)) kept.push(s);
  }
  return { layer: kept.join('/'), direction, leaf };
}

/** True when the names look like Keras weights (a kernel or recurrent_kernel somewhere). */
export function looksLikeKeras(names: Iterable<string>): boolean {
  for (const n of names) {
    const p = kerasNameParts(n);
    if (p !== null && (p.leaf === 'kernel' || p.leaf === 'recurrent_kernel')) return true;
  }
  return false;
}

interface Part {
  kernel?: [string, Tensor];
  recurrent_kernel?: [string, Tensor];
  bias?: [string, Tensor];
  embeddings?: [string, Tensor];
}

export interface KerasOptions {
  source: string;
  /** Only layers whose path starts with this. */
  prefix?: string | undefined;
  kind?: CellKind | undefined;
}

export function networkFromKeras(tensors: ReadonlyMap<string, Tensor>, opts: KerasOptions): KerasWeights {
  const { source } = opts;
  // layer path -> direction -> part; Maps keep first-seen order and make "__proto__" harmless.
  const groups = new Map<string, Map<'forward' | 'backward' | null, Part>>();
  const other: string[] = [];
  for (const [name, t] of tensors) {
    const p = kerasNameParts(name);
    if (p === null) {
      other.push(name);
      continue;
    }
    let dirs = groups.get(p.layer);
    if (dirs === undefined) groups.set(p.layer, (dirs = new Map()));
    let part = dirs.get(p.direction);
    if (part === undefined) dirs.set(p.direction, (part = {}));
    const leaf = p.leaf as keyof Part;
    if (part[leaf] !== undefined) {
      throw new InputError(`two tensors map to the same Keras weight (${visible(part[leaf]![0])} and this one)`, { source, tensor: name });
    }
    part[leaf] = [name, t];
  }

  const isRecurrent = (dirs: Map<unknown, Part>): boolean => [...dirs.values()].some((p) => p.recurrent_kernel !== undefined);
  let recurrent = [...groups].filter(([, dirs]) => isRecurrent(dirs));
  const allLayers = recurrent.map(([k]) => k);
  if (opts.prefix !== undefined) {
    const prefix = opts.prefix;
    const under = prefix.endsWith('/') ? prefix : `${prefix}/`;
    recurrent = recurrent.filter(([k]) => prefix === '' || k === prefix || k.startsWith(under));
    if (recurrent.length === 0) {
      throw new InputError(
        `no Keras recurrent layer under --prefix ${JSON.stringify(visible(prefix))} (found: ${allLayers.map((l) => JSON.stringify(visible(l))).join(', ') || 'none'})`,
        { source },
      );
    }
  }
  if (recurrent.length === 0) {
    throw new InputError('no Keras recurrent layer found: expected names like lstm/lstm_cell/recurrent_kernel:0', {
      source,
      tensor: 'recurrent_kernel',
    });
  }

  const roles = new Map<string, string>();
  const notes: string[] = [];
  let spec: { kind: CellKind; H: number; G: number; dirs: number; bias: boolean; resetAfter: boolean | null } | null = null;
  const layers: DirectionParams[][] = [];
  let inputSize = 0;
  for (const [k, [layerName, dirs]] of recurrent.entries()) {
    const where = (t: string): { source: string; tensor: string } => ({ source, tensor: t });
    let directions: ['forward' | 'backward' | null, Part][];
    if (dirs.has(null) && dirs.size === 1) {
      directions = [[null, dirs.get(null)!]];
    } else if (dirs.size === 2 && dirs.has('forward') && dirs.has('backward')) {
      directions = [['forward', dirs.get('forward')!], ['backward', dirs.get('backward')!]];
    } else {
      throw new InputError(
        `Keras layer ${JSON.stringify(visible(layerName))}: expected one cell, or forward_* and backward_* cells of a Bidirectional`,
        { source },
      );
    }
    const params: DirectionParams[] = [];
    for (const [dirName, part] of directions) {
      const label = `${layerName}${dirName ? ` ${dirName}` : ''}`;
      const missing = (leaf: string): never => {
        throw new InputError(`missing tensor: Keras layer ${JSON.stringify(visible(label))} has no ${leaf}`, {
          source,
          tensor: `${layerName ? `${layerName}/` : ''}${leaf}`,
        });
      };
      const [rkName, rk] = part.recurrent_kernel ?? missing('recurrent_kernel');
      const [kName, kernel] = part.kernel ?? missing('kernel');
      if (rk.shape.length !== 2 || rk.shape[0] === 0 || rk.shape[1]! % rk.shape[0]! !== 0 || ![1, 3, 4].includes(rk.shape[1]! / rk.shape[0]!)) {
        throw new InputError(`expected [H, G*H] with G = 4 (LSTM), 3 (GRU) or 1 (SimpleRNN), got ${shapeText(rk.shape)}`, where(rkName));
      }
      const H = rk.shape[0]!;
      const G = rk.shape[1]! / H;
      const kindHere: CellKind = G === 4 ? 'lstm' : G === 3 ? 'gru' : 'rnn_tanh';
      if (kernel.shape.length !== 2 || kernel.shape[1] !== G * H) {
        throw new InputError(`expected [input size, ${G * H}], got ${shapeText(kernel.shape)}`, where(kName));
      }
      const bias = part.bias;
      let resetAfter: boolean | null = null;
      if (bias !== undefined) {
        const [bName, b] = bias;
        const flat = b.shape.length === 1 && b.shape[0] === G * H;
        const twoRows = kindHere === 'gru' && b.shape.length === 2 && b.shape[0] === 2 && b.shape[1] === G * H;
        if (!flat && !twoRows) {
          const want = kindHere === 'gru' ? `[2, ${G * H}] (reset_after=True) or [${G * H}] (reset_after=False)` : `[${G * H}]`;
          throw new InputError(`expected ${want}, got ${shapeText(b.shape)}`, where(bName));
        }
        if (kindHere === 'gru') resetAfter = twoRows;
      }
      const here = { kind: kindHere, H, G, dirs: directions.length, bias: bias !== undefined, resetAfter };
      if (spec === null) {
        spec = here;
        inputSize = kernel.shape[0]!;
      } else {
        if (here.kind !== spec.kind || here.H !== spec.H) {
          throw new InputError(
            `a ${cellLabel(here.kind)} with H = ${here.H} cannot stack on a ${cellLabel(spec.kind)} with H = ${spec.H}`,
            where(rkName),
          );
        }
        if (here.bias !== spec.bias || here.resetAfter !== spec.resetAfter) {
          throw new InputError('the bias layout differs from the first layer (use_bias / reset_after)', where(bias?.[0] ?? kName));
        }
        if (here.dirs !== spec.dirs) {
          throw new InputError(`${here.dirs === 2 ? 'a Bidirectional' : 'a one-way'} layer stacked on ${spec.dirs === 2 ? 'a Bidirectional' : 'a one-way'} one`, where(kName));
        }
        const want = k === 0 ? inputSize : spec.H * spec.dirs;
        if (kernel.shape[0] !== want) {
          throw new InputError(`expected [${want}, ${G * H}] (the layer below gives ${want} features), got ${shapeText(kernel.shape)}`, where(kName));
        }
      }
      const map = KERAS_MAP[G === 4 ? 'lstm' : G === 3 ? 'gru' : 'rnn'];
      const order = GATE_NAMES[kindHere].map((g) => (map.gates as readonly string[]).indexOf((map.ours as Record<string, string>)[g]!));
      const sfx = `_l${k}${dirName === 'backward' ? '_reverse' : ''}`;
      roles.set(kName, `weight_ih${sfx} (transposed)`);
      roles.set(rkName, `weight_hh${sfx} (transposed)`);
      let bIh: Float32Array | null = null;
      let bHh: Float32Array | null = null;
      if (bias !== undefined) {
        const b = bias[1].data;
        bIh = reorderVector(b.subarray(0, G * H), order, H);
        bHh = resetAfter === true ? reorderVector(b.subarray(G * H), order, H) : new Float32Array(G * H);
        roles.set(bias[0], resetAfter === true ? `bias_ih${sfx}, bias_hh${sfx}` : `bias_ih${sfx} (bias_hh${sfx} = 0)`);
      }
      params.push({
        inputSize: kernel.shape[0]!,
        hiddenSize: H,
        wIh: transposeBlocks(kernel.data, kernel.shape[0]!, order, H),
        wHh: transposeBlocks(rk.data, H, order, H),
        bIh,
        bHh,
      });
    }
    layers.push(params);
  }
  const s = spec!;
  let kind = s.kind;
  if (opts.kind !== undefined) {
    if (gateCount(opts.kind) !== s.G) {
      throw new InputError(`the weights are a ${cellLabel(kind)} (${s.G} gate blocks), not a ${cellLabel(opts.kind)} as --cell says`, {
        source,
        tensor: recurrent[0]![0] || 'recurrent_kernel',
      });
    }
    kind = opts.kind;
  }
  if (kind === 'gru' && s.resetAfter === null) notes.push('GRU without bias: assuming reset_after=True (the TF2 default)');
  const directions: Direction[] = s.dirs === 2 ? ['forward', 'reverse'] : ['forward'];
  const network: Network = {
    kind,
    inputSize,
    hiddenSize: s.H,
    numLayers: layers.length,
    directions,
    bias: s.bias,
    ...(kind === 'gru' ? { linearBeforeReset: s.resetAfter !== false } : {}),
    layers,
  };

  // Everything else: the file's own names, plus PyTorch-style aliases the CLI knows.
  const used = new Set(recurrent.map(([k]) => k));
  const extra = new Map<string, Tensor>();
  const ignored: string[] = [];
  for (const [name, t] of tensors) {
    const p = kerasNameParts(name);
    if (p !== null && used.has(p.layer)) continue;
    extra.set(name, t);
    ignored.push(name);
  }
  const dense = [...groups].filter(([k, dirs]) => !used.has(k) && !isRecurrent(dirs) && dirs.size === 1 && dirs.get(null)?.kernel?.[1].shape.length === 2);
  if (dense.length === 1) {
    const part = dense[0]![1].get(null)!;
    const [kName, kernel] = part.kernel!;
    const [inF, outF] = kernel.shape as [number, number];
    const w = new Float32Array(inF * outF);
    for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) w[o * inF + i] = kernel.data[i * outF + o]!;
    extra.set('head.weight', { shape: [outF, inF], data: w, dtype: kernel.dtype ?? 'json' });
    roles.set(kName, 'head.weight (transposed)');
    if (part.bias !== undefined && part.bias[1].shape.length === 1 && part.bias[1].shape[0] === outF) {
      extra.set('head.bias', part.bias[1]);
      roles.set(part.bias[0], 'head.bias');
    }
  }
  const embeddings = [...groups].filter(([, dirs]) => dirs.get(null)?.embeddings !== undefined);
  if (embeddings.length === 1) {
    const [eName, e] = embeddings[0]![1].get(null)!.embeddings!;
    extra.set('embedding.weight', e);
    roles.set(eName, 'embedding.weight');
  }
  return { network, layers: recurrent.map(([k]) => k), extra, ignored, roles, notes };
}

/**
 * A Keras (rows, G*H) matrix as PyTorch's (G*H, rows): out[k*H + j][i] = m[i][order[k]*H + j].
 */
function transposeBlocks(m: Float32Array, rows: number, order: readonly number[], H: number): Float32Array {
  const cols = order.length * H;
  const out = new Float32Array(cols * rows);
  order.forEach((from, k) => {
    for (let j = 0; j < H; j++) {
      const src = from * H + j;
      const dst = (k * H + j) * rows;
      for (let i = 0; i < rows; i++) out[dst + i] = m[i * cols + src]!;
    }
  });
  return out;
}

function reorderVector(v: Float32Array, order: readonly number[], H: number): Float32Array {
  const out = new Float32Array(order.length * H);
  order.forEach((from, k) => out.set(v.subarray(from * H, (from + 1) * H), k * H));
  return out;
}
