/**
 * mLSTM state_dicts (xLSTM, Beck et al. 2024) through an explicit name map: the reference
 * module's naming (fixtures/xlstm-cells/make_xlstm_cells.py, class MLSTM), a stack
 * `{P}layers.{k}.` or one layer module `{P}` (layer k > 0 reads layer k-1's h, so its Din is H),
 * one nn.Linear per projection and gate:
 *   {P}q_proj.weight, {P}k_proj.weight, {P}v_proj.weight, {P}o_proj.weight   (H, Din), .bias (H)
 *   {P}igate.weight, {P}fgate.weight                                         (NH, Din), .bias (NH)
 * k is scaled by 1/sqrt(DH) inside the cell, not in the weights. bias=False drops every .bias (all
 * or none). The xlstm package's mLSTMLayer (its gates read [q; k; v], with up/down projections and a
 * conv around the cell) is a different cell and is refused by name.
 *
 * The engine's layout (types.ts): W_ih (4H + 2NH, Din) rows [q; k; v; o; i; f], b_ih alike.
 */
import { cellLabel, MLSTM_LEAVES, mlstmInputRows, type DirectionParams, type Network } from '../../engine/index.js';
import { InputError } from '../errors.js';
import type { CellReaderOptions, CellReaderWeights } from './cell-reader.js';
import { shapeText, type Tensor } from './tensor.js';

export type MlstmOptions = CellReaderOptions;
export type MlstmWeights = CellReaderWeights;

/** The leaves of one layer, in the engine's row order: [q; k; v; o] then the per-head [i; f]. */
const LEAVES = MLSTM_LEAVES;
const ROLE: Readonly<Record<(typeof LEAVES)[number], string>> = {
  q_proj: 'query q',
  k_proj: 'key k',
  v_proj: 'value v',
  o_proj: 'output gate o',
  igate: 'input gate i (per head)',
  fgate: 'forget gate f (per head)',
};
const Q = /^(.*?)q_proj\.weight$/;

function modulesOf(names: Iterable<string>): string[] {
  const set = new Set(names);
  const out: string[] = [];
  for (const name of set) {
    const m = Q.exec(name);
    if (m !== null && LEAVES.every((leaf) => set.has(`${m[1]}${leaf}.weight`))) out.push(m[1]!);
  }
  return out;
}

/** Whether the names hold an mLSTM in the reference naming (q_proj, k_proj, v_proj, o_proj, igate, fgate). */
export function looksLikeMlstm(names: Iterable<string>): boolean {
  return modulesOf(names).length > 0;
}

function stackOf(mods: readonly string[], source: string): { base: string; layers: string[] } {
  if (mods.length === 1) return { base: mods[0]!, layers: [mods[0]!] };
  const parsed = mods.map((p) => ({ p, match: /^(.*?)(\d+)\.$/.exec(p) }));
  const base = parsed[0]!.match?.[1];
  if (base !== undefined && parsed.every((x) => x.match !== null && x.match[1] === base)) {
    const layers: string[] = [];
    for (const x of parsed) layers[Number(x.match![2])] = x.p;
    if (layers.length === mods.length && layers.every((l) => l !== undefined)) return { base, layers };
  }
  throw new InputError(`several mLSTM modules that are not one stack ${base ?? ''}0., 1., ... (${mods.map((m) => JSON.stringify(m)).join(', ')}); choose one with --prefix`, { source });
}

/** An mLSTM network from a state_dict in the reference naming. */
export function mlstmFromStateDict(tensors: ReadonlyMap<string, Tensor>, opts: MlstmOptions): MlstmWeights {
  const { source } = opts;
  let mods = modulesOf(tensors.keys());
  if (opts.prefix !== undefined) mods = mods.filter((m) => m.startsWith(opts.prefix!));
  if (mods.length === 0) {
    throw new InputError(
      `no mLSTM weights${opts.prefix !== undefined ? ` under --prefix ${JSON.stringify(opts.prefix)}` : ''}: expected layers.{k}.q_proj, k_proj, v_proj, o_proj, igate and fgate (.weight, gatescope's reference naming)`,
      { source },
    );
  }
  if (opts.kind !== undefined && opts.kind !== 'mlstm') {
    throw new InputError(`the weights are an mLSTM (q_proj, igate, fgate), not a ${cellLabel(opts.kind)} as --cell says`, { source, tensor: `${mods[0]!}q_proj.weight` });
  }
  for (const name of tensors.keys()) {
    if (/(^|\.)mlstm_cell\./.test(name)) {
      throw new InputError("the xlstm package's mLSTMLayer (its gates read [q; k; v], inside up/down projections and a conv) is not this cell: gatescope reads its reference naming (fixtures/xlstm-cells)", { source, tensor: name });
    }
  }
  const stack = stackOf(mods, source);
  const used = new Set<string>();
  const roles = new Map<string, string>();
  const layers: DirectionParams[][] = [];
  let H = 0;
  let NH = 0;
  let D = 0;
  let bias = false;
  stack.layers.forEach((p, k) => {
    const get = (name: string, role: string): Tensor => {
      const t = tensors.get(name);
      if (t === undefined) throw new InputError('missing tensor', { source, tensor: name });
      used.add(name);
      roles.set(name, `layer ${k} ${role}`);
      return t;
    };
    if (k === 0) {
      const q = tensors.get(`${p}q_proj.weight`)!;
      const ig = tensors.get(`${p}igate.weight`)!;
      if (q.shape.length !== 2 || q.shape[0] === 0 || q.shape[1] === 0) throw new InputError(`expected [H, D], got ${shapeText(q.shape)}`, { source, tensor: `${p}q_proj.weight` });
      if (ig.shape.length !== 2 || ig.shape[0] === 0) throw new InputError(`expected [NH, ${q.shape[1]}], got ${shapeText(ig.shape)}`, { source, tensor: `${p}igate.weight` });
      H = q.shape[0]!;
      D = q.shape[1]!;
      NH = ig.shape[0]!;
      if (H % NH !== 0) throw new InputError(`${NH} heads (its rows) do not divide the hidden size ${H} (q_proj's rows)`, { source, tensor: `${p}igate.weight` });
      bias = tensors.has(`${p}q_proj.bias`);
    }
    const din = k === 0 ? D : H;
    const rows = mlstmInputRows(H, NH);
    const wIh = new Float32Array(rows * din);
    const bIh = bias ? new Float32Array(rows) : null;
    let at = 0;
    for (const leaf of LEAVES) {
      const n = leaf === 'igate' || leaf === 'fgate' ? NH : H;
      const wName = `${p}${leaf}.weight`;
      const w = get(wName, ROLE[leaf]);
      if (w.shape.length !== 2 || w.shape[0] !== n || w.shape[1] !== din) throw new InputError(`expected ${shapeText([n, din])}, got ${shapeText(w.shape)}`, { source, tensor: wName });
      wIh.set(w.data, at * din);
      const bName = `${p}${leaf}.bias`;
      if (bIh !== null) {
        const b = get(bName, `${ROLE[leaf]} bias`);
        if (b.shape.length !== 1 || b.shape[0] !== n) throw new InputError(`expected ${shapeText([n])}, got ${shapeText(b.shape)}`, { source, tensor: bName });
        bIh.set(b.data, at);
      } else if (tensors.has(bName)) {
        throw new InputError('a bias in a module whose first layer has no q_proj.bias: all biases or none', { source, tensor: bName });
      }
      at += n;
    }
    layers.push([{ inputSize: din, hiddenSize: H, wIh, wHh: new Float32Array(0), bIh, bHh: null }]);
  });
  const network: Network = { kind: 'mlstm', inputSize: D, hiddenSize: H, numLayers: layers.length, directions: ['forward'], bias, numHeads: NH, layers };
  const where = stack.layers.length === 1 ? JSON.stringify(stack.layers[0]!) : `${JSON.stringify(`${stack.base}0.`)} ... ${JSON.stringify(`${stack.base}${stack.layers.length - 1}.`)}`;
  const naming = `q_proj, k_proj, v_proj, o_proj, igate, fgate in ${where}: mLSTM layers (${NH} head${NH === 1 ? '' : 's'} of ${H / NH} units), gatescope's reference names (fixtures/xlstm-cells)`;
  const extra = new Map<string, Tensor>();
  for (const [name, t] of tensors) if (!used.has(name)) extra.set(name, t);
  return { network, prefix: stack.base, extra, ignored: [...extra.keys()], roles, naming };
}

/** The reference names of an mLSTM network (`layers.{k}.q_proj.weight`, ...), as nested arrays. */
export function mlstmStateDict(net: Network, prefix = ''): Record<string, number[] | number[][]> {
  const H = net.hiddenSize;
  const NH = net.numHeads ?? 1;
  const out: Record<string, number[] | number[][]> = {};
  net.layers.forEach((dirs, k) => {
    const p = dirs[0]!;
    const din = p.inputSize;
    let at = 0;
    for (const leaf of LEAVES) {
      const n = leaf === 'igate' || leaf === 'fgate' ? NH : H;
      out[`${prefix}layers.${k}.${leaf}.weight`] = Array.from({ length: n }, (_, r) => Array.from(p.wIh.subarray((at + r) * din, (at + r + 1) * din)));
      if (p.bIh !== null) out[`${prefix}layers.${k}.${leaf}.bias`] = Array.from(p.bIh.subarray(at, at + n));
      at += n;
    }
  });
  return out;
}
