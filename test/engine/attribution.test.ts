/**
 * Attribution (engine/attribution.ts) against PyTorch and Captum's formulas, computed by
 * fixtures/attribution/make_attribution.py with torch.autograd: gradient × input, and integrated
 * gradients with each of Captum's path methods (gausslegendre, riemann_left/right/middle/trapezoid),
 * for a head logit, an output unit of a bidirectional GRU (baseline: the mean input), an LSTM's c
 * and h of an inner layer, and a ReLU RNN.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  gaussLegendre01,
  gradientTimesInput,
  IG_METHODS,
  integratedGradients,
  pathPoints,
  targetValue,
  type AttributionTarget,
  type IgMethod,
} from '../../src/engine/attribution.js';
import { randomNetwork, ShapeError } from '../../src/engine/index.js';
import { loadWeights } from '../../src/io/weights/index.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'attribution');

interface Case {
  name: string;
  cell: 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
  state_dict: Record<string, unknown>;
  input: number[][];
  target: { kind: 'pred' | 'y' | 'h' | 'c'; t: number; index?: number; layer?: number; direction?: number; unit?: number };
  baseline: 'zeros' | 'mean';
  value: number;
  baseline_value: number;
  grad_x_input: number[][];
  ig: { method: IgMethod; steps: number; attributions: number[][]; total: number }[];
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Case);

function setup(c: Case) {
  const file = loadWeights(new TextEncoder().encode(JSON.stringify(c.state_dict)), { source: c.name, kind: c.cell === 'rnn_relu' ? 'rnn_relu' : undefined });
  const net = file.network;
  const w = file.extra.get('head.weight');
  const b = file.extra.get('head.bias');
  const tg = c.target;
  let target: AttributionTarget;
  if (tg.kind === 'pred') {
    expect(w).toBeDefined();
    target = { kind: 'pred', t: tg.t, index: tg.index!, head: { inSize: w!.shape[1]!, outSize: w!.shape[0]!, weight: w!.data, bias: b!.data } };
  } else if (tg.kind === 'y') {
    target = { kind: 'y', t: tg.t, index: tg.index! };
  } else {
    target = { kind: tg.kind, t: tg.t, layer: tg.layer!, direction: tg.direction!, unit: tg.unit! };
  }
  return { net, target, xs: c.input.map((r) => Float64Array.from(r)) };
}

function expectRows(got: readonly Float64Array[], want: number[][], tol: number, label: string): void {
  expect(got).toHaveLength(want.length);
  want.forEach((row, t) =>
    row.forEach((e, i) => {
      const v = got[t]![i]!;
      if (!(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)))) expect.fail(`${label}[t=${t}][${i}]: ${v} vs PyTorch ${e}`);
    }),
  );
}

describe('attribution against PyTorch (make_attribution.py)', () => {
  it('has the five cases', () => {
    expect(cases.map((c) => c.name)).toEqual(['gru_bidir_2l', 'lstm_2l_c', 'lstm_2l_h0', 'lstm_head', 'rnn_relu']);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it('target value and gradient × input', () => {
        const { net, target, xs } = setup(c);
        expect(targetValue(net, xs, target)).toBeCloseTo(c.value, 6);
        const g = gradientTimesInput(net, xs, target);
        expect(g.value).toBeCloseTo(c.value, 6);
        expectRows(g.attributions, c.grad_x_input, 1e-6, 'grad×input');
        expect(Number.isNaN(g.delta)).toBe(true);
      });

      for (const ig of c.ig) {
        it(`integrated gradients, ${ig.method}, ${ig.steps} points, baseline ${c.baseline}`, () => {
          const { net, target, xs } = setup(c);
          let calls = 0;
          const a = integratedGradients(net, xs, target, { baseline: c.baseline, steps: ig.steps, method: ig.method }, () => calls++);
          expect(calls).toBe(ig.steps);
          expectRows(a.attributions, ig.attributions, 1e-6, `ig ${ig.method}`);
          expect(a.total).toBeCloseTo(ig.total, 6);
          expect(a.value).toBeCloseTo(c.value, 6);
          expect(a.baselineValue).toBeCloseTo(c.baseline_value, 6);
          // the per-step sums add up to the total
          expect(a.perStep.reduce((s, v) => s + v, 0)).toBeCloseTo(a.total, 10);
          // completeness: a smooth cell with 64 Gauss-Legendre points closes the gap
          if (c.cell !== 'rnn_relu' && ig.method === 'gausslegendre' && ig.steps >= 32) {
            expect(Math.abs(a.delta)).toBeLessThanOrEqual(1e-4 * Math.max(1e-3, Math.abs(a.value - a.baselineValue)));
          }
          // a forward-only network's steps after t get nothing
          if (net.directions.every((d) => d === 'forward')) {
            for (let t = c.target.t + 1; t < xs.length; t++) expect(Array.from(a.attributions[t]!).every((v) => v === 0)).toBe(true);
          }
        });
      }
    });
  }
});

describe('the fast engine', () => {
  // the fixtures above run on it by default; this holds it to the float64 engine on a longer run
  it('gives integrated gradients within 1e-4 of the reference engine, in batches of path points', () => {
    for (const kind of ['lstm', 'gru', 'rnn_tanh'] as const) {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 24, numLayers: 2, bidirectional: kind === 'gru', seed: 4 });
      const xs = Array.from({ length: 60 }, (_, t) => Float64Array.of(Math.sin(t), Math.cos(0.3 * t), 0.5 - (t % 7) / 7));
      const target: AttributionTarget = { kind: 'y', t: 50, index: 3 };
      const fast = integratedGradients(net, xs, target, { steps: 12 });
      const ref = integratedGradients(net, xs, target, { steps: 12, engine: 'reference' });
      let top = 0;
      for (const row of ref.attributions) for (const v of row) top = Math.max(top, Math.abs(v));
      let same = true;
      ref.attributions.forEach((row, t) =>
        row.forEach((v, i) => {
          const a = fast.attributions[t]![i]!;
          if (a !== v) same = false;
          if (!(Math.abs(a - v) <= 1e-4 * top)) expect.fail(`${kind} A[t=${t}][${i}]: fast ${a} vs reference ${v}`);
        }),
      );
      expect(same).toBe(false); // the float32 products ran
      expect(fast.value).toBe(ref.value); // F is the float64 run's on both
    }
  });
});

describe('path rules', () => {
  it('Gauss-Legendre integrates polynomials of degree 2n-1 exactly on [0, 1]', () => {
    for (const n of [1, 2, 5, 16, 64]) {
      const { nodes, weights } = gaussLegendre01(n);
      expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      for (let d = 0; d <= 2 * n - 1; d++) {
        let s = 0;
        nodes.forEach((x, k) => (s += weights[k]! * x ** d));
        expect(s).toBeCloseTo(1 / (d + 1), 10);
      }
    }
  });

  it('every method has n points in [0, 1] whose weights sum to 1', () => {
    for (const m of IG_METHODS) {
      for (const n of [2, 7, 50]) {
        const { alphas, weights } = pathPoints(m, n);
        expect(alphas).toHaveLength(n);
        expect(Array.from(alphas).every((a) => a >= 0 && a <= 1)).toBe(true);
        expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      }
    }
  });
});

describe('refusals', () => {
  const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 1 });
  const xs = [Float64Array.of(0.1, 0.2), Float64Array.of(-0.3, 0.4)];

  it('a step outside the sequence', () => {
    expect(() => gradientTimesInput(net, xs, { kind: 'y', t: 2, index: 0 })).toThrow(ShapeError);
  });

  it('an output index outside y', () => {
    expect(() => gradientTimesInput(net, xs, { kind: 'y', t: 0, index: 6 })).toThrow(ShapeError);
  });

  it('an inner state of a network with a reverse direction', () => {
    expect(() => gradientTimesInput(net, xs, { kind: 'h', t: 0, layer: 0, direction: 0, unit: 0 })).toThrow(ShapeError);
  });
});
