/** The viewer on an mLSTM: its gates and h as panels, and the selected head's matrix memory C in the diagram (d). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradientTimesInput, integratedGradients, mlstmMemory, runSequence, type Network } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { attributeAt } from '../../src/trace/attribution-view.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested } from '../../src/io/weights/tensor.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { panelsFor } from '../../src/ui/panels.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';
import { ROOT } from '../helpers/build.js';

const DIR = join(ROOT, 'fixtures', 'xlstm-cells');
const load = (name: string): { net: Network; input: number[][]; c0: number[][] | null } => {
  const c = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { state_dict: Record<string, unknown>; input: number[][]; c0: number[][] | null };
  const tensors = new Map(Object.entries(c.state_dict).map(([k, v]) => [k, tensorFromNested(v, k, name)]));
  return { net: networkFromStateDict(tensors, { source: name }).network, input: c.input, c0: c.c0 };
};
const fmt = (x: number): string => `${x < 0 ? '' : '+'}${x.toFixed(3)}`;

function storeOf(name: string, chunkSteps: number): { store: TraceStore; net: Network; input: number[][]; c0: number[][] | null } {
  const { net, input, c0 } = load(name);
  const store = new TraceStore(net, { source: `${name}.json`, chunkSteps, init: { c0 } });
  input.forEach((x, t) => store.append(x, `r${t}`));
  store.finish();
  return { store, net, input, c0 };
}

function screen(store: TraceStore, cursor: number, unit: number, cols: number, rows: number, diagram: boolean): string {
  let s: Session = initialSession({ H: store.network.hiddenSize, views: store.network.numLayers, panels: panelsFor('mlstm').length, T: store.length, done: true });
  s = reduce(s, { type: 'step', delta: cursor });
  for (let u = 0; u < unit; u++) s = reduce(s, { type: 'unit', delta: 1 } as never);
  if (diagram) s = reduce(s, { type: 'diagram' });
  return composeFrame(frameInput({ stores: [store], session: s, cols, rows, theme: createTheme(0) })).map(stripAnsi).join('\n');
}

describe('the viewer on an mLSTM', () => {
  it("holds the engine's whole cell state (n, m, C) at every step, across blocks and layers, with an initial state", () => {
    const { store, net, input, c0 } = storeOf('mlstm_net_2l_c0_t9', 4);
    const steps = runSequence(net, input, { c0 });
    for (let k = 0; k < 2; k++) for (let t = 0; t < input.length; t++) expect(Array.from(store.cellStateAfter(k, 0, t))).toEqual(Array.from(steps[t]!.layers[k]![0]!.c!));
  });

  it('draws f, i, o, n, m and h as panels', () => {
    const { store } = storeOf('mlstm_net_d3_h6_nh2_t12', 64);
    const text = screen(store, 5, 0, 120, 30, false);
    expect(text).toContain('mLSTM 3→6');
    expect(text).toMatch(/1 f forget .*2 i input .*3 o output .*4 n norm.*5 m stab.*6 h hidd/);
  });

  it("d draws the selected unit's head's matrix memory C with the engine's numbers, at 80x24 and 200x60", () => {
    const { store, net, input } = storeOf('mlstm_net_d3_h6_nh2_t12', 5);
    const steps = runSequence(net, input);
    const t = 7;
    const C = mlstmMemory(steps[t]!.layers[0]![0]!.c!, 6, 2, 1);
    for (const [cols, rows] of [[80, 24], [200, 60]] as const) {
      const text = screen(store, t, 4, cols, rows, true);
      expect(text).toContain('head 2/2 (units 3..5)');
      expect(text).toContain(`m ${fmt(steps[t]!.layers[0]![0]!.c![6 + 1]!)}`);
      for (let a = 0; a < 3; a++) expect(text).toContain(`${a === 1 ? '▸' : ' '}${String(a).padStart(4)} ${[0, 1, 2].map((b) => `${fmt(C[a * 3 + b]!).padStart(6)}  `).join('').trimEnd()}`);
      for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(cols);
      expect(text.split('\n').length).toBeLessThanOrEqual(rows);
    }
  });

  it('the attribution view attributes h at the cursor over its window, starting from the engine\'s own n, m and C', () => {
    // T = 300 in blocks of 64: the 200-step window starts mid-block, from a state the rows do not hold (C)
    const { store, net, input } = storeOf('mlstm_net_long_t300', 64);
    const cursor = 250;
    const r = attributeAt(store, cursor, 1);
    if (r.status !== 'done') expect.fail(r.message);
    const start = r.result.start;
    expect(start).toBeGreaterThan(0);
    expect(start % 64).not.toBe(0);
    const steps = runSequence(net, input);
    expect(r.result.value).toBeCloseTo(steps[cursor]!.y[1]!, 6);
    // the same attribution from the full run's state before the window
    const init = { c0: [steps[start - 1]!.layers[0]![0]!.c!] };
    const xs = input.slice(start, cursor + 1);
    const direct = r.result.method.startsWith('integrated')
      ? integratedGradients(net, xs, { kind: 'h', t: xs.length - 1, layer: 0, direction: 0, unit: 1 }, { steps: 32, init })
      : gradientTimesInput(net, xs, { kind: 'h', t: xs.length - 1, layer: 0, direction: 0, unit: 1 }, init);
    expect(Array.from(r.result.perStep).map((v) => v.toPrecision(5))).toEqual(Array.from(direct.perStep).map((v) => v.toPrecision(5)));
    expect(Math.abs(r.result.perStep.reduce((a, v) => a + v, 0))).toBeGreaterThan(0);
  });

  it('the explain panel says it does not cover an mLSTM, rather than misreading its weights', () => {
    const { store } = storeOf('mlstm_net_d3_h6_nh2_t12', 64);
    let s: Session = initialSession({ H: 6, views: 1, panels: 6, T: store.length, done: true });
    s = reduce(s, { type: 'explain' } as never);
    const text = composeFrame(frameInput({ stores: [store], session: s, cols: 100, rows: 30, theme: createTheme(0) })).map(stripAnsi).join('\n');
    expect(text).toContain('the explain panel does not cover an mLSTM yet');
  });
});
