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
import { STATE_NAMES, stateSlot, stateWidth } from './shapes.js';
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

type Split = NonNullable<UnitTrack['split']>;

/** Keeps the split with the best F1 of those considered: `tp` of the `predicted` steps are among the `positives`. */
function splitPicker(positives: number): { consider(threshold: number, above: boolean, tp: number, predicted: number): void; best(): Split | null } {
  let best: Split | null = null;
  return {
    consider(threshold, above, tp, predicted) {
      if (predicted === 0 || tp === 0) return;
      const precision = tp / predicted;
      const recall = tp / positives;
      const f1 = (2 * precision * recall) / (precision + recall);
      if (best === null || f1 > best.f1) best = { threshold, above, precision, recall, f1 };
    },
    best: () => best,
  };
}

/** The threshold on v that predicts s = 1 best (F1), trying both sides; v and s over the same defined steps. */
export function bestSplit(v: ArrayLike<number>, s: ArrayLike<number>): UnitTrack['split'] {
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(s[i]!) && Number.isFinite(v[i]!)) idx.push(i);
  const positives = idx.reduce((n, i) => n + (s[i] === 1 ? 1 : 0), 0);
  if (positives === 0 || positives === idx.length) return null;
  idx.sort((a, b) => v[a]! - v[b]!);
  const pick = splitPicker(positives);
  const consider = pick.consider;
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
  return pick.best();
}

/** One unit's value over the run: state (a STATE_NAMES entry) of layer, direction index dir, into out (T). */
export function unitSeries(net: Network, steps: readonly NetworkStep[], layer: number, dir: number, state: string, unit: number, out = new Float64Array(steps.length)): Float64Array {
  const H = net.hiddenSize;
  const { from, offset } = stateSlot(net.kind, state, H);
  for (let t = 0; t < steps.length; t++) {
    const rec = steps[t]!.layers[layer]![dir]!;
    out[t] = from === 'h' ? rec.h[unit]! : from === 'c' ? rec.c![offset + unit]! : rec.gates[offset + unit]!;
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

/** A ranked unit with the lowest and highest value it took (what TrackSplits bins between). */
export type RankedUnit = UnitTrack & { readonly lo: number; readonly hi: number };

/** Where a unit's value sits in a step's record: layer, direction, state and the offset in its array. */
interface UnitSlot {
  readonly layer: number;
  readonly direction: number;
  readonly state: string;
  readonly unit: number;
  /** 0 gates (at offset), 1 h, 2 c */
  readonly from: 0 | 1 | 2;
  readonly offset: number;
}

function unitSlots(net: Network): UnitSlot[] {
  const H = net.hiddenSize;
  const slots: UnitSlot[] = [];
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < net.directions.length; d++) {
      for (const state of STATE_NAMES[net.kind]) {
        const slot = stateSlot(net.kind, state, H);
        const from = slot.from === 'h' ? 1 : slot.from === 'c' ? 2 : 0;
        for (let u = 0; u < stateWidth(net, state); u++) slots.push({ layer: k, direction: d, state, unit: u, from, offset: slot.offset + u });
      }
    }
  }
  return slots;
}

/** Every unit's value at one step, in unitSlots order, into out. */
function readUnits(slots: readonly UnitSlot[], step: NetworkStep, out: Float64Array): void {
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    const rec = step.layers[s.layer]![s.direction]!;
    out[i] = s.from === 1 ? rec.h[s.offset]! : s.from === 2 ? rec.c![s.offset]! : rec.gates[s.offset]!;
  }
}

/**
 * trackUnits over many sequences without holding them: steps are added one at a time with the
 * signal's value there, and Pearson's sums are kept per unit (shifted by the first value seen, so
 * that long corpora lose no precision). r equals trackUnits' over the sequences joined end to end.
 * Splits (binary signals) need a second look at the values: TrackSplits does it for the units
 * chosen from these results.
 */
export class TrackSums {
  private readonly slots: UnitSlot[];
  private readonly v: Float64Array;
  private readonly n: Float64Array;
  private readonly ka: Float64Array;
  private readonly sa: Float64Array;
  private readonly sb: Float64Array;
  private readonly sab: Float64Array;
  private readonly saa: Float64Array;
  private readonly sbb: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private kb = Number.NaN;
  private zeros = 0;
  private ones = 0;
  private others = 0;
  /** Steps added whose signal is defined. */
  steps = 0;

  constructor(private readonly net: Network) {
    this.slots = unitSlots(net);
    const U = this.slots.length;
    this.v = new Float64Array(U);
    this.n = new Float64Array(U);
    this.ka = new Float64Array(U).fill(Number.NaN);
    this.sa = new Float64Array(U);
    this.sb = new Float64Array(U);
    this.sab = new Float64Array(U);
    this.saa = new Float64Array(U);
    this.sbb = new Float64Array(U);
    this.lo = new Float64Array(U).fill(Infinity);
    this.hi = new Float64Array(U).fill(-Infinity);
  }

  /** Adds one step with the signal's value s there (NaN: the step says nothing, it is left out). */
  add(step: NetworkStep, s: number): void {
    if (Number.isNaN(s)) return;
    if (Number.isNaN(this.kb)) this.kb = s;
    this.steps++;
    if (s === 0) this.zeros++;
    else if (s === 1) this.ones++;
    else this.others++;
    const b = s - this.kb;
    const v = this.v;
    readUnits(this.slots, step, v);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (!Number.isFinite(x)) continue;
      if (Number.isNaN(this.ka[i]!)) this.ka[i] = x;
      const a = x - this.ka[i]!;
      this.n[i]!++;
      this.sa[i]! += a;
      this.sb[i]! += b;
      this.sab[i]! += a * b;
      this.saa[i]! += a * a;
      this.sbb[i]! += b * b;
      if (x < this.lo[i]!) this.lo[i] = x;
      if (x > this.hi[i]!) this.hi[i] = x;
    }
  }

  /** Whether the signal so far is 0s and 1s, both seen. */
  get binary(): boolean {
    return this.others === 0 && this.zeros > 0 && this.ones > 0;
  }

  /** Every unit ranked by |r|, largest first (r = NaN last, in network order); splits null. */
  result(): RankedUnit[] {
    const out: RankedUnit[] = this.slots.map((s, i) => {
      const n = this.n[i]!;
      const cab = this.sab[i]! - (this.sa[i]! * this.sb[i]!) / n;
      const caa = this.saa[i]! - (this.sa[i]! * this.sa[i]!) / n;
      const cbb = this.sbb[i]! - (this.sb[i]! * this.sb[i]!) / n;
      const r = n > 1 && caa > 0 && cbb > 0 ? Math.max(-1, Math.min(1, cab / Math.sqrt(caa * cbb))) : Number.NaN;
      return { layer: s.layer, direction: s.direction, state: s.state, unit: s.unit, r, split: null, lo: this.lo[i]!, hi: this.hi[i]! };
    });
    const key = (x: UnitTrack): number => (Number.isNaN(x.r) ? -1 : Math.abs(x.r));
    return out.map((x, i) => ({ x, i })).sort((a, b) => key(b.x) - key(a.x) || a.i - b.i).map(({ x }) => x);
  }
}

/** Bins per unit of TrackSplits' histograms. */
export const SPLIT_BINS = 4096;

/**
 * The best split (bestSplit's F1 rule) of chosen units over a corpus, from a second look at the
 * steps: each unit's values, between the lowest and highest the first look saw, fall in SPLIT_BINS
 * bins counted by signal value, and the threshold is the best bin edge. Precision and recall are
 * exact counts at that threshold; the threshold is found to 1/SPLIT_BINS of the unit's range.
 */
export class TrackSplits {
  private readonly slots: UnitSlot[];
  private readonly pick: number[];
  private readonly v: Float64Array;
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;

  constructor(
    private readonly net: Network,
    private readonly units: readonly RankedUnit[],
  ) {
    this.slots = unitSlots(net);
    const index = new Map(this.slots.map((s, i) => [`${s.layer}/${s.direction}/${s.state}/${s.unit}`, i]));
    this.pick = units.map((u) => index.get(`${u.layer}/${u.direction}/${u.state}/${u.unit}`)!);
    this.v = new Float64Array(this.slots.length);
    this.pos = new Float64Array(units.length * SPLIT_BINS);
    this.neg = new Float64Array(units.length * SPLIT_BINS);
  }

  private bin(j: number, x: number): number {
    const { lo, hi } = this.units[j]!;
    if (!(hi > lo)) return 0;
    return Math.min(SPLIT_BINS - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * SPLIT_BINS)));
  }

  add(step: NetworkStep, s: number): void {
    if (s !== 0 && s !== 1) return;
    readUnits(this.slots, step, this.v);
    for (let j = 0; j < this.pick.length; j++) {
      const x = this.v[this.pick[j]!]!;
      if (!Number.isFinite(x)) continue;
      const b = j * SPLIT_BINS + this.bin(j, x);
      if (s === 1) this.pos[b]!++;
      else this.neg[b]!++;
    }
  }

  /** The units with their splits (null where no split predicts a 1). */
  result(): UnitTrack[] {
    return this.units.map((u, j) => {
      const base = j * SPLIT_BINS;
      let positives = 0;
      let total = 0;
      for (let b = 0; b < SPLIT_BINS; b++) {
        positives += this.pos[base + b]!;
        total += this.pos[base + b]! + this.neg[base + b]!;
      }
      const pick = splitPicker(positives);
      const consider = pick.consider;
      let onesBelow = 0;
      let below = 0;
      for (let b = 1; b < SPLIT_BINS; b++) {
        onesBelow += this.pos[base + b - 1]!;
        below += this.pos[base + b - 1]! + this.neg[base + b - 1]!;
        if (below === 0 || below === total) continue;
        const threshold = u.lo + ((u.hi - u.lo) * b) / SPLIT_BINS;
        consider(threshold, true, positives - onesBelow, total - below);
        consider(threshold, false, onesBelow, below);
      }
      const { lo: _lo, hi: _hi, ...plain } = u;
      return { ...plain, split: positives === 0 || positives === total ? null : pick.best() };
    });
  }
}
