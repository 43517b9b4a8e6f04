/**
 * The text tinted by one unit (v), in the body's place: the input's tokens (text) or one block per
 * step (numbers) around the cursor, each coloured by the selected unit's value of the timeline's
 * state there, Karpathy's picture of a quote-detecting cell. Diverging colours for signed states,
 * sequential for gates; the cursor's step in inverse. Without colour the steps whose value is past
 * the middle of its scale are underlined instead, so the picture survives NO_COLOR.
 */
import { fit, textWidth } from '../format.js';
import { stepKey, viewOf, inputStore, type FrameInput, type FrameSection } from './shared.js';

/**
 * How a token is written in the tinted text: a newline ends the line (⏎ shown), a space and a tab
 * as symbols. Labels come made visible by the trace (a newline is the two characters \n).
 */
function shown(label: string): { text: string; breaks: boolean } {
  if (label === '\\n' || label === '\\r\\n' || label === '\n') return { text: '⏎', breaks: true };
  if (label === ' ') return { text: '␣', breaks: false };
  if (label === '\\t' || label === '\t') return { text: '⇥', breaks: false };
  return { text: label, breaks: false };
}

export function tintLines(f: FrameInput): string[] {
  const { store, session: s, layout: L, theme } = f;
  const cols = L.cols;
  const panel = f.panels[Math.min(s.timeline, f.panels.length - 1)]!;
  const { layer, dir } = viewOf(store, s.view);
  const unit = s.unit;
  const name = `${store.network.numLayers > 1 ? `l${layer}.` : ''}${store.network.directions.length > 1 ? `${store.direction(dir) === 'reverse' ? 'rev.' : ''}` : ''}${panel.name}[${unit}]`;
  const signed = panel.scale !== 'unit';
  const title = theme.style('title', fit(` ${inputStore(f).tokens ? 'text' : 'steps'} tinted by ${name} (${panel.title}): ${signed ? 'blue below 0, orange above' : 'dark 0, bright 1'}${theme.level === 0 ? '; underlined: past the middle' : ''} · 1-6 other state, ↑/↓ unit, v or Esc closes`, cols));
  if (s.T === 0) return [title, fit(' no steps yet', cols)];
  if (unit >= store.width(panel.name)) return [title, fit(` ${panel.name} has ${store.width(panel.name)} units`, cols)];
  const rows = Math.max(1, (L.snapshot ? 12 : L.bodyRows) - 2);
  const text = inputStore(f).tokens;
  // steps shown: a window around the cursor that fills the rows (a token is at least one column)
  const budget = rows * cols;
  const first = Math.max(store.first, s.cursor - Math.floor(budget / (text ? 6 : 2)));
  const last = Math.min(store.length - 1, first + budget);
  const values = store.series(panel.name, layer, dir, unit, first, new Float64Array(last - first + 1));
  const scale = signed ? Math.max(1e-12, panel.scale === 'tanh' ? 1 : store.range(panel.name, layer, dir).maxAbs) : 1;
  const lines: string[] = [];
  let line = ' ';
  let width = 1;
  let cursorLine = -1;
  for (let t = first; t <= last && lines.length < rows + 200; t++) {
    const v = values[t - first]!;
    const tok = text ? shown(inputStore(f).label(t)) : { text: '▮', breaks: false };
    const w = textWidth(tok.text);
    if (width + w > cols) {
      lines.push(line);
      line = ' ';
      width = 1;
    }
    const colour = Number.isNaN(v) ? '' : signed ? theme.div(Math.max(-1, Math.min(1, v / scale))) : theme.seq(Math.max(0, Math.min(1, v)));
    const past = !Number.isNaN(v) && (signed ? Math.abs(v / scale) > 0.5 : v > 0.5);
    let cell = `${colour}${tok.text}${colour === '' ? '' : theme.fgReset}`;
    if (theme.level === 0 && theme.ansi && past) cell = `\u001b[4m${cell}\u001b[24m`;
    if (t === s.cursor) {
      cell = `${theme.inverseOn}${cell}${theme.inverseOff}`;
      cursorLine = lines.length;
    }
    line += cell;
    width += w;
    if (tok.breaks) {
      lines.push(line);
      line = ' ';
      width = 1;
    }
  }
  if (width > 1) lines.push(line);
  // the cursor's line in the middle of what is shown, where there is more than fits
  const start = lines.length <= rows ? 0 : Math.max(0, Math.min(lines.length - rows, cursorLine - Math.floor(rows / 2)));
  const v = store.value(panel.name, layer, dir, s.cursor, unit);
  const foot = fit(` step ${s.cursor + 1}/${s.T} (t=${s.cursor}) ${name} = ${Number.isFinite(v) ? v.toFixed(4) : String(v)}`, cols);
  return [title, ...lines.slice(start, start + rows), foot];
}

export const tintSection: FrameSection = {
  id: 'tint',
  lines: tintLines,
  memoKey: (f) => `${stepKey(f)}|${f.session.unit}|${f.session.timeline}|${f.session.order === null ? '' : 'o'}`,
};
