/**
 * Finding units: which are flagged (saturated or dead) over the steps held, and the order the
 * viewer shows them in (by index, variance, saturation, or |value| at this step). Pure reads of
 * the trace, so it works the same at H = 8 and H = 1,024; long traces are sampled (at most
 * MAX_SAMPLES steps, in runs spread evenly) so that a key press never walks a million steps.
 *
 * The rule, the same as `gatescope stats` (its --saturated and --dead flags change it there):
 *   saturated  a sigmoid gate below SATURATION or above 1 - SATURATION, or a tanh value beyond
 *              ±(1 - SATURATION), on at least SATURATED_FRACTION of the steps (shut / open by
 *              which side it sits on more often)
 *   dead       the hidden state h never moves by more than DEAD_SPREAD
 */
import type { TraceStore } from '../trace/trace-store.js';
import { SATURATION, type PanelSpec } from './panels.js';
import type { UnitSort } from './session.js';

/** A unit saturated on at least this fraction of the steps is flagged. */
export const SATURATED_FRACTION = 0.9;
/** A unit whose h never moves by more than this (max - min) is flagged dead. */
export const DEAD_SPREAD = 1e-6;
/** Most steps read to find flags and variances. */
export const MAX_SAMPLES = 512;

export interface UnitFlag {
  readonly unit: number;
  /** What is wrong, in words: `f open 97%`, `h dead`. */
  readonly why: string;
}

export interface UnitSummary {
  readonly H: number;
  /** Steps read (every held step, or a sample). */
  readonly steps: number;
  /** Per unit: the largest variance over its panels (as shown: free panels divided by their scale). */
  readonly variance: Float64Array;
  /** Per unit: the largest fraction of steps saturated over its bounded panels. */
  readonly saturation: Float64Array;
  /** Flagged units in index order. */
  readonly flags: readonly UnitFlag[];
}

/** Runs of consecutive steps a sample of a long trace is made of. */
export const SAMPLE_RUNS = 16;

/**
 * The steps to read: every held step, or MAX_SAMPLES of them in SAMPLE_RUNS runs of consecutive
 * steps spread evenly, each starting at a block of `blockSteps` (a trace recomputes a step it no
 * longer caches a block at a time: 16 blocks, not 512).
 */
export function sampleSteps(first: number, length: number, max = MAX_SAMPLES, blockSteps = 1): number[] {
  const n = length - first;
  if (n <= 0) return [];
  if (n <= max) return Array.from({ length: n }, (_, i) => first + i);
  const per = Math.max(1, Math.floor(max / SAMPLE_RUNS));
  const out: number[] = [];
  for (let r = 0; r < SAMPLE_RUNS; r++) {
    const want = first + Math.floor((r * (n - per)) / (SAMPLE_RUNS - 1));
    const start = Math.max(first, Math.min(length - per, want - (want % blockSteps)));
    for (let i = 0; i < per; i++) if (out.length === 0 || start + i > out.at(-1)!) out.push(start + i);
  }
  return out;
}

/** Whether v is saturated on a panel's scale: -1 shut / negative, 1 open / positive, 0 not. */
function side(p: PanelSpec, v: number): -1 | 0 | 1 {
  if (p.scale === 'unit') return v <= SATURATION ? -1 : v >= 1 - SATURATION ? 1 : 0;
  if (p.scale === 'tanh') return v <= -(1 - SATURATION) ? -1 : v >= 1 - SATURATION ? 1 : 0;
  return 0;
}

/** Flags, variances and saturation of every unit of one (layer, direction). */
export function summariseUnits(store: TraceStore, panels: readonly PanelSpec[], layer: number, dir: number): UnitSummary {
  const H = store.network.hiddenSize;
  const steps = sampleSteps(store.first, store.length, MAX_SAMPLES, store.blockSteps);
  const variance = new Float64Array(H);
  const saturation = new Float64Array(H);
  const flags: UnitFlag[] = [];
  const why: string[][] = Array.from({ length: H }, () => []);
  const n = steps.length;
  for (const p of panels) {
    // H units, or P for h of a projected LSTM (its units past P have no h)
    const W = store.width(p.name);
    const sum = new Float64Array(H);
    const sq = new Float64Array(H);
    const lo = new Float64Array(H).fill(Infinity);
    const hi = new Float64Array(H).fill(-Infinity);
    const shut = new Float64Array(H);
    const open = new Float64Array(H);
    const scale = p.scale === 'free' ? store.range(p.name, layer, dir).maxAbs || 1 : 1;
    for (const t of steps) {
      const v = store.state(p.name, layer, dir, t);
      for (let u = 0; u < W; u++) {
        const x = v[u]! / scale;
        sum[u]! += x;
        sq[u]! += x * x;
        if (v[u]! < lo[u]!) lo[u] = v[u]!;
        if (v[u]! > hi[u]!) hi[u] = v[u]!;
        const sd = side(p, v[u]!);
        if (sd < 0) shut[u]!++;
        else if (sd > 0) open[u]!++;
      }
    }
    if (n === 0) continue;
    for (let u = 0; u < W; u++) {
      const mean = sum[u]! / n;
      variance[u] = Math.max(variance[u]!, Math.max(0, sq[u]! / n - mean * mean));
      const frac = (shut[u]! + open[u]!) / n;
      if (p.scale !== 'free') saturation[u] = Math.max(saturation[u]!, frac);
      if (p.scale !== 'free' && frac >= SATURATED_FRACTION) {
        const words = p.scale === 'unit' ? (open[u]! >= shut[u]! ? 'open' : 'shut') : open[u]! >= shut[u]! ? '+1' : '-1';
        why[u]!.push(`${p.name} ${words} ${Math.round(frac * 100)}%`);
      }
      if (p.name === 'h' && hi[u]! - lo[u]! <= DEAD_SPREAD) why[u]!.push('h dead');
    }
  }
  for (let u = 0; u < H; u++) if (why[u]!.length > 0) flags.push({ unit: u, why: why[u]!.join(', ') });
  return { H, steps: n, variance, saturation, flags };
}

/**
 * The units on screen in row order, or null for every unit by index (nothing sorted or
 * filtered). `values` is the timeline panel's state at the cursor (for the |value| order).
 */
export function unitOrder(summary: UnitSummary, sort: UnitSort, flaggedOnly: boolean, values: Float64Array | null, ranked: readonly number[] | null = null): number[] | null {
  if (sort === 'index' && !flaggedOnly) return null;
  // by |r| with a signal: the ranking's own order (trace/unit-signal.ts)
  if (sort === 'signal' && ranked !== null) return [...ranked];
  let units = Array.from({ length: summary.H }, (_, u) => u);
  if (flaggedOnly) {
    const set = new Set(summary.flags.map((f) => f.unit));
    units = units.filter((u) => set.has(u));
  }
  const key = (u: number): number =>
    sort === 'variance' ? summary.variance[u]! : sort === 'saturation' ? summary.saturation[u]! : sort === 'value' ? Math.abs(values?.[u] ?? 0) : -u;
  return units.sort((a, b) => key(b) - key(a) || a - b);
}
