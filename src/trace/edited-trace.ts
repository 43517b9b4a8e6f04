/**
 * A trace's "what if": the same network on the same inputs with interventions (engine/intervene.ts)
 * set by hand, as a second trace to show beside the first (the viewer's w prompt). The model and
 * the first trace are not changed. The edited trace runs on the reference engine, as every
 * intervention does; it follows the first as its input grows (syncEdited).
 */
import type { Intervention } from '../engine/intervene.js';
import { TraceStore } from './trace-store.js';

/** Why a trace cannot be edited (its beginning dropped from a bounded history), or null. */
export function editRefusal(store: TraceStore): string | null {
  return store.first > 0 ? `the steps before ${store.first + 1} are no longer kept: an edited run needs every step from the first` : null;
}

/** The edited trace: store's network, inputs and labels, run with `interventions`. Throws RangeError where editRefusal says why. */
export function editedTrace(store: TraceStore, interventions: readonly Intervention[]): TraceStore {
  const refusal = editRefusal(store);
  if (refusal !== null) throw new RangeError(refusal);
  const edited = new TraceStore(store.network, {
    source: store.source,
    featureNames: store.featureNames,
    init: store.init,
    head: store.head,
    tokens: store.tokens,
    classNames: store.classNames,
    maxSteps: store.maxSteps,
    interventions,
  });
  syncEdited(store, edited);
  return edited;
}

/** Appends the steps `from` has and `to` has not yet, and ends `to` when `from` has ended. */
export function syncEdited(from: TraceStore, to: TraceStore): void {
  for (let t = to.length + to.pending; t < from.length; t++) to.append(from.x(t), from.label(t));
  if (from.status !== 'reading' && to.status === 'reading') to.finish();
}
