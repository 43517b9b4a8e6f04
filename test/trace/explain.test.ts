import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, sigmoid, type Network } from '../../src/engine/index.js';
import { explainUnit } from '../../src/trace/explain.js';
import { TraceStore } from '../../src/trace/trace-store.js';

function traced(net: Network, T: number): TraceStore {
  const rng = createRng(11);
  const store = new TraceStore(net, { source: 'mem', featureNames: Array.from({ length: net.inputSize }, (_, j) => `feat${j}`) });
  for (let t = 0; t < T; t++) store.append(Array.from({ length: net.inputSize }, () => rng.uniform(-2, 2)), `t${t}`);
  store.finish();
  return store;
}

describe('explainUnit', () => {
  it('splits every LSTM pre-activation into input, recurrent and bias parts that add up', () => {
    const store = traced(randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 5, numLayers: 2, seed: 2 }), 6);
    for (const layer of [0, 1]) {
      const e = explainUnit(store, layer, 0, 3, 2);
      expect(e.gates.map((g) => g.gate)).toEqual(['i', 'f', 'g', 'o']);
      for (const g of e.gates) expect(g.input + g.recurrent + g.bias + g.peephole).toBeCloseTo(g.pre, 5);
      const [i, f, gg, o] = e.gates.map((g) => g.value) as [number, number, number, number];
      expect(f).toBeCloseTo(sigmoid(e.gates[1]!.pre), 6);
      expect(e.c!).toBeCloseTo(f * e.cPrev! + i * gg, 5);
      expect(e.h).toBeCloseTo(o * Math.tanh(e.c!), 5);
    }
  });

  it('names the units of h_prev that drive W_hh·h_prev, their terms adding up to each gate\'s recurrent part', () => {
    for (const kind of ['lstm', 'gru', 'rnn_tanh'] as const) {
      const store = traced(randomNetwork({ kind, inputSize: 3, hiddenSize: 5, seed: 6 }), 5);
      const all = explainUnit(store, 0, 0, 3, 1, 5);
      expect(all.drivers).toHaveLength(5);
      const totals = all.drivers.map((d) => d.total);
      expect(totals).toEqual([...totals].sort((a, b) => b - a));
      all.gates.forEach((g, k) => {
        // GRU n (PyTorch's form): r·(W_hn·h_prev + b_hn), the bias part not from any unit
        const expected = kind === 'gru' && g.gate === 'n' ? g.recurrent - store.value('r', 0, 0, 3, 1) * (store.network.layers[0]![0]!.bHh?.[g.row] ?? 0) : g.recurrent;
        expect(all.drivers.reduce((sum, d) => sum + d.terms[k]!, 0), `${kind} ${g.gate}`).toBeCloseTo(expected, 5);
      });
      expect(explainUnit(store, 0, 0, 3, 1).drivers.map((d) => d.unit)).toEqual(all.drivers.slice(0, 3).map((d) => d.unit));
    }
  });

  it('names the inputs that contributed most, largest |W x| first', () => {
    const store = traced(randomNetwork({ kind: 'lstm', inputSize: 6, hiddenSize: 3, seed: 4 }), 2);
    const e = explainUnit(store, 0, 0, 1, 1, 3);
    for (const g of e.gates) {
      expect(g.top).toHaveLength(3);
      const mags = g.top.map((c) => Math.abs(c.value));
      expect(mags).toEqual([...mags].sort((a, b) => b - a));
      for (const c of g.top) {
        expect(c.name).toBe(`feat${c.index}`);
        expect(c.value).toBeCloseTo(c.weight * c.x, 12);
      }
      // the top three are at least as large as any other input's share
      const x = store.x(1);
      const p = store.network.layers[0]![0]!;
      for (let j = 0; j < 6; j++) expect(Math.abs(p.wIh[g.row * 6 + j]! * x[j]!)).toBeLessThanOrEqual(mags[0]! + 1e-12);
    }
  });

  it('names the lower layer units as the inputs of layer 1, per direction', () => {
    const store = traced(randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true, seed: 1 }), 3);
    expect(store.layerInputNames(1)).toEqual(['L0→ h0', 'L0→ h1', 'L0← h0', 'L0← h1']);
    const e = explainUnit(store, 1, 1, 0, 0, 4);
    expect(e.gates[0]!.top.map((c) => c.name).sort()).toEqual(['L0→ h0', 'L0→ h1', 'L0← h0', 'L0← h1'].sort());
  });

  it('follows the GRU candidate in both forms (r before or after the recurrent product)', () => {
    for (const linearBeforeReset of [true, false]) {
      const net: Network = { ...randomNetwork({ kind: 'gru', inputSize: 3, hiddenSize: 4, seed: 6 }), linearBeforeReset };
      const store = traced(net, 5);
      const e = explainUnit(store, 0, 0, 4, 3);
      for (const g of e.gates) expect(g.input + g.recurrent + g.bias).toBeCloseTo(g.pre, 5);
      const [, z, n] = e.gates.map((g) => g.value) as [number, number, number];
      expect(e.h).toBeCloseTo((1 - z) * n + z * e.hPrev, 5);
      if (linearBeforeReset) expect(e.gates[2]!.recurrent).toBeCloseTo(e.gates[0]!.value * e.hn!, 6);
      else expect(e.hn).toBeNull();
    }
  });

  it('explains a relu RNN as one equation', () => {
    const store = traced(randomNetwork({ kind: 'rnn_relu', inputSize: 2, hiddenSize: 3, seed: 8 }), 4);
    const e = explainUnit(store, 0, 0, 2, 0);
    expect(e.gates).toHaveLength(1);
    const g = e.gates[0]!;
    expect(g.input + g.recurrent + g.bias).toBeCloseTo(g.pre, 5);
    expect(e.h).toBeCloseTo(Math.max(0, g.pre), 6);
  });

  it('includes peephole terms and flags clipped sums', () => {
    const base = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 2, seed: 3 });
    const peephole = Float32Array.from([0.5, -0.5, 1, 2, -1, 0.25]);
    const net: Network = { ...base, clip: 0.3, layers: [[{ ...base.layers[0]![0]!, peephole }]] };
    const store = traced(net, 4);
    const e = explainUnit(store, 0, 0, 3, 1);
    for (const g of e.gates) {
      const raw = g.input + g.recurrent + g.bias + g.peephole;
      if (g.clipped) expect(Math.abs(g.pre)).toBeCloseTo(0.3, 6);
      else expect(raw).toBeCloseTo(g.pre, 5);
    }
    // P is (p_i, p_f, p_o), H each: unit 1's forget peephole is P[H + 1] = 2
    expect(e.gates.find((g) => g.gate === 'f')!.peephole).toBeCloseTo(2 * e.cPrev!, 6);
    expect(e.gates.some((g) => g.clipped)).toBe(true);
  });
});
