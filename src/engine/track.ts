/**
 * Unit search: which units track a signal. For every layer, direction, state (STATE_NAMES) and unit,
 * the Pearson correlation r of the unit's value over the steps with a signal s_t (an input feature,
 * "inside a regex match" over text, bracket depth, ...). For a signal of 0s and 1s also the best
 * split of the unit's values: the threshold (between two of its values) that predicts s = 1 with the
 * best F1, with that precision and recall, in the direction (above or below) that works.
 *
 * Steps where the signal is NaN are left out (the signal says nothing there). A unit whose values or
 * a signal whose values do not vary has r = NaN: it tracks nothing, it is not ranked.
 */
import { GATE_NAMES, STATE_NAMES, stateWidth } from './shapes.js';
import type { Network, NetworkStep } from './types.js';

export interface UnitTrack {
  readonly layer: number;
  readonly direction: number;
  readonly state: string;
  readonly unit: number;
  /** Pearson correlation with the signal over the steps it is defined at. */
  readonly r: number;
  /** Binary signals only: the unit's best threshold, which side of it means 1, and the split's precision, recall and F1. */
  readonly split: { readonly threshold: number; readonly above: boolean; readonly precision: number; readonly recall: number; readonly f1: number } | null;
}

/** Pearson r of a and b over the indices where both are finite; NaN when either does not vary there. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) continue;
    n++;
    ma += (a[i]! - ma) / n;
    mb += (b[i]! - mb) / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb))) : Number.NaN;
}

/** Whether the signal's defined values are all 0 or 1 (and both occur). */
export function isBinary(signal: ArrayLike<number>): boolean {
  let zeros = 0;
  let ones = 0;
  for (let i = 0; i < signal.length; i++) {
    const s = signal[i]!;
    if (Number.isNaN(s)) continue;
    if (s === 0) zeros++;
    else if (s === 1) ones++;
    else return false;
  }
  return zeros > 0 && ones > 0;
}

/** The threshold on v that predicts s = 1 best (F1), trying both sides; v and s over the same defined steps. */
export function bestSplit(v: ArrayLike<number>, s: ArrayLike<number>): UnitTrack['split'] {
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(s[i]!) && Number.isFinite(v[i]!)) idx.push(i);
  const positives = idx.reduce((n, i) => n + (s[i] === 1 ? 1 : 0), 0);
  if (positives === 0 || positives === idx.length) return null;
  idx.sort((a, b) => v[a]! - v[b]!);
  let best: NonNullable<UnitTrack['split']> | null = null;
  const consider = (threshold: number, above: boolean, tp: number, predicted: number): void => {
    if (predicted === 0 || tp === 0) return;
    const precision = tp / predicted;
    const recall = tp / positives;
    const f1 = (2 * precision * recall) / (precision + recall);
    if (best === null || f1 > best.f1) best = { threshold, above, precision, recall, f1 };
  };
  // below the k-th value (in order) vs from it on: count the 1s below as the split moves up
  let onesBelow = 0;
  for (let k = 1; k < idx.length; k++) {
    onesBelow += s[idx[k - 1]!] === 1 ? 1 : 0;
    const lo = v[idx[k - 1]!]!;
    const hi = v[idx[k]!]!;
    if (lo === hi) continue;
    const threshold = (lo + hi) / 2;
    consider(threshold, true, positives - onesBelow, idx.length - k);
    consider(threshold, false, onesBelow, k);
  }
  return best;
}

/** One unit's value over the run: state (a STATE_NAMES entry) of layer, direction index dir, into out (T). */
export function unitSeries(net: Network, steps: readonly NetworkStep[], layer: number, dir: number, state: string, unit: number, out = new Float64Array(steps.length)): Float64Array {
  const H = net.hiddenSize;
  const g = state === 'h' || state === 'c' ? -1 : GATE_NAMES[net.kind].indexOf(state);
  for (let t = 0; t < steps.length; t++) {
    const rec = steps[t]!.layers[layer]![dir]!;
    out[t] = state === 'h' ? rec.h[unit]! : state === 'c' ? rec.c![unit]! : rec.gates[g * H + unit]!;
  }
  return out;
}

/**
 * Every unit of every layer, direction and state against `signal` (T values, NaN where undefined),
 * ranked by |r|, largest first (units with r = NaN last, in network order).
 */
export function trackUnits(net: Network, steps: readonly NetworkStep[], signal: ArrayLike<number>): UnitTrack[] {
  const T = steps.length;
  if (signal.length !== T) throw new RangeError(`the signal has ${signal.length} values, the run ${T} steps`);
  const binary = isBinary(signal);
  const gates = STATE_NAMES[net.kind];
  const out: UnitTrack[] = [];
  const v = new Float64Array(T);
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < net.directions.length; d++) {
      for (const state of gates) {
        const width = stateWidth(net, state);
        for (let u = 0; u < width; u++) {
          unitSeries(net, steps, k, d, state, u, v);
          out.push({ layer: k, direction: d, state, unit: u, r: pearson(v, signal), split: binary ? bestSplit(v, signal) : null });
        }
      }
    }
  }
  const key = (x: UnitTrack): number => (Number.isNaN(x.r) ? -1 : Math.abs(x.r));
  return out.map((x, i) => ({ x, i })).sort((a, b) => key(b.x) - key(a.x) || a.i - b.i).map(({ x }) => x);
}
