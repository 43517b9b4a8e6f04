/**
 * The guided tour (`gatescope learn`, t in the viewer): nine chapters of the LSTM story, each a
 * screen on the live remember demo (the LSTM, its RNN twin and the GRU) with one thing to look at.
 * planTour decides what each chapter selects (the network, unit, step and view) from the traces
 * themselves; tourLines writes the chapter's text with the numbers the engine computed at what is
 * selected now, so stepping or picking another unit changes them. Pure: no React, no I/O.
 */
import { memorySpan } from '../engine/memory.js';
import { explainUnit, gateTerms, type Explanation } from '../trace/explain.js';
import type { TraceStore } from '../trace/trace-store.js';
import { fit, textWidth } from './format.js';
import { fill, stringsFor, type Strings } from './i18n/index.js';
import { SPAN_THRESHOLD } from './memory-frame.js';
import { panelsFor } from './panels.js';
import type { ChapterSetup } from './session.js';

/** Chapters of the tour; `gatescope learn N` takes 1..CHAPTERS. */
export const CHAPTERS = 9;

/** Where each kind of network is among the tour's networks (indices, 0 the first). */
export interface TourNets {
  readonly lstm: number;
  readonly rnn: number;
  readonly gru: number | null;
}

/** The tour's networks, or null when these are not an LSTM with a plain RNN (the tour's story needs both). */
export function tourNets(stores: readonly TraceStore[]): TourNets | null {
  const kinds = stores.map((st) => st.network.kind);
  const lstm = kinds.indexOf('lstm');
  const rnn = kinds.findIndex((k) => k === 'rnn_tanh');
  const gru = kinds.indexOf('gru');
  if (lstm < 0 || rnn < 0) return null;
  return { lstm, rnn, gru: gru < 0 ? null : gru };
}

/**
 * The unit whose gate stays most open over the steps after the first: the one that holds step 1's
 * value (the LSTM's f, the GRU's z). Read from the trace, so retrained weights find their own.
 */
export function holdingUnit(store: TraceStore, gate: string): number {
  let best = 0;
  let bestMean = -Infinity;
  const T = store.length;
  for (let u = 0; u < store.network.hiddenSize; u++) {
    let sum = 0;
    for (let t = Math.min(1, T - 1); t < T; t++) sum += store.value(gate, 0, 0, t, u);
    const mean = sum / Math.max(1, T - Math.min(1, T - 1));
    if (mean > bestMean) {
      bestMean = mean;
      best = u;
    }
  }
  return best;
}

/** The unit with the largest |h_prev| at step t: chapter 2's table starts from a value worth multiplying. */
function liveliestUnit(store: TraceStore, t: number): number {
  const h = store.previous('h', 0, 0, t);
  let best = 0;
  for (let u = 1; u < h.length; u++) if (Math.abs(h[u]!) > Math.abs(h[best]!)) best = u;
  return best;
}

const panelOf = (store: TraceStore, name: string): number => Math.max(0, panelsFor(store.network.kind).findIndex((p) => p.name === name));

/**
 * What each chapter selects. Needs every step (the caller reads the demo's short input first): the
 * holding units are found over the whole sequence, and chapters 1 and 7 open on the last step.
 */
export function planTour(stores: readonly TraceStore[]): ChapterSetup[] | null {
  const nets = tourNets(stores);
  if (nets === null) return null;
  const lstm = stores[nets.lstm]!;
  const rnn = stores[nets.rnn]!;
  const T = lstm.length;
  if (T === 0) return null;
  const last = T - 1;
  const mid = Math.min(last, 19);
  const unit = holdingUnit(lstm, 'f');
  const at = (mode: ChapterSetup['mode'], net: number, u: number, cursor: number, panel: string, store: TraceStore): ChapterSetup => ({
    mode,
    net,
    unit: u,
    cursor,
    timeline: panelOf(store, panel),
  });
  const rnnStep = Math.min(last, 9);
  const gruStore = nets.gru === null ? null : stores[nets.gru]!;
  return [
    at('memory', nets.rnn, unit, last, 'h', rnn),
    at('diagram', nets.rnn, liveliestUnit(rnn, rnnStep), rnnStep, 'h', rnn),
    at('gates', nets.lstm, unit, mid, 'f', lstm),
    at('diagram', nets.lstm, unit, mid, 'f', lstm),
    at('diagram', nets.lstm, unit, 0, 'i', lstm),
    at('diagram', nets.lstm, unit, mid, 'c', lstm),
    at('diagram', nets.lstm, unit, last, 'o', lstm),
    // without a GRU the chapter still tells the story, on the LSTM's diagram
    gruStore === null ? at('diagram', nets.lstm, unit, mid, 'f', lstm) : at('diagram', nets.gru!, holdingUnit(gruStore, 'z'), mid, 'z', gruStore),
    at('gates', nets.lstm, unit, last, 'h', lstm),
  ];
}

/** A number as the diagram shows it: sign and 3 decimals. */
export const tourNum = (x: number): string => (Number.isFinite(x) ? `${x < 0 ? '' : '+'}${x.toFixed(3)}` : String(x));

/** Words wrapped to `width` columns by terminal width (Korean characters count two). */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const next = line === '' ? indent + word : `${line} ${word}`;
    if (line !== '' && textWidth(next) > width) {
      out.push(line);
      line = indent + word;
    } else line = next;
  }
  if (line !== '') out.push(line);
  return out;
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/** What a chapter's text reads from the screen: the focused trace at the cursor, and both networks of chapter 1. */
export interface TourInput {
  readonly chapter: number;
  readonly store: TraceStore;
  readonly cursor: number;
  readonly unit: number;
  readonly view: { readonly layer: number; readonly dir: number };
  /** The networks on screen (screen order) with their memory results where done (chapter 1). */
  readonly onScreen: readonly { readonly store: TraceStore; readonly span: number | null }[];
  /** The input's trace: x at step 1 is the value to remember. */
  readonly input: TraceStore;
  readonly cols: number;
  readonly lang: Strings['lang'];
}

/** The explanation of the selected unit at the cursor, or null where it cannot be read. */
function explained(t: TourInput): Explanation | null {
  const s = t.store;
  if (!s.holds(t.cursor) || t.unit >= s.network.hiddenSize) return null;
  return explainUnit(s, t.view.layer, t.view.dir, t.cursor, t.unit);
}

/** The slot values and extra lines (tables, curves) of one chapter, from the engine's numbers. */
function chapterNumbers(t: TourInput, w: Strings): { slots: Record<string, string>; extra: string[] } {
  const e = explained(t);
  const slots: Record<string, string> = { unit: String(t.unit), T: String(t.input.length), distractors: String(Math.max(0, t.input.length - 1)) };
  const extra: string[] = [];
  if (t.input.holds(0)) slots['value'] = tourNum(t.input.x(0)[0] ?? NaN);
  if (e !== null) {
    const val = (name: string): number => gateTerms(e, name).value;
    slots['hPrev'] = tourNum(e.hPrev);
    slots['h'] = tourNum(e.h);
    if (e.kind === 'lstm') {
      const f = val('f');
      const i = val('i');
      const g = val('g');
      const cPrev = e.cPrev ?? 0;
      Object.assign(slots, {
        f: tourNum(f),
        i: tourNum(i),
        g: tourNum(g),
        o: tourNum(val('o')),
        cPrev: tourNum(cPrev),
        kept: tourNum(f * cPrev),
        ig: tourNum(i * g),
        c: tourNum(e.c ?? 0),
        tanhC: tourNum(Math.tanh(e.c ?? 0)),
      });
    }
    if (e.kind === 'gru') Object.assign(slots, { z: tourNum(val('z')), r: tourNum(val('r')), n: tourNum(val('n')) });
  }
  switch (t.chapter) {
    case 0: {
      const spans = t.onScreen.map((n) => n.span);
      const lstm = t.onScreen.findIndex((n) => n.store.network.kind === 'lstm');
      const rnn = t.onScreen.findIndex((n) => n.store.network.kind === 'rnn_tanh');
      const say = (k: number): string => (k >= 0 && spans[k] != null ? String(spans[k]) : '…');
      slots['lstmSpan'] = say(lstm);
      slots['rnnSpan'] = say(rnn);
      const last = t.input.length - 1;
      const pred = (k: number): string => {
        const p = k >= 0 ? t.onScreen[k]!.store.prediction(last) : null;
        return p === null ? '…' : tourNum(p[0] ?? NaN);
      };
      if (lstm >= 0 && spans[lstm] != null) extra.push(...wrapWords(w.tour.reachLstm(spans[lstm], pred(lstm), slots['value'] ?? '…'), t.cols - 1, ' '));
      if (rnn >= 0 && spans[rnn] != null) extra.push(...wrapWords(w.tour.reachRnn(spans[rnn], pred(rnn)), t.cols - 1, ' '));
      break;
    }
    case 1: {
      if (e === null) break;
      // the same start, two ways: times 3 at every step, and tanh(3 × h) at every step
      const head = ` ${w.tour.afterSteps}`;
      const cells = [1, 2, 3, 4, 5, 6];
      let times = e.hPrev;
      let squashed = e.hPrev;
      const a: string[] = [];
      const b: string[] = [];
      for (const _ of cells) {
        times *= 3;
        squashed = Math.tanh(3 * squashed);
        a.push(fmtWide(times));
        b.push(tourNum(squashed));
      }
      const label = Math.max(textWidth(head), textWidth(w.tour.times3), textWidth(w.tour.throughTanh)) + 2;
      const row = (name: string, xs: readonly string[]): string => ` ${fit(name, label)}${xs.map((x) => x.padStart(9)).join('')}`;
      extra.push(row(w.tour.afterSteps, cells.map(String)), row(w.tour.times3, a), row(w.tour.throughTanh, b));
      break;
    }
    case 2: {
      if (e === null || e.kind !== 'lstm') break;
      extra.push(...sigmoidCurve(e, w, t.cols));
      break;
    }
    case 7: {
      if (e === null || e.kind !== 'gru' || !t.store.holds(0)) break;
      const first = t.store.value('h', t.view.layer, t.view.dir, 0, t.unit);
      extra.push(...wrapWords(w.tour.holds(t.unit, tourNum(first), t.cursor + 1, tourNum(e.h)), t.cols - 1, ' '));
      break;
    }
    case 8: {
      for (const [cmd, what] of w.tour.chapters[8]?.commands ?? []) {
        const one = `   ${cmd.padEnd(48)} ${what}`;
        if (textWidth(one) <= t.cols) extra.push(one);
        else extra.push(`   ${cmd}`, ...wrapWords(what, t.cols, '       '));
      }
      break;
    }
  }
  return { slots, extra };
}

/** A value multiplied by 3 at every step: plain while short, then with an exponent. */
function fmtWide(x: number): string {
  return Math.abs(x) < 1e5 ? `${x < 0 ? '' : '+'}${x.toFixed(Math.abs(x) < 100 ? 3 : 1)}` : x.toExponential(1);
}

/**
 * The sigmoid drawn as one row of eighth-blocks over a in −6…6, each LSTM pre-activation's letter
 * at its a under it, and the four a → σ(a) (tanh for g) in numbers.
 */
function sigmoidCurve(e: Explanation, w: Strings, cols: number): string[] {
  const width = Math.max(25, Math.min(61, cols - 8));
  const aAt = (col: number): number => -6 + (12 * col) / (width - 1);
  const colOf = (a: number): number => Math.round(((Math.max(-6, Math.min(6, a)) + 6) * (width - 1)) / 12);
  const blocks = ' ▁▂▃▄▅▆▇█';
  let curve = '';
  for (let c = 0; c < width; c++) curve += blocks[Math.round(sigmoid(aAt(c)) * 8)]!;
  const marks = Array.from({ length: width }, () => ' ');
  // two gates at nearly the same a: the second takes the next free column, so both show
  for (const g of e.gates) {
    let c = colOf(g.pre);
    while (c < width - 1 && marks[c] !== ' ') c++;
    while (c > 0 && marks[c] !== ' ') c--;
    marks[c] = g.gate;
  }
  const lines = [` σ  1 ${curve}`, `    0 ${marks.join('')}`, `      ${'−6'.padEnd(Math.floor(width / 2))}0${'+6'.padStart(width - Math.floor(width / 2) - 1)}`, `      ${w.tour.sigmoidCaption}`];
  // the four a → value pairs, as many to a line as fit
  const terms = e.gates.map((g) => `${g.gate}: a ${tourNum(g.pre)} → ${g.gate === 'g' ? 'tanh' : 'σ'} ${tourNum(g.value)}`);
  let line = '';
  for (const term of terms) {
    if (line !== '' && textWidth(line) + 3 + textWidth(term) > cols - 1) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? ` ${term}` : `${line}   ${term}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * The chapter's lines: the title with the keys, the story with its numbers, what to look at and
 * the key to try, then the chapter's table or curve. `cols` wide, none wider.
 */
export function tourLines(t: TourInput): string[] {
  const { title, story, rest } = tourParts(t);
  return [title, ...story, ...rest];
}

/** A chapter's text in three parts: the title line, the story's paragraphs, and the numbers, what to look at and the key to try. */
export interface TourParts {
  readonly title: string;
  readonly story: readonly string[];
  readonly rest: readonly string[];
}

/**
 * The chapter's text in `rows` rows at most (Infinity: all of it): the story scrolls (] [) a page
 * at a time, `top` pages down, when it does not fit; the title, the numbers, look and try always show.
 */
export function fitTour(p: TourParts, rows: number, top: number, lang: Strings['lang'], cols: number): string[] {
  const room = rows - 1 - p.rest.length;
  if (p.story.length <= room) return [p.title, ...p.story, ...p.rest];
  const view = Math.max(1, room - 1);
  // `top` counts ] presses: each shows the next `view` lines, none skipped
  const start = Math.max(0, Math.min(top * view, p.story.length - view));
  const more = fit(stringsFor(lang).tour.storyMore(start + 1, Math.min(p.story.length, start + view), p.story.length), cols);
  return [p.title, ...p.story.slice(start, start + view), more, ...p.rest];
}

export function tourParts(t: TourInput): TourParts {
  const w = stringsFor(t.lang);
  const ch = w.tour.chapters[t.chapter];
  if (ch === undefined) return { title: '', story: [], rest: [] };
  const { slots, extra } = chapterNumbers(t, w);
  const keys = w.tour.footer.slice(0, 2).join(' · ');
  const head = ` ${w.tour.tour} ${t.chapter + 1}/${CHAPTERS} · ${ch.title}`;
  const title = textWidth(head) + textWidth(keys) + 3 <= t.cols ? head + ' '.repeat(t.cols - textWidth(head) - textWidth(keys) - 1) + keys : head;
  const room = t.cols - 1;
  const story: string[] = [];
  for (const p of ch.text) story.push(...wrapWords(fill(p, slots), room, ' '));
  const rest = [...extra];
  rest.push(...wrapWords(`${w.tour.lookLabel}: ${fill(ch.look, slots)}`, room, ' '));
  rest.push(...wrapWords(`${w.tour.tryLabel}: ${fill(ch.tryKey, slots)}`, room, ' '));
  if (t.chapter === CHAPTERS - 1) rest.push(...wrapWords(w.tour.end, room, ' '));
  const cut = (l: string): string => fit(l, t.cols);
  return { title: cut(title), story: story.map(cut), rest: rest.map(cut) };
}

/** The memory span (x, ≥ 1% of the latest) of a finished memory result, as chapter 1 says it. */
export function spanOf(state: { readonly status: string; readonly result?: { readonly profile: Parameters<typeof memorySpan>[0] } } | undefined): number | null {
  return state?.status === 'done' && state.result !== undefined ? memorySpan(state.result.profile, 'x', SPAN_THRESHOLD) : null;
}
