/** sLSTM on screen: its eight panels, the explain lines and diagram with the engine's numbers, the memory and attribution views. */
import { describe, expect, it } from 'vitest';
import { createRng, memoryProfile, randomNetwork, runSequence } from '../../src/engine/index.js';
import { explainUnit } from '../../src/trace/explain.js';
import { MemoryTracker } from '../../src/trace/memory-view.js';
import { attributeAt } from '../../src/trace/attribution-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { explainBody } from '../../src/ui/explain-text.js';
import { panelsFor } from '../../src/ui/panels.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

const fmt = (x: number): string => `${x < 0 ? '' : '+'}${x.toFixed(3)}`;

function setup(): TraceStore {
  const net = randomNetwork({ kind: 'slstm', inputSize: 2, hiddenSize: 6, numHeads: 2, numLayers: 2, seed: 3 });
  const store = new TraceStore(net, { source: 'walk.csv' });
  const rng = createRng(1);
  for (let t = 0; t < 12; t++) store.append([rng.uniform(-2, 2), rng.uniform(-2, 2)], `r${t}`);
  store.finish();
  return store;
}

function frame(store: TraceStore, cols: number, rows: number, actions: object[]): { text: string; s: Session } {
  let s: Session = initialSession({ H: 6, views: 2, panels: 8, T: 12, done: true });
  for (const a of actions) s = reduce(s, a as never);
  const f = frameInput({ stores: [store], session: s, cols, rows, theme: createTheme(0) });
  return { text: composeFrame(f).map(stripAnsi).join('\n'), s: f.session };
}

describe('sLSTM in the viewer', () => {
  it('draws f i z o c n m h, the stabilised gates without saturation marks', () => {
    expect(panelsFor('slstm').map((p) => p.name)).toEqual(['f', 'i', 'z', 'o', 'c', 'n', 'm', 'h']);
    const store = setup();
    const { text } = frame(store, 80, 24, [{ type: 'step', delta: 4 }]);
    expect(text).toContain('sLSTM 2→6, 2 layers');
    for (const label of ['1 f forget', '2 i input', '3 z candidate', '6 n norm', '7 m stab', '8 h hidden']) expect(text).toContain(label);
    // i is 1 where a_i is the stabiliser m: drawn full, not flagged as a saturated sigmoid
    const i = store.state('i', 1, 0, 4);
    expect(i.some((v) => v === 1)).toBe(true);
    expect(text).not.toContain('●');
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it('explain: m, f, i, c, n and h = o c / n from the engine, the recurrence from the unit\'s head only', () => {
    const store = setup();
    const t = 5;
    const unit = 4; // head 1 of 2 (units 3..5)
    const e = explainUnit(store, 1, 0, t, unit);
    expect(e.slstm).toMatchObject({ head: 1, heads: 2 });
    const o = e.gates.find((g) => g.gate === 'o')!.value;
    expect(Math.abs((o * e.c!) / e.slstm!.n - e.h)).toBeLessThan(1e-6);
    for (const g of e.gates) expect(Math.abs(g.input + g.recurrent + g.bias - g.pre)).toBeLessThan(1e-5);
    expect(e.drivers.every((d) => d.unit >= 3 && d.unit < 6)).toBe(true);
    const body = explainBody(e).join('\n');
    expect(body).toContain(`m = max(a_i, log σ(a_f) + m_prev)`);
    expect(body).toMatch(/h = o·c\/n = /);
    expect(body).toContain('(head 1 of 2)');
    expect(body).toContain('driven most through R·h_prev (its head)');
  });

  it('the first step takes m = a_i, as the xlstm package does', () => {
    const e = explainUnit(setup(), 0, 0, 0, 0);
    expect(e.slstm!.m).toBe(e.gates.find((g) => g.gate === 'i')!.pre);
    expect(explainBody(e).join('\n')).toContain('the first step: every n_prev is 0');
  });

  it('diagram: c and n on their lines, divided into h', () => {
    const store = setup();
    const { text, s } = frame(store, 200, 60, [{ type: 'step', delta: 6 }, { type: 'diagram' }]);
    const e = explainUnit(store, 0, 0, s.cursor, s.unit);
    expect(text).toContain(`c_prev ${fmt(e.cPrev!)}`);
    expect(text).toContain(`n ${fmt(e.slstm!.n)}`);
    expect(text).toContain(`(÷)──▶(× o`);
    expect(text).toContain(`h ${fmt(e.h)}`);
  });

  it('the memory view measures it from the state the trace holds, as a whole run from the start does', () => {
    const store = setup();
    const m = new MemoryTracker(store, { schedule: (run) => run() });
    const st = m.computeNow(8);
    expect(st.status).toBe('done');
    if (st.status !== 'done') return;
    const xs = Array.from({ length: 9 }, (_, t) => Array.from(store.x(t)));
    const whole = memoryProfile(store.network, xs);
    st.result.profile.sensitivity.forEach((s, i) => {
      const w = whole.sensitivity[st.result.start + i]!;
      expect(Math.abs(s.x - w.x), `x[t=${st.result.start + i}]`).toBeLessThan(1e-5 * Math.max(1, w.x));
      expect(Math.abs(s.h - w.h), `h[t=${st.result.start + i}]`).toBeLessThan(1e-5 * Math.max(1, w.h));
    });
    expect(attributeAt(store, 5, 0).status).toBe('done');
  });

  it("the attribution view's window past the start runs on from the held c, n and m, so its value is the whole run's", () => {
    // H=256: a window of a few dozen steps, so the state at its start matters
    const net = randomNetwork({ kind: 'slstm', inputSize: 2, hiddenSize: 256, seed: 5 });
    // a forget bias of 6 (f near 1): what the window's start holds still counts at its end
    const b = net.layers[0]![0]!.bIh!;
    for (let u = 256; u < 512; u++) b[u] = b[u]! + 6;
    const store = new TraceStore(net, { source: 'long.csv' });
    const rng = createRng(2);
    const T = 60;
    for (let t = 0; t < T; t++) store.append([rng.uniform(-2, 2), rng.uniform(-2, 2)], `r${t}`);
    store.finish();
    const st = attributeAt(store, T - 1, 1);
    expect(st.status).toBe('done');
    if (st.status !== 'done') return;
    expect(st.result.start).toBeGreaterThan(0);
    const whole = runSequence(net, Array.from({ length: T }, (_, t) => Array.from(store.x(t))));
    expect(Math.abs(st.result.value - whole[T - 1]!.layers[0]![0]!.h[1]!)).toBeLessThan(1e-5);
  });
});
