/**
 * The timeline: the chosen panel as a heatmap (units x steps around the cursor) on a step axis,
 * the selected unit's sparkline, and with room to spare more panels' heatmaps on the same axis.
 */
import { ColourRuns, divSpark, seqSpark } from '../bars.js';
import { fit, textWidth } from '../format.js';
import { networkTitle } from '../networks.js';
import type { PanelSpec } from '../panels.js';
import { unitCount, type Session } from '../session.js';
import type { Theme } from '../theme.js';
import type { TraceStore } from '../../trace/trace-store.js';
import { blocks, inputStore, panelScale, rowUnits, scaleText, stepKey, unitsKey, viewOf, type FrameInput, type FrameSection } from './shared.js';

const MONO_SEQ = [' ', '░', '▒', '▓', '█'] as const;
const MONO_POS = ['░', '▒', '▓', '█'] as const;
const MONO_NEG = ['·', '-', '=', '≡'] as const;

/** First step shown by a timeline `width` steps wide: the cursor near the middle, clamped to the data. */
export function timelineStart(cursor: number, T: number, width: number, first = 0): number {
  return Math.max(first, Math.min(cursor - Math.floor(width / 2), T - width));
}

function tickEvery(T: number, cw = 1): number {
  const labelWidth = String(Math.max(1, T)).length + 2;
  for (const t of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]) if (t * cw >= labelWidth && (t >= 5 || cw > 1)) return t;
  return 10 ** String(T).length;
}

/** Most columns one step gets on the timeline. */
export const MAX_ZOOM = 4;

/**
 * Columns per step on a timeline `width` columns wide: a short, finished sequence is stretched
 * to fill it (6 steps on a 120-column screen would be a 6-column smudge), up to MAX_ZOOM; a growing
 * one stays at 1 so its steps do not jump about as data arrives.
 */
export function timelineZoom(s: Session, width: number): number {
  const n = s.T - s.first;
  if (!s.done || n <= 0) return 1;
  return Math.max(1, Math.min(MAX_ZOOM, Math.floor(width / n)));
}

/** The column, within a step's `cw` columns, that carries its mark or token: the middle (left of it for an even width). */
function markColumn(i: number, cw: number): number {
  return i * cw + Math.floor((cw - 1) / 2);
}

function axisRow(s: Session, w0: number, steps: number, cw = 1): string {
  const chars: string[] = [];
  for (let i = 0; i < steps * cw; i++) chars.push(w0 + Math.floor(i / cw) < s.T ? '─' : ' ');
  const every = tickEvery(s.T, cw);
  const c = s.cursor - w0;
  const mark = markColumn(c, cw);
  for (let i = 0; i < steps; i++) {
    const step = w0 + i + 1;
    if (step > s.T || step % every !== 0) continue;
    const label = String(step);
    // One column a step: the label ends at its step; wider steps: centred on the step's mark.
    const from = cw === 1 ? i - label.length + 1 : markColumn(i, cw) - Math.floor((label.length - 1) / 2);
    const end = from + label.length - 1;
    // A label under the cursor mark would lose a digit to it ("5▼" for 50): leave it out.
    if (from < 0 || end >= steps * cw || (mark >= from && mark <= end && mark !== end)) continue;
    for (let k = 0; k < label.length; k++) chars[from + k] = label[k]!;
  }
  if (s.T > 0 && c >= 0 && c < steps) chars[mark] = '▼';
  return chars.join('');
}

/** The input's tokens under the timeline, one per step: the text the units read, in place. */
function tokenRow(store: TraceStore, s: Session, w0: number, steps: number, cw = 1): string {
  let out = '';
  for (let i = 0; i < steps; i++) {
    const t = w0 + i;
    if (t >= s.T) break;
    const label = store.label(t);
    // Labels are already made visible; a token that is not one column (an escape, a word) is a dot.
    const glyph = label === ' ' ? '␣' : textWidth(label) === 1 ? label : '·';
    const pad = markColumn(0, cw);
    out += ' '.repeat(pad) + glyph + ' '.repeat(cw - pad - 1);
  }
  return out;
}

/** `row`'s first `steps` values, each repeated `cw` times (into `out`, steps * cw long). */
function stretch(row: Float64Array, steps: number, cw: number, out: Float64Array): Float64Array {
  if (cw === 1) return row;
  for (let i = 0; i < steps * cw; i++) out[i] = row[Math.floor(i / cw)]!;
  return out;
}

/** One heatmap row: runs of equal colour share one escape sequence. */
function heatRow(theme: Theme, values: Float64Array, p: PanelSpec, scale: number): string {
  if (theme.level === 0) {
    let out = '';
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) out += ' ';
      else if (p.scale === 'unit') out += MONO_SEQ[Math.round(Math.min(1, Math.max(0, v)) * 4)]!;
      else {
        const a = Math.min(1, Math.abs(v) / scale);
        const k = Math.min(3, Math.floor(a * 4));
        out += a < 0.05 ? ' ' : v < 0 ? MONO_NEG[k]! : MONO_POS[k]!;
      }
    }
    return out;
  }
  const runs = new ColourRuns(theme);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) runs.plain(' ');
    else runs.add(p.scale === 'unit' ? theme.seq(v) : theme.div(v / scale), '█');
  }
  return runs.done();
}

/** Units the heatmap shows: the panels' window when it fits, else centred on the selected unit. */
export function heatUnits(s: Session, rows: number): number {
  const n = unitCount(s);
  if (rows >= n) return 0;
  if (rows >= s.unitRows) return Math.max(0, Math.min(s.unitTop, n - rows));
  const pos = Math.max(0, s.order === null ? s.unit : s.order.indexOf(s.unit));
  return Math.max(0, Math.min(pos - Math.floor(rows / 2), n - rows));
}

/**
 * The session as one network sees it: with a compared network of another size, the shared
 * selection may point past this one's units; the nearest unit it has stands in.
 */
function ownUnits(store: TraceStore, s: Session): Session {
  const H = store.network.hiddenSize;
  if (s.H === H) return s;
  const order = s.order === null ? null : s.order.filter((u) => u < H);
  const n = order === null ? H : order.length;
  return { ...s, H, order, unit: Math.min(s.unit, H - 1), unitTop: Math.max(0, Math.min(s.unitTop, n - Math.min(s.unitRows, n))) };
}

export function timelineLines(f: FrameInput): string[] {
  const { store, theme, layout: L, panels } = f;
  const s = ownUnits(store, f.session);
  if (!L.timeline) return [];
  const p = panels[Math.min(s.timeline, panels.length - 1)]!;
  const { layer, dir } = viewOf(store, s.view);
  const cw = timelineZoom(s, L.timelineWidth);
  const width = Math.floor(L.timelineWidth / cw); // steps across
  const w0 = timelineStart(s.cursor, s.T, width, s.first);
  // The heatmap spans many steps: always the scale of all of them.
  const scale = panelScale(store, p, layer, dir);
  const lines: string[] = [];
  lines.push(theme.style('accent', fit(`${s.timeline + 1}${p.name}`, L.gutter)) + theme.style('dim', axisRow(s, w0, width, cw)));
  if (L.tokenRow) lines.push(' '.repeat(L.gutter) + tokenRow(inputStore(f), s, w0, width, cw));
  const row = new Float64Array(width);
  const wide = new Float64Array(width * cw);
  const top = heatUnits(s, L.heatRows);
  for (const u of rowUnits(s, top, L.heatRows)) {
    const idx = String(u).padStart(L.indexWidth);
    const gutter = u === s.unit ? theme.style('selected', `▸${idx} `) : ` ${idx} `;
    if (s.T > 0) store.series(p.name, layer, dir, u, w0, row);
    else row.fill(NaN);
    lines.push(gutter + heatRow(theme, stretch(row, width, cw, wide), p, scale));
  }
  if (L.sparkRows > 0) {
    if (s.T > 0) store.series(p.name, layer, dir, s.unit, w0, row);
    else row.fill(NaN);
    const label = fit(`u${s.unit}`, L.gutter);
    const values = stretch(row, width, cw, wide);
    if (p.scale === 'unit') lines.push(theme.style('selected', label) + seqSpark(theme, values));
    else {
      const [up, down] = divSpark(theme, values, scale);
      lines.push(theme.style('selected', label) + up);
      if (L.sparkRows > 1) lines.push(' '.repeat(L.gutter) + down);
    }
  }
  // Room to spare: more heatmaps on the same time axis, each under a row naming it and its scale.
  // States first (LSTM c and h, GRU h: what the network keeps and says), then, with a compared
  // network, its hidden state (the remember demo's point: the RNN's h washes out), then the gates.
  interface Extra {
    readonly store: TraceStore;
    readonly panel: PanelSpec;
    readonly layer: number;
    readonly dir: number;
    readonly key: string;
    readonly title: string;
  }
  const chosenIndex = Math.min(s.timeline, panels.length - 1);
  const isState = (q: PanelSpec): boolean => q.name === 'c' || q.name === 'h';
  const own = (i: number): Extra => ({ store, panel: panels[i]!, layer, dir, key: `${i + 1}${panels[i]!.name}`, title: panels[i]!.title });
  const rest = panels.map((_, i) => i).filter((i) => i !== chosenIndex);
  const order: Extra[] = rest.filter((i) => isState(panels[i]!)).map(own);
  const other = f.pair != null && f.session.other !== null ? blocks(f).find((x) => !x.focused) : undefined;
  const otherPanel = other?.panels.at(-1);
  if (other !== undefined && otherPanel !== undefined && other.store.network.hiddenSize <= L.heatRows) {
    const v = viewOf(other.store, other.view);
    order.splice(1, 0, { store: other.store, panel: otherPanel, layer: v.layer, dir: v.dir, key: otherPanel.name, title: `${networkTitle(other.store.network, other.name)}: ${otherPanel.title}` });
  }
  order.push(...rest.filter((i) => !isState(panels[i]!)).map(own));
  // (A focused network with more units than the layout planned for gets none.)
  const extras = s.H <= L.heatRows ? Math.min(L.extraHeats, order.length) : 0;
  for (const x of order.slice(0, extras)) {
    const q = x.panel;
    const qScale = panelScale(x.store, q, x.layer, x.dir);
    const head = `${x.title} · ${scaleText(x.store, q, x.layer, x.dir, width)}`;
    const rule = `── ${head} `;
    const ruleWidth = width * cw;
    lines.push(theme.style('dim', fit(x.key, L.gutter) + (textWidth(rule) < ruleWidth ? rule + '─'.repeat(Math.max(0, Math.min(width, s.T - w0) * cw - textWidth(rule))) : fit(rule, ruleWidth))));
    const H = x.store.network.hiddenSize;
    for (let u = 0; u < H; u++) {
      const idx = String(u).padStart(L.indexWidth);
      const gutter = u === s.unit ? theme.style('selected', `▸${idx} `) : ` ${idx} `;
      if (s.T > 0) x.store.series(q.name, x.layer, x.dir, u, w0, row);
      else row.fill(NaN);
      lines.push(gutter + heatRow(theme, stretch(row, width, cw, wide), q, qScale));
    }
  }
  return lines;
}

export const timelineSection: FrameSection = { id: 'timeline', lines: timelineLines, memoKey: (f) => `${stepKey(f)}|${unitsKey(f)}` };
