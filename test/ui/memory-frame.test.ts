import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, type CellKind, type MemorySensitivity } from '../../src/engine/index.js';
import type { MemoryResult, MemoryState } from '../../src/trace/memory-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { LOWER_EIGHTHS } from '../../src/ui/bars.js';
import { textWidth } from '../../src/ui/format.js';
import { logEighths, logScale, MEMORY_GUTTER, memoryLines, progressBar, spanWords, type MemoryNetwork } from '../../src/ui/memory-frame.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

function store(kind: CellKind, T: number): TraceStore {
  const s = new TraceStore(randomNetwork({ kind, inputSize: 2, hiddenSize: 4, seed: 1 }), { source: 'seq.csv' });
  const rng = createRng(2);
  for (let t = 0; t < T; t++) s.append([rng.normal(), rng.normal()], `${t}`);
  s.finish();
  return s;
}

/** A result whose figures fall by `ratio` per step back from the cursor: exponential forgetting. */
function geometric(kind: CellKind, cursor: number, ratio: number, start = 0, limited = false): MemoryResult {
  const n = cursor - start + 1;
  const sensitivity = Array.from({ length: n }, (_, i): MemorySensitivity => {
    const v = ratio ** (n - 1 - i);
    return kind === 'lstm' ? { t: i, x: v, h: 2 * v, c: 0.5 } : { t: i, x: v, h: 2 * v };
  });
  return { cursor, start, limited, layer: 0, dir: 0, profile: { cell: kind, T: n, sensitivity } };
}

const ok = (result: MemoryResult): MemoryState => ({ status: 'done', result });
const plain = createTheme(0, false);

/** Bar heights in eighths per step, read back from a chart's text rows (one glyph column per step). */
function heights(rows: string[], stepCols: number): number[] {
  const cells = rows.map((r) => [...r.slice(MEMORY_GUTTER)]);
  const n = Math.ceil(Math.max(...cells.map((c) => c.length)) / stepCols);
  return Array.from({ length: n }, (_, i) =>
    cells.reduce((sum, row) => {
      const g = row[i * stepCols] ?? ' ';
      const k = (LOWER_EIGHTHS as readonly string[]).indexOf(g);
      return sum + (k < 0 ? 0 : k);
    }, 0),
  );
}

describe('log-scale bars', () => {
  it('turns a geometric sequence into heights that fall linearly', () => {
    const values = Array.from({ length: 30 }, (_, i) => 0.7 ** i);
    const scale = logScale(values)!;
    const h = values.map((v) => logEighths(v, scale.lo, scale.hi, 8));
    const steps = h.slice(1).map((x, i) => h[i]! - x);
    const mean = steps.reduce((a, b) => a + b) / steps.length;
    expect(mean).toBeGreaterThan(0.5);
    // Equal ratios, equal drops (to the rounding of one eighth).
    for (const d of steps) expect(Math.abs(d - mean)).toBeLessThanOrEqual(1);
  });

  it('keeps 0, NaN and values below the scale at the baseline and never overflows', () => {
    expect(logEighths(0, -8, 0, 4)).toBe(0);
    expect(logEighths(NaN, -8, 0, 4)).toBe(0);
    expect(logEighths(1e-12, -8, 0, 4)).toBe(0);
    expect(logEighths(1e3, -8, 0, 4)).toBe(32);
    expect(logEighths(1e-4, -8, 0, 4)).toBe(16);
  });

  it('spans whole decades from below the smallest figure to above the largest', () => {
    expect(logScale([3, 0.02, 0])).toEqual({ lo: -2, hi: 1 });
    expect(logScale([0, NaN])).toBeNull();
    // Flat figures still get a scale of a few decades.
    expect(logScale([1, 1])).toEqual({ lo: -2, hi: 0 });
  });
});

describe('the memory view', () => {
  it('draws exponential decay as bars whose tops fall in a straight line', () => {
    const s = store('rnn_tanh', 40);
    const lines = memoryLines({ networks: [{ store: s, state: ok(geometric('rnn_tanh', 39, 0.6)) }], cursor: 39, T: 40, focus: 0, theme: plain, cols: 100, rows: 30 });
    const start = lines.findIndex((l) => l.includes('∂h/∂x'));
    const end = lines.findIndex((l, i) => i > start && l.includes('∂h/∂h'));
    const chart = lines.slice(start, end);
    // 40 steps in 87 columns: 2 columns a step.
    const h = heights(chart, 2);
    expect(h).toHaveLength(40);
    const drops = h.slice(1).map((x, i) => x - h[i]!);
    // Rising towards the current step, by the same amount per step (±1 eighth of rounding).
    const mean = drops.reduce((a, b) => a + b) / drops.length;
    expect(mean).toBeGreaterThan(0);
    for (const d of drops) expect(Math.abs(d - mean)).toBeLessThanOrEqual(1);
  });

  it('states the memory span in words, with the h and c spans', () => {
    const r = geometric('lstm', 49, 0.9);
    // 0.9^k >= 0.01 for k <= 43
    expect(spanWords(r)).toBe('reaches back 43 steps (x ≥ 1% of the latest) · h 43 steps · c 49 steps');
    expect(spanWords(geometric('lstm', 30, 0.99, 11, true))).toMatch(/^reaches back at least 19 steps .* measured over the last 20 steps$/);
  });

  it('names both networks, marks the focused one and draws both on one time axis', () => {
    const a = store('lstm', 50);
    const b = store('rnn_tanh', 50);
    const networks: MemoryNetwork[] = [
      { store: a, name: 'lstm.json', state: ok(geometric('lstm', 49, 0.95)) },
      { store: b, name: 'rnn.json', state: ok(geometric('rnn_tanh', 49, 0.5)) },
    ];
    const text = memoryLines({ networks, cursor: 49, T: 50, focus: 1, theme: plain, cols: 120, rows: 40 }).join('\n');
    expect(text).toContain('   LSTM 2→4 · lstm.json: reaches back');
    expect(text).toContain(' ▶ RNN(tanh) 2→4 · rnn.json: reaches back 6 steps');
    expect(text.match(/^ ∂h\/∂x/gm)).toHaveLength(2);
    expect(text.match(/^ ∂h\/∂c/gm)).toHaveLength(1);
    expect(text).toMatch(/─+5─+10─+/);
  });

  it('shows progress while the figures are computed, and why when there are none', () => {
    const s = store('gru', 10);
    const computing = memoryLines({ networks: [{ store: s, state: { status: 'computing', passes: 3, of: 4, progress: 'rows', partial: null, steps: 10, limited: false } }], cursor: 9, T: 10, focus: 0, theme: plain, cols: 100, rows: 20 });
    expect(computing.join('\n')).toContain('computing… 3/4 rows of ∂h/∂state');
    const failed = memoryLines({ networks: [{ store: s, state: { status: 'failed', message: 'no forward direction' } }], cursor: 9, T: 10, focus: 0, theme: plain, cols: 100, rows: 20 });
    expect(failed.join('\n')).toContain('no forward direction');
  });

  it('never draws wider than the terminal or taller than the rows it has', () => {
    const a = store('lstm', 300);
    const b = store('rnn_tanh', 300);
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 260 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 299 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), (cols, rows, cursor, two, level) => {
        const networks: MemoryNetwork[] = [{ store: a, name: 'a.json', state: ok(geometric('lstm', cursor, 0.8, Math.max(0, cursor - 199), cursor > 199)) }];
        if (two) networks.push({ store: b, name: 'b.json', state: { status: 'computing', passes: 1, of: 4, progress: 'rows', partial: null, steps: 200, limited: true } });
        const lines = memoryLines({ networks, cursor, T: 300, focus: 0, theme: createTheme(level as 0 | 1 | 2 | 3), cols, rows });
        expect(lines.length).toBeLessThanOrEqual(rows);
        for (const l of lines) expect(textWidth(stripAnsi(l))).toBeLessThanOrEqual(cols);
      }),
      { numRuns: 120 },
    );
  });
});

describe('the memory view while its worker computes', () => {
  it('draws the steps done so far on the layout of the whole window, with a progress bar', () => {
    const s = store('lstm', 100);
    const partial = geometric('lstm', 99, 0.8, 90, true);
    const state: MemoryState = { status: 'computing', passes: 10, of: 100, progress: 'steps', partial, steps: 100, limited: false };
    const text = memoryLines({ networks: [{ store: s, state }], cursor: 99, T: 100, focus: 0, theme: plain, cols: 120, rows: 30 }).join('\n');
    expect(text).toContain('computing ▕█         ▏ 10% · 10/100 steps back, the nearest first');
    // the window's 100 steps are laid out (the axis starts at step 1), only the last 10 have bars
    const axis = text.split('\n').find((l) => l.includes('▼'))!;
    expect(axis.trim().startsWith('─')).toBe(true);
    const lines = text.split('\n');
    const from = lines.findIndex((l) => l.startsWith(' ∂h/∂x'));
    const chart = lines.slice(from, lines.findIndex((l) => l.startsWith(' ∂h/∂h')));
    expect(chart.length).toBeGreaterThan(1);
    // one column per step: nothing for the 90 steps not done, bars for the last 10
    for (const l of chart) expect(l.slice(MEMORY_GUTTER, MEMORY_GUTTER + 90).trim()).toBe('');
    expect(chart.some((l) => /[▁▂▃▄▅▆▇█]/.test(l.slice(MEMORY_GUTTER + 90)))).toBe(true);
  });

  it('fills a progress bar in eighths', () => {
    expect(progressBar(0, 10)).toBe('▕          ▏  0%');
    expect(progressBar(5, 10)).toBe('▕█████     ▏ 50%');
    expect(progressBar(10, 10)).toBe('▕██████████▏100%');
    expect(progressBar(1, 64)).toBe('▕▏         ▏  1%');
  });
});
