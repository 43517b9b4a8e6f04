/**
 * minGRU and minLSTM state_dicts ("Were RNNs All We Needed?") through an explicit name map. Two
 * namings, per layer module {P} (a stack is a ModuleList: {B}0., {B}1., ...; layer k > 0 reads the
 * h of layer k-1, so its Din is H):
 *
 * the paper's (appendix B: fixtures/min-cells/make_min_cells.py's reference modules)
 *   {P}linear_z.weight (H, Din), {P}linear_h.weight (H, Din)       minGRU, biases {P}linear_*.bias (H)
 *   {P}linear_f.weight, {P}linear_i.weight, {P}linear_h.weight     minLSTM
 *
 * lucidrains/minGRU-pytorch's (no biases)
 *   {P}to_hidden_and_gate.weight (2H, D)       rows [hidden; gate]          minGRU
 *   {P}to_hidden_and_f_i_gate.weight (3H, D)   rows [hidden; f gate; i gate] minLSTM
 *   (a {P}to_out.weight means expansion_factor != 1: a projection after the cell, not supported)
 *
 * The engine's rows are [z; n] (minGRU) and [f; i; n] (minLSTM): engine/cells/min.ts.
 */
import { cellLabel, MIN_CELL_LEAVES, type CellKind, type DirectionParams, type Network } from '../../engine/index.js';
import { InputError } from '../errors.js';
import type { CellReaderOptions, CellReaderWeights } from './cell-reader.js';
import { shapeText, type Tensor } from './tensor.js';

type MinKind = 'mingru' | 'minlstm';

export type MinCellOptions = CellReaderOptions;
export type MinCellWeights = CellReaderWeights;

/** One layer module's naming: the leaves it needs, in the engine's row order, or one stacked leaf. */
interface Naming {
  readonly kind: MinKind;
  readonly style: 'paper' | 'lucidrains';
  /** The leaves (without `.weight`) in the engine's row order, or the one stacked leaf. */
  readonly leaves: readonly string[];
  /** lucidrains: the file's row blocks, as engine rows: block b of the file is engine gate order[b]. */
  readonly order?: readonly number[];
}

const NAMINGS: readonly Naming[] = [
  { kind: 'minlstm', style: 'paper', leaves: MIN_CELL_LEAVES.minlstm },
  { kind: 'mingru', style: 'paper', leaves: MIN_CELL_LEAVES.mingru },
  { kind: 'mingru', style: 'lucidrains', leaves: ['to_hidden_and_gate'], order: [1, 0] },
  { kind: 'minlstm', style: 'lucidrains', leaves: ['to_hidden_and_f_i_gate'], order: [2, 0, 1] },
];

const LEAF = /^(.*?)(linear_z|linear_f|linear_i|linear_h|to_hidden_and_gate|to_hidden_and_f_i_gate)\.(weight|bias)$/;

interface Module {
  readonly prefix: string;
  readonly naming: Naming;
}

/** The minimal-cell layer modules in a set of names, in first-seen order. */
export function minCellModules(names: Iterable<string>): Module[] {
  const set = new Set(names);
  const found: Module[] = [];
  for (const name of set) {
    const m = LEAF.exec(name);
    if (m === null || m[3] !== 'weight') continue;
    const prefix = m[1]!;
    if (found.some((f) => f.prefix === prefix)) continue;
    const naming = NAMINGS.find((n) => n.leaves.every((leaf) => set.has(`${prefix}${leaf}.weight`)));
    if (naming !== undefined) found.push({ prefix, naming });
  }
  return found;
}

/** Whether the names hold a minimal cell (and so minCellsFromStateDict should read them). */
export function looksLikeMinCells(names: Iterable<string>): boolean {
  return minCellModules(names).length > 0;
}

/** The layers of a stack: modules {B}0., {B}1., ... in order, or the one module. */
function stackOf(modules: readonly Module[], source: string): { base: string; layers: Module[] } {
  if (modules.length === 1) return { base: modules[0]!.prefix, layers: [modules[0]!] };
  const parsed = modules.map((m) => ({ m, match: /^(.*?)(\d+)\.$/.exec(m.prefix) }));
  const base = parsed[0]!.match?.[1];
  const ok = base !== undefined && parsed.every((p) => p.match !== null && p.match[1] === base);
  if (ok) {
    const layers: Module[] = [];
    for (const p of parsed) layers[Number(p.match![2])] = p.m;
    if (layers.length === modules.length && layers.every((l) => l !== undefined)) return { base, layers };
  }
  throw new InputError(
    `several minimal-cell modules that are not one stack ${base}0., ${base}1., ... (${modules.map((m) => JSON.stringify(m.prefix)).join(', ')}); choose one with --prefix`,
    { source },
  );
}

/**
 * A minGRU or minLSTM network from a state_dict in either naming. `opts.prefix` keeps only the
 * modules under it; `opts.kind` (--cell), when given, must agree with the names.
 */
export function minCellsFromStateDict(tensors: ReadonlyMap<string, Tensor>, opts: MinCellOptions): MinCellWeights {
  const { source } = opts;
  let modules = minCellModules(tensors.keys());
  if (opts.prefix !== undefined) modules = modules.filter((m) => m.prefix.startsWith(opts.prefix!));
  if (modules.length === 0) {
    throw new InputError(`no minGRU/minLSTM weights${opts.prefix !== undefined ? ` under --prefix ${JSON.stringify(opts.prefix)}` : ''}: expected linear_z/linear_h (minGRU), linear_f/linear_i/linear_h (minLSTM) or to_hidden_and_gate weights`, {
      source,
    });
  }
  const { base, layers: mods } = stackOf(modules, source);
  const first = mods[0]!.naming;
  const kind = first.kind;
  for (const m of mods) {
    if (m.naming.kind !== kind || m.naming.style !== first.style) {
      throw new InputError(`layer ${m.prefix} is a ${cellLabel(m.naming.kind)} (${m.naming.style} names), layer ${mods[0]!.prefix} a ${cellLabel(kind)} (${first.style} names): a stack needs one cell`, {
        source,
        tensor: `${m.prefix}${m.naming.leaves[0]}.weight`,
      });
    }
  }
  if (opts.kind !== undefined && opts.kind !== kind) {
    throw new InputError(`the weights are a ${cellLabel(kind)} (${first.leaves.join(', ')}), not a ${cellLabel(opts.kind)} as --cell says`, {
      source,
      tensor: `${mods[0]!.prefix}${first.leaves[0]}.weight`,
    });
  }
  const G = kind === 'mingru' ? 2 : 3;
  const used = new Set<string>();
  const roles = new Map<string, string>();
  const gateNames = kind === 'mingru' ? ['z', 'n'] : ['f', 'i', 'n'];
  let layerNow = 0;
  const get = (name: string, role?: string): Tensor => {
    const t = tensors.get(name);
    if (t === undefined) throw new InputError('missing tensor', { source, tensor: name });
    used.add(name);
    roles.set(name, `layer ${layerNow} ${role ?? gateNames.join(', ')}${name.endsWith('.bias') ? ' bias' : ' rows'}`);
    return t;
  };
  const expect = (name: string, t: Tensor, shape: readonly number[]): void => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(`expected ${shapeText(shape)}, got ${shapeText(t.shape)}`, { source, tensor: name });
    }
  };
  // H and D from layer 0
  const lead = `${mods[0]!.prefix}${first.leaves[0]}.weight`;
  const w0 = get(lead);
  if (w0.shape.length !== 2 || w0.shape[0] === 0 || w0.shape[1] === 0) {
    throw new InputError(`expected a 2-d matrix, got ${shapeText(w0.shape)}`, { source, tensor: lead });
  }
  const rows0 = w0.shape[0]!;
  if (first.style === 'lucidrains' && rows0 % G !== 0) {
    throw new InputError(`expected [${G}*H, D] (${first.leaves[0]}: the ${G} blocks stacked), got ${shapeText(w0.shape)}`, { source, tensor: lead });
  }
  const H = first.style === 'lucidrains' ? rows0 / G : rows0;
  const D = w0.shape[1]!;
  const hasBias = first.style === 'paper' && tensors.has(`${mods[0]!.prefix}${first.leaves[0]}.bias`);
  const layers: DirectionParams[][] = [];
  mods.forEach((m, k) => {
    layerNow = k;
    const din = k === 0 ? D : H;
    const wIh = new Float32Array(G * H * din);
    const bIh = hasBias ? new Float32Array(G * H) : null;
    if (first.style === 'paper') {
      first.leaves.forEach((leaf, gate) => {
        const wName = `${m.prefix}${leaf}.weight`;
        const w = get(wName, gateNames[gate]);
        expect(wName, w, [H, din]);
        wIh.set(w.data, gate * H * din);
        const bName = `${m.prefix}${leaf}.bias`;
        if (hasBias) {
          const b = get(bName, gateNames[gate]);
          expect(bName, b, [H]);
          bIh!.set(b.data, gate * H);
        } else if (tensors.has(bName)) {
          throw new InputError(`a bias in a module whose ${mods[0]!.prefix}${first.leaves[0]} has none: all biases or none`, { source, tensor: bName });
        }
      });
    } else {
      const wName = `${m.prefix}${first.leaves[0]}.weight`;
      const w = get(wName, kind === 'mingru' ? 'n, z (the file\'s hidden, gate)' : 'n, f, i (the file\'s hidden, f, i)');
      expect(wName, w, [G * H, din]);
      first.order!.forEach((gate, block) => wIh.set(w.data.subarray(block * H * din, (block + 1) * H * din), gate * H * din));
      if (tensors.has(`${m.prefix}to_out.weight`)) {
        throw new InputError('a projection after the cell (minGRU-pytorch expansion_factor != 1) is not supported: gatescope reads the cell itself', {
          source,
          tensor: `${m.prefix}to_out.weight`,
        });
      }
      if (tensors.has(`${m.prefix}${first.leaves[0]}.bias`)) {
        throw new InputError('a bias: minGRU-pytorch\'s layers have none (bias=False)', { source, tensor: `${m.prefix}${first.leaves[0]}.bias` });
      }
    }
    layers.push([{ inputSize: din, hiddenSize: H, wIh, wHh: new Float32Array(0), bIh, bHh: null }]);
  });
  const network: Network = { kind, inputSize: D, hiddenSize: H, numLayers: mods.length, directions: ['forward'], bias: hasBias, layers };
  const extra = new Map<string, Tensor>();
  for (const [name, t] of tensors) if (!used.has(name)) extra.set(name, t);
  const where = mods.length === 1 ? JSON.stringify(mods[0]!.prefix) : `${JSON.stringify(`${base}0.`)} ... ${JSON.stringify(`${base}${mods.length - 1}.`)}`;
  const naming = `${first.leaves.join(', ')} in ${where}: ${cellLabel(kind)} layers, ${first.style === 'paper' ? 'the paper\'s names (Feng et al. 2024, appendix B)' : 'lucidrains/minGRU-pytorch\'s names'}`;
  return { network, prefix: base, extra, ignored: [...extra.keys()], roles, naming };
}

/** The paper's names (`layers.{k}.linear_z.weight`, ...) of a minimal-cell network, as nested arrays. */
export function minCellStateDict(net: Network, prefix = ''): Record<string, number[] | number[][]> {
  const leaves = MIN_CELL_LEAVES[net.kind === 'mingru' ? 'mingru' : 'minlstm'];
  const out: Record<string, number[] | number[][]> = {};
  const H = net.hiddenSize;
  net.layers.forEach((dirs, k) => {
    const p = dirs[0]!;
    leaves.forEach((leaf, gate) => {
      const rows: number[][] = [];
      for (let r = 0; r < H; r++) rows.push(Array.from(p.wIh.subarray((gate * H + r) * p.inputSize, (gate * H + r + 1) * p.inputSize)));
      out[`${prefix}layers.${k}.${leaf}.weight`] = rows;
      if (p.bIh !== null) out[`${prefix}layers.${k}.${leaf}.bias`] = Array.from(p.bIh.subarray(gate * H, (gate + 1) * H));
    });
  });
  return out;
}

/** Whether a cell kind is read by this module. */
export function isMinKind(kind: CellKind | undefined): kind is MinKind {
  return kind === 'mingru' || kind === 'minlstm';
}
