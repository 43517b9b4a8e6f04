/**
 * Unit search on a trace (the viewer's / prompt): every unit of one layer and direction ranked by
 * how well any of its states follows a signal (trace/signals.ts: x:FEATURE, regex:..., depth:...,
 * position), Pearson's r over the held steps, as `gatescope track` ranks them over a run.
 */
import { STATE_NAMES } from '../engine/shapes.js';
import { pearson } from '../engine/track.js';
import { buildSignal } from './signals.js';
import type { TraceStore } from './trace-store.js';

/** Most steps read for one ranking: a longer trace is ranked over the last ones held. */
export const SIGNAL_STEPS = 200_000;

export interface UnitRanking {
  /** The signal's name, as track writes it. */
  readonly name: string;
  /** Steps it was computed over: from `first` on. */
  readonly first: number;
  readonly steps: number;
  /** Units by their best |r| over the states, best first (NaN ones last, in order). */
  readonly order: readonly number[];
  /** Each unit's best state and r, by unit. */
  readonly best: readonly { readonly state: string; readonly r: number }[];
}

/** A label as it was read: the trace keeps them made visible (a newline is the two characters \n). */
function unescaped(label: string): string {
  return label === '\\n' ? '\n' : label === '\\t' ? '\t' : label === '\\r' ? '\r' : label;
}

/** The ranking, or the one-line reason the signal cannot be made from this trace's input. */
export function rankUnitsBySignal(store: TraceStore, layer: number, dir: number, spec: string): UnitRanking | { readonly error: string } {
  const first = Math.max(store.first, store.length - SIGNAL_STEPS);
  const T = store.length - first;
  if (T < 2) return { error: 'a correlation needs at least 2 steps' };
  const labels = Array.from({ length: T }, (_, i) => unescaped(store.label(first + i)));
  // a trace of text keeps its tokens as labels: words are tokens of more than one character
  const words = store.tokens && labels.some((l) => [...l].length > 1);
  const values = store.tokens ? [] : Array.from({ length: T }, (_, i) => store.x(first + i));
  const signal = buildSignal(spec, { labels, values, featureNames: store.featureNames, text: store.tokens, words });
  if ('error' in signal) return { error: signal.error };
  const H = store.network.hiddenSize;
  const best = Array.from({ length: H }, () => ({ state: '', r: Number.NaN }));
  const series = new Float64Array(T);
  for (const state of STATE_NAMES[store.network.kind]) {
    for (let u = 0; u < store.width(state); u++) {
      const r = pearson(store.series(state, layer, dir, u, first, series), signal.values);
      const b = best[u]!;
      if (!Number.isNaN(r) && (Number.isNaN(b.r) || Math.abs(r) > Math.abs(b.r))) best[u] = { state, r };
    }
  }
  const key = (u: number): number => (Number.isNaN(best[u]!.r) ? -1 : Math.abs(best[u]!.r));
  const order = Array.from({ length: H }, (_, u) => u).sort((a, b) => key(b) - key(a) || a - b);
  return { name: signal.name, first, steps: T, order, best };
}
