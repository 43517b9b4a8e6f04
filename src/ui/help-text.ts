/**
 * The help overlay, generated from the key table plus a legend of what the glyphs mean.
 */
import { AXIS } from './bars.js';
import { fit, textWidth } from './format.js';
import { BINDINGS, type Binding } from './keymap.js';
import type { Theme } from './theme.js';
import { stringsFor, type Lang } from './i18n/index.js';
import { SATURATION } from './panels.js';
import { DEAD_SPREAD, SATURATED_FRACTION } from './unit-search.js';

const GROUPS: readonly Binding['group'][] = ['Move', 'Play', 'Units', 'View', 'Other'];

interface HelpItem {
  readonly heading: boolean;
  readonly key: string;
  readonly text: string;
}

function items(lang: Lang): HelpItem[] {
  const w = stringsFor(lang).help;
  const out: HelpItem[] = [];
  for (const group of GROUPS) {
    out.push({ heading: true, key: w?.groups[group] ?? group, text: '' });
    for (const b of BINDINGS.filter((x) => x.group === group)) out.push({ heading: false, key: b.label, text: w?.keys[b.label] ?? b.description });
  }
  return out;
}

/** Most needed first: a short window shows the first lines of it. */
export const LEGEND: readonly string[] = [
  'Reading the screen',
  `  marks          ○ gate shut (< 0.02)  ● gate open (> 0.98)  ◆ |tanh| > 0.98  ◂ ▸ beyond the scale`,
  `  gates (0..1)   bar from the left edge; colour dark = shut, bright = open`,
  `  signed values  bar left of ${AXIS} is negative, right of it positive; blue < 0 < orange`,
  `  ±6.4           a free scale (LSTM c, ReLU h): the largest |value| of all steps, in the title; s: of this step (±2.1 step)`,
  `  colour         diverging maps fade to grey at 0: |value| under 1/16 of the scale is neutral`,
  `  numbering      steps from 1 (step 1 = t=0 in run, stats, the CSV); units from 0; layers from 1 (l0 in run, stats, the CSV)`,
  `  flagged (n)    saturated: a gate < ${SATURATION} or > ${1 - SATURATION}, or |tanh| > ${1 - SATURATION}, on ≥ ${Math.round(SATURATED_FRACTION * 100)}% of the steps; dead: h never moves (≤ ${DEAD_SPREAD})`,
  `  orders (o)     index, variance over the steps, saturation, |value| at this step; ! keeps flagged units only`,
  `  timeline       units (rows) by steps (columns) of the chosen panel; ▼ marks the current step`,
  `  memory (m)     one bar per earlier step, log scale: how much h now depends on x, h, c at that step`,
  `  two networks   --compare or the remember demo: ▶ marks the one keys act on; c switches`,
];

/** Where a legend line's words start, under its label. */
const LEGEND_INDENT = 17;

/** The legend wrapped to `cols`, each line's continuation under its words (nothing cut at 80 columns). */
export function legendLines(cols: number, legend: readonly string[] = LEGEND): string[] {
  const out: string[] = [];
  for (const line of legend) {
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
 * The help body for `rows` x `cols` from line `top`: the key table flowed into as many columns as
 * fit, then the legend; when it is longer than the window it scrolls (] [ ↑ ↓), its last row
 * saying where it is.
 */
export function helpLines(theme: Theme, cols: number, rows: number, top = 0, lang: Lang = 'en'): string[] {
  const w = stringsFor(lang).help;
  const legend = w?.legend ?? LEGEND;
  const list = items(lang);
  const keyWidth = Math.max(...list.filter((i) => !i.heading).map((i) => textWidth(i.key))) + 2;
  // As many columns as stay readable (each at least 40 wide), fewer when the height holds it all.
  const maxColumns = Math.max(1, Math.floor((cols - 1) / 40));
  const columns = Math.max(1, Math.min(maxColumns, Math.ceil(list.length / Math.max(1, rows - 2 - legend.length))));
  const colWidth = Math.floor((cols - 1) / columns);
  const perColumn = Math.ceil(list.length / columns);
  const body: string[] = [];
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
    body.push(line);
  }
  body.push('');
  legendLines(cols, legend).forEach((l, i) => body.push(i === 0 ? theme.style('accent', fit(` ${l}`, cols)) : fit(l, cols)));
  // new here: the help offers the tour first (t opens it on the bundled demo)
  const title = theme.style('title', fit(w === null ? ' gatescope keys · t: the guided tour · ] [ ↑ ↓ scroll, other keys close' : ` ${w.title} · t: ${stringsFor(lang).tour.tour}`, cols));
  const room = Math.max(1, rows - 1);
  if (body.length <= room) return [title, ...body].slice(0, Math.max(1, rows));
  const view = Math.max(1, room - 1);
  const start = Math.max(0, Math.min(top, body.length - view));
  const shown = body.slice(start, start + view);
  const where = w === null ? ` lines ${start + 1}–${start + shown.length} of ${body.length}: ${start + view < body.length ? '] or ↓ for more' : 'the end; [ or ↑ back'}` : ` ${body.length}줄 중 ${start + 1}–${start + shown.length}줄: ${start + view < body.length ? '] 또는 ↓ 더 보기' : '끝, [ 또는 ↑ 앞으로'}`;
  return [title, ...shown, theme.style('dim', fit(where, cols))].slice(0, Math.max(1, rows));
}
