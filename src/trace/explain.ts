/**
 * The numbers behind one unit at one step, split the way the cell's equations add them up, so the
 * viewer can say "the forget gate kept 0.78 x 0.51 of the old cell" with the real values.
 *
 * Pre-activations are the engine's own (stored); the split into input, recurrent and bias parts is
 * recomputed here from the weights and the stored (float32) input and previous state, so the parts
 * add up to the stored value to about 1e-6.
 */
import { GATE_NAMES, clipValue, numHeadsOf, outputSize, projSizeOf, type CellKind, type DirectionParams } from '../engine/index.js';
import type { TraceStore } from './trace-store.js';

/** One input's share of a gate's pre-activation: W_ih[row, j] * x_j. */
export interface Contribution {
  /** Index j into the layer's input. */
  readonly index: number;
  /** The input's name (feature name, or the lower layer's unit), safe to print. */
  readonly name: string;
  readonly weight: number;
  readonly x: number;
  /** weight * x */
  readonly value: number;
}

/** A gate row's pre-activation and where it came from. */
export interface GateTerms {
  /** Gate name (i, f, g, o / r, z, n / h). */
  readonly gate: string;
  /** Row in the weight matrices: gateIndex * H + unit. */
  readonly row: number;
  /** The stored pre-activation (after clipping, if the network clips). */
  readonly pre: number;
  /** The activation's output. */
  readonly value: number;
  /** W_ih[row, :] . x */
  readonly input: number;
  /** W_hh[row, :] . h_prev; GRU n: r * (W_hn h_prev + b_hn) or W_hn (r * h_prev) + b_hn. */
  readonly recurrent: number;
  /** b_ih[row] + b_hh[row] (GRU n: b_in only when b_hn is inside the recurrent part). */
  readonly bias: number;
  /** LSTM peephole term p * c (0 without peepholes). */
  readonly peephole: number;
  /** True when the network clips and the sum was cut to [-clip, clip]. */
  readonly clipped: boolean;
  /** The largest |W_ih[row, j] * x_j|, largest first. */
  readonly top: readonly Contribution[];
}

export interface Explanation {
  readonly kind: CellKind;
  readonly layer: number;
  readonly dir: number;
  readonly t: number;
  readonly unit: number;
  /** Gate terms in the engine's gate order. */
  readonly gates: readonly GateTerms[];
  /** h_prev of this unit; NaN for a projected LSTM (h_prev has P values, not one per unit). */
  readonly hPrev: number;
  /** h of this unit; for a projected LSTM o·tanh(c) of this unit, before the projection W_hr. */
  readonly h: number;
  /** PyTorch's proj_size P: h = W_hr (o·tanh(c)) mixes the units; 0 without a projection. */
  readonly projSize: number;
  /** LSTM and sLSTM (the sLSTM's c is stabilised: scaled by exp(-m) as its n is). */
  readonly cPrev: number | null;
  readonly c: number | null;
  /** sLSTM only: its normaliser n and stabiliser m before and after the step, and its head. */
  readonly slstm: { readonly nPrev: number; readonly n: number; readonly mPrev: number; readonly m: number; readonly head: number; readonly heads: number } | null;
  /** GRU (linear_before_reset) only: W_hn h_prev + b_hn, the part r scales. */
  readonly hn: number | null;
  /** Whether the GRU uses PyTorch's form (r applied after the recurrent product). */
  readonly linearBeforeReset: boolean;
  readonly clip: number | null;
  /**
   * The units of h_prev that drive this unit's W_hh·h_prev most: per unit j, the sum over the
   * gates of |W_hh[row, j] · h_prev_j| (the GRU candidate's term as r scales it), largest first.
   */
  readonly drivers: readonly Driver[];
}

/** The terms of one gate of an explanation (`f`, `r`, ...); an error for a gate the cell has not. */
export function gateTerms(e: Explanation, name: string): GateTerms {
  const g = e.gates.find((x) => x.gate === name);
  if (g === undefined) throw new Error(`no gate ${name} in ${e.kind}`);
  return g;
}

/** One unit of h_prev and how much it moves this unit's recurrent terms. */
export interface Driver {
  readonly unit: number;
  readonly hPrev: number;
  /** Σ over the gates of |W_hh[row, unit] · h_prev[unit]|. */
  readonly total: number;
  /** The signed term per gate, in gate order. */
  readonly terms: readonly number[];
}

function dot(w: Float32Array, row: number, cols: number, v: ArrayLike<number>): number {
  let s = 0;
  const base = row * cols;
  for (let j = 0; j < cols; j++) s += w[base + j]! * v[j]!;
  return s;
}

function topContributions(p: DirectionParams, row: number, x: Float64Array, names: readonly string[], n: number): Contribution[] {
  const all: Contribution[] = [];
  const cols = p.inputSize;
  for (let j = 0; j < cols; j++) {
    const weight = p.wIh[row * cols + j]!;
    const xv = x[j]!;
    all.push({ index: j, name: names[j] ?? `x${j}`, weight, x: xv, value: weight * xv });
  }
  all.sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index);
  return all.slice(0, n);
}

/** Explains unit `unit` of layer k, direction index d at step t. */
export function explainUnit(store: TraceStore, layer: number, dir: number, t: number, unit: number, topN = 3): Explanation {
  const net = store.network;
  const H = net.hiddenSize;
  // The width of h_prev (P for a projected LSTM): the recurrent weights have that many columns.
  const Hh = outputSize(net);
  const projSize = projSizeOf(net);
  if (!Number.isInteger(unit) || unit < 0 || unit >= H) throw new RangeError(`unit ${unit} is outside 0..${H - 1}`);
  // its gate rows are not G*H (q, k, v, o, then one i and f per head): refused, never misread
  if (net.kind === 'mlstm') throw new RangeError('explain: an mLSTM is not covered yet (the cell diagram, d, draws its head\'s matrix memory C)');
  const p = net.layers[layer]?.[dir];
  if (p === undefined) throw new RangeError(`no layer ${layer} direction ${dir}`);
  const kind = net.kind;
  const clip = net.clip ?? null;
  const names = GATE_NAMES[kind];
  const pre = store.pre(layer, dir, t);
  const x = store.layerInput(layer, t);
  const inputNames = store.layerInputNames(layer);
  const hPrevAll = store.previous('h', layer, dir, t);
  const withC = kind === 'lstm' || kind === 'slstm';
  const cPrevAll = withC ? store.previous('c', layer, dir, t) : null;
  const c = withC ? store.value('c', layer, dir, t, unit) : null;
  // an sLSTM's recurrence is block-diagonal: row g*H + unit reads the DH values of h_prev in unit's head
  const DH = kind === 'slstm' ? H / numHeadsOf(net) : Hh;
  const from = kind === 'slstm' ? Math.floor(unit / DH) * DH : 0;
  const slstm =
    kind === 'slstm'
      ? {
          nPrev: store.previous('n', layer, dir, t)[unit]!,
          n: store.value('n', layer, dir, t, unit),
          mPrev: store.previous('m', layer, dir, t)[unit]!,
          m: store.value('m', layer, dir, t, unit),
          head: from / DH,
          heads: numHeadsOf(net),
        }
      : null;
  const h = projSize > 0 ? store.value('o', layer, dir, t, unit) * Math.tanh(c!) : store.value('h', layer, dir, t, unit);
  const lbr = net.linearBeforeReset ?? true;
  const bias = (row: number): number => (p.bIh?.[row] ?? 0) + (p.bHh?.[row] ?? 0);
  let hn: number | null = null;

  const gates: GateTerms[] = names.map((g, gi) => {
    const row = gi * H + unit;
    const input = dot(p.wIh, row, p.inputSize, x);
    // minGRU/minLSTM: no W_hh, the gates see x only
    let recurrent = p.wHh.length === 0 ? 0 : dot(p.wHh, row, DH, from === 0 ? hPrevAll : hPrevAll.subarray(from));
    let b = bias(row);
    let peephole = 0;
    if (kind === 'gru' && g === 'n') {
      const r = store.value('r', layer, dir, t, unit);
      const bhn = p.bHh?.[row] ?? 0;
      if (lbr) {
        hn = recurrent + bhn;
        recurrent = r * hn;
      } else {
        // W_hn (r * h_prev): r is per unit of h_prev, so it scales each column, not this row.
        const rAll = store.state('r', layer, dir, t);
        let s = 0;
        for (let j = 0; j < H; j++) s += p.wHh[row * H + j]! * rAll[j]! * hPrevAll[j]!;
        recurrent = s + bhn;
      }
      b = p.bIh?.[row] ?? 0;
    }
    if (kind === 'lstm' && p.peephole != null) {
      if (g === 'i') peephole = p.peephole[unit]! * cPrevAll![unit]!;
      else if (g === 'f') peephole = p.peephole[H + unit]! * cPrevAll![unit]!;
      else if (g === 'o') peephole = p.peephole[2 * H + unit]! * c!;
    }
    const raw = input + recurrent + b + peephole;
    const stored = pre[row]!;
    const clipped = clip !== null && clipValue(raw, clip) !== raw;
    return {
      gate: g,
      row,
      pre: stored,
      value: store.value(g, layer, dir, t, unit),
      input,
      recurrent,
      bias: b,
      peephole,
      clipped,
      top: topContributions(p, row, x, inputNames, topN),
    };
  });

  // Who drives the recurrent part: each unit j of h_prev, summed over this unit's gate rows.
  const rAll = kind === 'gru' ? store.state('r', layer, dir, t) : null;
  const drivers: Driver[] = [];
  for (let jj = 0; jj < (p.wHh.length === 0 ? 0 : DH); jj++) {
    const j = from + jj;
    const terms = names.map((g, gi) => {
      const w = p.wHh[(gi * H + unit) * DH + jj]! * hPrevAll[j]!;
      if (g !== 'n' || rAll === null) return w;
      return lbr ? rAll[unit]! * w : rAll[j]! * w;
    });
    drivers.push({ unit: j, hPrev: hPrevAll[j]!, total: terms.reduce((a, b) => a + Math.abs(b), 0), terms });
  }
  drivers.sort((a, b) => b.total - a.total || a.unit - b.unit);

  return {
    kind,
    layer,
    dir,
    t,
    unit,
    gates,
    drivers: drivers.slice(0, topN),
    hPrev: projSize > 0 ? NaN : hPrevAll[unit]!,
    h,
    projSize,
    cPrev: cPrevAll === null ? null : cPrevAll[unit]!,
    c,
    slstm,
    hn,
    linearBeforeReset: lbr,
    clip,
  };
}
