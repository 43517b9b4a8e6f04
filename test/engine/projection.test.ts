/**
 * LSTM proj_size (h = W_hr (o * tanh(c)), P wide) beyond the forward pass formats.test.ts checks:
 * the memory figures against torch.autograd (fixtures/weights/make_proj.py), the backward pass
 * against finite differences (W_hr included), and the trace store's widths and predictions.
 */
import { describe, expect, it } from 'vitest';
import { finalStates, headInputSize, outputSize, runSequence, type Network } from '../../src/engine/index.js';
import { backwardSequence } from '../../src/engine/grad/network.js';
import { memoryProfile } from '../../src/engine/memory.js';
import { memoryJacobianRows } from '../../src/engine/grad/jacobian.js';
import { parseInitialState } from '../../src/io/initial-state.js';
import { loadWeights } from '../../src/io/weights/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { expectClose } from '../helpers/expect-close.js';
import { expectedTrace, fixtureBytes, weightsCases } from '../io/weights/fixtures.js';

const projected = weightsCases().filter((c) => c.projSize !== undefined);

function load(file: string): { net: Network; head: { w: Float32Array; b: Float32Array | null; O: number } | null } {
  const f = loadWeights(fixtureBytes(file), { source: file });
  const w = f.extra.get('head.weight');
  const b = f.extra.get('head.bias');
  return { net: f.network, head: w === undefined ? null : { w: w.data, b: b?.data ?? null, O: w.shape[0]! } };
}

function initOf(c: (typeof projected)[number], net: Network) {
  return c.init === undefined ? undefined : parseInitialState(new TextDecoder().decode(fixtureBytes(c.init)), c.init, net);
}

describe('projected LSTMs (proj_size)', () => {
  it('has the three fixtures', () => {
    expect(projected.map((c) => c.file)).toEqual(['lstm_proj_1l.json', 'lstm_proj_2l_nobias.json', 'lstm_proj_bidir_2l.safetensors']);
  });

  for (const c of projected) {
    const base = c.file.replace(/\.(json|safetensors)$/, '');

    it(`${c.file}: memory figures equal torch.autograd's`, () => {
      const { net } = load(c.file);
      const exp = expectedTrace(c.expected);
      const mem = JSON.parse(new TextDecoder().decode(fixtureBytes(`${base}.memory.json`))) as { T: number; sensitivity: { x: number[]; h: number[]; c: number[] } };
      const prof = memoryProfile(net, exp.input.slice(0, mem.T), initOf(c, net));
      expect(prof.T).toBe(mem.T);
      for (const which of ['x', 'h', 'c'] as const) {
        mem.sensitivity[which].forEach((e, t) => {
          const got = prof.sensitivity[t]![which]!;
          if (Math.abs(got - e) > 1e-5 * Math.abs(e) + 1e-12) expect.fail(`${which}[t=${t}]: ${got} vs PyTorch ${e}`);
        });
      }
      // at the last step d h / d h is the identity: sqrt(P), not sqrt(H)
      expect(prof.sensitivity.at(-1)!.h).toBeCloseTo(Math.sqrt(c.projSize!), 6);
    });

    it(`${c.file}: the trace store holds h as P values and predicts with a head of P*dirs inputs`, () => {
      const { net, head } = load(c.file);
      const exp = expectedTrace(c.expected);
      const init = initOf(c, net);
      const store = new TraceStore(net, {
        source: 'mem',
        chunkSteps: 8,
        cacheBytes: 1,
        init,
        head: head === null ? null : { weight: head.w, bias: head.b, outSize: head.O, inSize: headInputSize(net) },
      });
      exp.input.forEach((x, t) => store.append(x, `s${t}`));
      store.finish();
      expect(store.engineKind).toBe('reference');
      const P = c.projSize!;
      const dirs = net.directions.length;
      expect(store.width('h')).toBe(P);
      expect(store.width('c')).toBe(net.hiddenSize);
      exp.output.forEach((row, t) => {
        const y = new Float64Array(P * dirs);
        for (let d = 0; d < dirs; d++) {
          const h = store.state('h', net.numLayers - 1, d, t);
          expect(h).toHaveLength(P);
          y.set(h, d * P);
        }
        expectClose(y, row, 1e-5, `y[t=${t}, unit={i}]`);
        if (exp.head !== undefined) expectClose(store.prediction(t)!, exp.head[t]!, 1e-5, `head[t=${t}, out={i}]`);
      });
      expect(store.layerInput(net.numLayers - 1, 3)).toHaveLength(net.numLayers > 1 ? P * dirs : net.inputSize);
      expect(() => store.value('h', 0, 0, 0, P)).toThrow(RangeError);
      expect(store.value('c', 0, 0, 0, P)).toBe(store.state('c', 0, 0, 0)[P]);
    });
  }

  it('the block Jacobian pass refuses a projected LSTM (it has no W_hr) rather than reading h as H wide', () => {
    const { net } = load('lstm_proj_1l.json');
    const exp = expectedTrace('lstm_proj_1l.expected.json');
    const steps = runSequence(net, exp.input.slice(0, 4));
    const sq = { x2: new Float64Array(4), h2: new Float64Array(4), c2: new Float64Array(4) };
    expect(() => memoryJacobianRows(net, steps, undefined, 0, 0, 1, sq)).toThrow(/does not cover a projected LSTM/);
  });

  it('backward: parameter, input and initial-state gradients match finite differences (W_hr too)', () => {
    const c = projected.find((k) => k.file === 'lstm_proj_bidir_2l.safetensors')!;
    const { net } = load(c.file);
    const exp = expectedTrace(c.expected);
    const xs = exp.input.slice(0, 6).map((r) => Float64Array.from(r));
    const init = initOf(c, net)!;
    const P = outputSize(net);
    const dirs = net.directions.length;
    // loss = sum_t w_t . y_t + v . h_n (fixed weights)
    const wy = xs.map((_, t) => Float64Array.from({ length: P * dirs }, (_, j) => Math.sin(1 + t * 7 + j)));
    const wn = Array.from({ length: net.numLayers * dirs }, (_, r) => Float64Array.from({ length: P }, (_, j) => Math.cos(r + 3 * j)));
    const loss = (n: Network, x: Float64Array[], h0 = init.h0!): number => {
      const steps = runSequence(n, x, { h0, c0: init.c0 });
      let s = 0;
      steps.forEach((st, t) => st.y.forEach((v, j) => (s += v * wy[t]![j]!)));
      finalStates(n, steps).hN.forEach((row, r) => row.forEach((v, j) => (s += v * wn[r]![j]!)));
      return s;
    };
    const steps = runSequence(net, xs, init);
    const g = backwardSequence(net, xs, steps, init, { dy: wy, dhN: wn });
    const eps = 2 ** -12;
    const check = (label: string, analytic: number, plus: () => number, minus: () => number, step: number): void => {
      const numeric = (plus() - minus()) / (2 * step);
      if (Math.abs(analytic - numeric) > 1e-6 * Math.max(1, Math.abs(numeric))) expect.fail(`${label}: ${analytic} vs numeric ${numeric}`);
    };
    // parameters are float32: perturb, and divide by the step float32 really took
    for (const [k, d] of [[0, 0], [1, 1], [1, 0]] as const) {
      const p = net.layers[k]![d]!;
      for (const [name, arr, grad] of [
        ['wHr', p.wHr!, g.params![k]![d]!.wHr!],
        ['wHh', p.wHh, g.params![k]![d]!.wHh],
        ['wIh', p.wIh, g.params![k]![d]!.wIh],
      ] as const) {
        for (const i of [0, 5, arr.length - 1]) {
          const w0 = arr[i]!;
          arr[i] = w0 + eps;
          const up = arr[i]!;
          const lp = loss(net, xs);
          arr[i] = w0 - eps;
          const dn = arr[i]!;
          const lm = loss(net, xs);
          arr[i] = w0;
          check(`l${k} d${d} ${name}[${i}]`, grad[i]!, () => lp, () => lm, (up - dn) / 2);
        }
      }
    }
    for (const [t, j] of [[0, 0], [3, 1], [5, 2]] as const) {
      const moved = (delta: number) => xs.map((r, tt) => (tt === t ? Float64Array.from(r, (v, i) => (i === j ? v + delta : v)) : r));
      check(`dx[${t}][${j}]`, g.dx[t]![j]!, () => loss(net, moved(eps)), () => loss(net, moved(-eps)), eps);
    }
    for (const r of [0, 3]) {
      const moved = (delta: number) => init.h0!.map((row, rr) => (rr === r ? Float64Array.from(row, (v, i) => (i === 1 ? v + delta : v)) : row));
      expect(g.dh0[r]).toHaveLength(P);
      check(`dh0[${r}][1]`, g.dh0[r]![1]!, () => loss(net, xs, moved(eps)), () => loss(net, xs, moved(-eps)), eps);
    }
  });
});
