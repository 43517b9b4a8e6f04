/**
 * Whole-sequence statistics of every traced state: per layer, direction, state (STATE_NAMES) and
 * unit, the mean, population standard deviation (ddof = 0, as numpy's default), min, max, and the
 * fraction of steps saturated:
 *   sigmoid gates (LSTM i f o, GRU r z):          v < 0.02 or v > 0.98
 *   tanh-range values (LSTM g h, GRU n h, RNN tanh h): v < -0.98 or v > 0.98
 *   unbounded values (LSTM c, RNN relu h):        none (null)
 *
 * Sums are of v - K with K the unit's first value (the "shifted data" algorithm), so the variance
 * stays exact when a unit barely moves next to its mean: a dead unit reports a std of 0, not the
 * rounding noise of sum(v^2)/n - mean^2.
 *
 * StatsAccumulator is the reference: it reads NetworkSteps (float64). fast/fast-stats.ts computes the
 * same numbers from the fast engine's float32 buffers with a SIMD kernel.
 */
import { recordState, STATE_NAMES, stateWidth } from './shapes.js';
import type { CellKind, Direction, NetworkSpec, NetworkStep, StepRecord } from './types.js';

export type SaturationKind = 'sigmoid' | 'tanh' | null;

/** A value is saturated when v < lo or v > hi. */
export const SATURATION_LIMITS: Readonly<Record<'sigmoid' | 'tanh', { readonly lo: number; readonly hi: number }>> = {
  sigmoid: { lo: 0.02, hi: 0.98 },
  tanh: { lo: -0.98, hi: 0.98 },
};

const SIGMOID_STATES: ReadonlySet<string> = new Set(['i', 'f', 'o', 'r', 'z']);

/** How a state of a cell kind saturates, if it does. */
export function saturationOf(kind: CellKind, state: string): SaturationKind {
  // an sLSTM's stabilised i and f are exponentials scaled by m (one of them is 1 at every step),
  // its n and m are unbounded: only o (sigmoid), z and h (|h| < 1) saturate
  if (kind === 'slstm') return state === 'o' ? 'sigmoid' : state === 'z' || state === 'h' ? 'tanh' : null;
  // an mLSTM's i and f are stabilised alike, its n, m and h (a readout C q / |n . q|) unbounded: only o saturates
  if (kind === 'mlstm') return state === 'o' ? 'sigmoid' : null;
  if (SIGMOID_STATES.has(state)) return 'sigmoid';
  // unbounded: an LSTM's c, a ReLU's h, a minimal cell's g(a) candidate and its h (sums of them)
  if (state === 'c' || kind === 'rnn_relu' || kind === 'mingru' || kind === 'minlstm') return null;
  return 'tanh';
}

/** The statistics of one state of one direction of one layer, one entry per unit (H). */
export interface StateStats {
  readonly layer: number;
  readonly direction: Direction;
  /** A name from STATE_NAMES: i f g o c h (LSTM), r z n h (GRU), h (RNN). */
  readonly state: string;
  readonly saturation: SaturationKind;
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Fraction of steps saturated, or null for unbounded values. */
  readonly saturated: Float64Array | null;
}

export interface SequenceStats {
  /** T */
  readonly steps: number;
  readonly kind: CellKind;
  readonly hiddenSize: number;
  /** A projected LSTM's proj_size P (its h groups have P units); absent without a projection. */
  readonly projSize?: number;
  readonly numLayers: number;
  readonly directions: readonly Direction[];
  /** Layer by layer, direction by direction, states in STATE_NAMES order. */
  readonly groups: readonly StateStats[];
}

/** The (layer, direction index, state) of every group, in result order. */
export function statsGroups(spec: NetworkSpec): { layer: number; dir: number; state: string }[] {
  const out: { layer: number; dir: number; state: string }[] = [];
  for (let layer = 0; layer < spec.numLayers; layer++) {
    for (let dir = 0; dir < spec.directions.length; dir++) {
      for (const state of STATE_NAMES[spec.kind]) out.push({ layer, dir, state });
    }
  }
  return out;
}

/** Running sums of one group, as both accumulators keep them. */
export interface GroupSums {
  /** (H) shift: the unit's first value. */
  readonly k: ArrayLike<number>;
  /** (H) sum of (v - k), sum of (v - k)^2 */
  readonly sum: ArrayLike<number>;
  readonly sumSq: ArrayLike<number>;
  readonly min: ArrayLike<number>;
  readonly max: ArrayLike<number>;
  /** (H) steps saturated */
  readonly saturated: ArrayLike<number>;
}

/** The statistics of a group from its sums over n steps. */
export function finishGroup(
  spec: NetworkSpec,
  group: { layer: number; dir: number; state: string },
  sums: GroupSums,
  n: number,
): StateStats {
  // H values, or P for h of a projected LSTM
  const H = stateWidth(spec, group.state);
  const saturation = saturationOf(spec.kind, group.state);
  const mean = new Float64Array(H);
  const std = new Float64Array(H);
  const min = new Float64Array(H);
  const max = new Float64Array(H);
  const saturated = saturation === null ? null : new Float64Array(H);
  for (let u = 0; u < H; u++) {
    if (n === 0) {
      mean[u] = std[u] = min[u] = max[u] = NaN;
      if (saturated !== null) saturated[u] = NaN;
      continue;
    }
    const m = sums.sum[u]! / n;
    mean[u] = sums.k[u]! + m;
    std[u] = Math.sqrt(Math.max(0, sums.sumSq[u]! / n - m * m));
    min[u] = sums.min[u]!;
    max[u] = sums.max[u]!;
    if (saturated !== null) saturated[u] = sums.saturated[u]! / n;
  }
  return { layer: group.layer, direction: spec.directions[group.dir]!, state: group.state, saturation, mean, std, min, max, saturated };
}

function valuesOf(kind: CellKind, rec: StepRecord, state: string, H: number): ArrayLike<number> {
  return recordState(kind, rec, state, H);
}

interface RefGroup {
  readonly layer: number;
  readonly dir: number;
  readonly state: string;
  readonly lo: number;
  readonly hi: number;
  readonly k: Float64Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly saturated: Float64Array;
}

/** The reference accumulator: feed it every step (in any order), then read result(). */
export class StatsAccumulator {
  private n = 0;
  private readonly groups: RefGroup[];

  constructor(private readonly spec: NetworkSpec) {
    this.groups = statsGroups(spec).map((g) => {
      const H = stateWidth(spec, g.state);
      const sat = saturationOf(spec.kind, g.state);
      const lim = sat === null ? { lo: -Infinity, hi: Infinity } : SATURATION_LIMITS[sat];
      return {
        ...g,
        lo: lim.lo,
        hi: lim.hi,
        k: new Float64Array(H),
        sum: new Float64Array(H),
        sumSq: new Float64Array(H),
        min: new Float64Array(H).fill(Infinity),
        max: new Float64Array(H).fill(-Infinity),
        saturated: new Float64Array(H),
      };
    });
  }

  /** Steps added so far. */
  get steps(): number {
    return this.n;
  }

  add(step: NetworkStep): void {
    const H0 = this.spec.hiddenSize;
    const first = this.n === 0;
    for (const g of this.groups) {
      const v = valuesOf(this.spec.kind, step.layers[g.layer]![g.dir]!, g.state, H0);
      const H = g.k.length;
      if (first) for (let u = 0; u < H; u++) g.k[u] = v[u]!;
      for (let u = 0; u < H; u++) {
        const x = v[u]!;
        const d = x - g.k[u]!;
        g.sum[u]! += d;
        g.sumSq[u]! += d * d;
        if (x < g.min[u]!) g.min[u] = x;
        if (x > g.max[u]!) g.max[u] = x;
        if (x < g.lo || x > g.hi) g.saturated[u]!++;
      }
    }
    this.n++;
  }

  result(): SequenceStats {
    const spec = this.spec;
    return {
      steps: this.n,
      kind: spec.kind,
      hiddenSize: spec.hiddenSize,
      ...(spec.projSize ? { projSize: spec.projSize } : {}),
      numLayers: spec.numLayers,
      directions: spec.directions,
      groups: this.groups.map((g) => finishGroup(spec, g, g, this.n)),
    };
  }
}
