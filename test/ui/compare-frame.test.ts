import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, type CellKind } from '../../src/engine/index.js';
import { MemoryTracker } from '../../src/trace/memory-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { textWidth } from '../../src/ui/format.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { panelsFor } from '../../src/ui/panels.js';
import { initialSession, reduce, type Session, type SessionAction } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

function makeStore(kind: CellKind, H: number, T: number, opts: { layers?: number; bi?: boolean; lag?: number } = {}): TraceStore {
  const net = randomNetwork({ kind, inputSize: 2, hiddenSize: H, numLayers: opts.layers ?? 1, bidirectional: opts.bi ?? false, seed: 3 });
  const store = new TraceStore(net, { source: 'seq.csv', featureNames: ['value', 'marker'] });
  const rng = createRng(5);
  for (let t = 0; t < T - (opts.lag ?? 0); t++) store.append([rng.uniform(-1, 1), t === 0 ? 1 : 0], `row ${t}`);
  if (!opts.lag) store.finish();
  return store;
}

/** The frame of two networks as the App composes it, after some keys. */
function screen(a: TraceStore, b: TraceStore, cols: number, rows: number, actions: SessionAction[] = []): { lines: string[]; text: string } {
  const panels = [panelsFor(a.network.kind), panelsFor(b.network.kind)] as const;
  const stores = [a, b] as const;
  const H = Math.max(a.network.hiddenSize, b.network.hiddenSize);
  const theme = createTheme(3);
  const at = (session: Session) => frameInput({ stores, session, cols, rows, theme, names: ['lstm.json', 'rnn.json'] });
  let s: Session = at(initialSession({ H, views: a.viewCount, panels: panels[0].length, T: a.length, done: true, compare: { views: b.viewCount, panels: panels[1].length } })).session;
  for (const act of actions) s = reduce(s, act);
  const memory = s.mode === 'memory' ? stores.map((st) => new MemoryTracker(st).computeNow(s.cursor)) : null;
  const lines = composeFrame(frameInput({ stores, session: s, cols, rows, theme, names: ['lstm.json', 'rnn.json'], memory }));
  return { lines, text: lines.map(stripAnsi).join('\n') };
}

describe('two networks on one screen', () => {
  const lstm = makeStore('lstm', 8, 50);
  const rnn = makeStore('rnn_tanh', 8, 50);

  it('puts them side by side when every panel fits in one row, each titled', () => {
    const { text, lines } = screen(lstm, rnn, 200, 50);
    expect(text).toContain('▶ LSTM 2→8 · lstm.json');
    expect(text).toContain('RNN(tanh) 2→8 · rnn.json');
    // One row of panel titles holds both: the LSTM's six and the RNN's one after the divider.
    const titles = lines.map(stripAnsi).find((l) => l.includes('f forget'))!;
    expect(titles).toMatch(/6 h hidden.*┃ 1 h hidden/);
    expect(text).toMatch(/LSTM 2→8 · lstm\.json vs RNN\(tanh\) 2→8 · rnn\.json/);
  });

  it('stacks them when narrow, and shows only the focused one, saying so, when short', () => {
    const stacked = screen(lstm, rnn, 80, 40).text;
    const lines = stacked.split('\n');
    // (below the status line, which may name them too)
    const a = lines.findIndex((l, i) => i > 0 && l.includes('LSTM 2→8 · lstm.json'));
    const b = lines.findIndex((l, i) => i > 0 && l.includes('RNN(tanh) 2→8 · rnn.json'));
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    const short = screen(lstm, rnn, 80, 14, [{ type: 'focus' }]).text;
    expect(short).toContain('▶ RNN(tanh)');
    expect(short).toMatch(/1 of 2 shown · c shows LSTM/);
    expect(short).not.toContain('f forget');
  });

  it('moves the keys to the other network with c: Tab, timeline and explain follow', () => {
    const { text } = screen(lstm, rnn, 200, 50, [{ type: 'focus' }, { type: 'explain' }]);
    expect(text).toContain('▶ RNN(tanh) 2→8 · rnn.json');
    expect(text).toContain('explain unit 0');
    expect(text).toMatch(/^1h /m);
  });

  it("fills a tall window with heatmaps, the compared network's hidden state among the first", () => {
    const lstm = makeStore('lstm', 8, 50);
    const rnn = makeStore('rnn_tanh', 8, 50);
    const heads = (actions: SessionAction[] = []): string[] =>
      screen(lstm, rnn, 200, 60, actions)
        .lines.map(stripAnsi)
        .filter((l) => /^\S+ +── /.test(l))
        .map((l) => l.replace(/ ·.*$/, ''));
    expect(screen(lstm, rnn, 200, 60).text).toContain('h  ── RNN(tanh) 2→8 · rnn.json: hidden · ±1 ─');
    expect(heads().slice(0, 3)).toEqual(['5c ── cell', 'h  ── RNN(tanh) 2→8', '6h ── hidden']);
    // focused on the RNN, the LSTM's hidden state is the one extra it has
    expect(heads([{ type: 'focus' }])).toEqual(['h  ── LSTM 2→8']);
  });

  it('opens the memory view of both, on one axis', () => {
    const { text } = screen(lstm, rnn, 160, 50, [{ type: 'memory' }]);
    expect(text).toContain('memory at step 1/50');
    expect(text).toMatch(/▶ LSTM 2→8 · lstm\.json: reaches back \d+ steps? \(x ≥ 1% of the latest\)/);
    expect(text).toMatch(/RNN\(tanh\) 2→8 · rnn\.json: reaches back/);
  });

  it('waits for a compared network that is a step behind, without failing', () => {
    const behind = makeStore('gru', 6, 50, { lag: 1 });
    const { text } = screen(lstm, behind, 200, 50, [{ type: 'last' }]);
    expect(text).toContain('step 50/50');
    expect(text).toContain('this step is not held');
  });

  it('never draws a line wider than the terminal or more lines than it has, minus one', () => {
    const others = new Map<string, TraceStore>();
    fc.assert(
      fc.property(
        fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh'),
        fc.constantFrom(1, 8, 70),
        fc.integer({ min: 20, max: 260 }),
        fc.integer({ min: 4, max: 80 }),
        fc.subarray<SessionAction>([{ type: 'focus' }, { type: 'explain' }, { type: 'memory' }, { type: 'help' }, { type: 'view', delta: 1 }]),
        (kind, H, cols, rows, keys) => {
          const key = `${kind}${H}`;
          let other = others.get(key);
          if (other === undefined) {
            other = makeStore(kind, H, 50, { layers: 2, bi: kind === 'gru' });
            others.set(key, other);
          }
          const { lines } = screen(lstm, other, cols, rows, [{ type: 'step', delta: 20 }, { type: 'unit', delta: 5 }, ...keys]);
          expect(lines.length).toBeLessThanOrEqual(Math.max(1, rows - 1));
          for (const l of lines) expect(textWidth(stripAnsi(l)), JSON.stringify(stripAnsi(l))).toBeLessThanOrEqual(cols);
        },
      ),
      { numRuns: 120 },
    );
  });
});
