import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, type CellKind } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { textWidth } from '../../src/ui/format.js';
import { composeFrame, frameInput, type FrameInput } from '../../src/ui/frame.js';
import { computeLayout, MIN_COLS, MIN_ROWS } from '../../src/ui/layout.js';
import { footerHints } from '../../src/ui/sections/footer.js';
import { titleWords } from '../../src/ui/sections/grid.js';
import { roundUp2 } from '../../src/ui/sections/shared.js';
import { MAX_ZOOM, timelineStart, timelineZoom } from '../../src/ui/sections/timeline.js';
import { panelsFor } from '../../src/ui/panels.js';
import { initialSession, reduce, type Session, type SessionAction } from '../../src/ui/session.js';
import { createTheme, type ColorLevel } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

function makeStore(kind: CellKind, H: number, T: number, opts: { D?: number; layers?: number; bi?: boolean; names?: string[] } = {}): TraceStore {
  const D = opts.D ?? 3;
  const net = randomNetwork({ kind, inputSize: D, hiddenSize: H, numLayers: opts.layers ?? 1, bidirectional: opts.bi ?? false, seed: 3 });
  const store = new TraceStore(net, { source: 'seq.csv', featureNames: opts.names ?? Array.from({ length: D }, (_, j) => `feature${j}`) });
  const rng = createRng(5);
  for (let t = 0; t < T; t++) store.append(Array.from({ length: D }, () => rng.uniform(-3, 3)), `row ${t}`);
  store.finish();
  return store;
}

interface Screen {
  readonly lines: string[];
  readonly text: string;
  readonly frame: FrameInput;
}

function screen(store: TraceStore, cols: number, rows: number, actions: SessionAction[] = [], level: ColorLevel = 3): Screen {
  const panels = panelsFor(store.network.kind);
  const theme = createTheme(level);
  // As the App does: the layout sets the viewport, keys act on it, the layout follows.
  const at = (session: Session): FrameInput => frameInput({ stores: [store], session, cols, rows, theme });
  let s: Session = at(initialSession({ H: store.network.hiddenSize, views: store.viewCount, panels: panels.length, T: store.length, done: true })).session;
  for (const a of actions) s = reduce(s, a);
  const frame = at(s);
  const lines = composeFrame(frame);
  return { lines, text: lines.map(stripAnsi).join('\n'), frame };
}

describe('the frame', () => {
  it('never draws a line wider than the terminal or more lines than it has, minus one', () => {
    const stores = new Map<string, TraceStore>();
    fc.assert(
      fc.property(
        fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh', 'rnn_relu'),
        fc.constantFrom(1, 7, 64, 300),
        fc.integer({ min: 20, max: 260 }),
        fc.integer({ min: 4, max: 80 }),
        fc.boolean(),
        fc.boolean(),
        (kind, H, cols, rows, explain, help) => {
          const key = `${kind}${H}`;
          let store = stores.get(key);
          if (store === undefined) {
            store = makeStore(kind, H, 30, { layers: 2, bi: true });
            stores.set(key, store);
          }
          const actions: SessionAction[] = [{ type: 'step', delta: 12 }, { type: 'unit', delta: Math.floor(H / 2) }];
          if (explain) actions.push({ type: 'explain' });
          if (help) actions.push({ type: 'help' });
          const { lines } = screen(store, cols, rows, actions);
          expect(lines.length).toBeLessThanOrEqual(Math.max(1, rows - 1));
          for (const l of lines) expect(textWidth(stripAnsi(l)), JSON.stringify(stripAnsi(l))).toBeLessThanOrEqual(cols);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fills a tall window with more panels\' heatmaps instead of leaving it empty', () => {
    const store = makeStore('lstm', 8, 50);
    const tall = screen(store, 200, 60);
    expect(tall.frame.layout.extraHeats).toBeGreaterThanOrEqual(3);
    // the chosen panel (f) first, then the states (c, h), then the other gates, each named with its scale
    const heads = tall.lines.map(stripAnsi).filter((l) => /^\d[a-z] ── /.test(l)).map((l) => l.slice(0, 2));
    expect(heads.slice(0, 3)).toEqual(['5c', '6h', '2i']);
    expect(tall.text).toMatch(/^5c ── cell · ±[\d.]+ ─/m);
    expect(tall.text).toMatch(/^2i ── input · 0…1 ─/m);
    const body = tall.lines.slice(0, -1).map(stripAnsi);
    expect(body.filter((l) => l.trim() === '').length).toBeLessThan(9);
    // the chosen panel moves: the extras follow it
    expect(screen(store, 200, 60, [{ type: 'digit', digit: 5 }]).text).toMatch(/^6h ── hidden · ±1 ─/m);
    // a window that only just holds the panels and one heatmap gets no extra
    expect(screen(store, 200, 30).frame.layout.extraHeats).toBe(0);
    expect(screen(makeStore('lstm', 64, 20), 200, 60).frame.layout.extraHeats).toBe(0);
  });

  it('abbreviates panel titles when narrow instead of dropping the words', () => {
    const titles = (store: TraceStore, cols: number): string =>
      screen(store, cols, 40)
        .lines.map(stripAnsi)
        .filter((l) => /^ {4}\d /.test(l))
        .join('\n');
    const lstm = makeStore('lstm', 8, 20);
    for (const cols of [100, 80, 64, 52, 44]) {
      const t = titles(lstm, cols);
      for (const w of ['f forget', 'i input', 'g cand', 'o output', 'c cell', 'h hidden']) expect(t, `${cols} cols`).toContain(w);
      // the cell's bound, rounded up: "|c|≤0.87" or, like the fixed "±1", "±0.87"
      const bound = Number(/c cell +(?:\|c\|≤|±)([\d.]+)/.exec(t)?.[1]);
      expect(bound).toBeGreaterThanOrEqual(lstm.range('c', 0, 0).maxAbs);
    }
    expect(titles(makeStore('gru', 8, 20), 52)).toMatch(/3 n candid\. +±1/);
  });

  it('shortens words and bounds the way a reader still trusts', () => {
    expect(titleWords('candidate', 20)).toBe('candidate');
    expect(titleWords('candidate', 7)).toBe('candid.');
    expect(titleWords('hidden (ReLU)', 8)).toBe('hidden');
    expect(titleWords('cell', 3)).toBeNull();
    expect(roundUp2(0.8628)).toBe('0.87');
    expect(roundUp2(6.377)).toBe('6.4');
    expect(roundUp2(120)).toBe('120');
    expect(roundUp2(1234)).toBe('1300');
    expect(roundUp2(1.1163970232, 4)).toBe('1.117');
  });

  it('keeps whole key hints in the footer, with help and quit always there', () => {
    const all = '←/→ step · space play · ↑/↓ unit · Tab layer · e explain · ? help · q quit';
    expect(footerHints(all, 200)).toBe(` ${all}`);
    expect(footerHints(all, 40)).toBe(' ←/→ step · space play · ? help · q quit');
    expect(footerHints(all, 10)).toBe('');
    const footer = stripAnsi(screen(makeStore('lstm', 8, 6), 80, 24).lines.at(-1)!);
    expect(footer).toMatch(/\? help · q quit/);
    expect(footer).not.toContain('…');
  });

  it('drops the explain title\'s closing hint before cutting it', () => {
    const store = makeStore('lstm', 8, 6);
    const narrow = screen(store, 64, 24, [{ type: 'explain' }]).lines.map(stripAnsi);
    const title = narrow.find((l) => l.startsWith(' explain unit 0'))!;
    expect(title).not.toContain('…');
    expect(title).toContain('row 0');
    expect(screen(store, 160, 40, [{ type: 'explain' }]).text).toContain('(e or Esc closes)');
  });

  it('shows the units position in the footer only where units are on screen', () => {
    const store = makeStore('lstm', 64, 10);
    const footer = (actions: SessionAction[]): string => stripAnsi(screen(store, 120, 30, actions).lines.at(-1)!);
    expect(footer([])).toMatch(/units 0–\d+\/64/);
    expect(footer([{ type: 'help' }])).not.toContain('/64');
    expect(footer([{ type: 'memory' }])).not.toContain('/64');
  });

  it('hints only keys that do something for this network', () => {
    const footer = (store: TraceStore): string => stripAnsi(screen(store, 200, 30).lines.at(-1)!);
    const rnn = footer(makeStore('rnn_tanh', 4, 6));
    expect(rnn).not.toContain('Tab layer');
    expect(rnn).not.toMatch(/1-\d timeline/);
    const gru = footer(makeStore('gru', 4, 6, { layers: 2 }));
    expect(gru).toContain('Tab layer');
    expect(gru).toContain('1-4 timeline');
  });

  it('says follow rather than paused while following the data', () => {
    const store = makeStore('lstm', 4, 10);
    expect(stripAnsi(screen(store, 160, 30).lines[0]!)).toContain('paused');
    const following = stripAnsi(screen(store, 160, 30, [{ type: 'follow' }]).lines[0]!);
    expect(following).toContain('follow');
    expect(following).not.toContain('paused');
  });

  it('says so when the terminal is too small, until it is enlarged', () => {
    const store = makeStore('lstm', 8, 5);
    expect(screen(store, MIN_COLS - 1, 30).text.replace(/\s+/g, ' ')).toMatch(/terminal too narrow \(39 columns\): gatescope needs at least 40 columns/);
    expect(screen(store, 80, MIN_ROWS - 1).text).toMatch(/too short \(9 rows\)/);
    expect(screen(store, 80, 24).text).not.toMatch(/too (short|narrow)/);
  });

  it('says how many rows it needs, and is right: one row more fits, as the message says', () => {
    for (const [kind, cols] of [['lstm', 40], ['lstm', 60], ['gru', 40], ['rnn_tanh', 40]] as const) {
      const store = makeStore(kind, 8, 5);
      const short = screen(store, cols, 11).text.replace(/\s+/g, ' ');
      const m = /too short \(11 rows\): at (\d+) columns gatescope needs at least (\d+) rows/.exec(short);
      if (m === null) {
        expect(short, `${kind} at ${cols}x11`).not.toMatch(/too (short|narrow)/);
        continue;
      }
      expect(Number(m[1])).toBe(cols);
      const need = Number(m[2]);
      expect(screen(store, cols, need).text, `${kind} ${cols}x${need}`).not.toMatch(/too (short|narrow)/);
      expect(screen(store, cols, need - 1).text.replace(/\s+/g, ' '), `${kind} ${cols}x${need - 1}`).toMatch(new RegExp(`needs at least ${need} rows`));
    }
  });

  it('shows the status line with the 1-based step, cell sizes and label', () => {
    const { lines } = screen(makeStore('lstm', 8, 40), 160, 40, [{ type: 'step', delta: 3 }]);
    const status = stripAnsi(lines[0]!);
    expect(status).toContain('step 4/40');
    expect(status).toContain('LSTM 3→8');
    expect(status).toContain('seq.csv');
    expect(status).toContain('row 3');
    expect(status).toContain('paused');
  });

  it('draws one panel per gate and state in cell order', () => {
    const lstm = screen(makeStore('lstm', 4, 5), 200, 40).text;
    const order = ['f forget', 'i input', 'g candidate', 'o output', 'c cell', 'h hidden'].map((t) => lstm.indexOf(t));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const gru = screen(makeStore('gru', 4, 5), 200, 40).text;
    const gOrder = ['r reset', 'z update', 'n candidate', 'h hidden'].map((t) => gru.indexOf(t));
    expect([...gOrder].sort((a, b) => a - b)).toEqual(gOrder);
    expect(screen(makeStore('rnn_tanh', 4, 5), 200, 40).text).toContain('1 h hidden');
  });

  it('states the cell scale: the largest |c| over the sequence', () => {
    const store = makeStore('lstm', 4, 20);
    const max = store.range('c', 0, 0).maxAbs;
    expect(screen(store, 200, 40).text).toContain(`c cell`);
    expect(screen(store, 200, 40).text).toContain(`±${roundUp2(max, 4)}`);
    // s: this step's largest |c|, said so
    const local = screen(store, 200, 40, [{ type: 'cellScale' }]);
    let m = 0;
    for (const v of store.state('c', 0, 0, 0)) m = Math.max(m, Math.abs(v));
    expect(local.text).toContain(`±${roundUp2(m, 4)} step`);
  });

  it('shows every unit value with its sign and marks the selected unit', () => {
    const store = makeStore('lstm', 6, 10);
    const { lines } = screen(store, 200, 50, [{ type: 'step', delta: 2 }, { type: 'unit', delta: 3 }]);
    const row = lines.map(stripAnsi).find((l) => l.startsWith('▸3 '))!;
    expect(row).toBeDefined();
    const h = store.value('h', 0, 0, 2, 3);
    expect(row).toContain((h < 0 ? '-' : '+') + Math.abs(h).toFixed(3));
  });

  it('keeps the sign of negative values readable in monochrome', () => {
    const store = makeStore('rnn_tanh', 6, 10);
    const { lines } = screen(store, 100, 30, [], 0);
    for (let u = 0; u < 6; u++) {
      const v = store.value('h', 0, 0, 0, u);
      const row = stripAnsi(lines.find((l) => stripAnsi(l).startsWith(` ${u} `) || stripAnsi(l).startsWith(`▸${u} `))!);
      const [left, right] = row.split('│') as [string, string];
      if (Math.abs(v) > 0.1) {
        if (v < 0) expect(left.trimEnd()).toMatch(/[█▉▊▋▌▍▎▏▐▕]$/);
        else expect(right).toMatch(/^[█▉▊▋▌▍▎▏]/);
      }
    }
  });

  it('scrolls many units with a position indicator', () => {
    const store = makeStore('lstm', 512, 5);
    const { text, frame } = screen(store, 200, 60, [{ type: 'unitPage', delta: 1 }, { type: 'unitPage', delta: 1 }]);
    const rows = frame.layout.unitRows;
    expect(rows).toBeLessThan(512);
    expect(text).toContain(`units ${2 * rows}–${3 * rows - 1}/512`);
    expect(text).toContain('┃');
    expect(text).toContain(`▸${String(2 * rows).padStart(3)} `);
  });

  it('places panels side by side when wide and stacks them when narrow', () => {
    const store = makeStore('lstm', 4, 5);
    const wide = screen(store, 220, 40);
    expect(wide.frame.layout.panelCols).toBe(6);
    const narrow = screen(store, 50, 40);
    expect(narrow.frame.layout.panelCols).toBeLessThan(3);
    expect(narrow.frame.layout.gridRows).toBeGreaterThan(2);
    expect(narrow.text).toContain('h hidden');
  });

  it('marks the current step on the timeline and shows the selected unit sparkline', () => {
    const store = makeStore('gru', 4, 100);
    const { lines, frame } = screen(store, 120, 40, [{ type: 'step', delta: 70 }, { type: 'unit', delta: 2 }]);
    const axis = lines.map(stripAnsi).find((l) => l.includes('▼'))!;
    const w0 = timelineStart(70, 100, frame.layout.timelineWidth);
    expect(axis.indexOf('▼')).toBe(frame.layout.gutter + 70 - w0);
    expect(lines.map(stripAnsi).some((l) => l.startsWith('u2'))).toBe(true);
  });

  it('stretches a short finished sequence across the timeline, but not one still growing', () => {
    const store = makeStore('gru', 8, 6);
    const { lines, frame } = screen(store, 120, 40, [{ type: 'step', delta: 2 }]);
    const cw = timelineZoom(frame.session, frame.layout.timelineWidth);
    expect(cw).toBe(MAX_ZOOM);
    const plain = lines.map(stripAnsi);
    const axis = plain.find((l) => l.includes('▼'))!;
    // the cursor (step 3) marks the middle of its step's columns; every step is numbered
    expect(axis.indexOf('▼')).toBe(frame.layout.gutter + 2 * cw + 1);
    expect(axis.slice(frame.layout.gutter).trimEnd()).toBe('─1───2───▼───4───5───6──');
    const heat = plain[plain.indexOf(axis) + 2]!;
    expect(heat.startsWith(' 1 ')).toBe(true);
    expect(textWidth(heat.trimEnd())).toBe(frame.layout.gutter + 6 * cw);
    const growing = { ...frame.session, done: false };
    expect(timelineZoom(growing, frame.layout.timelineWidth)).toBe(1);
    expect(timelineZoom(frame.session, 10)).toBe(1);
  });

  it('writes the explain panel with the real numbers in the words of the equations', () => {
    const store = makeStore('lstm', 4, 10);
    const { text } = screen(store, 200, 60, [{ type: 'step', delta: 5 }, { type: 'unit', delta: 1 }, { type: 'explain' }]);
    const f = store.value('f', 0, 0, 5, 1);
    const cPrev = store.value('c', 0, 0, 4, 1);
    expect(text).toContain('explain unit 1');
    expect(text).toContain('kept of the old cell: f·c_prev');
    expect(text).toContain(`${f.toFixed(4)} × ${cPrev.toPrecision(4)}`.replace(/(\.\d*?)0+ ×/, '$1 ×').slice(0, 10));
    expect(text).toContain('h = o·tanh(c)');
    expect(text).toMatch(/largest W·x terms: feature\d/);
  });

  it('breaks long explain lines at their clauses on a narrow terminal instead of cutting them', () => {
    const store = makeStore('lstm', 4, 10);
    const { lines } = screen(store, 80, 60, [{ type: 'step', delta: 5 }, { type: 'explain' }]);
    const text = lines.map(stripAnsi);
    const kept = text.find((l) => l.includes('kept of the old cell'))!;
    expect(kept.trimEnd()).toMatch(/^ +kept of the old cell: f·c_prev = [-\d.]+ × [-\d.]+ = [-\d.]+$/);
    expect(text.some((l) => l.trimStart().startsWith('forget gate  f = σ('))).toBe(true);
  });

  it('shows the GRU and RNN equations in their own words', () => {
    expect(screen(makeStore('gru', 4, 10), 200, 60, [{ type: 'explain' }]).text).toContain('h = (1−z)·n + z·h_prev');
    expect(screen(makeStore('rnn_relu', 4, 10), 200, 60, [{ type: 'explain' }]).text).toContain('h = relu(W_ih·x + W_hh·h_prev + b)');
  });

  it('shows the help generated from the key table', () => {
    const { text } = screen(makeStore('lstm', 4, 10), 120, 40, [{ type: 'help' }]);
    expect(text).toContain('gatescope keys');
    expect(text).toContain('previous step');
    expect(text).toContain('q / Ctrl-C');
    expect(text).toContain('Reading the screen');
  });

  it('explains the saturation marks in the help even at 80x24, wrapped rather than cut', () => {
    const store = makeStore('lstm', 8, 10);
    const first = screen(store, 80, 24, [{ type: 'help' }]);
    expect(first.text).toContain('previous step');
    expect(first.text).toMatch(/lines 1–\d+ of \d+: \] or ↓ for more/);
    // ] scrolls down to the legend: nothing is cut, nothing says "a taller window"
    const pages = Array.from({ length: 14 }, (_, k) => screen(store, 80, 24, [{ type: 'help' }, ...Array.from({ length: k }, (): SessionAction => ({ type: 'scroll', delta: 1 }))]));
    for (const p of pages) expect(p.lines.length).toBeLessThanOrEqual(23);
    const text = pages.map((p) => p.text).join('\n');
    const lines = pages.at(-1)!.lines;
    expect(text).toContain('Reading the screen');
    expect(text).toContain('○ gate shut (< 0.02)');
    expect(text).toContain('◂ ▸ beyond the scale');
    expect(text).toContain('steps from 1 (step 1 = t=0');
    expect(text).toMatch(/the end; \[ or ↑ back/);
    expect(text).not.toContain('taller window');
    expect(lines.length).toBeLessThanOrEqual(23);
    const all = [first.text, text].join('\n');
    expect(all).toContain('q / Ctrl-C');
  });

  it('shows a typed step number in the footer', () => {
    const { lines } = screen(makeStore('lstm', 4, 10), 120, 30, [{ type: 'prompt', kind: 'step' }, { type: 'digit', digit: 4 }, { type: 'digit', digit: 2 }]);
    expect(stripAnsi(lines[lines.length - 1]!)).toContain('go to step (1-10): 42');
    const unit = screen(makeStore('lstm', 4, 10), 120, 30, [{ type: 'prompt', kind: 'unit' }, { type: 'digit', digit: 3 }]);
    expect(stripAnsi(unit.lines.at(-1)!)).toContain('go to unit (0-3): 3');
  });

  it('puts features that do not fit aside, keeping the largest |x|', () => {
    const store = makeStore('lstm', 4, 3, { D: 40 });
    const { text } = screen(store, 80, 24);
    expect(text).toMatch(/\+\d+ more, top \|x\| shown/);
    const x = store.x(0);
    let best = 0;
    for (let j = 1; j < 40; j++) if (Math.abs(x[j]!) > Math.abs(x[best]!)) best = j;
    expect(text).toContain(`feature${best}`);
    // one feature a row at 40 columns: the largest is shown and the rest counted, never "+2 more" and none
    const narrow = makeStore('lstm', 4, 3, { D: 3, names: ['a', 'b', 'c'] });
    const row = stripAnsi(screen(narrow, 40, 14).lines[1]!);
    expect(row).toMatch(/^x +[abc] [+-]\d\.\d{3} .*\+2 more/);
  });

  it('writes text input under the timeline, one token per step, and names the predicted class', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 4, seed: 1 });
    const head = { weight: new Float32Array(3 * 4).fill(0.1), bias: Float32Array.from([0, 5, 0]), outSize: 3, inSize: 4 };
    const store = new TraceStore(net, { source: 't.txt', featureNames: ['(', ')', ' '], tokens: true, head, classNames: ['(', ')', ' '] });
    const text = '(( ) )';
    for (const ch of text) store.append([ch === '(' ? 1 : 0, ch === ')' ? 1 : 0, ch === ' ' ? 1 : 0], ch);
    store.finish();
    const panels = panelsFor('lstm');
    const layout = computeLayout({ cols: 100, rows: 40, panels: 6, H: 4, D: 3, xNameWidth: 1, explainRows: 0, signedSpark: false, tokenRow: true });
    const session = initialSession({ H: 4, views: 1, panels: 6, T: 6, done: true, unitRows: layout.unitRows });
    const lines = composeFrame({ store, session, theme: createTheme(3), layout, panels }).map(stripAnsi);
    // six steps on a 100-column screen: four columns each, the token in the middle of its own
    expect(lines.some((l) => l.includes(' (   (   ␣   )   ␣   )  '))).toBe(true);
    expect(lines[0]).toContain('“(”');
    expect(lines[0]).toMatch(/predicts “\)” \(p 0\.\d\d\)/);
  });

  it('shows input text as visible escapes, never executed', () => {
    const store = makeStore('lstm', 4, 2, { names: ['\u001b]0;owned\u0007', '\u001b[2J', 'ok'] });
    const { lines } = screen(store, 120, 30, [], 0);
    const all = lines.join('\n');
    expect(all).not.toContain('\u001b]');
    expect(all).not.toContain('\u001b[2J');
    expect(all).toContain('\\e[2J');
  });
});

describe('the footer', () => {
  it("says how far a long input's full pass has got while it computes", () => {
    const store = makeStore('lstm', 4, 20);
    // the store's pass runs in a worker; here its progress is pinned as the worker would report it
    Object.defineProperty(store, 'progress', { value: 0.427, configurable: true });
    Object.defineProperty(store, 'expectedLength', { value: 1_000_000 });
    expect(screen(store, 120, 40).lines.map(stripAnsi).at(-1)).toMatch(/^ computing: 42% of 1000000 steps/);
    Object.defineProperty(store, 'progress', { value: null });
    expect(screen(store, 120, 40).lines.map(stripAnsi).at(-1)).not.toMatch(/computing/);
  });
});
