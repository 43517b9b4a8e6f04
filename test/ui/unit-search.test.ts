import { describe, expect, it } from 'vitest';
import { randomNetwork } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { panelsFor } from '../../src/ui/panels.js';
import { MAX_SAMPLES, sampleSteps, SATURATED_FRACTION, summariseUnits, unitOrder } from '../../src/ui/unit-search.js';

function traced(H: number, xs: readonly number[], kind: 'lstm' | 'rnn_tanh' = 'lstm', weights?: (net: ReturnType<typeof randomNetwork>) => void): TraceStore {
  const net = randomNetwork({ kind, inputSize: 1, hiddenSize: H, seed: 4 });
  weights?.(net);
  const store = new TraceStore(net, { source: 'mem', featureNames: ['a'] });
  xs.forEach((x, t) => store.append([x], `t${t}`));
  store.finish();
  return store;
}

describe('finding units', () => {
  it('flags a unit saturated on at least the stated fraction of the steps, shut or open, and not one below it', () => {
    // RNN h = tanh(w x): unit 0 pinned at +1 on 46 of 50 steps (92%), unit 1 never
    const xs = Array.from({ length: 50 }, (_, t) => (t % 12 === 5 ? 0 : 10));
    const store = traced(2, xs, 'rnn_tanh', (net) => {
      const p = net.layers[0]![0]!;
      p.wIh.set([1, 0.01]);
      p.wHh.fill(0);
      p.bIh?.fill(0);
      p.bHh?.fill(0);
    });
    const s = summariseUnits(store, panelsFor('rnn_tanh'), 0, 0);
    expect(SATURATED_FRACTION).toBe(0.9);
    expect(s.flags).toEqual([{ unit: 0, why: 'h +1 92%' }]);
    expect(s.saturation[0]).toBeCloseTo(0.92, 12);
    expect(s.saturation[1]).toBe(0);
  });

  it('flags a dead unit: its h never moves', () => {
    const store = traced(2, [1, -1, 2, 0.5], 'rnn_tanh', (net) => {
      const p = net.layers[0]![0]!;
      p.wIh.set([0, 1]);
      p.wHh.fill(0);
      p.bIh?.fill(0);
      p.bHh?.fill(0);
    });
    expect(summariseUnits(store, panelsFor('rnn_tanh'), 0, 0).flags).toEqual([{ unit: 0, why: 'h dead' }]);
  });

  it('works at H = 1024, reading a bounded sample of a long trace', () => {
    const store = traced(1024, Array.from({ length: 40 }, () => 2000));
    const s = summariseUnits(store, panelsFor('lstm'), 0, 0);
    expect(s.steps).toBe(40);
    expect(s.flags.length).toBeGreaterThan(500);
    expect(s.flags[0]!.why).toMatch(/^[ifgoh] (open|shut|\+1|-1) \d+%/);
    const order = unitOrder(s, 'saturation', false, null)!;
    expect(order).toHaveLength(1024);
    for (let i = 1; i < order.length; i++) expect(s.saturation[order[i - 1]!]!).toBeGreaterThanOrEqual(s.saturation[order[i]!]!);
    const only = unitOrder(s, 'index', true, null)!;
    expect(only).toEqual(s.flags.map((f) => f.unit));
    const long = sampleSteps(0, 1_000_000, MAX_SAMPLES, 256);
    expect(long).toHaveLength(MAX_SAMPLES);
    expect(long.at(-1)).toBeGreaterThan(999_999 - 512);
    expect(long[0]).toBe(0);
    // in 16 runs: 16 blocks to recompute at most (a run may cross into a second one)
    expect(new Set(long.map((t) => Math.floor(t / 256))).size).toBeLessThanOrEqual(32);
    expect([...long].sort((a, b) => a - b)).toEqual(long);
    expect(sampleSteps(10, 15)).toEqual([10, 11, 12, 13, 14]);
  });

  it('orders by variance and by |value| at a step, ties by index; unsorted and unfiltered is null', () => {
    const store = traced(6, [0.5, -2, 1, 3, -1]);
    const s = summariseUnits(store, panelsFor('lstm'), 0, 0);
    expect(unitOrder(s, 'index', false, null)).toBeNull();
    const byVar = unitOrder(s, 'variance', false, null)!;
    for (let i = 1; i < 6; i++) expect(s.variance[byVar[i - 1]!]!).toBeGreaterThanOrEqual(s.variance[byVar[i]!]!);
    const values = Float64Array.from([0.1, -0.9, 0.3, 0, 0.9, -0.2]);
    expect(unitOrder(s, 'value', false, values)).toEqual([1, 4, 2, 5, 0, 3]);
  });
});
