/** The footer: a number being typed, notes, input errors and progress, key hints, the units on screen. */
import { fit, textWidth } from '../format.js';
import { stringsFor } from '../i18n/index.js';
import { keyHints } from '../keymap.js';
import type { Layout } from '../layout.js';
import { unitCount, type Session } from '../session.js';
import { inputStore, unitsKey, type FrameInput, type FrameSection } from './shared.js';

/** The hints for keys that do something here (the key table's): no Tab with one layer and direction, 1-N for N panels. */
function hintsFor(f: FrameInput): string {
  const stores = f.pair?.stores ?? [];
  return keyHints({
    views: Math.max(f.store.viewCount, ...stores.map((x) => x.viewCount)),
    panels: f.panels.length,
    done: f.session.done,
    pair: f.pair != null,
    tour: f.session.chapters.length > 0,
    corpus: f.session.inCorpus,
  }).join(' · ');
}

/**
 * The key hints in `room` columns: whole hints in order, never one cut in half, and "? help"
 * and "q quit" always last (they lead to every other key); nothing when not even those fit.
 */
export function footerHints(all: string, room: number): string {
  const items = all.split(' · ');
  const tail: string[] = items.filter((h) => h === '? help' || h === 'q quit');
  const kept: string[] = [];
  const width = (xs: readonly string[]): number => 1 + textWidth(xs.join(' · '));
  if (width(tail) > room) return '';
  for (const h of items) {
    if (tail.includes(h)) continue;
    if (width([...kept, h, ...tail]) > room) break;
    kept.push(h);
  }
  return ` ${[...kept, ...tail].join(' · ')}`;
}

export function footerLine(f: FrameInput): string {
  const { store, session: s, theme, layout: L } = f;
  const width = L.cols;
  let left = '';
  let style: 'accent' | 'warn' | 'dim' | null = null;
  if (s.entry !== null) {
    left =
      s.entryKind === 'signal'
        ? ` units following (x:NAME, regex:P, depth:(), position): ${s.entry}▏ Enter ranks, Esc cancels`
        : s.entryKind === 'set'
        ? ` what if (e.g. c[2]@${s.cursor}-:=0; empty clears): ${s.entry}▏ Enter re-runs, Esc cancels`
        : s.entryKind === 'unit'
          ? ` go to unit (0-${s.H - 1}): ${s.entry}▏ Enter goes, Esc cancels`
          : ` go to step (1-${s.T}): ${s.entry}▏ Enter goes, Esc cancels`;
    style = 'accent';
  } else if (s.note !== null) {
    left = ` ${s.note}`;
    style = 'warn';
  } else if (store.error !== null) {
    left = ` input stopped: ${store.error}`;
    style = 'warn';
  } else if (store.status === 'reading' && store.pending > 0) {
    left = ` reading: ${store.pending} steps so far (a reverse direction needs the whole input first)`;
    style = 'accent';
  } else if (store.progress !== null) {
    // a long input's full pass (ranges, checkpoints) runs in a worker while keys keep working
    left = ` computing: ${Math.floor(store.progress * 100)}% of ${store.expectedLength ?? '?'} steps`;
    style = 'accent';
  } else if (s.first > 0) {
    left = ` history: steps ${s.first + 1}–${s.T} kept`;
    style = 'dim';
  } else if (store.status === 'reading') {
    left = ` reading…`;
    style = 'dim';
  }
  // Only where units are on screen (not over the help or the memory view).
  let units = !s.help && s.mode === 'gates' ? unitsText(s, L) : '';
  // A long note keeps the line: the units go first, then the note is cut.
  if (textWidth(left) + textWidth(units) > width) units = '';
  const leftText = textWidth(left) > width ? fit(left, width) : left;
  const leftW = textWidth(leftText);
  const room = width - leftW - textWidth(units) - 2;
  // in the tour, its own keys (in the tour's language) instead of the viewer's
  const hints = footerHints(s.tour !== null && !s.help ? stringsFor(f.lang ?? 'en').tour.footer.join(' · ') : hintsFor(f), room);
  const pad = Math.max(0, width - leftW - textWidth(hints) - textWidth(units));
  return (style ? theme.style(style, leftText) : leftText) + theme.style('dim', hints) + ' '.repeat(pad) + theme.style('dim', units);
}

/** Which units are on screen, when not all are or they are reordered: `units 0–3/8`, `4 of 8 flagged, by variance`. */
function unitsText(s: Session, L: Layout): string {
  const n = unitCount(s);
  const rows = Math.min(L.unitRows, n);
  const sorted = s.sort === 'index' ? '' : ` by ${s.sort === 'value' ? '|value|' : s.sort === 'signal' ? '|r|' : s.sort}`;
  if (s.flaggedOnly) return `${n} of ${s.H} flagged${sorted} `;
  if (s.order !== null) return `rows ${s.unitTop + 1}–${s.unitTop + rows}/${n}${sorted} `;
  return L.scrollbar ? `units ${s.unitTop}–${s.unitTop + rows - 1}/${s.H} J/K ` : '';
}

export const footerSection: FrameSection = {
  id: 'footer',
  lines: (f) => [footerLine(f)],
  memoKey: (f) => {
    const s = f.session;
    return `${s.T}|${s.received}|${s.done}|${s.entry}|${s.entryKind}|${s.note}|${s.unitTop}|${s.unitRows}|${inputStore(f).progress}|${s.help}|${s.mode}|${s.tour}|${f.lang ?? 'en'}|${s.sort}|${s.flaggedOnly}|${unitsKey(f)}`;
  },
};
