/**
 * ONNX models (.onnx): the weights of an LSTM, GRU or RNN node, mapped onto the engine.
 *
 * An ONNX recurrent node is one layer, every direction in one tensor (dirs = 1 or 2):
 *
 *   input 1  W  (dirs, G*H, D)     rows per gate in ONNX's order: LSTM i,o,f,c  GRU z,r,h  RNN h
 *   input 2  R  (dirs, G*H, H)
 *   input 3  B  (dirs, 2*G*H)      [Wb | Rb]: the input bias, then the recurrent bias
 *   input 5  initial_h (dirs, batch, H), or (batch, dirs, H) with layout = 1
 *   input 6  initial_c   LSTM only, as initial_h
 *   input 7  P  (dirs, 3H)         LSTM peepholes in ONNX's order i,o,f
 *
 * ONNX_MAP below is the one table that turns these into PyTorch's names and row orders. Several
 * recurrent nodes are stacked into layers when each one's X is computed (through Transpose,
 * Reshape, Squeeze, ...) from the previous one's Y, as torch.onnx.export writes a multi-layer
 * module; otherwise the caller picks one by name (`node`).
 *
 * Supported attributes: direction, hidden_size, layout (it only changes the X/Y/initial state
 * shapes), clip, linear_before_reset (GRU), input_forget = 0 (LSTM), and the default activations
 * (LSTM Sigmoid,Tanh,Tanh; GRU Sigmoid,Tanh; RNN Tanh, or Relu). Anything else is an error that
 * names the attribute: gatescope would otherwise show gates the model does not compute.
 */
import onnxProto from 'onnx-proto';
import {
  cellLabel,
  GATE_NAMES,
  type CellKind,
  type Direction,
  type DirectionParams,
  type InitialState,
  type Network,
} from '../../engine/index.js';
import { InputError, visible } from '../errors.js';
import {
  checkShape,
  decodeFloats,
  floatsFromNumbers,
  shapeText,
  type FloatDtype,
  type Tensor,
  type TensorInfo,
} from './tensor.js';

type OnnxTensor = onnxProto.onnx.ITensorProto;
type OnnxNode = onnxProto.onnx.INodeProto;
type OnnxAttribute = onnxProto.onnx.IAttributeProto;
type Int64 = number | { toNumber(): number; high: number; low: number };

export type OnnxOp = 'LSTM' | 'GRU' | 'RNN';

/**
 * The one ONNX -> PyTorch map. `gates` lists ONNX's row blocks; `ours` says which ONNX block each
 * of our gates (GATE_NAMES order) comes from. `params` says where each engine parameter of
 * direction d is cut from: a whole ONNX slice, or half of B.
 */
export const ONNX_MAP = {
  ops: {
    LSTM: { kind: 'lstm', gates: ['i', 'o', 'f', 'c'], ours: { i: 'i', f: 'f', g: 'c', o: 'o' } },
    GRU: { kind: 'gru', gates: ['z', 'r', 'h'], ours: { r: 'r', z: 'z', n: 'h' } },
    RNN: { kind: 'rnn_tanh', gates: ['h'], ours: { h: 'h' } },
  },
  /** P's blocks are i, o, f; DirectionParams.peephole is i, f, o. */
  peephole: { gates: ['i', 'o', 'f'], ours: ['i', 'f', 'o'] },
  params: [
    { param: 'wIh', pytorch: 'weight_ih', input: 'W', part: 'all' },
    { param: 'wHh', pytorch: 'weight_hh', input: 'R', part: 'all' },
    { param: 'bIh', pytorch: 'bias_ih', input: 'B', part: 'first half' },
    { param: 'bHh', pytorch: 'bias_hh', input: 'B', part: 'second half' },
    { param: 'peephole', pytorch: '(none)', input: 'P', part: 'all' },
  ],
} as const satisfies {
  ops: Record<OnnxOp, { kind: CellKind; gates: readonly string[]; ours: Record<string, string> }>;
  peephole: { gates: readonly string[]; ours: readonly string[] };
  params: readonly { param: keyof DirectionParams; pytorch: string; input: 'W' | 'R' | 'B' | 'P'; part: string }[];
};

/** Input slots of each op (ONNX operator spec). */
const INPUT_INDEX = { X: 0, W: 1, R: 2, B: 3, sequence_lens: 4, initial_h: 5, initial_c: 6, P: 7 } as const;

/** Ops a recurrent node's output may pass through on its way to the next layer's X. */
const PASS_THROUGH = new Set(['Identity', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Dropout', 'Cast']);

const DEFAULT_ACTIVATIONS: Readonly<Record<OnnxOp, readonly string[]>> = {
  LSTM: ['Sigmoid', 'Tanh', 'Tanh'],
  GRU: ['Sigmoid', 'Tanh'],
  RNN: ['Tanh'],
};

/** ONNX TensorProto.DataType codes we decode, and the names `inspect` shows for the rest. */
const DATA_TYPES: Readonly<Record<number, string>> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};
const FLOAT_TYPES: Readonly<Record<number, FloatDtype>> = { 1: 'F32', 10: 'F16', 11: 'F64', 16: 'BF16' };

export interface OnnxOptions {
  source: string;
  /** Node name, required when the graph holds several recurrent nodes that do not chain. */
  node?: string | undefined;
  /** --cell, checked against the node. */
  kind?: CellKind | undefined;
}

export interface OnnxWeights {
  readonly network: Network;
  /** The recurrent nodes used, one per layer. */
  readonly nodes: readonly string[];
  /** initial_h / initial_c when stored as initializers (or Constant nodes). */
  readonly initialState: InitialState | null;
  /** Float initializers the network did not use (a head's MatMul weight, an embedding), by name. */
  readonly extra: Map<string, Tensor>;
  /** Every initializer the network did not use. */
  readonly ignored: string[];
  /** Every initializer, with what it became. */
  readonly infos: TensorInfo[];
  /** model metadata_props, producer. */
  readonly metadata: Map<string, string>;
  /** Things the user may want to know (layout, computed initial states, ignored sequence_lens). */
  readonly notes: string[];
}

/** True when the first byte is a ModelProto field tag (ir_version, producer, graph, ...). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  // Field numbers 1..8 and 14 with their wire types: 0x08 ir_version (varint), 0x12 producer_name,
  // 0x1a producer_version, 0x22 domain, 0x28 model_version, 0x32 doc_string, 0x3a graph,
  // 0x42 opset_import, 0x72 metadata_props.
  return bytes.length > 0 && [0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72].includes(bytes[0]!);
}

export function parseOnnxModel(bytes: Uint8Array, source: string): onnxProto.onnx.ModelProto {
  try {
    return onnxProto.onnx.ModelProto.decode(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new InputError(`not a valid ONNX model (protobuf: ${visible(why, 60)})`, { source, hint: 'the file is corrupt or truncated' });
  }
}

export function loadOnnx(bytes: Uint8Array, opts: OnnxOptions): OnnxWeights {
  const { source } = opts;
  const model = parseOnnxModel(bytes, source);
  const graph = model.graph;
  if (graph == null) throw new InputError('the ONNX model has no graph', { source, tensor: 'graph' });
  const nodes = graph.node ?? [];
  const graphTensors = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? []) if (t.name) graphTensors.set(t.name, t);
  const constants = new Map<string, OnnxTensor>(graphTensors);
  for (const n of nodes) {
    if (n.opType === 'Constant' && n.output?.[0]) {
      const value = (n.attribute ?? []).find((a) => a.name === 'value')?.t;
      if (value != null) constants.set(n.output[0], value);
    }
  }

  const recurrent = nodes.filter((n) => isRecurrent(n));
  if (recurrent.length === 0) {
    const ops = [...new Set(nodes.map((n) => n.opType ?? '?'))].slice(0, 12).map((o) => visible(o, 20));
    throw new InputError(
      `no LSTM, GRU or RNN node in the graph (found ${ops.length ? ops.join(', ') : 'no nodes'})`,
      { source, tensor: 'graph.node' },
    );
  }
  const label = (n: OnnxNode): string => `${n.opType} ${JSON.stringify(visible(n.name ?? ''))}`;
  let chosen: OnnxNode[];
  if (opts.node !== undefined) {
    const hit = recurrent.find((n) => n.name === opts.node);
    if (hit === undefined) {
      throw new InputError(
        `no recurrent node named ${JSON.stringify(visible(opts.node))}; the graph has ${recurrent.map(label).join(', ')}`,
        { source, tensor: 'node' },
      );
    }
    chosen = [hit];
  } else if (recurrent.length === 1) {
    chosen = recurrent;
  } else {
    const chain = stackedChain(nodes, recurrent);
    if (chain === null) {
      throw new InputError(
        `several recurrent nodes that do not form one stack: ${recurrent.map(label).join(', ')}; choose one with --node NAME`,
        { source, tensor: 'node' },
      );
    }
    chosen = chain;
  }

  const notes: string[] = [];
  const roles = new Map<string, string>();
  const layers = chosen.map((n, k) => readNode(n, k, constants, roles, notes, source));
  const first = layers[0]!;
  for (const [k, layer] of layers.entries()) {
    const where = { source, tensor: `node ${visible(layer.name)}` };
    if (layer.op !== first.op) throw new InputError(`a stack mixes ${first.op} and ${layer.op} nodes`, where);
    if (layer.hiddenSize !== first.hiddenSize) {
      throw new InputError(`hidden_size ${layer.hiddenSize} differs from layer 0's ${first.hiddenSize}`, where);
    }
    if (layer.directions.join() !== first.directions.join()) {
      throw new InputError(`direction ${layer.directions.join('+')} differs from layer 0's ${first.directions.join('+')}`, where);
    }
    if (layer.kind !== first.kind) throw new InputError(`activations differ from layer 0's`, where);
    if (layer.clip !== first.clip) throw new InputError(`clip ${layer.clip} differs from layer 0's ${first.clip}`, where);
    if (layer.linearBeforeReset !== first.linearBeforeReset) {
      throw new InputError('linear_before_reset differs from layer 0', where);
    }
    if (k > 0 && layer.inputSize !== first.hiddenSize * first.directions.length) {
      throw new InputError(
        `W has input size ${layer.inputSize}; stacked on a ${first.directions.length}-direction layer it must be ${first.hiddenSize * first.directions.length}`,
        { source, tensor: layer.wName },
      );
    }
  }
  let kind: CellKind = first.kind;
  if (opts.kind !== undefined && opts.kind !== kind) {
    throw new InputError(`the ONNX node is ${cellLabel(kind)}, not ${cellLabel(opts.kind)} as --cell says`, {
      source,
      tensor: `node ${visible(first.name)}`,
    });
  }
  kind = opts.kind ?? kind;
  const bias = layers.some((l) => l.hasBias);
  const G = GATE_NAMES[kind].length;
  const H = first.hiddenSize;
  const network: Network = {
    kind,
    inputSize: first.inputSize,
    hiddenSize: H,
    numLayers: layers.length,
    directions: first.directions,
    bias,
    clip: first.clip,
    ...(kind === 'gru' ? { linearBeforeReset: first.linearBeforeReset } : {}),
    layers: layers.map((l) =>
      l.params.map((p) => ({
        ...p,
        // A stack where only some nodes have B: ONNX's missing B means zeros.
        bIh: bias ? (p.bIh ?? new Float32Array(G * H)) : null,
        bHh: bias ? (p.bHh ?? new Float32Array(G * H)) : null,
      })),
    ),
  };

  let initialState: InitialState | null = null;
  if (layers.some((l) => l.h0 !== null || l.c0 !== null)) {
    const rows = (pick: (l: NodeLayer) => Float32Array[] | null): Float32Array[] =>
      layers.flatMap((l) => pick(l) ?? l.directions.map(() => new Float32Array(H)));
    initialState = { h0: rows((l) => l.h0), c0: kind === 'lstm' ? rows((l) => l.c0) : null };
  }

  const extra = new Map<string, Tensor>();
  const ignored: string[] = [];
  const infos: TensorInfo[] = [];
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    const shape = (t.dims ?? []).map((d) => int64(d));
    const dtype = DATA_TYPES[t.dataType ?? 0] ?? `type ${t.dataType}`;
    const role = roles.get(name);
    if (role !== undefined) {
      infos.push({ name, shape, dtype, role });
      continue;
    }
    ignored.push(name);
    if (FLOAT_TYPES[t.dataType ?? 0] !== undefined) {
      // Graphs hold constants that are not weights (-inf attention masks, external data); an
      // unreadable one is listed, not fatal, since the network does not use it.
      try {
        extra.set(name, readTensor(t, name, source));
        infos.push({ name, shape, dtype, role: 'extra' });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        infos.push({ name, shape, dtype, role: `not read: ${err.message}` });
      }
    } else {
      infos.push({ name, shape, dtype, role: 'not used' });
    }
  }

  // torch.onnx.export writes nn.Linear on a 3-d input as MatMul(y, W^T) + Add(name.bias): give the
  // transposed weight its PyTorch name back so a head is found as in a state_dict.
  for (const n of nodes) {
    const wName = n.opType === 'MatMul' ? n.input?.[1] : undefined;
    const w = wName ? extra.get(wName) : undefined;
    const out = n.output?.[0];
    if (w === undefined || w.shape.length !== 2 || !out) continue;
    const add = nodes.find((m) => m.opType === 'Add' && (m.input ?? []).includes(out));
    const biasName = add?.input?.find((i) => i !== out) ?? '';
    const module = /^(.+)\.bias$/.exec(biasName)?.[1];
    const bias = extra.get(biasName);
    const [inF, outF] = w.shape as [number, number];
    if (module === undefined || bias === undefined || bias.shape.length !== 1 || bias.shape[0] !== outF) continue;
    if (extra.has(`${module}.weight`)) continue;
    const t = new Float32Array(inF * outF);
    for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) t[o * inF + i] = w.data[i * outF + o]!;
    extra.set(`${module}.weight`, { shape: [outF, inF], data: t, dtype: w.dtype ?? 'FLOAT' });
    const info = infos.find((i) => i.name === wName);
    if (info !== undefined) infos[infos.indexOf(info)] = { ...info, role: `extra, as ${module}.weight (transposed)` };
  }

  const metadata = new Map<string, string>();
  if (model.producerName) metadata.set('producer', `${model.producerName} ${model.producerVersion ?? ''}`.trim());
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (opset?.version != null) metadata.set('opset', String(int64(opset.version)));
  for (const p of model.metadataProps ?? []) if (p.key) metadata.set(p.key, p.value ?? '');

  return { network, nodes: chosen.map((n) => n.name ?? ''), initialState, extra, ignored, infos, metadata, notes };
}

function isRecurrent(n: OnnxNode): boolean {
  return (n.opType === 'LSTM' || n.opType === 'GRU' || n.opType === 'RNN') && (!n.domain || n.domain === 'ai.onnx');
}

/**
 * The recurrent nodes in layer order when they form one chain (each X computed from exactly the
 * previous node's Y), else null.
 */
function stackedChain(nodes: readonly OnnxNode[], recurrent: readonly OnnxNode[]): OnnxNode[] | null {
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) for (const o of n.output ?? []) if (o) producer.set(o, n);
  const below = new Map<OnnxNode, OnnxNode | null>();
  for (const n of recurrent) {
    let tensor = n.input?.[INPUT_INDEX.X] ?? '';
    let found: OnnxNode | null = null;
    // Bounded walk: a graph with a cycle cannot hang us.
    for (let hops = 0; hops < 64 && tensor; hops++) {
      const p = producer.get(tensor);
      if (p === undefined) break;
      if (isRecurrent(p)) {
        found = p.output?.[0] === tensor ? p : null;
        break;
      }
      if (!PASS_THROUGH.has(p.opType ?? '')) break;
      tensor = p.input?.[0] ?? '';
    }
    below.set(n, found);
  }
  const bottoms = recurrent.filter((n) => below.get(n) === null);
  if (bottoms.length !== 1) return null;
  const chain = [bottoms[0]!];
  while (chain.length < recurrent.length) {
    const top = chain[chain.length - 1]!;
    const next = recurrent.filter((n) => below.get(n) === top);
    if (next.length !== 1) return null;
    chain.push(next[0]!);
  }
  return chain;
}

interface NodeLayer {
  readonly name: string;
  readonly op: OnnxOp;
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly directions: readonly Direction[];
  readonly clip: number | null;
  readonly linearBeforeReset: boolean;
  readonly hasBias: boolean;
  readonly wName: string;
  /** One per direction; biases null when the node has no B. */
  readonly params: DirectionParams[];
  readonly h0: Float32Array[] | null;
  readonly c0: Float32Array[] | null;
}

function readNode(
  node: OnnxNode,
  layer: number,
  constants: ReadonlyMap<string, OnnxTensor>,
  roles: Map<string, string>,
  notes: string[],
  source: string,
): NodeLayer {
  const op = node.opType as OnnxOp;
  const name = node.name ?? '';
  const nodeLabel = `${op} ${JSON.stringify(visible(name))}`;
  const attrError = (attr: string, message: string): InputError =>
    new InputError(`${nodeLabel}: attribute ${attr}: ${message}`, { source, tensor: attr });

  let direction = 'forward';
  let hiddenSize: number | null = null;
  let layout = 0;
  let linearBeforeReset = 0;
  let clip: number | null = null;
  let activations: string[] | null = null;
  for (const a of node.attribute ?? []) {
    const an = a.name ?? '';
    switch (an) {
      case 'direction':
        direction = attrString(a);
        if (!['forward', 'reverse', 'bidirectional'].includes(direction)) {
          throw attrError(an, `expected forward, reverse or bidirectional, got ${JSON.stringify(visible(direction))}`);
        }
        break;
      case 'hidden_size':
        hiddenSize = int64(a.i ?? 0);
        if (!Number.isSafeInteger(hiddenSize) || hiddenSize <= 0 || hiddenSize > 1 << 20) throw attrError(an, `expected a positive size, got ${hiddenSize}`);
        break;
      case 'layout':
        layout = int64(a.i ?? 0);
        if (layout !== 0 && layout !== 1) throw attrError(an, `expected 0 or 1, got ${layout}`);
        break;
      case 'linear_before_reset':
        if (op !== 'GRU') throw attrError(an, `only GRU has it`);
        linearBeforeReset = int64(a.i ?? 0);
        if (linearBeforeReset !== 0 && linearBeforeReset !== 1) throw attrError(an, `expected 0 or 1, got ${linearBeforeReset}`);
        break;
      case 'clip':
        clip = a.f ?? 0;
        if (!(clip > 0) || !Number.isFinite(clip)) throw attrError(an, `expected a positive threshold, got ${clip}`);
        break;
      case 'activations':
        activations = (a.strings ?? []).map((s) => new TextDecoder().decode(s));
        break;
      case 'activation_alpha':
      case 'activation_beta':
        if ((a.floats ?? []).length > 0) {
          throw attrError(an, 'not supported (only the default Sigmoid/Tanh/Relu activations, which take no parameters)');
        }
        break;
      case 'input_forget':
        if (op !== 'LSTM') throw attrError(an, 'only LSTM has it');
        if (int64(a.i ?? 0) !== 0) throw attrError(an, 'input_forget = 1 (coupled input and forget gates) is not supported');
        break;
      default:
        throw attrError(visible(an), `unknown attribute for ${op}, not supported`);
    }
  }
  const directions: Direction[] =
    direction === 'bidirectional' ? ['forward', 'reverse'] : direction === 'reverse' ? ['reverse'] : ['forward'];
  const dirs = directions.length;

  let kind: CellKind = ONNX_MAP.ops[op].kind;
  if (activations !== null) {
    const expected = DEFAULT_ACTIVATIONS[op];
    const lower = activations.map((s) => s.toLowerCase());
    const matches = (want: readonly string[]): boolean =>
      lower.length === want.length * dirs && lower.every((s, i) => s === want[i % want.length]!.toLowerCase());
    if (matches(expected)) {
      // defaults, spelled out
    } else if (op === 'RNN' && matches(['Relu'])) {
      kind = 'rnn_relu';
    } else {
      const shown = activations.map((s) => JSON.stringify(visible(s, 20))).join(', ');
      const want = op === 'RNN' ? 'Tanh or Relu' : expected.join(', ');
      throw attrError('activations', `[${shown}] not supported; gatescope runs ${op} with ${want} per direction`);
    }
  }

  const computedStates: string[] = [];
  const inputName = (slot: keyof typeof INPUT_INDEX): string => node.input?.[INPUT_INDEX[slot]] ?? '';
  const constant = (slot: keyof typeof INPUT_INDEX, required: boolean): { name: string; t: Tensor } | null => {
    const tname = inputName(slot);
    if (!tname) {
      if (required) throw new InputError(`${nodeLabel}: input ${slot} is missing`, { source, tensor: slot });
      return null;
    }
    const proto = constants.get(tname);
    if (proto === undefined) {
      if (!required && (slot === 'initial_h' || slot === 'initial_c')) {
        computedStates.push(slot);
        return null;
      }
      throw new InputError(`${nodeLabel}: ${slot} (${visible(tname)}) is not stored in the file (not an initializer or Constant)`, {
        source,
        tensor: tname,
      });
    }
    roles.set(tname, `${slot} of ${nodeLabel} (layer ${layer})`);
    return { name: tname, t: readTensor(proto, tname, source) };
  };

  const W = constant('W', true)!;
  const R = constant('R', true)!;
  const G = ONNX_MAP.ops[op].gates.length;
  if (W.t.shape.length !== 3 || W.t.shape[0] !== dirs || W.t.shape[1]! % G !== 0 || W.t.shape[1] === 0) {
    throw new InputError(`W: expected [${dirs}, ${G}*hidden_size, input_size] for ${direction}, got ${shapeText(W.t.shape)}`, {
      source,
      tensor: W.name,
    });
  }
  const H = hiddenSize ?? W.t.shape[1]! / G;
  const D = W.t.shape[2]!;
  const expectShape = (c: { name: string; t: Tensor }, slot: string, shape: number[]): void => {
    if (c.t.shape.length !== shape.length || c.t.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(`${slot}: expected ${shapeText(shape)}, got ${shapeText(c.t.shape)}`, { source, tensor: c.name });
    }
  };
  expectShape(W, 'W', [dirs, G * H, D]);
  expectShape(R, 'R', [dirs, G * H, H]);
  const B = constant('B', false);
  if (B !== null) expectShape(B, 'B', [dirs, 2 * G * H]);
  const P = op === 'LSTM' ? constant('P', false) : null;
  if (P !== null) expectShape(P, 'P', [dirs, 3 * H]);
  const seq = inputName('sequence_lens');
  if (seq && constants.has(seq)) notes.push(`sequence_lens of ${nodeLabel} is ignored: gatescope runs one whole sequence`);
  if (layout === 1) notes.push(`${nodeLabel} has layout = 1 (batch-first X and Y); the weights read the same`);

  // Rows reordered block by block, per ONNX_MAP: our gate k comes from ONNX block `order[k]`.
  const spec = ONNX_MAP.ops[op];
  const order = GATE_NAMES[kind].map((g) => (spec.gates as readonly string[]).indexOf((spec.ours as Record<string, string>)[g]!));
  const peepOrder = ONNX_MAP.peephole.ours.map((g) => (ONNX_MAP.peephole.gates as readonly string[]).indexOf(g));
  const params: DirectionParams[] = directions.map((_, d) => {
    // Direction d's part of a (dirs, ...) tensor, from `at` within it.
    const slice = (t: Tensor, size: number, at = 0): Float32Array => {
      const start = (d * t.data.length) / dirs + at;
      return t.data.subarray(start, start + size);
    };
    const p: Record<string, Float32Array | null> = {};
    for (const m of ONNX_MAP.params) {
      const from = m.input === 'W' ? W : m.input === 'R' ? R : m.input === 'B' ? B : P;
      if (from === null) {
        p[m.param] = null;
        continue;
      }
      const cols = m.input === 'W' ? D : m.input === 'R' ? H : 1;
      if (m.input === 'P') {
        p[m.param] = reorderBlocks(slice(from.t, 3 * H), peepOrder, H);
      } else {
        const start = m.part === 'second half' ? G * H : 0;
        p[m.param] = reorderBlocks(slice(from.t, G * H * cols, start), order, H * cols);
      }
    }
    return {
      inputSize: D,
      hiddenSize: H,
      wIh: p['wIh']!,
      wHh: p['wHh']!,
      bIh: p['bIh'] ?? null,
      bHh: p['bHh'] ?? null,
      ...(op === 'LSTM' ? { peephole: p['peephole'] ?? null } : {}),
    };
  });

  const state = (slot: 'initial_h' | 'initial_c'): Float32Array[] | null => {
    const c = constant(slot, false);
    if (c === null) return null;
    const s = c.t.shape;
    const batch = layout === 0 ? s[1] : s[0];
    const expected = layout === 0 ? [dirs, batch ?? 1, H] : [batch ?? 1, dirs, H];
    if (s.length !== 3 || (batch ?? 0) < 1) {
      throw new InputError(`${slot}: expected ${layout === 0 ? `[${dirs}, batch, ${H}]` : `[batch, ${dirs}, ${H}]`} (layout ${layout}), got ${shapeText(s)}`, {
        source,
        tensor: c.name,
      });
    }
    expectShape(c, slot, expected);
    if (batch! > 1) notes.push(`${slot} of ${nodeLabel} has a batch of ${batch}; using batch 0`);
    // Batch 0 of each direction.
    return directions.map((_, d) => {
      const at = layout === 0 ? d * batch! * H : d * H;
      return c.t.data.slice(at, at + H);
    });
  };

  const h0 = state('initial_h');
  const c0 = op === 'LSTM' ? state('initial_c') : null;
  if (computedStates.length > 0) {
    notes.push(`${computedStates.join(' and ')} of ${nodeLabel} ${computedStates.length > 1 ? 'are' : 'is'} computed in the graph, not stored: starting from zeros`);
  }
  return {
    name,
    op,
    kind,
    inputSize: D,
    hiddenSize: H,
    directions,
    clip,
    linearBeforeReset: linearBeforeReset === 1,
    hasBias: B !== null,
    wName: W.name,
    params,
    h0,
    c0,
  };
}

/** Copies `src` with its blocks of `block` values rearranged: out block k = src block order[k]. */
function reorderBlocks(src: Float32Array, order: readonly number[], block: number): Float32Array {
  const out = new Float32Array(order.length * block);
  order.forEach((from, k) => out.set(src.subarray(from * block, (from + 1) * block), k * block));
  return out;
}

/** A float TensorProto as float32 (raw_data little-endian, or float_data / double_data / int32_data). */
export function readTensor(t: OnnxTensor, name: string, source: string): Tensor {
  const typeName = DATA_TYPES[t.dataType ?? 0] ?? `data type ${t.dataType}`;
  const dtype = FLOAT_TYPES[t.dataType ?? 0];
  if (dtype === undefined) {
    throw new InputError(`data type ${typeName}: expected FLOAT, FLOAT16, BFLOAT16 or DOUBLE`, { source, tensor: name });
  }
  if (t.dataLocation === 1) {
    throw new InputError('stored as external data (a separate file), which gatescope does not read', {
      source,
      tensor: name,
      hint: 'save the model with all tensors inside the .onnx file',
    });
  }
  const dims = (t.dims ?? []).map((d) => int64(d));
  const count = checkShape(dims, 'dims', source, name);
  const raw = t.rawData;
  if (raw != null && raw.length > 0) {
    return { shape: dims, data: decodeFloats(raw, dtype, dims, name, source), dtype: typeName };
  }
  let values: ArrayLike<number>;
  if (dtype === 'F32') values = t.floatData ?? [];
  else if (dtype === 'F64') values = t.doubleData ?? [];
  else values = t.int32Data ?? [];
  if (values.length !== count) {
    throw new InputError(`dims ${shapeText(dims)} hold ${count} values, the tensor stores ${values.length}`, { source, tensor: name });
  }
  if (dtype === 'F16' || dtype === 'BF16') {
    // FLOAT16/BFLOAT16 in int32_data: one uint16 bit pattern per int32.
    const bits = new Uint8Array(count * 2);
    const view = new DataView(bits.buffer);
    for (let k = 0; k < count; k++) view.setUint16(k * 2, values[k]! & 0xffff, true);
    return { shape: dims, data: decodeFloats(bits, dtype, dims, name, source), dtype: typeName };
  }
  return { shape: dims, data: floatsFromNumbers(values, dims, name, source), dtype: typeName };
}

/** protobufjs gives int64 fields as numbers or Long objects. */
function int64(v: Int64): number {
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

function attrString(a: OnnxAttribute): string {
  return a.s != null ? new TextDecoder().decode(a.s) : '';
}
