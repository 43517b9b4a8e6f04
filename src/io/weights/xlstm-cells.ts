/**
 * sLSTM state_dicts (xLSTM, Beck et al. 2024) through an explicit name map. Two namings:
 *
 * the reference module's (fixtures/xlstm-cells/make_xlstm_cells.py, class SLSTM), a stack
 * `{P}layers.{k}.` or one layer module `{P}` (layer k > 0 reads layer k-1's h, so its Din is H):
 *   {P}weight_ih          (4H, Din)        rows [i; f; z; o]
 *   {P}recurrent_kernel   (NH, DH, 4, DH)  [head, from unit, gate, to unit] (the package's external layout)
 *   {P}bias               (NH, 4, DH)      optional (the package's external `_bias_` layout)
 *
 * the official xlstm package's sLSTMLayer (NX-AI/xlstm, conv1d_kernel_size=0), one layer `{P}`:
 *   {P}igate.weight, {P}fgate.weight, {P}zgate.weight, {P}ogate.weight   (NH, DH, DH) headwise, D = H
 *   {P}slstm_cell._recurrent_kernel_   (NH, 4*DH, DH) vanilla backend, or (NH, DH, 4*DH) cuda backend
 *   {P}slstm_cell._bias_               (4H): [gate, head, unit] (vanilla) or [head, gate, unit] (cuda)
 * sLSTMLayer.forward() hands fgate's projection to the cell's i and igate's to its f, so the
 * engine's i rows come from fgate.weight and its f rows from igate.weight, as that forward runs
 * them. The layer's group_norm (after the cell) and a block's norms and feed-forward are not the
 * cell: they are listed as unused. A conv1d (i and f see conv(x)) is refused.
 *
 * The engine's layout (types.ts): W_ih (4H, Din), W_hh (4H, DH) row g*H + hd*DH + k, column j
 * (the weight from unit hd*DH + j), b_ih (4H).
 */
import { cellLabel, slstmBias, slstmRecurrentKernel, type DirectionParams, type Network } from '../../engine/index.js';
import { InputError } from '../errors.js';
import type { CellReaderOptions, CellReaderWeights } from './cell-reader.js';
import { shapeText, type Tensor } from './tensor.js';

export type SlstmOptions = CellReaderOptions;
export type SlstmWeights = CellReaderWeights;

const REF = /^(.*?)recurrent_kernel$/;
const PKG = /^(.*?)slstm_cell\._recurrent_kernel_$/;

interface Module {
  readonly prefix: string;
  readonly style: 'reference' | 'xlstm';
}

function modulesOf(names: Iterable<string>): Module[] {
  const set = new Set(names);
  const out: Module[] = [];
  for (const name of set) {
    const p = PKG.exec(name);
    if (p !== null) {
      out.push({ prefix: p[1]!, style: 'xlstm' });
      continue;
    }
    const r = REF.exec(name);
    if (r !== null && set.has(`${r[1]}weight_ih`)) out.push({ prefix: r[1]!, style: 'reference' });
  }
  return out;
}

/** Whether the names hold an sLSTM (a `recurrent_kernel` beside a `weight_ih`, or the package's cell). */
export function looksLikeSlstm(names: Iterable<string>): boolean {
  return modulesOf(names).length > 0;
}

/** An sLSTM network from a state_dict in either naming. */
export function slstmFromStateDict(tensors: ReadonlyMap<string, Tensor>, opts: SlstmOptions): SlstmWeights {
  const { source } = opts;
  let mods = modulesOf(tensors.keys());
  if (opts.prefix !== undefined) mods = mods.filter((m) => m.prefix.startsWith(opts.prefix!));
  if (mods.length === 0) {
    throw new InputError(
      `no sLSTM weights${opts.prefix !== undefined ? ` under --prefix ${JSON.stringify(opts.prefix)}` : ''}: expected layers.{k}.weight_ih with recurrent_kernel (gatescope's reference naming) or the xlstm package's slstm_cell._recurrent_kernel_ with igate/fgate/zgate/ogate`,
      { source },
    );
  }
  if (opts.kind !== undefined && opts.kind !== 'slstm') {
    throw new InputError(`the weights are an sLSTM (recurrent_kernel), not a ${cellLabel(opts.kind)} as --cell says`, { source, tensor: `${mods[0]!.prefix}recurrent_kernel` });
  }
  const used = new Set<string>();
  const roles = new Map<string, string>();
  let layerNow = 0;
  const get = (name: string, role: string): Tensor => {
    const t = tensors.get(name);
    if (t === undefined) throw new InputError('missing tensor', { source, tensor: name });
    used.add(name);
    roles.set(name, `layer ${layerNow} ${role}`);
    return t;
  };
  const expect = (name: string, t: Tensor, shape: readonly number[]): void => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(`expected ${shapeText(shape)}, got ${shapeText(t.shape)}`, { source, tensor: name });
    }
  };
  let network: Network;
  let base: string;
  let naming: string;
  if (mods.some((m) => m.style === 'xlstm')) {
    const pkg = mods.filter((m) => m.style === 'xlstm');
    if (pkg.length > 1) {
      throw new InputError(
        `several xlstm sLSTM layers (${pkg.map((m) => JSON.stringify(m.prefix)).join(', ')}): a block stack adds norms, residuals and feed-forward layers between cells, so gatescope reads one cell; choose it with --prefix`,
        { source },
      );
    }
    base = pkg[0]!.prefix;
    network = packageLayer(tensors, base, source, get, expect);
    naming = `${base}slstm_cell._recurrent_kernel_, igate/fgate/zgate/ogate in ${JSON.stringify(base)}: an sLSTM layer (${network.numHeads} heads), the xlstm package's names (its forward() feeds fgate to i, igate to f; the group norm after the cell is not read)`;
  } else {
    const stack = referenceStack(mods, source);
    base = stack.base;
    const layers: DirectionParams[][] = [];
    let H = 0;
    let NH = 0;
    let D = 0;
    let bias = false;
    stack.layers.forEach((m, k) => {
      layerNow = k;
      const rName = `${m.prefix}recurrent_kernel`;
      const wName = `${m.prefix}weight_ih`;
      const bName = `${m.prefix}bias`;
      const R = get(rName, 'recurrence (heads i, f, z, o)');
      const W = get(wName, 'i, f, z, o rows');
      if (k === 0) {
        if (R.shape.length !== 4 || R.shape[2] !== 4 || R.shape[1] !== R.shape[3] || R.shape[0] === 0 || R.shape[1] === 0) {
          throw new InputError(`expected [NH, DH, 4, DH] (heads, from unit, gate, to unit), got ${shapeText(R.shape)}`, { source, tensor: rName });
        }
        NH = R.shape[0]!;
        H = NH * R.shape[1]!;
        if (W.shape.length !== 2 || W.shape[1] === 0) throw new InputError(`expected [${4 * H}, D], got ${shapeText(W.shape)}`, { source, tensor: wName });
        D = W.shape[1]!;
        bias = tensors.has(bName);
      }
      const din = k === 0 ? D : H;
      const DH = H / NH;
      expect(rName, R, [NH, DH, 4, DH]);
      expect(wName, W, [4 * H, din]);
      const wHh = new Float32Array(4 * H * DH);
      for (let hd = 0; hd < NH; hd++)
        for (let j = 0; j < DH; j++)
          for (let g = 0; g < 4; g++) for (let kk = 0; kk < DH; kk++) wHh[(g * H + hd * DH + kk) * DH + j] = R.data[((hd * DH + j) * 4 + g) * DH + kk]!;
      let bIh: Float32Array | null = null;
      if (bias) {
        const b = get(bName, 'bias (heads i, f, z, o)');
        expect(bName, b, [NH, 4, DH]);
        bIh = new Float32Array(4 * H);
        for (let hd = 0; hd < NH; hd++) for (let g = 0; g < 4; g++) for (let kk = 0; kk < DH; kk++) bIh[g * H + hd * DH + kk] = b.data[(hd * 4 + g) * DH + kk]!;
      } else if (tensors.has(bName)) {
        throw new InputError(`a bias in a stack whose first layer has none: all biases or none`, { source, tensor: bName });
      }
      layers.push([{ inputSize: din, hiddenSize: H, wIh: W.data, wHh, bIh, bHh: null }]);
    });
    network = { kind: 'slstm', inputSize: D, hiddenSize: H, numLayers: layers.length, directions: ['forward'], bias, numHeads: NH, layers };
    const where = stack.layers.length === 1 ? JSON.stringify(stack.layers[0]!.prefix) : `${JSON.stringify(`${base}0.`)} ... ${JSON.stringify(`${base}${stack.layers.length - 1}.`)}`;
    naming = `weight_ih, recurrent_kernel${bias ? ', bias' : ''} in ${where}: sLSTM layers (${NH} head${NH === 1 ? '' : 's'}), gatescope's reference names (fixtures/xlstm-cells)`;
  }
  const extra = new Map<string, Tensor>();
  for (const [name, t] of tensors) if (!used.has(name)) extra.set(name, t);
  return { network, prefix: base, extra, ignored: [...extra.keys()], roles, naming };
}

function referenceStack(mods: readonly Module[], source: string): { base: string; layers: Module[] } {
  if (mods.length === 1) return { base: mods[0]!.prefix, layers: [mods[0]!] };
  const parsed = mods.map((m) => ({ m, match: /^(.*?)(\d+)\.$/.exec(m.prefix) }));
  const base = parsed[0]!.match?.[1];
  if (base !== undefined && parsed.every((p) => p.match !== null && p.match[1] === base)) {
    const layers: Module[] = [];
    for (const p of parsed) layers[Number(p.match![2])] = p.m;
    if (layers.length === mods.length && layers.every((l) => l !== undefined)) return { base, layers };
  }
  throw new InputError(`several sLSTM modules that are not one stack ${base ?? ''}0., 1., ... (${mods.map((m) => JSON.stringify(m.prefix)).join(', ')}); choose one with --prefix`, { source });
}

function packageLayer(
  tensors: ReadonlyMap<string, Tensor>,
  p: string,
  source: string,
  get: (name: string, role: string) => Tensor,
  expect: (name: string, t: Tensor, shape: readonly number[]) => void,
): Network {
  for (const name of tensors.keys()) {
    if (name.startsWith(`${p}conv1d.`)) {
      throw new InputError('a causal conv1d before the i and f gates (conv1d_kernel_size > 0) is not supported: gatescope reads an sLSTMLayer with conv1d_kernel_size=0', { source, tensor: name });
    }
  }
  const rName = `${p}slstm_cell._recurrent_kernel_`;
  const bName = `${p}slstm_cell._bias_`;
  const R = get(rName, 'recurrence (heads i, f, z, o)');
  if (R.shape.length !== 3 || R.shape[0] === 0) throw new InputError(`expected [NH, 4*DH, DH] (vanilla) or [NH, DH, 4*DH] (cuda), got ${shapeText(R.shape)}`, { source, tensor: rName });
  const NH = R.shape[0]!;
  const vanilla = R.shape[1] === 4 * R.shape[2]!;
  const cuda = R.shape[2] === 4 * R.shape[1]!;
  if (!vanilla && !cuda) throw new InputError(`expected [NH, 4*DH, DH] (vanilla) or [NH, DH, 4*DH] (cuda), got ${shapeText(R.shape)}`, { source, tensor: rName });
  const DH = vanilla ? R.shape[2]! : R.shape[1]!;
  const H = NH * DH;
  const wHh = new Float32Array(4 * H * DH);
  for (let hd = 0; hd < NH; hd++)
    for (let g = 0; g < 4; g++)
      for (let k = 0; k < DH; k++)
        for (let j = 0; j < DH; j++) {
          const v = vanilla ? R.data[(hd * 4 * DH + g * DH + k) * DH + j]! : R.data[(hd * DH + j) * 4 * DH + g * DH + k]!;
          wHh[(g * H + hd * DH + k) * DH + j] = v;
        }
  const b = get(bName, 'bias (i, f, z, o)');
  expect(bName, b, [4 * H]);
  const bIh = new Float32Array(4 * H);
  for (let g = 0; g < 4; g++)
    for (let hd = 0; hd < NH; hd++) for (let k = 0; k < DH; k++) bIh[g * H + hd * DH + k] = b.data[vanilla ? (g * NH + hd) * DH + k : (hd * 4 + g) * DH + k]!;
  // forward(): i, f, z, o = fgate(x), igate(x), zgate(x), ogate(x)
  const gates = ['fgate', 'igate', 'zgate', 'ogate'] as const;
  const D = H;
  const wIh = new Float32Array(4 * H * D);
  gates.forEach((leaf, g) => {
    const name = `${p}${leaf}.weight`;
    const w = get(name, `${'ifzo'[g]} rows (headwise)`);
    expect(name, w, [NH, DH, DH]);
    for (let hd = 0; hd < NH; hd++) for (let o = 0; o < DH; o++) for (let d = 0; d < DH; d++) wIh[(g * H + hd * DH + o) * D + hd * DH + d] = w.data[(hd * DH + o) * DH + d]!;
    const gb = tensors.get(`${p}${leaf}.bias`);
    if (gb !== undefined) {
      expect(`${p}${leaf}.bias`, gb, [H]);
      get(`${p}${leaf}.bias`, `${'ifzo'[g]} bias (headwise)`);
      for (let u = 0; u < H; u++) bIh[g * H + u] = bIh[g * H + u]! + gb.data[u]!;
    }
  });
  return {
    kind: 'slstm', inputSize: D, hiddenSize: H, numLayers: 1, directions: ['forward'], bias: true, numHeads: NH,
    layers: [[{ inputSize: D, hiddenSize: H, wIh, wHh, bIh, bHh: null }]],
  };
}

/** The reference names (`layers.{k}.weight_ih`, `recurrent_kernel`, `bias`) of an sLSTM network, as nested arrays. */
export function slstmStateDict(net: Network, prefix = ''): Record<string, number[][] | number[][][] | number[][][][]> {
  const H = net.hiddenSize;
  const NH = net.numHeads ?? 1;
  const DH = H / NH;
  const out: Record<string, number[][] | number[][][] | number[][][][]> = {};
  const rows = (a: Float32Array, cols: number): number[][] => Array.from({ length: a.length / cols }, (_, r) => Array.from(a.subarray(r * cols, (r + 1) * cols)));
  net.layers.forEach((dirs, k) => {
    const p = dirs[0]!;
    out[`${prefix}layers.${k}.weight_ih`] = rows(p.wIh, p.inputSize);
    // (NH, DH, 4, DH): NH * DH blocks of (4, DH)
    const r = rows(slstmRecurrentKernel(p.wHh, H, NH), DH);
    out[`${prefix}layers.${k}.recurrent_kernel`] = Array.from({ length: NH }, (_, hd) => Array.from({ length: DH }, (_, j) => r.slice((hd * DH + j) * 4, (hd * DH + j + 1) * 4)));
    if (p.bIh !== null) {
      const b = rows(slstmBias(p.bIh, H, NH), DH);
      out[`${prefix}layers.${k}.bias`] = Array.from({ length: NH }, (_, hd) => b.slice(hd * 4, (hd + 1) * 4));
    }
  });
  return out;
}
