/**
 * What a weights file holds, as plain data (`describeWeights`) and as text (`formatWeightsDescription`)
 * for `gatescope inspect WEIGHTS`. Every name that came from the file goes through visible().
 */
import { cellLabel, type CellKind, type Direction } from '../../engine/index.js';
import { visible } from '../errors.js';
import type { TorchSaved, WeightsFile, WeightsFormat, WeightsLayout } from './weights-file.js';
import { findParts, type ModelParts } from './parts.js';
import { moduleText } from './torch.js';
import { elementCount, shapeText, type TensorInfo } from './tensor.js';

export interface WeightsDescription {
  readonly format: WeightsFormat;
  readonly layout: WeightsLayout;
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly directions: readonly Direction[];
  readonly bias: boolean;
  /** GRU only (null otherwise): PyTorch's form (true) or ONNX's default (false). */
  readonly linearBeforeReset: boolean | null;
  readonly clip: number | null;
  /** Whether any direction has LSTM peepholes. */
  readonly peepholes: boolean;
  /** LSTM proj_size (h has this many values), or null without a projection. */
  readonly projSize: number | null;
  /** PyTorch module prefix ('' when none). */
  readonly prefix: string;
  /** Which tensors are the recurrent module, and why (PyTorch names; ONNX and Keras list `modules`). */
  readonly recurrent: string | null;
  /** ONNX nodes or Keras layers, bottom first. */
  readonly modules: readonly string[];
  /** Every tensor in the file. */
  readonly tensors: readonly TensorInfo[];
  /** Numbers the engine holds for the network: weights, biases, peepholes. */
  readonly parameterCount: number;
  /** Numbers stored in the file, all tensors included. */
  readonly fileValueCount: number;
  readonly ignored: readonly string[];
  readonly metadata: readonly (readonly [string, string])[];
  /** Which initial states the file stores. */
  readonly initialState: { readonly h0: boolean; readonly c0: boolean };
  /** The head and the embedding the commands take (see parts.ts), and why. */
  readonly head: { readonly tensor: string; readonly bias: string | null; readonly outputs: number } | null;
  readonly embedding: { readonly tensor: string; readonly vocabulary: number } | null;
  /** `head: fc.weight [12, 8] + fc.bias: the only Linear ...`, `embedding: ...`, `no head: ...`. */
  readonly parts: readonly string[];
  /** What the shapes cannot decide, with the flags that do; null when nothing. */
  readonly ambiguity: string | null;
  readonly notes: readonly string[];
  /** torch.save files: zip or legacy, state_dict or module, the checkpoint key, the modules' attributes. */
  readonly torch: {
    readonly container: TorchSaved['container'];
    readonly saved: TorchSaved['saved'];
    readonly checkpointKey: string | null;
    readonly modules: readonly { readonly path: string; readonly className: string; readonly attributes: Readonly<Record<string, string | number | boolean>> }[];
  } | null;
}

/** --head / --embedding as inspect takes them. */
export interface DescribeOptions {
  /** File name for messages about --head / --embedding. */
  readonly source?: string | undefined;
  /** Whether --prefix chose the recurrent module. */
  readonly prefixGiven?: boolean | undefined;
  readonly head?: string | undefined;
  readonly embedding?: string | undefined;
}

/**
 * `extra, as fc.weight (transposed)` (ONNX's MatMul weight), `head.weight (transposed)` (a Keras
 * Dense kernel): the name under which a tensor was handed to the commands, when it is not its own.
 */
const ALIAS = /^(?:extra, as )?(\S+\.(?:weight|bias))( \(transposed\))?$/;

/** Each tensor's role with the head and the embedding named, and the names left unused. */
function partRoles(file: WeightsFile, parts: ModelParts): { tensors: TensorInfo[]; ignored: string[] } {
  const used = new Set<string>();
  const tensors = file.tensors.map((info) => {
    const direct = parts.roles.get(info.name);
    if (direct !== undefined) {
      if (!direct.startsWith('not used')) used.add(info.name);
      return { ...info, role: direct };
    }
    const alias = info.role === undefined ? null : ALIAS.exec(info.role);
    if (alias !== null && alias[1] !== info.name) {
      const role = parts.roles.get(alias[1]!);
      if (role === undefined || role.startsWith('not used')) return { ...info, role: role ?? 'not used' };
      used.add(info.name);
      return { ...info, role: `${role} [as ${alias[1]}${alias[2] !== undefined ? ', transposed' : ''}]` };
    }
    return info.role === 'extra' ? { ...info, role: 'not used' } : info;
  });
  return { tensors, ignored: file.ignored.filter((n) => !used.has(n)) };
}

export function describeWeights(file: WeightsFile, opts: DescribeOptions = {}): WeightsDescription {
  const parts = findParts(file.extra, file.network, { source: opts.source ?? '<weights>', head: opts.head, embedding: opts.embedding });
  const { tensors, ignored } = partRoles(file, parts);
  const net = file.network;
  let parameterCount = 0;
  let peepholes = false;
  for (const dirs of net.layers) {
    for (const p of dirs) {
      parameterCount += p.wIh.length + p.wHh.length + (p.bIh?.length ?? 0) + (p.bHh?.length ?? 0) + (p.peephole?.length ?? 0) + (p.wHr?.length ?? 0);
      if (p.peephole != null) peepholes = true;
    }
  }
  return {
    format: file.format,
    layout: file.layout,
    cell: net.kind,
    inputSize: net.inputSize,
    hiddenSize: net.hiddenSize,
    numLayers: net.numLayers,
    directions: net.directions,
    bias: net.bias,
    linearBeforeReset: net.kind === 'gru' ? (net.linearBeforeReset ?? true) : null,
    clip: net.clip ?? null,
    peepholes,
    projSize: net.projSize != null && net.projSize > 0 ? net.projSize : null,
    prefix: file.prefix,
    recurrent:
      file.layout !== 'pytorch'
        ? null
        : file.minCells !== undefined
          ? visible(file.minCells.naming, 200)
          : file.tensors.every((t) => t.name !== `${file.prefix}weight_ih_l0`)
          ? `${visible(file.prefix)}weight_ih, ${visible(file.prefix)}weight_hh, ...: a cell module (no _l0), ${
              opts.prefixGiven === true ? 'chosen with --prefix' : 'the only recurrent module'
            }`
          : `${visible(file.prefix)}weight_ih_l0, ${visible(file.prefix)}weight_hh_l0, ...: ${
            opts.prefixGiven === true ? 'chosen with --prefix' : 'the only module with PyTorch recurrent names'
          }`,
    modules: file.modules,
    tensors,
    parameterCount,
    fileValueCount: file.tensors.reduce((n, t) => n + elementCount(t.shape), 0),
    ignored,
    metadata: [...file.metadata],
    initialState: { h0: file.initialState?.h0 != null, c0: file.initialState?.c0 != null },
    head: parts.head === null ? null : { tensor: parts.head.name, bias: parts.head.biasName, outputs: parts.head.outSize },
    embedding: parts.embedding === null ? null : { tensor: parts.embedding.name, vocabulary: parts.embedding.vocabSize },
    parts: parts.explain,
    ambiguity: parts.ambiguity === null ? null : `${parts.ambiguity.message} (${parts.ambiguity.hint})`,
    notes: file.notes,
    torch:
      file.torch === undefined
        ? null
        : {
            container: file.torch.container,
            saved: file.torch.saved,
            checkpointKey: file.torch.checkpointKey,
            modules: file.torch.modules.map((m) => ({ path: m.path, className: m.className, attributes: Object.fromEntries(m.attributes) })),
          },
  };
}

const FORMAT_LABEL: Readonly<Record<WeightsFormat, string>> = {
  pytorch: 'PyTorch torch.save',
  'pytorch-json': 'PyTorch state_dict (JSON)',
  'keras-json': 'Keras weights (JSON)',
  safetensors: 'safetensors',
  onnx: 'ONNX',
  'keras-h5': 'Keras HDF5 (.h5)',
  'keras-v3': 'Keras 3 (.keras)',
  tfjs: 'TensorFlow.js layers model',
};

/** At most this many tensor rows; a file with a large head or many layers still prints in a screen. */
const MAX_TENSOR_ROWS = 60;

export function formatWeightsDescription(d: WeightsDescription): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${label.padEnd(12)}${value}`);
  };
  const names = d.layout === 'pytorch' ? 'PyTorch names' : d.layout === 'keras' ? 'Keras names' : 'ONNX node';
  let fmt = `${FORMAT_LABEL[d.format]}, ${names}`;
  if (d.prefix !== '') fmt += `, prefix ${JSON.stringify(visible(d.prefix))}`;
  row('format', fmt);
  if (d.torch !== null) {
    const what = d.torch.saved === 'module' ? 'the whole module (torch.save(model))' : 'a state_dict';
    const where = d.torch.checkpointKey !== null ? ` in checkpoint[${JSON.stringify(visible(d.torch.checkpointKey))}]` : '';
    row('saved', `${what}${where}, ${d.torch.container === 'zip' ? 'zip' : 'legacy (non-zip)'} format`);
    for (const m of d.torch.modules) row('module', visible(moduleText({ ...m, attributes: new Map(Object.entries(m.attributes)) }), 200));
  }
  if (d.modules.length > 0) row(d.layout === 'onnx' ? 'nodes' : 'layers', d.modules.map((m) => JSON.stringify(visible(m))).join(', '));
  const dirText =
    d.directions.length === 2 ? 'bidirectional' : d.directions[0] === 'reverse' ? 'reverse only' : 'forward';
  const parts = [
    cellLabel(d.cell),
    `input ${d.inputSize}`,
    `hidden ${d.hiddenSize}`,
    `${d.numLayers} layer${d.numLayers === 1 ? '' : 's'}`,
    dirText,
    d.bias ? 'bias' : 'no bias',
  ];
  if (d.linearBeforeReset !== null) parts.push(`linear_before_reset ${d.linearBeforeReset ? 1 : 0}`);
  if (d.peepholes) parts.push('peepholes');
  if (d.projSize !== null) parts.push(`proj_size ${d.projSize} (h has ${d.projSize} values)`);
  if (d.clip !== null) parts.push(`clip ${d.clip}`);
  row('network', parts.join(', '));
  if (d.recurrent !== null) row('recurrent', d.recurrent);
  row('parameters', `${d.parameterCount} as the engine holds them (the file: ${d.fileValueCount} values in ${d.tensors.length} tensors)`);
  if (d.initialState.h0 || d.initialState.c0) {
    row('init state', [d.initialState.h0 ? 'h0' : '', d.initialState.c0 ? 'c0' : ''].filter(Boolean).join(', ') + ' stored in the file');
  }
  lines.push('tensors');
  const shown = d.tensors.slice(0, MAX_TENSOR_ROWS);
  const nameWidth = Math.min(48, Math.max(...shown.map((t) => visible(t.name, 48).length), 4));
  const shapeWidth = Math.max(...shown.map((t) => shapeText(t.shape).length), 2);
  const dtypeWidth = Math.max(...shown.map((t) => visible(t.dtype, 12).length), 3);
  for (const t of shown) {
    const role = t.role !== undefined ? `  ${visible(t.role, 80)}` : '';
    lines.push(
      `  ${visible(t.name, 48).padEnd(nameWidth)}  ${visible(t.dtype, 12).padEnd(dtypeWidth)}  ${shapeText(t.shape).padEnd(shapeWidth)}${role}`.trimEnd(),
    );
  }
  if (d.tensors.length > shown.length) lines.push(`  ... and ${d.tensors.length - shown.length} more`);
  for (const p of d.parts) {
    const at = p.indexOf(': ');
    row(p.slice(0, at), p.slice(at + 2));
  }
  if (d.ambiguity !== null) row('parts', `cannot tell: ${d.ambiguity}`);
  if (d.ignored.length > 0) {
    const list = d.ignored.slice(0, 20).map((n) => visible(n, 48));
    if (d.ignored.length > 20) list.push(`... ${d.ignored.length - 20} more`);
    row('not used', list.join(', '));
  }
  for (const [k, v] of d.metadata) row('metadata', `${visible(k, 40)} = ${visible(v, 80)}`);
  for (const n of d.notes) row('note', visible(n, 200));
  return lines.join('\n');
}
