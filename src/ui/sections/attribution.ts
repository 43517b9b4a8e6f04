/**
 * The attribution view (a) in the body's place: which steps and input features the output at the
 * cursor came from (trace/attribution-view.ts: integrated gradients, or gradient × input for a big
 * network), the steps that moved it most
 * first, each with its label and a bar (left: pulled it down, right: pushed it up).
 */
import type { AttributionState } from '../../trace/attribution-view.js';
import { divBar } from '../bars.js';
import { fit, fmtSigned, textWidth } from '../format.js';
import { stepKey, type FrameInput, type FrameSection } from './shared.js';

const HALF = 10;

export function attributionBody(f: FrameInput): string[] {
  const { layout: L, theme, session: s } = f;
  const a = f.attribution ?? null;
  const cols = L.cols;
  if (a === null) return [fit(' attribution: no steps yet', cols)];
  if (a.status === 'failed') return [theme.style('dim', fit(` attribution: ${a.message}`, cols))];
  const r = a.result;
  const store = f.pair?.stores[0] ?? f.store;
  // the longest wording that fits: a narrow terminal gets the short one, not a cut one
  const first = (alts: readonly string[]): string => fit(alts.find((x) => textWidth(x) <= cols) ?? alts.at(-1)!, cols);
  const ig = !Number.isNaN(r.gap);
  const gap = !ig ? '' : r.gap < 1e-4 ? '0.01%' : `${(r.gap * 100).toPrecision(2)}%`;
  const lines = [
    theme.style(
      'title',
      first([
        ` attribution at step ${r.cursor + 1}/${s.T} (t=${r.cursor}): ${r.target} = ${r.value.toPrecision(4)}, ${r.method} over t=${r.start}–${r.cursor}${r.limited ? ' (a window: earlier steps held fixed)' : ''}`,
        ` attribution t=${r.cursor}: ${r.target} = ${r.value.toPrecision(4)} · ${ig ? 'integrated gradients' : 'gradient × input'} over t=${r.start}–${r.cursor}${r.limited ? ' (window)' : ''}`,
        ` attribution t=${r.cursor}: ${r.target.replace(/, the top output$/, '')} = ${r.value.toPrecision(4)} · ${ig ? 'IG' : 'grad × input'}, t=${r.start}–${r.cursor}`,
      ]),
    ),
    first(
      ig
        ? [
            ` the steps that moved it most (left pulls it down, right pushes it up); they add up to F(x) − F(0) within ${gap}:`,
            ` largest first · left pulls it down, right pushes it up · sum = F(x) − F(0) within ${gap}`,
            ` largest first; left pulls it down, right pushes it up; sum F(x) − F(0) ± ${gap}`,
          ]
        : [' the steps that moved it most (x·∂F/∂x summed over the features; left pulls it down, right pushes it up):', ' largest first (x·∂F/∂x) · left pulls it down, right pushes it up'],
    ),
  ];
  let scale = 0;
  for (const v of r.perStep) scale = Math.max(scale, Math.abs(v));
  const order = Array.from(r.perStep, (_, i) => i).sort((x, y) => Math.abs(r.perStep[y]!) - Math.abs(r.perStep[x]!) || x - y);
  const features = ` by feature: ${Array.from(r.perFeature, (v, j) => `${store.featureNames[j] ?? `x${j}`} ${fmtSigned(v).trim()}`).join('  ')}`;
  const room = L.snapshot ? order.length : Math.max(1, L.bodyRows - lines.length - 2);
  for (const i of order.slice(0, room)) {
    const t = r.start + i;
    const label = fit(JSON.stringify(store.label(t)), 16);
    lines.push(fit(` t=${String(t).padEnd(6)} ${label} ${fmtSigned(r.perStep[i]!)} ${divBar(theme, r.perStep[i]!, scale, HALF)}`, cols));
  }
  lines.push(fit(features, cols));
  lines.push(theme.style('dim', fit(` a closes · gatescope attribute: the whole sequence, more points, a mean baseline`, cols)));
  return lines;
}

function attributionKey(a: AttributionState | null | undefined): string {
  return a == null ? '-' : a.status === 'failed' ? a.message : `${a.result.cursor}:${a.result.start}`;
}

export const attributionSection: FrameSection = { id: 'attribution', lines: attributionBody, memoKey: (f) => `${stepKey(f)}|${attributionKey(f.attribution)}` };
