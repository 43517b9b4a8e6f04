/**
 * PyTorch state_dicts mapped onto the engine through an explicit name map:
 *
 *   {prefix}weight_ih_l{k}[_reverse]  (G*H, Din)   Din = D for k = 0, H*dirs for k > 0
 *   {prefix}weight_hh_l{k}[_reverse]  (G*H, H)
 *   {prefix}bias_ih_l{k}[_reverse]    (G*H)        all four biases present, or none
 *   {prefix}bias_hh_l{k}[_reverse]    (G*H)
 *   {prefix}weight_hr_l{k}[_reverse]  (P, H)       LSTM proj_size P only: then weight_hh is (4H, P)
 *                                                  and Din = P*dirs for k > 0
 *
 * A cell module (nn.LSTMCell, nn.GRUCell, nn.RNNCell, run in a loop by the user's code) has the
 * same four tensors without the `_l{k}` suffix; it reads as the one-layer network it equals.
 *
 * The cell kind comes from G = rows(weight_hh_l0) / H: 4 LSTM, 3 GRU, 1 RNN (tanh unless the
 * caller says relu, since the weights cannot tell). minGRU/minLSTM modules (linear_z, ...,
 * to_hidden_and_gate) have names of their own: min-cells.ts; so has the sLSTM (recurrent_kernel,
 * or the xlstm package's slstm_cell._recurrent_kernel_): xlstm-cells.ts; and the mLSTM (q_proj, k_proj, v_proj,
 * o_proj, igate, fgate): mlstm.ts. Everything else in the file (a linear head,
 * an embedding) is returned in `extra` and listed in `ignored` unless the caller uses it.
 */
import { cellLabel, expectedShapes, gateCount, type CellKind, type Direction, type DirectionParams, type Network } from '../../engine/index.js';
import { InputError } from '../errors.js';
import { isMinKind, looksLikeMinCells, minCellsFromStateDict, minCellStateDict } from './min-cells.js';
import { looksLikeSlstm, slstmFromStateDict, slstmStateDict } from './xlstm-cells.js';
import { looksLikeMlstm, mlstmFromStateDict, mlstmStateDict } from './mlstm.js';
import { shapeText, type Tensor } from './tensor.js';

const RECURRENT = /^(.*?)(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;
/** A cell module's tensors: `cell.weight_ih`, no layer suffix. */
const CELL = /^(.*?)(weight_ih|weight_hh|bias_ih|bias_hh)$/;

export interface StateDictOptions {
  /** File name for messages. */
  source: string;
  /** Module prefix such as `lstm.`; found automatically when exactly one recurrent module is present. */
  prefix?: string | undefined;
  /** Expected cell kind (from --cell / --nonlinearity); an RNN's nonlinearity can only come from here. */
  kind?: CellKind | undefined;
}

export interface LoadedWeights {
  readonly network: Network;
  /** The module prefix used ('' for a bare nn.LSTM state_dict). */
  readonly prefix: string;
  /** Tensors outside the recurrent module (head.weight, embedding.weight, ...), by full name. */
  readonly extra: ReadonlyMap<string, Tensor>;
  /** Names of the tensors the network did not use. */
  readonly ignored: readonly string[];
  /** True when the weights came from a cell module (nn.LSTMCell, ...: `weight_ih` without `_l0`). */
  readonly cellModule?: boolean;
  /** Cells with names of their own (minGRU/minLSTM: min-cells.ts, sLSTM: xlstm-cells.ts): what each used tensor became, and which names were read. */
  readonly minCells?: { readonly roles: ReadonlyMap<string, string>; readonly naming: string };
}

/** Recurrent module prefixes present in a set of names, in first-seen order. */
export function recurrentPrefixes(names: Iterable<string>): string[] {
  const all = [...names];
  const found: string[] = [];
  for (const name of all) {
    const m = RECURRENT.exec(name);
    if (m && m[3] === '0' && m[2] === 'weight_ih' && m[4] === undefined && !found.includes(m[1]!)) found.push(m[1]!);
  }
  // Cell modules: `weight_ih` beside a `weight_hh` of the same module.
  const set = new Set(all);
  for (const name of all) {
    const m = CELL.exec(name);
    if (m && m[2] === 'weight_ih' && set.has(`${m[1]}weight_hh`) && !found.includes(m[1]!)) found.push(m[1]!);
  }
  return found;
}

/** The tensors of a cell module under prefix, renamed to the one-layer names they equal. */
function cellTensors(tensors: ReadonlyMap<string, Tensor>, prefix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const base of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) {
    const t = tensors.get(prefix + base);
    if (t !== undefined) out.set(`${base}_l0`, t);
  }
  return out;
}

export function networkFromStateDict(tensors: ReadonlyMap<string, Tensor>, opts: StateDictOptions): LoadedWeights {
  const { source } = opts;
  const prefixes = recurrentPrefixes(tensors.keys());
  if (isMinKind(opts.kind) || (prefixes.length === 0 && looksLikeMinCells(tensors.keys()))) {
    const m = minCellsFromStateDict(tensors, opts);
    return { network: m.network, prefix: m.prefix, extra: m.extra, ignored: m.ignored, minCells: { roles: m.roles, naming: m.naming } };
  }
  if (opts.kind === 'mlstm' || (prefixes.length === 0 && looksLikeMlstm(tensors.keys()))) {
    const m = mlstmFromStateDict(tensors, opts);
    return { network: m.network, prefix: m.prefix, extra: m.extra, ignored: m.ignored, minCells: { roles: m.roles, naming: m.naming } };
  }
  if (opts.kind === 'slstm' || (prefixes.length === 0 && looksLikeSlstm(tensors.keys()))) {
    const m = slstmFromStateDict(tensors, opts);
    return { network: m.network, prefix: m.prefix, extra: m.extra, ignored: m.ignored, minCells: { roles: m.roles, naming: m.naming } };
  }
  let prefix: string;
  if (opts.prefix !== undefined) {
    prefix = opts.prefix;
    if (!tensors.has(`${prefix}weight_ih_l0`) && !tensors.has(`${prefix}weight_ih`)) {
      const found = prefixes.length ? `found: ${prefixes.map((p) => JSON.stringify(p)).join(', ')}` : 'the file has no recurrent weights';
      throw new InputError(`no tensor ${prefix}weight_ih_l0 for --prefix ${JSON.stringify(prefix)} (${found})`, {
        source,
        tensor: `${prefix}weight_ih_l0`,
      });
    }
  } else if (prefixes.length === 1) {
    prefix = prefixes[0]!;
  } else if (prefixes.length === 0) {
    throw new InputError('no recurrent weights found: expected weight_ih_l0, weight_hh_l0, ... (PyTorch names)', {
      source,
      tensor: 'weight_ih_l0',
    });
  } else {
    throw new InputError(
      `several recurrent modules found (${prefixes.map((p) => JSON.stringify(p)).join(', ')}); choose one with --prefix`,
      { source },
    );
  }

  const isCell = !tensors.has(`${prefix}weight_ih_l0`) && tensors.has(`${prefix}weight_ih`);
  const own = new Map<string, Tensor>();
  const extra = new Map<string, Tensor>();
  if (isCell) {
    for (const [name, t] of cellTensors(tensors, prefix)) own.set(name, t);
    const used = new Set(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((b) => prefix + b));
    for (const [name, t] of tensors) if (!used.has(name)) extra.set(name, t);
  } else {
    for (const [name, t] of tensors) {
      if (name.startsWith(prefix) && RECURRENT.test(name.slice(prefix.length)) && RECURRENT.exec(name.slice(prefix.length))![1] === '') {
        own.set(name.slice(prefix.length), t);
      } else {
        extra.set(name, t);
      }
    }
  }
  // In messages, a cell module's tensors keep the names the file gives them.
  const fileName = (name: string): string => prefix + (isCell ? name.replace(/_l0$/, '') : name);

  const need = (name: string): Tensor => {
    const t = own.get(name);
    if (t === undefined) throw new InputError('missing tensor', { source, tensor: fileName(name) });
    return t;
  };
  const wih0 = need('weight_ih_l0');
  const whh0 = need('weight_hh_l0');
  if (whh0.shape.length !== 2 || wih0.shape.length !== 2) {
    const bad = whh0.shape.length !== 2 ? ['weight_hh_l0', whh0] as const : ['weight_ih_l0', wih0] as const;
    throw new InputError(`expected a 2-d matrix, got ${shapeText(bad[1].shape)}`, { source, tensor: fileName(bad[0]) });
  }
  // A projected LSTM (proj_size P) says H in weight_hr (P, H); its weight_hh is (4H, P).
  const whr0 = own.get('weight_hr_l0');
  if (whr0 !== undefined && whr0.shape.length !== 2) {
    throw new InputError(`expected a 2-d matrix (proj_size, hidden_size), got ${shapeText(whr0.shape)}`, { source, tensor: fileName('weight_hr_l0') });
  }
  const projSize = whr0 !== undefined ? whr0.shape[0]! : 0;
  const H = whr0 !== undefined ? whr0.shape[1]! : whh0.shape[1]!;
  const rows = whh0.shape[0]!;
  if (whr0 !== undefined) {
    if (H === 0 || rows !== 4 * H || whh0.shape[1] !== projSize || projSize === 0 || projSize >= H) {
      throw new InputError(
        `a projected LSTM (weight_hr_l0 ${shapeText(whr0.shape)}: proj_size ${projSize}, hidden_size ${H}) needs weight_hh_l0 [${4 * H}, ${projSize}] and proj_size < hidden_size, got ${shapeText(whh0.shape)}`,
        { source, tensor: fileName('weight_hh_l0') },
      );
    }
  } else if (H === 0 || rows % H !== 0 || ![1, 3, 4].includes(rows / H)) {
    throw new InputError(
      `expected [G*H, H] with G = 4 (LSTM), 3 (GRU) or 1 (RNN), got ${shapeText(whh0.shape)}`,
      { source, tensor: fileName('weight_hh_l0') },
    );
  }
  const G = rows / H;
  let kind: CellKind = G === 4 ? 'lstm' : G === 3 ? 'gru' : 'rnn_tanh';
  if (opts.kind !== undefined) {
    if (gateCount(opts.kind) !== G) {
      throw new InputError(
        `the weights are a ${cellLabel(kind)} (${G} gate rows per unit), not a ${cellLabel(opts.kind)} as --cell says`,
        { source, tensor: fileName('weight_hh_l0') },
      );
    }
    kind = opts.kind;
  }
  let numLayers = 0;
  let reverse = false;
  for (const name of own.keys()) {
    const m = RECURRENT.exec(name)!;
    numLayers = Math.max(numLayers, Number(m[3]) + 1);
    if (m[4] !== undefined) reverse = true;
  }
  // A stray `weight_ih_l99999999` must fail by name, not make us list a hundred million shapes.
  for (let k = 0; k < numLayers; k++) {
    if (!own.has(`weight_ih_l${k}`)) {
      const last = [...own.keys()].find((n) => Number(RECURRENT.exec(n)![3]) === numLayers - 1)!;
      throw new InputError(`missing tensor (the file has ${prefix}${last}, so it needs every layer below it)`, {
        source,
        tensor: `${prefix}weight_ih_l${k}`,
      });
    }
  }
  const directions: Direction[] = reverse ? ['forward', 'reverse'] : ['forward'];
  const bias = own.has('bias_ih_l0') || own.has('bias_hh_l0');
  const spec = { kind, inputSize: wih0.shape[1]!, hiddenSize: H, numLayers, directions, bias, ...(projSize > 0 ? { projSize } : {}) };
  const shapes = expectedShapes(spec);
  for (const name of own.keys()) {
    if (!shapes.has(name)) {
      throw new InputError(
        `unexpected tensor for a ${numLayers}-layer ${reverse ? 'bidirectional ' : ''}${cellLabel(kind)}${bias ? '' : ' without bias'}${projSize > 0 ? ` with proj_size ${projSize}` : ''}`,
        { source, tensor: fileName(name) },
      );
    }
  }
  for (const [name, shape] of shapes) {
    const t = need(name);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(`expected ${shapeText(shape)}, got ${shapeText(t.shape)}`, { source, tensor: fileName(name) });
    }
  }
  const layers: DirectionParams[][] = [];
  for (let k = 0; k < numLayers; k++) {
    layers.push(
      directions.map((dir) => {
        const sfx = `_l${k}${dir === 'reverse' ? '_reverse' : ''}`;
        const wIh = own.get(`weight_ih${sfx}`)!;
        return {
          inputSize: wIh.shape[1]!,
          hiddenSize: H,
          wIh: wIh.data,
          wHh: own.get(`weight_hh${sfx}`)!.data,
          bIh: bias ? own.get(`bias_ih${sfx}`)!.data : null,
          bHh: bias ? own.get(`bias_hh${sfx}`)!.data : null,
          ...(projSize > 0 ? { wHr: own.get(`weight_hr${sfx}`)!.data } : {}),
        };
      }),
    );
  }
  return { network: { ...spec, layers }, prefix, extra, ignored: [...extra.keys()], ...(isCell ? { cellModule: true } : {}) };
}

/** The network as a PyTorch state_dict of plain nested arrays (what `gatescope init` writes; min-cells.ts's names for minGRU/minLSTM). */
export function stateDictFromNetwork(net: Network, prefix = ''): Record<string, number[] | number[][] | number[][][] | number[][][][]> {
  if (isMinKind(net.kind)) return minCellStateDict(net, prefix);
  if (net.kind === 'slstm') return slstmStateDict(net, prefix);
  if (net.kind === 'mlstm') return mlstmStateDict(net, prefix);
  const out: Record<string, number[] | number[][]> = {};
  const matrix = (a: Float32Array, cols: number): number[][] => {
    const rows: number[][] = [];
    for (let r = 0; r < a.length / cols; r++) rows.push(Array.from(a.subarray(r * cols, (r + 1) * cols)));
    return rows;
  };
  net.layers.forEach((dirs, k) => {
    dirs.forEach((p, d) => {
      const sfx = `_l${k}${net.directions[d] === 'reverse' ? '_reverse' : ''}`;
      out[`${prefix}weight_ih${sfx}`] = matrix(p.wIh, p.inputSize);
      // weight_hh has Hout columns: P (the rows of W_hr) for a projected LSTM, else H.
      out[`${prefix}weight_hh${sfx}`] = matrix(p.wHh, p.wHr != null ? p.wHr.length / p.hiddenSize : p.hiddenSize);
      if (p.wHr != null) out[`${prefix}weight_hr${sfx}`] = matrix(p.wHr, p.hiddenSize);
      if (p.bIh !== null) out[`${prefix}bias_ih${sfx}`] = Array.from(p.bIh);
      if (p.bHh !== null) out[`${prefix}bias_hh${sfx}`] = Array.from(p.bHh);
    });
  });
  return out;
}
