/**
 * The panel grid: one panel per gate and state, in cell order, one row per unit; with a compared
 * network, both side by side, one under the other, or the focused one alone, each under its name.
 */
import { cellLabel } from '../../engine/index.js';
import { divBar, seqBar } from '../bars.js';
import { fit, fmtSigned, fmtUnit, textWidth } from '../format.js';
import { PAIR_GAP } from '../layout.js';
import { networkTitle } from '../networks.js';
import { saturationMark, type PanelSpec } from '../panels.js';
import { unitCount } from '../session.js';
import { blocks, held, panelScale, rowUnits, scaleTexts, stepKey, unitsKey, viewOf, type Block, type FrameInput, type FrameSection } from './shared.js';

/**
 * A panel's words in `width` columns: the whole title, else a cut at a letter with a dot
 * ("candidate" -> "cand."), never fewer than 3 letters; null when even that does not fit.
 */
export function titleWords(title: string, width: number): string | null {
  if (textWidth(title) <= width) return title;
  const word = title.split(' ')[0]!;
  if (textWidth(word) <= width) return word;
  const k = Math.min(word.length - 1, width - 1);
  return k >= 3 ? `${word.slice(0, k)}.` : null;
}

function panelTitle(f: FrameInput, b: Block, p: PanelSpec, index: number, layer: number, dir: number): string {
  const { theme, layout: L } = f;
  const key = `${index + 1}`;
  // Name, words and scale, with the words kept over a longer scale, then shortened, then dropped:
  // the name and the scale always stay. A space ends the title unless the words need that column.
  const scales = scaleTexts(b.store, p, layer, dir, f.session.localScale ? f.session.cursor : undefined);
  let name = ` ${p.name}`;
  let right = scales.at(-1)!;
  let inner = L.panelWidth - 2 - key.length;
  choose: for (const [minWords, pad] of [[Infinity, 1], [Infinity, 0], [3, 1], [3, 0]] as const) {
    for (const sc of scales) {
      const room = L.panelWidth - 1 - pad - key.length - textWidth(sc) - textWidth(` ${p.name} `) - 1;
      const words = titleWords(p.title, room);
      if (words !== null && (minWords === 3 || words === p.title)) {
        name = ` ${p.name} ${words}`;
        right = sc;
        inner = L.panelWidth - 1 - pad - key.length;
        break choose;
      }
    }
  }
  const leftWidth = Math.max(1, inner - textWidth(right));
  name = fit(name, leftWidth);
  const end = ' '.repeat(L.panelWidth - 1 - key.length - inner);
  // Keys 1..6 pick a panel of the focused network: the other's numbers are dim.
  const chosen = b.focused && f.session.timeline === index;
  return ` ${theme.style(chosen ? 'accent' : 'dim', key)}${theme.style(b.focused ? 'title' : 'dim', name)}${theme.style('dim', right)}${end}`;
}

/** The scrollbar glyph for grid row r: a thumb where the visible units sit among all H. */
function scrollGlyph(H: number, unitTop: number, rows: number, r: number): string {
  const start = Math.floor((unitTop / H) * rows);
  const end = Math.max(start + 1, Math.ceil(((unitTop + rows) / H) * rows));
  return r >= start && r < end ? '┃' : '│';
}

/** The divider between two networks side by side: a space and a bar, PAIR_GAP columns. */
const DIVIDER = `${' '.repeat(PAIR_GAP - 1)}┃`;

/**
 * One grid row of a block's panels: the title row then one row per unit, without the gutter.
 * Units the network does not have (a compared network with a smaller H) are blank; so is every
 * row while the step is not held.
 */
function blockRows(f: FrameInput, b: Block, group: readonly PanelSpec[], first: number, units: readonly number[]): string[] {
  const rows = units.length;
  const { session: s, theme, layout: L } = f;
  const { layer, dir } = viewOf(b.store, b.view);
  const out = [group.map((p, i) => panelTitle(f, b, p, first + i, layer, dir)).join('')];
  const width = group.length * L.panelWidth;
  if (s.T === 0 || !held(b.store, s.cursor)) {
    const why = s.T === 0 ? ' no steps yet' : b.store.status === 'reading' && b.store.pending > 0 ? ' waiting for the whole input (a reverse direction)' : ' this step is not held';
    for (let r = 0; r < rows; r++) out.push(r === 0 ? theme.style('dim', fit(why, width)) : ' '.repeat(width));
    return out;
  }
  const H = b.store.network.hiddenSize;
  const values = group.map((p) => b.store.state(p.name, layer, dir, s.cursor));
  const scales = group.map((p) => panelScale(b.store, p, layer, dir, s.localScale ? s.cursor : undefined));
  for (let r = 0; r < rows; r++) {
    const u = units[r]!;
    if (u >= H || u < 0) {
      out.push(' '.repeat(width));
      continue;
    }
    const selected = u === s.unit && b.focused;
    let line = '';
    for (let i = 0; i < group.length; i++) {
      const p = group[i]!;
      if (u >= values[i]!.length) {
        // a projected LSTM's h has P values, fewer than the H units of its gates
        line += ` ${' '.repeat(L.panelWidth - 1)}`;
        continue;
      }
      const v = values[i]![u]!;
      const num = p.scale === 'unit' ? fmtUnit(v) : fmtSigned(v);
      const bar = p.scale === 'unit' ? seqBar(theme, v, 2 * L.half + 1) : divBar(theme, v, scales[i]!, L.half);
      line += ` ${selected ? theme.style('selected', num) : num} ${bar}${p.marks === false ? ' ' : saturationMark(p.scale, v)}`;
    }
    out.push(line);
  }
  return out;
}

/** The row naming a network above its grid: cell, sizes, weights, layer, and which one has focus. */
function nameText(f: FrameInput, b: Block, hint: boolean): string {
  const views = b.store.viewCount;
  const { layer, dir } = viewOf(b.store, b.view);
  const where = views > 1 ? ` · layer ${layer + 1}/${b.store.network.numLayers} ${b.store.direction(dir)} (l${layer})` : '';
  const other = blocks(f).find((x) => x.store !== b.store);
  const tail = !b.focused || other === undefined ? '' : hint ? `   (1 of 2 shown · c shows ${networkTitle(other.store.network, other.name)})` : '   (keys act here · c switches)';
  return `${b.focused ? '▶ ' : '  '}${networkTitle(b.store.network, b.name)}${where}${tail}`;
}

function nameRow(f: FrameInput, b: Block, width: number, hint: boolean): string {
  // The full name when it fits, else the cell and the file, else the cell alone.
  const mark = b.focused ? '▶ ' : '  ';
  const net = b.store.network;
  const alts = [nameText(f, b, hint), `${mark}${networkTitle(net, b.name)}`, `${mark}${cellLabel(net.kind)}${b.name ? ` · ${b.name}` : ''}`, `${mark}${cellLabel(net.kind)}`];
  const text = alts.find((a) => textWidth(a) <= width) ?? alts.at(-1)!;
  return f.theme.style(b.focused ? 'accent' : 'title', fit(text, width));
}



export function panelGrid(f: FrameInput): string[] {
  const { session: s, theme, layout: L } = f;
  const lines: string[] = [];
  const count = unitCount(s);
  const rows = Math.min(L.unitRows, count);
  const unitTop = Math.max(0, Math.min(s.unitTop, count - rows));
  const units = rowUnits(s, unitTop, rows);
  const gutter = ' '.repeat(L.gutter);
  const unitGutter = (r: number): string => {
    const u = units[r]!;
    const idx = String(u).padStart(L.indexWidth);
    return u === s.unit ? theme.style('selected', `▸${idx} `) : ` ${idx} `;
  };
  const scroll = (r: number): string => (L.scrollbar ? theme.style('dim', scrollGlyph(count, unitTop, rows, r)) : '');
  const all = blocks(f);
  if (rows === 0) {
    lines.push(theme.style('dim', fit(' no unit to show (! shows all again)', L.cols)));
    return lines;
  }

  if (L.pair === 'beside' && all.length === 2) {
    const [a, b] = all as [Block, Block];
    const left = blockRows(f, a, a.panels, 0, units);
    const right = blockRows(f, b, b.panels, 0, units);
    const leftWidth = L.gutter + a.panels.length * L.panelWidth;
    const rightWidth = Math.max(1, L.cols - leftWidth - DIVIDER.length);
    lines.push(nameRow(f, a, leftWidth, false) + theme.style('dim', DIVIDER) + nameRow(f, b, rightWidth, false).trimEnd());
    lines.push(gutter + left[0]! + theme.style('dim', DIVIDER) + right[0]!);
    for (let r = 0; r < rows; r++) lines.push(unitGutter(r) + left[r + 1]! + theme.style('dim', DIVIDER) + right[r + 1]! + scroll(r));
    return lines;
  }

  const shown = L.pair === 'focused' ? all.filter((b) => b.focused) : all;
  for (const b of shown) {
    if (L.pair !== null) lines.push(nameRow(f, b, L.cols, L.pair === 'focused'));
    const gridRows = Math.ceil(b.panels.length / L.panelCols);
    for (let gr = 0; gr < gridRows; gr++) {
      const group = b.panels.slice(gr * L.panelCols, (gr + 1) * L.panelCols);
      const part = blockRows(f, b, group, gr * L.panelCols, units);
      lines.push(gutter + part[0]!);
      for (let r = 0; r < rows; r++) lines.push(unitGutter(r) + part[r + 1]! + scroll(r));
    }
  }
  return lines;
}

export const gridSection: FrameSection = { id: 'grid', lines: panelGrid, memoKey: (f) => `${stepKey(f)}|${unitsKey(f)}` };
