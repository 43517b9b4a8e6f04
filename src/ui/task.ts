/**
 * What the network on screen is for, said on screen: a demo's one-line task banner, the target
 * beside the prediction with ✓ / ✗, a note when the weights are random, and a hint when the input
 * lies far outside the range the gates can use. The top guesses of a head with several outputs
 * (a classifier, a language model) are here too: softmax over its outputs, read as logits.
 */
import { softmax, topK, type Guess } from '../engine/index.js';
import type { TraceStore } from '../trace/trace-store.js';
import { fmtNum } from './format.js';

/** How the target of a step is found in the input. */
export type TargetRule =
  /** The value of feature `feature` at step `step` (0-based), to be reported at the last step (remember). */
  | { readonly kind: 'feature-at'; readonly step: number; readonly feature: number; readonly tolerance: number }
  /** The next step's value of feature `feature` (sine). */
  | { readonly kind: 'next-feature'; readonly feature: number; readonly tolerance: number }
  /** The next step's token (brackets). */
  | { readonly kind: 'next-token' };

export interface TaskInfo {
  /** One line: what the network was trained to do and what to look at (a demo), or null. */
  readonly banner: string | null;
  readonly target: TargetRule | null;
  /** The weights are seeded random ones (no --weights): say so. */
  readonly randomWeights: boolean;
}

export const NO_TASK: TaskInfo = { banner: null, target: null, randomWeights: false };

/** |x| above this is far outside what a sigmoid or tanh distinguishes: suggest normalising. */
export const INPUT_HINT_ABS = 10;

/** The one-line hint about an input far outside the gates' range, or null. */
export function inputHint(store: TraceStore): string | null {
  if (store.length === 0) return null;
  const m = store.inputRange().maxAbs;
  if (!(m > INPUT_HINT_ABS)) return null;
  return `inputs reach |x| = ${fmtNum(m)}: gates saturate beyond a few units; scale the data (e.g. z-score per column) to the range the weights were trained on`;
}

/** A head whose outputs are read as class logits: more than one output. */
export function isClassifier(store: TraceStore): boolean {
  return store.head !== null && store.head.outSize > 1;
}

/** The name of output k: the vocabulary's token (quoted), or its index. */
export function className(store: TraceStore, k: number): string {
  const names = store.classNames;
  if (names === null) return `#${k}`;
  const name = names[k] ?? `#${k}`;
  return store.tokens ? `“${name}”` : name;
}

/** The k most probable outputs of step t (softmax of the head's outputs), or null without a classifier head. */
export function guessesAt(store: TraceStore, t: number, k: number): Guess[] | null {
  if (!isClassifier(store) || t < store.first || t >= store.length) return null;
  const pred = store.prediction(t);
  if (pred === null) return null;
  return topK(softmax(pred), k);
}

export interface TargetAt {
  /** The target in words: `target 0.893`, `next “)”`. */
  readonly text: string;
  /** Whether the prediction meets it, or null when it is not scored at this step. */
  readonly ok: boolean | null;
}

/**
 * The target of step t and whether `store`'s head meets it, or null when the rule has none here
 * (the last step of next-value prediction; a step not held).
 */
export function targetAt(store: TraceStore, input: TraceStore, rule: TargetRule | null, t: number, T: number, done: boolean): TargetAt | null {
  if (rule === null || t < input.first || t >= input.length) return null;
  const held = t >= store.first && t < store.length;
  const pred = held ? store.prediction(t) : null;
  switch (rule.kind) {
    case 'feature-at': {
      if (rule.step < input.first || rule.step >= input.length) return null;
      const want = input.x(rule.step)[rule.feature]!;
      const last = done && t === T - 1;
      if (!last) return { text: `target ${fmtNum(want)} at the last step`, ok: null };
      return { text: `target ${fmtNum(want)}`, ok: pred === null ? null : Math.abs(pred[0]! - want) < rule.tolerance };
    }
    case 'next-feature': {
      if (t + 1 >= input.length) return null;
      const want = input.x(t + 1)[rule.feature]!;
      return { text: `next x ${fmtNum(want)}`, ok: pred === null ? null : Math.abs(pred[0]! - want) < rule.tolerance };
    }
    case 'next-token': {
      if (t + 1 >= input.length) return null;
      const next = input.label(t + 1);
      const guess = held ? guessesAt(store, t, 1)?.[0] : undefined;
      const names = store.classNames;
      const ok = guess === undefined || names === null ? null : names[guess.index] === next;
      return { text: `actual ${input.tokens ? `“${next}”` : next}`, ok };
    }
  }
}

/** ✓ or ✗ for a scored target, nothing otherwise. */
export function mark(ok: boolean | null): string {
  return ok === null ? '' : ok ? ' ✓' : ' ✗';
}
