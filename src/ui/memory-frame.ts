/**
 * The memory view (m): how far back the network's memory reaches from the current step. For the
 * last layer's forward direction and its hidden state h at the cursor, one bar per earlier step t
 * of ||dh/dx_t||, ||dh/dh_t|| and (LSTM) ||dh/dc_t||, on a log scale, so that exponential decay
 * (a plain RNN forgetting) reads as a straight slope and a flat run (an LSTM cell holding on) as
 * flat. Bars grow up from the baseline; columns are steps, oldest left, the current step right.
 *
 * Two networks (--compare) are stacked on the same time axis and the same log scale per quantity,
 * so the same column is the same step and bar heights compare directly. Each is named on its own
 * row with its memory span in words; in monochrome the names and the stacking tell them apart.
 *
 * Pure: the figures come in (trace/memory-view.ts computes them off the key path).
 */
import { memorySpan, type CellKind, type MemoryProfile } from '../engine/index.js';
import type { MemoryResult, MemoryState } from '../trace/memory-view.js';
import type { TraceStore } from '../trace/trace-store.js';
import { ColourRuns, LOWER_EIGHTHS } from './bars.js';
import { fit, textWidth } from './format.js';
import { networkTitle } from './networks.js';
import type { Theme } from './theme.js';

export interface MemoryNetwork {
  readonly store: TraceStore;
  /** The name it goes by (a weights file), if any. */
  readonly name?: string | undefined;
  readonly state: MemoryState;
}

export interface MemoryFrameInput {
  /** One or two networks, in screen order. */
  readonly networks: readonly MemoryNetwork[];
  /** The step measured from, 0-based. */
  readonly cursor: number;
  /** Steps in the trace (the status line's T). */
  readonly T: number;
  /** Which network keys act on (marked when there are two). */
  readonly focus: number;
  readonly theme: Theme;
  readonly cols: number;
  /** Rows the view may use. */
  readonly rows: number;
}

/** The sensitivities drawn, per cell kind: x, h, and c for LSTM; x and the matrix memories C for an mLSTM (its h feeds no later step). */
export type Quantity = 'x' | 'h' | 'c' | 'C';

export function quantitiesOf(kind: CellKind): readonly Quantity[] {
  return kind === 'lstm' ? ['x', 'h', 'c'] : kind === 'mlstm' ? ['x', 'C'] : ['x', 'h'];
}

/** The fraction of the latest step's figure that still counts as remembered (memorySpan's). */
export const SPAN_THRESHOLD = 0.01;
/** Rows of one chart at most, and in the plain-text view. */
export const CHART_MAX_ROWS = 8;
const CHART_SNAPSHOT_ROWS = 6;
/** Columns left of the bars: the quantity and the scale's ticks. */
export const MEMORY_GUTTER = 12;
/** Columns one step takes at most (few steps on a wide screen). */
const MAX_STEP_COLS = 3;
/** Decades below the largest figure that a chart spans at most. */
const MAX_DECADES = 12;

/**
 * Eighths of a `rows`-cell column that v fills on a log scale from 10^lo (empty) to 10^hi (full):
 * equal ratios give equal steps, so a geometric sequence gives heights that fall linearly.
 */
export function logEighths(v: number, lo: number, hi: number, rows: number): number {
  if (!(v > 0) || !(hi > lo)) return 0;
  const f = (Math.log10(v) - lo) / (hi - lo);
  return Math.max(0, Math.min(rows * 8, Math.round(f * rows * 8)));
}

/** The log scale of one quantity: whole decades from below the smallest figure to above the largest. */
export function logScale(values: readonly number[]): { lo: number; hi: number } | null {
  let max = 0;
  let min = Infinity;
  for (const v of values) {
    if (!(v > 0) || v === Infinity) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max === 0) return null;
  const hi = Math.ceil(Math.log10(max) - 1e-9) + 0; // + 0: never -0 (a tick reading 1e-0)
  let lo = Math.max(hi - MAX_DECADES, Math.floor(Math.log10(min) + 1e-9));
  if (lo >= hi - 1) lo = hi - 2;
  return { lo, hi };
}

function tick(exp: number): string {
  return `1e${exp}`;
}

/** The figure of quantity q at step t, or undefined when t was not measured. */
function figure(r: MemoryResult, t: number, q: Quantity): number | undefined {
  const s = r.profile.sensitivity[t - r.start];
  return s === undefined ? undefined : s[q];
}

function steps(n: number): string {
  return `${n} step${n === 1 ? '' : 's'}`;
}

/** A progress bar of 10 cells and the percentage: `▕███▏      ▏ 31%`. */
export function progressBar(done: number, of: number): string {
  const f = of > 0 ? Math.max(0, Math.min(1, done / of)) : 0;
  const eighths = Math.round(f * 80);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const bar = '█'.repeat(full) + (part > 0 ? LEFT_EIGHTHS[part]! : '') + ' '.repeat(10 - full - (part > 0 ? 1 : 0));
  return `▕${bar}▏${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** Left-aligned partial blocks, index = eighths filled. */
const LEFT_EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * minGRU / minLSTM: their gates never see h, so d h_now / d h_t is the diagonal product of the
 * forget coefficients since t (engine/memory.ts minKeepProducts). Its name, or null for other cells.
 */
export function keepProductText(kind: CellKind): string | null {
  return kind === 'mingru' ? '∏(1−z)' : kind === 'minlstm' ? "∏f′" : null;
}

/** The memory span of one network in words. */
export function spanWords(r: MemoryResult): string {
  const p: MemoryProfile = r.profile;
  const x = memorySpan(p, 'x', SPAN_THRESHOLD);
  const atLeast = r.limited && x >= p.T - 1 ? 'at least ' : '';
  let text = `reaches back ${atLeast}${steps(x)} (x ≥ ${SPAN_THRESHOLD * 100}% of the latest)`;
  // an mLSTM's h feeds no later step: its memory is C
  if (p.cell === 'mlstm') text += ` · C ${steps(memorySpan(p, 'C', SPAN_THRESHOLD))} (h feeds no later step: the memory is C)`;
  else text += ` · h ${steps(memorySpan(p, 'h', SPAN_THRESHOLD))}`;
  if (p.cell === 'lstm') text += ` · c ${steps(memorySpan(p, 'c', SPAN_THRESHOLD))}`;
  const keep = keepProductText(p.cell);
  if (keep !== null) text += ` · ∂h/∂h_t is exactly ‖${keep}‖ over the steps since t (no W_hh)`;
  if (r.limited) text += ` · measured over the last ${steps(p.T)}`;
  return text;
}

interface Block {
  readonly net: MemoryNetwork;
  readonly quantities: readonly Quantity[];
  readonly colour: string;
}

/** How many rows each chart gets and which quantities are drawn, for `rows` rows in all. */
function plan(networks: readonly MemoryNetwork[], rows: number, snapshot: boolean): { per: number; xOnly: boolean; legend: boolean } {
  const fixed = 2 + networks.length; // title, axis, one name row each
  const all = networks.reduce((n, m) => n + quantitiesOf(m.store.network.kind).length, 0);
  if (snapshot) return { per: CHART_SNAPSHOT_ROWS, xOnly: false, legend: true };
  let per = Math.min(CHART_MAX_ROWS, Math.floor((rows - fixed) / all));
  let charts = all;
  let xOnly = false;
  if (per < 2) {
    xOnly = true;
    charts = networks.length;
    per = Math.min(CHART_MAX_ROWS, Math.floor((rows - fixed) / charts));
  }
  per = Math.max(0, per);
  return { per, xOnly, legend: rows - fixed - charts * per >= 1 };
}

/** Rows the plain-text view of the memory takes. */
export function memorySnapshotRows(networks: readonly MemoryNetwork[]): number {
  const all = networks.reduce((n, m) => n + quantitiesOf(m.store.network.kind).length, 0);
  return 3 + networks.length + all * CHART_SNAPSHOT_ROWS;
}

export function memoryLines(m: MemoryFrameInput, snapshot = false): string[] {
  const { theme, cols, cursor } = m;
  const width = Math.max(1, cols - MEMORY_GUTTER - 1);
  // A computation in the worker draws what it has (the nearest steps), on the layout of its whole window.
  const results = m.networks.map((n) => (n.state.status === 'done' ? n.state.result : n.state.status === 'computing' ? n.state.partial : null));
  // The steps shown: every measured one back from the cursor, as many as fit.
  const earliest = Math.min(
    cursor,
    ...m.networks.map((n, i) => (n.state.status === 'computing' ? cursor - n.state.steps + 1 : (results[i]?.start ?? cursor))),
  );
  const count = Math.min(cursor - earliest + 1, width);
  const t0 = cursor - count + 1;
  const stepCols = Math.max(1, Math.min(MAX_STEP_COLS, Math.floor(width / Math.max(1, count))));
  const barCols = stepCols >= 2 ? stepCols - 1 : 1;
  const { per, xOnly, legend } = plan(m.networks, m.rows, snapshot);

  const lines: string[] = [];
  const cut = count < cursor - earliest + 1 ? ` (last ${count} steps: a wider window shows more)` : '';
  lines.push(
    theme.style('title', fit(` memory at step ${cursor + 1}/${m.T}: how much the last layer's h now depends on each earlier step, log scale${cut}`, cols)),
  );

  const colours = [theme.div(0.75), theme.div(-0.75)];
  const blocks: Block[] = m.networks.map((net, i) => ({
    net,
    quantities: xOnly ? ['x'] : quantitiesOf(net.store.network.kind),
    colour: colours[i] ?? colours[0]!,
  }));
  // One log scale per quantity, shared by both networks so that heights compare.
  const scales = new Map<Quantity, { lo: number; hi: number } | null>();
  for (const q of ['x', 'h', 'c', 'C'] as const) {
    const values: number[] = [];
    results.forEach((r) => {
      if (r === null) return;
      for (let t = Math.max(t0, r.start); t <= cursor; t++) {
        const v = figure(r, t, q);
        if (v !== undefined) values.push(v);
      }
    });
    scales.set(q, logScale(values));
  }

  blocks.forEach((b, i) => {
    const r = results[i] ?? null;
    const mark = m.networks.length > 1 ? (i === m.focus ? '▶ ' : '  ') : '';
    const title = networkTitle(b.net.store.network, b.net.name);
    const st = b.net.state;
    const what =
      st.status === 'done'
        ? spanWords(st.result)
        : st.status === 'computing'
          ? st.progress === 'steps'
            ? `computing ${progressBar(st.passes, st.of)} · ${st.passes}/${st.of} steps back, the nearest first (exact gradients; keys work meanwhile)`
            : `computing… ${st.passes}/${st.of} rows of ∂h/∂state${st.limited ? ` over the last ${steps(st.steps)}` : ''} (exact gradients, one row per unit of h)`
          : st.status === 'failed'
            ? st.message
            : 'waiting';
    const reverse = b.net.store.network.directions.includes('reverse') ? ' · reverse directions see the input up to this step only' : '';
    const head = ` ${mark}${title}`;
    const headText = theme.style(i === m.focus || m.networks.length === 1 ? 'accent' : 'title', head);
    lines.push(headText + fit(`: ${what}${reverse}`, Math.max(0, cols - textWidth(head))));
    for (const q of b.quantities) lines.push(...chart(theme, b, r, q, scales.get(q) ?? null, per, t0, cursor, stepCols, barCols));
  });

  lines.push(' '.repeat(MEMORY_GUTTER) + theme.style('dim', axis(t0, cursor, stepCols, barCols, width)));
  if (legend) {
    const keeps = [...new Set(m.networks.map((n) => keepProductText(n.store.network.kind)).filter((k) => k !== null))];
    const keepText = keeps.length > 0 ? ` (= ‖${keeps.join('‖, ‖')}‖ exactly)` : '';
    // a c chart only for an LSTM (an sLSTM's stabilised c is not measured), C for an mLSTM
    const kinds = m.networks.map((n) => n.store.network.kind);
    const cText = kinds.includes('lstm') ? ' ‖∂h/∂c_t‖' : '';
    const bigC = kinds.includes('mlstm') ? ' ‖∂h/∂C_t‖' : '';
    const hText = kinds.some((k) => k !== 'mlstm') ? ' ‖∂h/∂h_t‖' : '';
    const text = ` columns: steps ${t0 + 1}–${cursor + 1} (now at the right) · height: log₁₀ ‖∂h/∂x_t‖${hText}${keepText}${cText}${bigC} · ┄ ${SPAN_THRESHOLD * 100}% of the latest x${snapshot ? '' : ' · m closes'}`;
    lines.push(theme.style('dim', fit(text, cols)));
  }
  return snapshot ? lines : lines.slice(0, Math.max(0, m.rows));
}

/** One chart: `rows` rows of log bars, one per step from t0 to the cursor. */
function chart(
  theme: Theme,
  b: Block,
  r: MemoryResult | null,
  q: Quantity,
  scale: { lo: number; hi: number } | null,
  rows: number,
  t0: number,
  cursor: number,
  stepCols: number,
  barCols: number,
): string[] {
  if (rows <= 0) return [];
  const n = cursor - t0 + 1;
  const heights = new Int32Array(n);
  const measured = new Uint8Array(n);
  let threshold = -1;
  if (r !== null && scale !== null) {
    for (let i = 0; i < n; i++) {
      const v = figure(r, t0 + i, q);
      if (v === undefined) continue;
      measured[i] = 1;
      heights[i] = logEighths(v, scale.lo, scale.hi, rows);
    }
    if (q === 'x') {
      const latest = figure(r, cursor, 'x');
      if (latest !== undefined && latest > 0) threshold = logEighths(latest * SPAN_THRESHOLD, scale.lo, scale.hi, rows);
    }
  }
  // The row (from the bottom) the threshold line sits in, if it is on the chart.
  const thresholdRow = threshold > 0 ? Math.min(rows - 1, Math.floor((threshold - 1) / 8)) : -1;
  const lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    const fromBottom = rows - 1 - row;
    const label = row === 0 ? `∂h/∂${q}` : '';
    const tickText = scale === null ? '' : row === 0 ? tick(scale.hi) : row === rows - 1 ? tick(scale.lo) : '';
    // a minimal cell's ∂h/∂h is the product of its forget coefficients: said under the label
    const keep = q === 'h' && row === 1 && rows > 2 ? keepProductText(b.net.store.network.kind) : null;
    const gutter = keep !== null ? ` ${fit(` =${keep}`, 10)} ` : ` ${fit(label, 5)}${fit(tickText, 5, 'right')} `;
    const runs = new ColourRuns(theme);
    for (let i = 0; i < n; i++) {
      const fill = Math.max(0, Math.min(8, heights[i]! - fromBottom * 8));
      for (let c = 0; c < stepCols; c++) {
        if (c >= barCols) runs.plain(' ');
        else if (fill > 0) runs.add(b.colour, LOWER_EIGHTHS[fill]!);
        else if (fromBottom === thresholdRow && measured[i] === 1) runs.add(theme.ansi ? theme.div(0) : '', '┄');
        else runs.plain(' ');
      }
    }
    lines.push(theme.style('dim', gutter) + runs.done());
  }
  return lines;
}

/** Tick spacing (in steps) so that labels of `labelWidth` never touch. */
function tickEvery(stepCols: number, labelWidth: number): number {
  for (const e of [1, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000, 1000000]) if (e * stepCols >= labelWidth + 4) return e;
  return 10 ** 7;
}

/** The time axis: 1-based step numbers under their bars, ▼ under the current step. */
function axis(t0: number, cursor: number, stepCols: number, barCols: number, width: number): string {
  const n = cursor - t0 + 1;
  const chars = Array<string>(Math.min(width, (n - 1) * stepCols + barCols)).fill('─');
  const every = tickEvery(stepCols, String(cursor + 1).length);
  for (let i = 0; i < n; i++) {
    const step = t0 + i + 1;
    if (step % every !== 0 || i === n - 1) continue;
    const label = String(step);
    const end = i * stepCols + barCols - 1;
    const from = end - label.length + 1;
    if (from < 0 || end >= chars.length) continue;
    for (let k = 0; k < label.length; k++) chars[from + k] = label[k]!;
  }
  const c = (n - 1) * stepCols + barCols - 1;
  if (c < chars.length) chars[c] = '▼';
  return chars.join('');
}
