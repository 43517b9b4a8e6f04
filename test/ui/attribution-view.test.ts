/**
 * The viewer's attribution view (a): the figures (trace/attribution-view.ts) against the engine's
 * gradient × input over the same steps, the window from a held state, and the section on screen.
 */
import { describe, expect, it } from 'vitest';
import { gradientTimesInput, integratedGradients } from '../../src/engine/attribution.js';
import { createRng, randomNetwork, runSequence } from '../../src/engine/index.js';
import { attributeAt, attributionWindow } from '../../src/trace/attribution-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { composeFrame, frameInput, frameSections } from '../../src/ui/frame.js';
import { BINDINGS } from '../../src/ui/keymap.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 5, numLayers: 2, seed: 8 });
const rng = createRng(3);
const xs = Array.from({ length: 40 }, () => Float64Array.from({ length: 2 }, () => Math.fround(rng.uniform(-1, 1))));
const head = { inSize: 5, outSize: 3, weight: Float32Array.from({ length: 15 }, (_, i) => Math.fround(Math.sin(i + 1))), bias: Float32Array.of(0.1, -0.2, 0.3) };

function store(withHead: boolean): TraceStore {
  const st = new TraceStore(net, { source: 'walk.csv', featureNames: ['a', 'b'], head: withHead ? head : null, engine: 'reference' });
  xs.forEach((x, t) => st.append(x, `r${t}`));
  st.finish();
  return st;
}

describe('attributeAt', () => {
  it('is integrated gradients (32 points) of the top output at the cursor over the steps before it, for a small network', () => {
    const st = store(true);
    const a = attributeAt(st, 20, 0);
    expect(a.status).toBe('done');
    if (a.status !== 'done') return;
    expect(a.result.start).toBe(0);
    const y = runSequence(net, xs.slice(0, 21))[20]!.y;
    const logits = [0, 1, 2].map((o) => head.bias[o]! + [0, 1, 2, 3, 4].reduce((s, j) => s + head.weight[o * 5 + j]! * y[j]!, 0));
    const index = logits.indexOf(Math.max(...logits));
    expect(a.result.target).toBe(`pred[${index}], the top output`);
    const want = integratedGradients(net, xs.slice(0, 21), { kind: 'pred', t: 20, index, head }, { steps: 32 });
    expect(a.result.method).toBe('integrated gradients, 32 points from zeros');
    expect(a.result.gap).toBeLessThan(1e-3);
    expect(a.result.value).toBeCloseTo(want.value, 12);
    want.perStep.forEach((v, t) => expect(a.result.perStep[t]).toBeCloseTo(v, 12));
    expect(a.result.perFeature.reduce((s, v) => s + v, 0)).toBeCloseTo(want.total, 12);
  });

  it('without a head: the selected unit of the last layer', () => {
    const a = attributeAt(store(false), 10, 3);
    expect(a.status === 'done' && a.result.target).toBe('h[3] of layer 1');
  });

  it('refuses a network with a reverse direction, and a step not held', () => {
    const bi = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, bidirectional: true, seed: 1 });
    const st = new TraceStore(bi, { source: 'x' });
    xs.forEach((x, t) => st.append(x, `${t}`));
    st.finish();
    expect(attributeAt(st, 3, 0)).toMatchObject({ status: 'failed', message: expect.stringContaining('forward-only') });
    expect(attributeAt(store(true), 99, 0)).toEqual({ status: 'failed', message: 'this step is not held' });
  });

  it('bounds the window by cost, and a big network gets gradient x input', () => {
    const big = randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 512, seed: 2 });
    const st = new TraceStore(big, { source: 'x', engine: 'reference' });
    expect(attributionWindow(st)).toBeLessThan(200);
    expect(attributionWindow(store(true))).toBe(200);
    const bx = Array.from({ length: 12 }, (_, t) => Float64Array.from({ length: 4 }, (_, j) => Math.fround(Math.sin(t + j))));
    bx.forEach((x, t) => st.append(x, `${t}`));
    st.finish();
    const a = attributeAt(st, 11, 7);
    expect(a.status === 'done' && a.result.method).toBe('gradient × input');
    if (a.status !== 'done') return;
    // a window of the last W steps, from the state the trace holds before it
    const W = attributionWindow(st);
    expect(a.result.start).toBe(12 - W);
    expect(a.result.limited).toBe(true);
    const before = runSequence(big, bx)[12 - W - 1]!.layers[0]![0]!;
    const want = gradientTimesInput(big, bx.slice(12 - W), { kind: 'h', t: W - 1, layer: 0, direction: 0, unit: 7 }, { h0: [before.h], c0: [before.c!] });
    // the fast engine's float32 products (engine/attribution.ts AttributionEngine): within 1e-5 of the largest
    const top = Math.max(...want.perStep.map(Math.abs));
    want.perStep.forEach((v, t) => expect(Math.abs(a.result.perStep[t]! - v)).toBeLessThanOrEqual(1e-5 * top));
    expect(a.result.gap).toBeNaN();
  });
});

describe('the attribution section', () => {
  it('a opens it in the body, with the steps that moved the output most and the per-feature totals', () => {
    expect(BINDINGS.some((b) => b.keys.some((k) => 'char' in k && k.char === 'a') && typeof b.action === 'object' && b.action.type === 'attribution')).toBe(true);
    const st = store(true);
    const theme = createTheme(0);
    let s: Session = initialSession({ H: 5, views: st.viewCount, panels: 4, T: st.length, done: true });
    s = reduce(reduce(s, { type: 'attribution' }), { type: 'step', delta: 20 });
    const attribution = attributeAt(st, s.cursor, s.unit);
    const f = frameInput({ stores: [st], session: s, cols: 140, rows: 30, theme, attribution });
    // at 80 columns the short wording, whole
    const narrow = composeFrame(frameInput({ stores: [st], session: s, cols: 80, rows: 24, theme, attribution })).map(stripAnsi);
    const text80 = narrow.join('\n');
    expect(text80).toMatch(/ attribution t=20: pred\[\d\] = [-\d.]+ · IG, t=0–20 *\n largest first; .* ± [\d.]+% *\n/);
    for (const line of narrow.filter((l) => l.startsWith(' attribution') || l.startsWith(' largest'))) expect(line).not.toContain('…');
    expect(frameSections(f).body.map((x) => x.id)).toEqual(['status', 'banner', 'input', 'attribution']);
    const text = composeFrame(f).map(stripAnsi).join('\n');
    expect(text).toContain(`attribution at step ${s.cursor + 1}/40 (t=${s.cursor})`);
    expect(text).toMatch(/ by feature: a [+-]\d\.\d+ {2}b [+-]\d\.\d+/);
    expect(text).toContain(' a closes');
    // a again: the gates
    expect(frameSections(frameInput({ stores: [st], session: reduce(s, { type: 'attribution' }), cols: 100, rows: 30, theme })).body.map((x) => x.id)).toContain('grid');
  });
});
