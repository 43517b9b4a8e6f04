/**
 * The guided tour in the body's place: the chapter's story with its numbers (tour.ts) above the
 * view the chapter opened (the diagram, the memory view, the timeline), cut to the rows there are.
 * The keys work as ever: the view below and the numbers above follow the cursor and the unit.
 */
import { memoryLines, memorySnapshotRows, type MemoryNetwork } from '../memory-frame.js';
import { fit } from '../format.js';
import { fitTour, spanOf, tourParts } from '../tour.js';
import { attributionBody } from './attribution.js';
import { diagramLines } from './diagram.js';
import { explainText } from './explain.js';
import { xStrip } from './input.js';
import { memoryKey } from './memory.js';
import { timelineLines } from './timeline.js';
import { blocks, inputStore, stepKey, unitsKey, viewOf, type FrameInput, type FrameSection } from './shared.js';

/** The view under the chapter's text, in `rows` rows (a snapshot: all of it). */
function viewBelow(f: FrameInput, rows: number): string[] {
  const { session: s, layout: L } = f;
  if (s.explain) return explainText(f.store, s, L.cols, f.lang ?? 'en').map((l) => fit(l, L.cols));
  switch (s.mode) {
    case 'diagram': {
      // a taller screen gets the timeline of the chapter's panel under the diagram, as d shows it
      const d = diagramLines(f);
      return rows - d.length >= 4 ? [...d, '', ...timelineLines(f)] : d;
    }
    case 'attribution':
      return attributionBody(f);
    case 'memory': {
      const networks: MemoryNetwork[] = blocks(f).map((b, i) => ({ store: b.store, name: b.name, state: f.memory?.[i] ?? { status: 'idle' } }));
      return memoryLines({ networks, cursor: s.cursor, T: s.T, focus: f.pair != null ? s.focus : 0, theme: f.theme, cols: L.cols, rows: L.snapshot ? memorySnapshotRows(networks) : rows }, L.snapshot);
    }
    default:
      return timelineLines(f);
  }
}

export function tourBody(f: FrameInput): string[] {
  const { session: s, layout: L, theme } = f;
  if (s.tour === null) return [];
  const onScreen = blocks(f).map((b, i) => ({ store: b.store, span: spanOf(f.memory?.[i]) }));
  const parts = tourParts({
    chapter: s.tour,
    store: f.store,
    cursor: s.cursor,
    unit: s.unit,
    view: viewOf(f.store, s.view),
    onScreen,
    input: inputStore(f),
    cols: L.cols,
    lang: f.lang ?? 'en',
  });
  // status and footer, and the input strip above
  const rows = L.snapshot ? Infinity : Math.max(1, L.height - 2 - xStrip(f).length);
  // the view keeps the rows it needs to say its thing (the diagram's drawing, its first 10 lines:
  // the sums under it may be cut on a short screen; a memory chart that shows its slope), the
  // story pages (] [) in the rest
  const need = s.explain ? 6 : s.mode === 'diagram' ? Math.min(10, diagramLines(f).length) : s.mode === 'memory' ? 9 : s.mode === 'attribution' ? 10 : 3;
  const [title, ...text] = fitTour(parts, rows - need, s.scrollTop, f.lang ?? 'en', L.cols);
  const top = [theme.style('title', title!), ...text.map((l) => theme.style('accent', l))];
  const below = viewBelow(f, Math.max(0, rows - top.length));
  return [...top, ...below].slice(0, rows);
}

export const tourSection: FrameSection = {
  id: 'tour',
  lines: tourBody,
  memoKey: (f) => {
    const s = f.session;
    return `${stepKey(f)}|${unitsKey(f)}|${s.tour}|${s.mode}|${s.explain}|${s.scrollTop}|${s.net}|${memoryKey(f.memory)}|${f.lang ?? 'en'}|${f.layout.height}`;
  },
};
