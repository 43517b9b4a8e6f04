/**
 * The match view (r … r): LSTMVis's search on the trace. The units of the timeline's state that
 * are on (at or above the threshold) at every step of the marked range are the pattern; the list
 * ranks the other windows of the same length where those units go on together (engine/match.ts),
 * each with its steps as the status line counts them (`:` N Enter goes there) and its text.
 * The threshold: 0.5 for gates, 0.3 for tanh values, 0.3 of the largest |value| for free scales.
 */
import { findMatches, type UnitValues } from '../../engine/match.js';
import type { TraceStore } from '../../trace/trace-store.js';
import { fit } from '../format.js';
import type { PanelSpec } from '../panels.js';
import { inputStore, stepKey, viewOf, type FrameInput, type FrameSection } from './shared.js';

/** Most values read for one search (units x steps): a longer trace is searched around the range. */
export const MATCH_VALUES = 4_000_000;

export function matchThreshold(store: TraceStore, p: PanelSpec, layer: number, dir: number): number {
  if (p.scale === 'unit') return 0.5;
  if (p.scale === 'tanh') return 0.3;
  return 0.3 * store.range(p.name, layer, dir).maxAbs;
}

export function matchLines(f: FrameInput): string[] {
  const { store, session: s, layout: L, theme } = f;
  const cols = L.cols;
  const r = s.range;
  if (r === null || r.to === null) return [fit(' no range marked: r at its first step, r at its last', cols)];
  const panel = f.panels[Math.min(s.timeline, f.panels.length - 1)]!;
  const { layer, dir } = viewOf(store, s.view);
  const U = store.width(panel.name);
  const threshold = matchThreshold(store, panel, layer, dir);
  // the steps searched: all held ones, or a window around the range within MATCH_VALUES
  const span = Math.max(r.to - r.from + 1, Math.floor(MATCH_VALUES / Math.max(1, U)));
  const t0 = Math.max(store.first, Math.min(r.from - Math.floor(span / 2), store.length - span));
  const t1 = Math.min(store.length - 1, t0 + span - 1);
  const T = t1 - t0 + 1;
  const values = new Float64Array(U * T);
  const row = new Float64Array(T);
  for (let u = 0; u < U; u++) values.set(store.series(panel.name, layer, dir, u, t0, row), u * T);
  const v: UnitValues = { T, U, values };
  const { pattern, matches } = findMatches(v, r.from - t0, r.to - t0, threshold, Math.max(1, (L.snapshot ? 10 : L.bodyRows) - 4));
  const names = pattern.map((u) => `${panel.name}[${u}]`);
  const lines = [
    theme.style('title', fit(` match: steps ${r.from + 1}–${r.to + 1}, ${panel.name} (${panel.title}) ≥ ${threshold.toPrecision(2)}: ${pattern.length} unit${pattern.length === 1 ? '' : 's'} on throughout${pattern.length > 0 ? `: ${names.slice(0, 8).join(' ')}${names.length > 8 ? ' …' : ''}` : ''}`, cols)),
  ];
  if (pattern.length === 0) {
    lines.push(fit(' no unit stays on over the whole range: mark a shorter one, or pick another state (1-6)', cols));
    return lines;
  }
  lines.push(theme.style('dim', fit(`  rank  steps           score  on     others  ${T < store.length - store.first ? `(searched steps ${t0 + 1}–${t1 + 1})` : ''}`, cols)));
  const text = inputStore(f);
  matches.forEach((m, i) => {
    const a = m.start + t0;
    const b = a + (r.to! - r.from);
    const labels: string[] = [];
    for (let t = a; t <= Math.min(b, a + 40); t++) labels.push(text.label(t));
    const shown = text.tokens ? labels.join('').replace(/\\n/g, '⏎') : labels[0] ?? '';
    lines.push(fit(`  ${String(i + 1).padStart(4)}  ${`${a + 1}–${b + 1}`.padEnd(14)} ${m.score.toFixed(2).padStart(5)}  ${`${m.hits}/${pattern.length}`.padEnd(6)} ${`+${m.extra}`.padEnd(6)}  ${JSON.stringify(shown)}`, cols));
  });
  if (matches.length === 0) lines.push(fit(' no other window has these units on together', cols));
  lines.push(theme.style('dim', fit(' : N Enter goes to step N · r or Esc clears the range', cols)));
  return lines;
}

export const matchSection: FrameSection = {
  id: 'match',
  lines: matchLines,
  memoKey: (f) => `${stepKey(f)}|${f.session.range?.from}|${f.session.range?.to}|${f.session.timeline}`,
};
