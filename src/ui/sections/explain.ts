/** The explain panel: the selected unit's equations with the real numbers (explain-text.ts words them). */
import { explainUnit } from '../../trace/explain.js';
import type { TraceStore } from '../../trace/trace-store.js';
import { explainBody, wrapExplain } from '../explain-text.js';
import { fit, textWidth } from '../format.js';
import type { Session } from '../session.js';
import { stringsFor, type Lang } from '../i18n/index.js';
import { stepKey, viewOf, type FrameInput, type FrameSection } from './shared.js';

/**
 * The explain panel for the selected unit at the current step, title first, fitted to `cols`: the
 * layout asks for its length before placing it.
 */
export function explainText(store: TraceStore, s: Session, cols: number, lang: Lang = 'en'): string[] {
  const w = stringsFor(lang);
  const { layer, dir } = viewOf(store, s.view);
  const name = ` ${w.explain.title} ${w.diagram.unit} ${s.unit} · ${w.explain.layer} ${layer + 1} ${store.direction(dir)} (l${layer}) · ${w.diagram.step} ${s.cursor + 1}/${s.T} (t=${s.cursor})`;
  if (s.T === 0) return [name, ` ${w.diagram.noSteps}`];
  const H = store.network.hiddenSize;
  if (s.unit >= H) return [name, ` ${w.diagram.outOfRange(H)}`];
  if (!store.holds(s.cursor)) return [name, s.cursor < store.first ? ' this step is no longer held (see --history)' : ' this step is not computed yet'];
  if (store.network.kind === 'mlstm') return [name, " the explain panel does not cover an mLSTM yet: d draws the selected unit's head, its matrix memory C at this step"];
  const label = store.label(s.cursor);
  const title = `${name} · ${store.tokens ? `“${label}”` : label}   ${w.explain.close}`;
  return [title, ...wrapExplain(explainBody(explainUnit(store, layer, dir, s.cursor, s.unit), lang), cols)];
}

export function explainLines(f: FrameInput): string[] {
  const { store, session: s, theme, layout: L } = f;
  if (L.explainRows === 0) return [];
  const w = stringsFor(f.lang ?? 'en').explain;
  const [title, ...body] = explainText(store, s, L.cols, f.lang ?? 'en');
  // Too wide: the closing hint goes first (the footer and help say it too), then the label is cut.
  const head = textWidth(title!) <= L.cols ? title! : title!.endsWith(`   ${w.close}`) ? title!.slice(0, -(w.close.length + 3)) : title!;
  const lines = [theme.style('title', fit(head, L.cols)), ...body.map((l) => fit(l, L.cols))];
  if (lines.length <= L.explainRows) return lines;
  // Longer than its rows: the title stays, the body scrolls (] [), the last row says where it is.
  const view = Math.max(1, L.explainRows - 2);
  const rest = lines.slice(1);
  const start = Math.max(0, Math.min(s.scrollTop, rest.length - view));
  const where = w.lines(start + 1, start + view, rest.length, start + view < rest.length);
  return [lines[0]!, ...rest.slice(start, start + view), theme.style('dim', fit(where, L.cols))].slice(0, L.explainRows);
}

export const explainSection: FrameSection = { id: 'explain', lines: explainLines, memoKey: (f) => `${stepKey(f)}|${f.session.unit}|${f.session.scrollTop}|${f.lang ?? 'en'}` };
