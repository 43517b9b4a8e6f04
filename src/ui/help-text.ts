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

export const LEGEND: readonly string[] = [
  'Reading the screen',
  `  gates (0..1)   bar from the left edge; colour dark = shut, bright = open`,
  `  signed values  bar left of ${AXIS} is negative, right of it positive; blue < 0 < orange`,
  `  c (cell)       scaled by the largest |c| over the sequence, shown in its title`,
  `  marks          ○ gate shut (< 0.02)  ● gate open (> 0.98)  ◆ |tanh| > 0.98  ◂ ▸ beyond the scale`,
  `  timeline       units (rows) by steps (columns) of the chosen panel; ▼ marks the current step`,
  `  memory (m)     one bar per earlier step, log scale: how much h now depends on x, h, c at that step`,
  `  two networks   --compare or the remember demo: ▶ marks the one keys act on; c switches`,
];

/**
 * The help body for `rows` x `cols`: the key table flowed into as many columns as the height
 * needs, then the legend if it fits.
 */
export function helpLines(theme: Theme, cols: number, rows: number): string[] {
  const list = items();
  const keyWidth = Math.max(...list.filter((i) => !i.heading).map((i) => textWidth(i.key))) + 2;
  const legendRows = rows - 2 >= Math.ceil(list.length / 2) + LEGEND.length + 1 ? LEGEND.length + 1 : 0;
  const tableRows = Math.max(1, rows - 1 - legendRows);
  // As many columns as the height needs, as long as each stays readable (else the list is cut).
  const columns = Math.max(1, Math.min(Math.ceil(list.length / tableRows), Math.floor((cols - 1) / 24)));
  const colWidth = Math.floor((cols - 1) / columns);
  const perColumn = Math.ceil(list.length / columns);
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
  if (legendRows > 0) {
    lines.push('');
    LEGEND.forEach((l, i) => lines.push(i === 0 ? theme.style('accent', fit(` ${l}`, cols)) : fit(l, cols)));
  }
  if (lines.length > rows) {
    lines.length = Math.max(1, rows - 1);
    lines.push(theme.style('dim', fit(' … (a taller window shows every key)', cols)));
  }
  return lines.slice(0, Math.max(1, rows));
}
