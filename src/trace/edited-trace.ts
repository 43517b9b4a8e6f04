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

/**
 * What an edit changed at step t: the unit of the last layer's h that moved most, and by how much
 * (the edited run is beside the original for the rest).
 */
export function editDiff(plain: TraceStore, edited: TraceStore, t: number): string {
  if (!plain.holds(t) || !edited.holds(t)) return 'the edited run is beside the original';
  const L = plain.network.numLayers - 1;
  let best = { d: 0, u: 0, dir: 0, a: 0, b: 0 };
  for (let dir = 0; dir < plain.network.directions.length; dir++) {
    const a = plain.state('h', L, dir, t);
    const b = edited.state('h', L, dir, t);
    for (let u = 0; u < a.length; u++) if (Math.abs(b[u]! - a[u]!) > Math.abs(best.d)) best = { d: b[u]! - a[u]!, u, dir, a: a[u]!, b: b[u]! };
  }
  if (best.d === 0) return `nothing changed at step ${t + 1}: the edited run is beside the original`;
  const name = `${plain.network.numLayers > 1 ? `l${L}.` : ''}${plain.network.directions[best.dir] === 'reverse' ? 'rev.' : ''}h[${best.u}]`;
  return `at step ${t + 1} ${name} moved most, ${best.a.toFixed(3)} → ${best.b.toFixed(3)}; the edited run is beside the original`;
}
