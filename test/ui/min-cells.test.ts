/** minGRU / minLSTM on screen: the diagram, the explain lines and the memory view's product of (1-z). */
import { describe, expect, it } from 'vitest';
import { createRng, minKeepProducts, randomNetwork, runSequence, type CellKind } from '../../src/engine/index.js';
import { explainUnit } from '../../src/trace/explain.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { explainBody } from '../../src/ui/explain-text.js';
import { keepProductText, spanWords } from '../../src/ui/memory-frame.js';
import { memoryProfile } from '../../src/engine/memory.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

const fmt = (x: number): string => `${x < 0 ? '' : '+'}${x.toFixed(3)}`;

function setup(kind: CellKind): { store: TraceStore; xs: number[][] } {
  const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 4, seed: 3 });
  const store = new TraceStore(net, { source: 'walk.csv' });
  const rng = createRng(1);
  const xs: number[][] = [];
  for (let t = 0; t < 12; t++) {
    const x = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    xs.push(x);
    store.append(x, `r${t}`);
  }
  store.finish();
  return { store, xs };
}

function diagram(kind: CellKind, cols: number): { text: string; store: TraceStore; s: Session } {
  const { store } = setup(kind);
  let s: Session = initialSession({ H: 4, views: 1, panels: 6, T: 12, done: true });
  s = reduce(reduce(reduce(s, { type: 'step', delta: 6 }), { type: 'unit', delta: 1 } as never), { type: 'diagram' });
  const f = frameInput({ stores: [store], session: s, cols, rows: 24, theme: createTheme(0) });
  return { text: composeFrame(f).map(stripAnsi).join('\n'), store, s: f.session };
}

describe('minGRU / minLSTM in the viewer', () => {
  it('minGRU diagram: the engine\'s z, n, (1-z) h_prev, z n and h on wires that line up', () => {
    const { text, store, s } = diagram('mingru', 80);
    const e = explainUnit(store, 0, 0, s.cursor, s.unit);
    const z = e.gates.find((g) => g.gate === 'z')!.value;
    const n = e.gates.find((g) => g.gate === 'n')!.value;
    expect(text).toContain(`h_prev ${fmt(e.hPrev)}`);
    expect(text).toContain(`──▶ h ${fmt(e.h)}`);
    expect(text).toContain(`1−z ${fmt(1 - z)}`);
    expect(text).toContain(`z·n ${fmt(z * n)}`);
    expect(text).toContain(`─ ${fmt((1 - z) * e.hPrev)} `);
    expect(Math.abs((1 - z) * e.hPrev + z * n - e.h)).toBeLessThan(1e-6); // the trace holds float32
    const rows = text.split('\n');
    const top = rows.findIndex((r) => r.includes('h_prev'));
    const times = [...rows[top]!].indexOf('×');
    expect([...rows[top + 1]!].indexOf('▲')).toBe(times);
    expect([...rows[top + 3]!].indexOf('┴')).toBe(times);
    expect([...rows[top + 3]!].lastIndexOf('×')).toBe([...rows[top]!].join('').indexOf('(+)') + 1);
    for (const line of rows) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it("minLSTM diagram and explain: f' and i' sum to 1, h = f' h_prev + i' n", () => {
    const { text, store, s } = diagram('minlstm', 200);
    const e = explainUnit(store, 0, 0, s.cursor, s.unit);
    const f = e.gates.find((g) => g.gate === 'f')!.value;
    const i = e.gates.find((g) => g.gate === 'i')!.value;
    expect(Math.abs(f + i - 1)).toBeLessThan(1e-6);
    expect(text).toContain(`f′ ${fmt(f)}`);
    expect(text).toContain(`i′ ${fmt(i)}`);
    const body = explainBody(e).join('\n');
    expect(body).toContain("h = f'·h_prev + i'·n");
    expect(body).not.toContain('W·h_prev');
    // no recurrent weights: nothing drives the unit through h_prev
    expect(e.drivers).toEqual([]);
    for (const g of e.gates) expect(g.recurrent).toBe(0);
  });

  it('the memory view says its h figure is the product of (1-z), and it is', () => {
    const { store, xs } = setup('mingru');
    const net = store.network;
    const p = memoryProfile(net, xs);
    const keep = minKeepProducts(net, runSequence(net, xs), 0, 0);
    p.sensitivity.forEach((s, t) => expect(Math.abs(s.h - Math.hypot(...keep[t]!))).toBeLessThan(1e-12));
    const words = spanWords({ cursor: 11, start: 0, limited: false, layer: 0, dir: 0, profile: p });
    expect(words).toContain('∂h/∂h_t is exactly ‖∏(1−z)‖');
    expect(keepProductText('minlstm')).toBe('∏f′');
    expect(keepProductText('lstm')).toBeNull();
  });
});
