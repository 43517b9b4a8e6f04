/**
 * The frame as text: each section of the screen composed as pre-coloured lines of a known width,
 * from the trace, the session and the layout. Pure functions with no React, shared by the Ink
 * components (one <Text> per section) and the static snapshot (a colourless theme).
 */
import { cellLabel } from '../engine/index.js';
import { explainUnit } from '../trace/explain.js';
import type { MemoryState } from '../trace/memory-view.js';
import type { TraceStore } from '../trace/trace-store.js';
import { ColourRuns, divBar, divSpark, seqBar, seqSpark } from './bars.js';
import { explainBody, wrapExplain } from './explain-text.js';
import { fit, fmtNum, fmtSigned, fmtUnit, textWidth } from './format.js';
import { bannerLine, bannerText, guessStrip } from './guess-strip.js';
import { helpLines } from './help-text.js';
import { PAIR_GAP, type Layout } from './layout.js';
import { memoryLines, memorySnapshotRows, type MemoryNetwork } from './memory-frame.js';
import { networkLabel, networkTitle } from './networks.js';
import { saturationMark, type PanelSpec } from './panels.js';
import { stepsPerSecond, unitAt, unitCount, type Session } from './session.js';
import { className, guessesAt, inputHint, isClassifier, mark, NO_TASK, targetAt, type TaskInfo } from './task.js';
import type { Theme } from './theme.js';

/** Everything a section needs. `T` is passed (not read from the store) so memoised sections see it change. */
export interface FrameInput {
  /** The focused network's trace (the only one without --compare). */
  readonly store: TraceStore;
  readonly session: Session;
  readonly theme: Theme;
  readonly layout: Layout;
  /** The focused network's panels. */
  readonly panels: readonly PanelSpec[];
  /** Both networks in screen order when a second one is compared; `store` and `panels` are the focused one's. */
  readonly pair?: NetworkPair | null;
  /** Names of the networks in screen order (their weights files), for titles. */
  readonly names?: readonly (string | undefined)[];
  /** The memory view's figures per network in screen order (read in memory mode only). */
  readonly memory?: readonly MemoryState[] | null;
  /** What the network is for: a demo's banner and target, random weights. */
  readonly task?: TaskInfo;
}

/** Two networks run on the same input, in screen order (the first is the one the viewer opened). */
export interface NetworkPair {
  readonly stores: readonly [TraceStore, TraceStore];
  readonly panels: readonly [readonly PanelSpec[], readonly PanelSpec[]];
}

/** Whether step t of a trace can be read (a compared network may lag, or hold a shorter history). */
function held(store: TraceStore, t: number): boolean {
  return t >= store.first && t < store.length;
}

/**
 * The trace that says what the input was (x, labels, source): the first network's, which every
 * step reaches first; the compared one may lag or wait for the whole input.
 */
function inputStore(f: FrameInput): TraceStore {
  return f.pair?.stores[0] ?? f.store;
}

/** One network's share of the screen. */
interface Block {
  readonly store: TraceStore;
  readonly panels: readonly PanelSpec[];
  readonly view: number;
  readonly focused: boolean;
  readonly name: string | undefined;
}

/** The networks on screen, in screen order, each with its own view. */
function blocks(f: FrameInput): Block[] {
  const s = f.session;
  if (f.pair == null || s.other === null) return [{ store: f.store, panels: f.panels, view: s.view, focused: true, name: f.names?.[0] }];
  return [0, 1].map((i) => ({
    store: f.pair!.stores[i]!,
    panels: f.pair!.panels[i]!,
    view: i === s.focus ? s.view : s.other!.view,
    focused: i === s.focus,
    name: f.names?.[i],
  }));
}

/** Layer and direction index of the session's view. */
export function viewOf(store: TraceStore, view: number): { layer: number; dir: number } {
  const dirs = store.network.directions.length;
  return { layer: Math.floor(view / dirs), dir: view % dirs };
}

/** The bar scale of a panel: 1 for gates and tanh values, the largest |value| so far for free ones. */
export function panelScale(store: TraceStore, p: PanelSpec, layer: number, dir: number, at?: number): number {
  if (p.scale !== 'free') return 1;
  const m = at !== undefined && store.holds(at) ? stepMaxAbs(store, p, layer, dir, at) : store.range(p.name, layer, dir).maxAbs;
  return m > 0 ? m : 1;
}

/** The largest |value| of a panel at one step (the local scale, s). */
function stepMaxAbs(store: TraceStore, p: PanelSpec, layer: number, dir: number, t: number): number {
  let m = 0;
  for (const v of store.state(p.name, layer, dir, t)) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}

const SEP = ' │ ';

// ---- status line ------------------------------------------------------------------------

interface Piece {
  /** Longest first: the line uses shorter forms before it drops a piece. */
  readonly alts: readonly string[];
  /** Higher stays longer when the line is too narrow. */
  readonly priority: number;
  readonly style?: 'title' | 'accent' | 'warn' | 'dim';
}

/** The input's name, then shorter: without a parenthesised detail, or the file name alone. */
function sourceAlts(source: string): string[] {
  const alts = [source];
  const bare = source.replace(/ \(.*\)$/, '');
  if (bare !== source) alts.push(bare);
  const file = bare.split('/').at(-1) ?? bare;
  if (file !== bare && file !== '') alts.push(file);
  return alts;
}

/** Pieces of at least this priority are shortened before any is dropped. */
const MAJOR = 8;

export function statusLine(f: FrameInput): string {
  const { store, session: s, theme } = f;
  const net = store.network;
  const { layer, dir } = viewOf(store, s.view);
  const pieces: Piece[] = [{ alts: ['gatescope'], priority: 1, style: 'title' }, { alts: sourceAlts(store.source), priority: 6 }];
  const kind = cellLabel(net.kind);
  const dirs = net.directions.length > 1 ? 'bidirectional' : net.directions[0] === 'reverse' ? 'reverse' : '';
  const proj = net.projSize != null && net.projSize > 0 ? net.projSize : 0;
  const longCell = [`${kind} ${net.inputSize}→${net.hiddenSize}${proj > 0 ? `, h projected to ${proj}` : ''}`, net.numLayers > 1 ? `${net.numLayers} layers` : '', dirs].filter((x) => x !== '').join(', ');
  const shortCell = `${kind} ${net.inputSize}→${net.hiddenSize}${proj > 0 ? `→${proj}` : ''}${net.numLayers > 1 ? ` L${net.numLayers}` : ''}${dirs === 'bidirectional' ? ' bi' : dirs === 'reverse' ? ' rev' : ''}`;
  const pair = f.pair != null && s.other !== null ? blocks(f) : null;
  if (pair === null) pieces.push({ alts: [longCell, shortCell], priority: 5 });
  else {
    // Both networks, named; the focused one first marked.
    const [a, b] = pair as [Block, Block];
    const mark = (x: Block): string => (x.focused ? '▶ ' : '');
    pieces.push({
      alts: [
        `${mark(a)}${networkTitle(a.store.network, a.name)} vs ${mark(b)}${networkTitle(b.store.network, b.name)}`,
        `${mark(a)}${networkLabel(a.store.network)} vs ${mark(b)}${networkLabel(b.store.network)}`,
        `${mark(a)}${cellLabel(a.store.network.kind)} vs ${mark(b)}${cellLabel(b.store.network.kind)}`,
      ],
      priority: 5,
    });
  }
  if (store.viewCount > 1) {
    const d = store.direction(dir);
    // 1-based like the steps; run, stats and the CSV count layers from 0 (l0): both are said.
    pieces.push({ alts: [`layer ${layer + 1}/${net.numLayers} ${d} (l${layer})`, `L${layer + 1}/${net.numLayers} ${d === 'forward' ? '→' : '←'}`], priority: 8 });
  }
  const more = s.done ? '' : '+';
  pieces.push({ alts: s.T === 0 ? [`step 0/0${more}`] : [`step ${s.cursor + 1}/${s.T}${more} (t=${s.cursor})`, `step ${s.cursor + 1}/${s.T}${more}`], priority: 11, style: 'title' });
  const task = f.task ?? NO_TASK;
  if (task.randomWeights) pieces.push({ alts: ['random weights (untrained)', 'random weights'], priority: 9, style: 'warn' });
  const sps = stepsPerSecond(s);
  if (f.layout.snapshot) {
    // a still picture has no play state
  } else if (s.playing) pieces.push({ alts: [`▶ playing ${sps}/s`, `▶ ${sps}/s`], priority: 7, style: 'accent' });
  else if (!s.follow) pieces.push({ alts: [`paused ${sps}/s`, 'paused'], priority: 2 });
  // (following, the cursor moves with the data: "paused" beside "follow" read as stuck)
  if (s.follow) pieces.push({ alts: ['follow'], priority: 9, style: 'accent' });
  if (s.T > 0) {
    const input = inputStore(f);
    const label = input.label(s.cursor);
    pieces.push({ alts: [input.tokens ? `“${label}”` : label], priority: 4 });
    const alts = predictionAlts(f, (pair ?? [{ store } as Block]).map((b) => b.store));
    if (alts !== null) pieces.push({ alts, priority: 10 });
  }
  const width = f.layout.cols;
  const chosen = pieces.map(() => 0);
  let kept = pieces.map((_, i) => i);
  const text = (i: number): string => pieces[i]!.alts[chosen[i]!]!;
  const total = (): number => kept.reduce((w, i) => w + textWidth(text(i)), 0) + SEP.length * (kept.length - 1) + 1;
  // Lowest priority first: the minor pieces shortened, then dropped; then the ones that matter
  // (the step, the prediction, the layer, random weights) shortened, and dropped only at last.
  const byPriority = [...kept].sort((a, b) => pieces[a]!.priority - pieces[b]!.priority);
  const minor = byPriority.filter((i) => pieces[i]!.priority < MAJOR);
  const major = byPriority.filter((i) => pieces[i]!.priority >= MAJOR);
  for (const i of minor) {
    if (total() <= width) break;
    chosen[i] = pieces[i]!.alts.length - 1;
    if (total() > width && kept.length > 1) kept = kept.filter((k) => k !== i);
  }
  for (const i of major) {
    for (let a = chosen[i]!; a < pieces[i]!.alts.length && total() > width; a++) chosen[i] = a;
  }
  for (const i of major) {
    if (total() <= width || kept.length === 1) break;
    kept = kept.filter((k) => k !== i);
  }
  // Whatever is left is cut to the width, piece by piece, so no escape sequence is cut in half.
  let used = 1;
  let line = ' ';
  kept.forEach((i, n) => {
    const p = pieces[i]!;
    const sep = n === 0 ? '' : SEP;
    const room = width - used - sep.length;
    if (room <= 0) return;
    const t = textWidth(text(i)) > room ? fit(text(i), room) : text(i);
    line += (sep === '' ? '' : theme.style('dim', sep)) + (p.style ? theme.style(p.style, t) : t);
    used += sep.length + textWidth(t);
  });
  return line;
}

/**
 * The heads' predictions at the cursor with the target, longest first: `ŷ 0.8902 ✓ vs ŷ 0.0166 ✗
 * · target 0.893`, `predicts “)” p 0.93 · actual “)” ✓`; null when no network has a head.
 */
function predictionAlts(f: FrameInput, stores: readonly TraceStore[]): string[] | null {
  const s = f.session;
  const t = s.cursor;
  const rule = f.task?.target ?? null;
  const input = inputStore(f);
  const preds = stores.map((st) => {
    const p = predictionText(st, t);
    const tgt = p === null ? null : targetAt(st, input, rule, t, s.T, s.done);
    return { long: p?.long ?? null, short: p?.short ?? null, target: tgt };
  });
  if (preds.every((p) => p.long === null)) return null;
  const target = preds.find((p) => p.target !== null)?.target ?? null;
  const join = (key: 'long' | 'short', marks: boolean): string =>
    preds.map((p) => (p[key] ?? '–') + (marks && p.target !== null ? mark(p.target.ok) : '')).join(' vs ');
  const tail = target === null ? '' : ` · ${target.text}`;
  return [join('long', true) + tail, join('short', true) + tail, join('short', true), join('short', false)];
}

/** The head's prediction at step t in words (`ŷ 0.8902`, `predicts “(” p 0.93`), or null without a head. */
function predictionText(store: TraceStore, t: number): { long: string; short: string } | null {
  if (!held(store, t)) return null;
  const pred = store.prediction(t);
  if (pred === null) return null;
  if (isClassifier(store)) {
    const best = guessesAt(store, t, 1)![0]!;
    const p = fmtProb(best.p);
    return { long: `predicts ${className(store, best.index)} (p ${p})`, short: `${className(store, best.index)} p ${p}` };
  }
  return { long: `ŷ ${fmtNum(pred[0]!)}`, short: fmtNum(pred[0]!) };
}

/** A probability in 4 columns: `0.93`, `1.00`, `<.01`. */
export function fmtProb(p: number): string {
  if (Number.isNaN(p)) return 'nan';
  if (p > 0 && p < 0.005) return '<.01';
  return p.toFixed(2);
}

// ---- banner, top guesses ---------------------------------------------------------------------

export function bannerLines(f: FrameInput): string[] {
  if (f.layout.bannerRows === 0) return [];
  const text = bannerText(f.task ?? NO_TASK, inputStore(f));
  return [text === null ? '' : bannerLine(f.theme, text, f.layout.cols)];
}

/** The focused network's top guesses per step (a head with several outputs). */
export function guessLines(f: FrameInput): string[] {
  const { layout: L } = f;
  if (L.guessRows === 0) return [];
  return guessStrip({ store: f.store, input: inputStore(f), session: f.session, theme: f.theme, cols: L.cols, rows: L.guessRows });
}

// ---- x strip ------------------------------------------------------------------------------

export function xStrip(f: FrameInput): string[] {
  const { session: s, theme, layout: L } = f;
  const store = inputStore(f);
  if (L.xRows === 0) return [];
  const D = store.network.inputSize;
  const gutter = fit('x', L.gutter);
  if (s.T === 0) return [theme.style('dim', `${gutter}waiting for data…`), ...Array<string>(L.xRows - 1).fill('')];
  const x = store.x(s.cursor);
  const scale = store.inputRange().maxAbs || 1;
  const capacity = L.xRows * L.xPerRow;
  let order = Array.from({ length: D }, (_, j) => j);
  let hidden = 0;
  if (D > capacity) {
    // Not all fit: the features that matter most right now, by |x|, and how many are left out
    // (in the last cell's place, or after it when there is only one).
    order = order.sort((a, b) => Math.abs(x[b]!) - Math.abs(x[a]!) || a - b).slice(0, Math.max(1, capacity - 1));
    hidden = D - order.length;
  }
  const cells = order.map((j) => {
    const name = fit(store.featureNames[j]!, L.xNameWidth);
    return `${name} ${fmtSigned(x[j]!)} ${divBar(theme, x[j]!, scale, L.xHalf)}  `;
  });
  const lines: string[] = [];
  for (let r = 0; r < L.xRows; r++) {
    const row = cells.slice(r * L.xPerRow, (r + 1) * L.xPerRow);
    lines.push((r === 0 ? gutter : ' '.repeat(L.gutter)) + row.join(''));
  }
  if (hidden > 0) {
    const last = lines.length - 1;
    // (cells are xCellWidth columns each, escapes aside)
    const inLast = Math.max(0, Math.min(L.xPerRow, cells.length - last * L.xPerRow));
    const room = L.cols - L.gutter - inLast * L.xCellWidth;
    const note = [`+${hidden} more, top |x| shown`, `+${hidden} more`, `+${hidden}`].find((t) => textWidth(t) <= room);
    if (note !== undefined) lines[last] += theme.style('dim', note);
  }
  return lines;
}

// ---- panel grid ---------------------------------------------------------------------------

/**
 * The scale a panel's bars use, longest first, always written the same way: `±1` for tanh, `0…1`
 * for gates, `±6.4` for a free scale (the largest |value| of all steps, rounded up), `±2.1 step`
 * when s scales it by this step's largest instead.
 */
function scaleTexts(store: TraceStore, p: PanelSpec, layer: number, dir: number, at?: number): string[] {
  if (p.scale === 'unit') return ['0…1'];
  if (p.scale === 'tanh') return ['±1'];
  const local = at !== undefined && store.holds(at);
  const maxAbs = local ? stepMaxAbs(store, p, layer, dir, at) : store.range(p.name, layer, dir).maxAbs;
  const tag = local ? ' step' : '';
  return [`±${roundUp2(maxAbs, 4)}${tag}`, `±${roundUp2(maxAbs)}${tag}`];
}

/** m rounded up to `digits` significant digits, so a bound said briefly is still a bound (0.8628 -> 0.87). */
export function roundUp2(m: number, digits = 2): string {
  if (!(m > 0) || !Number.isFinite(m)) return fmtNum(m);
  const step = 10 ** (Math.floor(Math.log10(m)) - digits + 1);
  return String(Number((Math.ceil(m / step - 1e-9) * step).toPrecision(digits)));
}

/** The longest scale text that fits `room` with a little space for the name (the extra heatmaps' rows). */
function scaleText(store: TraceStore, p: PanelSpec, layer: number, dir: number, room: number): string {
  const alts = scaleTexts(store, p, layer, dir);
  return alts.find((t) => t.length + 4 <= room) ?? alts.at(-1)!;
}

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
      line += ` ${selected ? theme.style('selected', num) : num} ${bar}${saturationMark(p.scale, v)}`;
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

/** The units on rows `top`.. of the session's order, at most `rows` of them. */
export function rowUnits(s: Session, top: number, rows: number): number[] {
  const n = Math.max(0, Math.min(rows, unitCount(s) - top));
  return Array.from({ length: n }, (_, r) => unitAt(s, top + r));
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

// ---- timeline -----------------------------------------------------------------------------

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

// ---- explain ------------------------------------------------------------------------------

/**
 * The explain panel for the selected unit at the current step, title first, fitted to `cols`: the
 * layout asks for its length before placing it.
 */
export function explainText(store: TraceStore, s: Session, cols: number): string[] {
  const { layer, dir } = viewOf(store, s.view);
  const where = `unit ${s.unit} · layer ${layer + 1} ${store.direction(dir)} (l${layer}) · step ${s.cursor + 1}/${s.T} (t=${s.cursor})`;
  if (s.T === 0) return [` explain ${where}`, ' no steps yet'];
  const H = store.network.hiddenSize;
  if (s.unit >= H) return [` explain ${where}`, ` this network has ${H} units (0–${H - 1}): select one of them (↑/k)`];
  if (!store.holds(s.cursor)) return [` explain ${where}`, s.cursor < store.first ? ' this step is no longer held (see --history)' : ' this step is not computed yet'];
  const label = store.label(s.cursor);
  const title = ` explain ${where} · ${store.tokens ? `“${label}”` : label}   (e or Esc closes)`;
  return [title, ...wrapExplain(explainBody(explainUnit(store, layer, dir, s.cursor, s.unit)), cols)];
}

export function explainLines(f: FrameInput): string[] {
  const { store, session: s, theme, layout: L } = f;
  if (L.explainRows === 0) return [];
  const [title, ...body] = explainText(store, s, L.cols);
  // Too wide: the closing hint goes first (the footer and help say it too), then the label is cut.
  const head = textWidth(title!) <= L.cols ? title! : title!.replace(/ {3}\(e or Esc closes\)$/, '');
  const lines = [theme.style('title', fit(head, L.cols)), ...body.map((l) => fit(l, L.cols))];
  if (lines.length <= L.explainRows) return lines;
  // Longer than its rows: the title stays, the body scrolls (] [), the last row says where it is.
  const view = Math.max(1, L.explainRows - 2);
  const rest = lines.slice(1);
  const start = Math.max(0, Math.min(s.scrollTop, rest.length - view));
  const where = ` lines ${start + 1}–${start + view} of ${rest.length}: ${start + view < rest.length ? '] for more' : 'the end; [ back'}`;
  return [lines[0]!, ...rest.slice(start, start + view), theme.style('dim', fit(where, L.cols))].slice(0, L.explainRows);
}

// ---- footer, help, too small ----------------------------------------------------------------

/** The key hints, most useful first: the footer keeps them in this order while they fit. */
const HINTS = ['←/→ step', 'e explain', 'm memory', 'space play', '↑/↓ unit', 'Tab layer', '1-6 timeline', ': go to', 'n flagged', 'o order', 'f follow', '? help', 'q quit'];
/** With two networks, switching between them comes right after stepping. */
const PAIR_FIRST = ['c switch'];
const PAIR_HINTS = [HINTS[0]!, ...PAIR_FIRST, ...HINTS.slice(1)];

/** The hints for keys that do something here: no Tab with one layer and direction, 1-N for N panels. */
function hintsFor(f: FrameInput): string {
  const n = f.panels.length;
  return (f.pair != null ? PAIR_HINTS : HINTS)
    .filter((h) => !(h === 'Tab layer' && f.store.viewCount <= 1 && (f.pair?.stores.every((x) => x.viewCount <= 1) ?? true)))
    .filter((h) => !(h === '1-6 timeline' && n <= 1))
    .filter((h) => !(h === 'f follow' && f.session.done))
    .map((h) => (h === '1-6 timeline' ? `1-${n} timeline` : h))
    .join(' · ');
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
    left = s.entryKind === 'unit' ? ` go to unit (0-${s.H - 1}): ${s.entry}▏ Enter goes, Esc cancels` : ` go to step (1-${s.T}): ${s.entry}▏ Enter goes, Esc cancels`;
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
  const hints = footerHints(hintsFor(f), room);
  const pad = Math.max(0, width - leftW - textWidth(hints) - textWidth(units));
  return (style ? theme.style(style, leftText) : leftText) + theme.style('dim', hints) + ' '.repeat(pad) + theme.style('dim', units);
}

/** Which units are on screen, when not all are or they are reordered: `units 0–3/8`, `4 of 8 flagged, by variance`. */
function unitsText(s: Session, L: Layout): string {
  const n = unitCount(s);
  const rows = Math.min(L.unitRows, n);
  const sorted = s.sort === 'index' ? '' : ` by ${s.sort === 'value' ? '|value|' : s.sort}`;
  if (s.flaggedOnly) return `${n} of ${s.H} flagged${sorted} `;
  if (s.order !== null) return `rows ${s.unitTop + 1}–${s.unitTop + rows}/${n}${sorted} `;
  return L.scrollbar ? `units ${s.unitTop}–${s.unitTop + rows - 1}/${s.H} J/K ` : '';
}

export function helpBody(f: FrameInput): string[] {
  return helpLines(f.theme, f.layout.cols, f.layout.bodyRows, f.session.scrollTop);
}

/** Words wrapped to `width` columns (a word longer than the width is cut). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const next = line === '' ? word : `${line} ${word}`;
    if (textWidth(next) <= width) line = next;
    else {
      if (line !== '') lines.push(line);
      line = textWidth(word) <= width ? word : fit(word, width);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function tooSmallLines(theme: Theme, layout: Layout): string[] {
  const width = Math.max(1, layout.cols - 1);
  const lines = [
    ...wrapWords(layout.tooSmall ?? '', width).map((l) => theme.style('warn', ` ${l}`)),
    ...wrapWords('enlarge the window (q quits)', width).map((l) => ` ${l}`),
  ];
  return lines.slice(0, Math.max(1, layout.height));
}

/** The memory view in the body's place: how far back each network's state reaches from the cursor. */
export function memoryBody(f: FrameInput): string[] {
  const { session: s, layout: L } = f;
  const networks: MemoryNetwork[] = blocks(f).map((b, i) => ({ store: b.store, name: b.name, state: f.memory?.[i] ?? { status: 'idle' } }));
  const rows = L.snapshot ? memorySnapshotRows(networks) : L.bodyRows;
  return memoryLines({ networks, cursor: s.cursor, T: s.T, focus: f.pair != null ? s.focus : 0, theme: f.theme, cols: L.cols, rows }, L.snapshot);
}

/** The whole frame, `layout.height` lines: what the snapshot prints and the tests read. */
export function composeFrame(f: FrameInput): string[] {
  const { layout: L, session: s } = f;
  if (L.tooSmall !== null) return tooSmallLines(f.theme, L);
  const lines: string[] = [statusLine(f), ...bannerLines(f), ...xStrip(f)];
  if (s.help) lines.push(...helpBody(f));
  else if (s.mode === 'memory') lines.push(...memoryBody(f));
  else lines.push(...guessLines(f), ...panelGrid(f), ...explainLines(f), ...timelineLines(f));
  if (L.footer) {
    while (lines.length < L.height - 1) lines.push('');
    lines.length = Math.min(lines.length, L.height - 1);
    lines.push(footerLine(f));
  }
  return lines;
}
