/**
 * The help overlay, generated from the key table plus a legend of what the glyphs mean.
 */
import { AXIS } from './bars.js';
import { fit, textWidth } from './format.js';
import { BINDINGS, type Binding } from './keymap.js';
import type { Theme } from './theme.js';

const GROUPS: readonly Binding['group'][] = ['Move', 'Play', 'Units', 'View', 'Other'];

interface HelpItem {
  readonly heading: boolean;
  readonly key: string;
  readonly text: string;
}

function items(): HelpItem[] {
  const out: HelpItem[] = [];
  for (const group of GROUPS) {
    out.push({ heading: true, key: group, text: '' });
    for (const b of BINDINGS.filter((x) => x.group === group)) out.push({ heading: false, key: b.label, text: b.description });
  }
  return out;
}

/** Most needed first: a short window shows the first lines of it. */
export const LEGEND: readonly string[] = [
  'Reading the screen',
  `  marks          ○ gate shut (< 0.02)  ● gate open (> 0.98)  ◆ |tanh| > 0.98  ◂ ▸ beyond the scale`,
  `  gates (0..1)   bar from the left edge; colour dark = shut, bright = open`,
  `  signed values  bar left of ${AXIS} is negative, right of it positive; blue < 0 < orange`,
  `  c (cell)       scaled by the largest |c| over the sequence, shown in its title`,
  `  timeline       units (rows) by steps (columns) of the chosen panel; ▼ marks the current step`,
  `  memory (m)     one bar per earlier step, log scale: how much h now depends on x, h, c at that step`,
  `  two networks   --compare or the remember demo: ▶ marks the one keys act on; c switches`,
];

/** Where a legend line's words start, under its label. */
const LEGEND_INDENT = 17;

/** The legend wrapped to `cols`, each line's continuation under its words (nothing cut at 80 columns). */
export function legendLines(cols: number): string[] {
  const out: string[] = [];
  for (const line of LEGEND) {
    if (textWidth(line) <= cols || cols < LEGEND_INDENT + 20) {
      out.push(line);
      continue;
    }
    // Items apart by two spaces wrap as wholes; an item longer than a line wraps at its words.
    const tokens: { sep: string; text: string }[] = [];
    for (const item of line.slice(LEGEND_INDENT).split('  ')) {
      const parts = textWidth(item) <= cols - LEGEND_INDENT ? [item] : item.split(' ');
      parts.forEach((text, k) => tokens.push({ sep: k === 0 ? '  ' : ' ', text }));
    }
    let cur = line.slice(0, LEGEND_INDENT);
    tokens.forEach(({ sep, text }, k) => {
      if (k === 0) cur += text;
      else if (textWidth(cur) + sep.length + textWidth(text) > cols) {
        out.push(cur);
        cur = ' '.repeat(LEGEND_INDENT) + text;
      } else cur += sep + text;
    });
    out.push(cur);
  }
  return out;
}

/**
 * The help body for `rows` x `cols`: the key table flowed into as many columns as the height
 * needs, then the legend if it fits.
 */
export function helpLines(theme: Theme, cols: number, rows: number): string[] {
  const list = items();
  const keyWidth = Math.max(...list.filter((i) => !i.heading).map((i) => textWidth(i.key))) + 2;
  const fullLegend = rows - 2 >= Math.ceil(list.length / 2) + LEGEND.length + 1;
  const tableRows = Math.max(1, rows - 1 - (fullLegend ? LEGEND.length + 1 : 0));
  // As many columns as the height needs, as long as each stays readable (else the list is cut).
  const columns = Math.max(1, Math.min(Math.ceil(list.length / tableRows), Math.floor((cols - 1) / 24)));
  const colWidth = Math.floor((cols - 1) / columns);
  const perColumn = Math.ceil(list.length / columns);
  // Rows the table leaves (a blank, the heading, then the legend's most needed lines), rather
  // than an empty space and no word on what the marks mean (80x24).
  const legendRows = fullLegend ? LEGEND.length + 1 : Math.max(0, Math.min(LEGEND.length + 1, rows - 1 - perColumn));
  const legend = legendRows >= 3 ? legendLines(cols).slice(0, legendRows - 1) : [];
  const lines: string[] = [theme.style('title', fit(' gatescope keys (any key closes this help)', cols))];
  for (let r = 0; r < perColumn; r++) {
    let line = '';
    for (let c = 0; c < columns; c++) {
      const it = list[c * perColumn + r];
      if (it === undefined) break;
      const kw = Math.min(keyWidth, Math.max(1, colWidth - 4));
      const cell = it.heading
        ? theme.style('accent', fit(` ${it.key}`, colWidth))
        : `  ${theme.style('key', fit(it.key, kw))}${fit(it.text, colWidth - kw - 2)}`;
      line += cell;
    }
    lines.push(line);
  }
  if (legend.length > 0) {
    lines.push('');
    legend.forEach((l, i) => lines.push(i === 0 ? theme.style('accent', fit(` ${l}`, cols)) : fit(l, cols)));
  }
  if (lines.length > rows) {
    lines.length = Math.max(1, rows - 1);
    lines.push(theme.style('dim', fit(' … (a taller window shows every key)', cols)));
  }
  return lines.slice(0, Math.max(1, rows));
}
