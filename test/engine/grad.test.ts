import { describe, expect, it } from 'vitest';
import {
  allocParamGrads,
  backwardSequence,
  zeroParamGrads,
  type DirectionGrads,
} from '../../src/engine/grad/index.js';
import {
  createRng,
  finalStates,
  randomNetwork,
  runSequence,
  type CellKind,
  type InitialState,
  type Network,
  type NetworkStep,
  type Rng,
} from '../../src/engine/index.js';
import { expectClose } from '../helpers/expect-close.js';
import { perturbedRun } from './grad-perturbed-run.js';

/**
 * Every analytic gradient is compared with a central finite difference of a float64 loss
 *   L = sum_t ry_t . y_t + sum_r rh_r . h_n[r] (+ sum_r rc_r . c_n[r])
 * with fixed random coefficients, so dL/dy_t = ry_t and dL/dh_n = rh are known exactly.
 * The difference is Richardson-extrapolated from steps h and h/2 (error O(h^4) instead of O(h^2)),
 * and h is a power of two so that w +- h is exact even in float32 for almost every weight; where it
 * is not, a plain central difference over the steps actually taken is used instead.
 */
const EPS = 2 ** -12;
const REL = 1e-6;
const ABS = 1e-10;

/** d/dv of f at v, from the values f takes when v is moved to the given points. */
function derivative(v: number, round: (x: number) => number, f: (x: number) => number): number {
  const steps = [EPS, EPS / 2].map((h) => [round(v + h), round(v - h)] as const);
  const exact = steps.every(([p, m], i) => p - v === EPS / 2 ** i && v - m === EPS / 2 ** i);
  const [p1, m1] = steps[0]!;
  const d1 = (f(p1) - f(m1)) / (p1 - m1);
  if (!exact) return d1;
  const [p2, m2] = steps[1]!;
  const d2 = (f(p2) - f(m2)) / (p2 - m2);
  return (4 * d2 - d1) / 3;
}

interface Problem {
  net: Network;
  xs: Float64Array[];
  init: InitialState;
  ry: Float64Array[];
  rh: Float64Array[];
  rc: Float64Array[] | null;
}

function randRows(rng: Rng, rows: number, cols: number, scale = 1): Float64Array[] {
  return Array.from({ length: rows }, () => Float64Array.from({ length: cols }, () => rng.uniform(-scale, scale)));
}

function problem(net: Network, T: number, seed: number, withInit: boolean): Problem {
  const rng = createRng(seed);
  const rows = net.numLayers * net.directions.length;
  const H = net.hiddenSize;
  const init: InitialState = withInit
    ? { h0: randRows(rng, rows, H, 0.8), c0: net.kind === 'lstm' ? randRows(rng, rows, H, 0.8) : null }
    : {};
  return {
    net,
    xs: randRows(rng, T, net.inputSize, 1.5),
    init,
    ry: randRows(rng, T, H * net.directions.length),
    rh: randRows(rng, rows, H),
    rc: net.kind === 'lstm' ? randRows(rng, rows, H) : null,
  };
}

function loss(pr: Problem, xs: readonly Float64Array[] = pr.xs, init: InitialState = pr.init): number {
  const steps = runSequence(pr.net, xs, init);
  let s = 0;
  steps.forEach((st, t) => st.y.forEach((v, j) => (s += v * pr.ry[t]![j]!)));
  const { hN, cN } = finalStates(pr.net, steps);
  hN.forEach((row, r) => row.forEach((v, j) => (s += v * pr.rh[r]![j]!)));
  cN?.forEach((row, r) => row.forEach((v, j) => (s += v * pr.rc![r]![j]!)));
  return s;
}

function analytic(pr: Problem) {
  const steps = runSequence(pr.net, pr.xs, pr.init);
  return backwardSequence(pr.net, pr.xs, steps, pr.init, { dy: pr.ry, dhN: pr.rh, dcN: pr.rc, stateGrads: true });
}

/** Fails naming the worst element: `weight_hh_l1_reverse[7]: analytic 0.31, numeric 0.30`. */
function expectGrad(actual: ArrayLike<number>, numeric: ArrayLike<number>, label: string): void {
  expect(actual.length).toBe(numeric.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < numeric.length; i++) {
    const a = actual[i]!;
    const b = numeric[i]!;
    const excess = Math.abs(a - b) / (REL * Math.max(Math.abs(a), Math.abs(b)) + ABS);
    if (!(excess <= Math.max(worstExcess, 1))) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}[${worst}]: analytic ${actual[worst]}, numeric ${numeric[worst]} (${worstExcess.toFixed(1)}x the tolerance)`);
  }
}

/** Central difference of the loss over every element of a float32 weight array. */
function numericWeights(pr: Problem, arr: Float32Array): Float64Array {
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const w = arr[i]!;
    out[i] = derivative(w, Math.fround, (x) => {
      arr[i] = x;
      const l = loss(pr);
      arr[i] = w;
      return l;
    });
  }
  return out;
}

/** Central difference over every element of float64 rows (inputs, initial states). */
function numericRows(rows: Float64Array[], f: () => number): Float64Array[] {
  return rows.map((row) => {
    const out = new Float64Array(row.length);
    for (let i = 0; i < row.length; i++) {
      const v = row[i]!;
      out[i] = derivative(v, (x) => x, (x) => {
        row[i] = x;
        const l = f();
        row[i] = v;
        return l;
      });
    }
    return out;
  });
}

function checkAll(pr: Problem): void {
  const g = analytic(pr);
  const net = pr.net;
  net.layers.forEach((dirs, k) =>
    dirs.forEach((p, d) => {
      const gr: DirectionGrads = g.params![k]![d]!;
      const tag = `l${k}${net.directions[d] === 'reverse' ? '_reverse' : ''}`;
      expectGrad(gr.wIh, numericWeights(pr, p.wIh), `weight_ih_${tag}`);
      expectGrad(gr.wHh, numericWeights(pr, p.wHh), `weight_hh_${tag}`);
      if (p.bIh !== null) expectGrad(gr.bIh!, numericWeights(pr, p.bIh), `bias_ih_${tag}`);
      if (p.bHh !== null) expectGrad(gr.bHh!, numericWeights(pr, p.bHh), `bias_hh_${tag}`);
      if (p.peephole != null) expectGrad(gr.peephole!, numericWeights(pr, p.peephole), `peephole_${tag}`);
    }),
  );
  numericRows(pr.xs, () => loss(pr)).forEach((row, t) => expectGrad(g.dx[t]!, row, `dx[t=${t}]`));
  const h0 = pr.init.h0 as Float64Array[] | null | undefined;
  if (h0) numericRows(h0, () => loss(pr)).forEach((row, r) => expectGrad(g.dh0[r]!, row, `dh0[row=${r}]`));
  const c0 = pr.init.c0 as Float64Array[] | null | undefined;
  if (c0) numericRows(c0, () => loss(pr)).forEach((row, r) => expectGrad(g.dc0![r]!, row, `dc0[row=${r}]`));
}

const KINDS: CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];

describe('backwardSequence against finite differences', () => {
  for (const kind of KINDS) {
    it(`${kind}: one layer, zero initial state`, () => {
      const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 3, seed: 11 });
      checkAll(problem(net, 6, 1, false));
    });

    it(`${kind}: two bidirectional layers with initial states`, () => {
      const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 12 });
      checkAll(problem(net, 5, 2, true));
    });

    it(`${kind}: two layers without bias`, () => {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 2, numLayers: 2, bias: false, seed: 13 });
      checkAll(problem(net, 5, 3, true));
    });
  }

  it("gru: ONNX's form (linear_before_reset = 0), bidirectional", () => {
    const base = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 14 });
    checkAll(problem({ ...base, linearBeforeReset: false }, 5, 4, true));
  });

  it('lstm: peepholes', () => {
    const base = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 15 });
    const rng = createRng(99);
    const layers = base.layers.map((dirs) =>
      dirs.map((p) => ({ ...p, peephole: Float32Array.from({ length: 9 }, () => rng.uniform(-0.8, 0.8)) })),
    );
    checkAll(problem({ ...base, layers }, 6, 5, true));
  });

  it('a reverse-only network (ONNX direction=reverse)', () => {
    const base = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 16 });
    checkAll(problem({ ...base, directions: ['reverse'] }, 5, 6, true));
  });

  for (const kind of ['lstm', 'gru', 'rnn_tanh'] as const) {
    it(`${kind}: clipped pre-activations pass no gradient`, () => {
      const net = { ...randomNetwork({ kind, inputSize: 2, hiddenSize: 3, seed: 17 }), clip: 0.45 };
      const pr = problem(net, 6, 7, true);
      const steps = runSequence(net, pr.xs, pr.init);
      const clipped = steps.some((s) => s.layers[0]![0]!.pre.some((v) => Math.abs(v) === 0.45));
      expect(clipped).toBe(true);
      checkAll(pr);
    });
  }
});

describe('backwardSequence options', () => {
  it('reports dL/dh_t and dL/dc_t of every layer, direction and step as graph nodes', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 21 });
    const pr = problem(net, 4, 8, true);
    const g = analytic(pr);
    const lossOf = (steps: NetworkStep[]): number => {
      let s = 0;
      steps.forEach((st, t) => st.y.forEach((v, j) => (s += v * pr.ry[t]![j]!)));
      const { hN, cN } = finalStates(net, steps);
      hN.forEach((row, r) => row.forEach((v, j) => (s += v * pr.rh[r]![j]!)));
      cN!.forEach((row, r) => row.forEach((v, j) => (s += v * pr.rc![r]![j]!)));
      return s;
    };
    expect(lossOf(perturbedRun(net, pr.xs, pr.init, { layer: 0, dir: 0, t: 0, which: 'h', unit: 0, delta: 0 }))).toBe(loss(pr));
    for (let layer = 0; layer < 2; layer++) {
      for (let dir = 0; dir < 2; dir++) {
        for (let t = 0; t < 4; t++) {
          for (const which of ['h', 'c'] as const) {
            const numeric = Float64Array.from({ length: 3 }, (_, unit) =>
              derivative(0, (x) => x, (delta) => lossOf(perturbedRun(net, pr.xs, pr.init, { layer, dir, t, which, unit, delta }))),
            );
            const got = (which === 'h' ? g.dh! : g.dc!)[t]![layer]![dir]!;
            expectGrad(got, numeric, `d${which}[t=${t}, l${layer} dir ${dir}]`);
          }
        }
      }
    }
  });

  it('accumulates into given gradients and skips them when asked', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, seed: 22 });
    const pr = problem(net, 5, 9, false);
    const steps = runSequence(net, pr.xs);
    const once = backwardSequence(net, pr.xs, steps, undefined, { dy: pr.ry });
    const acc = allocParamGrads(net);
    backwardSequence(net, pr.xs, steps, undefined, { dy: pr.ry, params: acc });
    backwardSequence(net, pr.xs, steps, undefined, { dy: pr.ry, params: acc });
    // Same sums in a different order: equal to rounding.
    expectClose(acc[0]![0]!.wHh, once.params![0]![0]!.wHh.map((v) => 2 * v), 1e-15, 'twice dW_hh');
    zeroParamGrads(acc);
    expect(acc[0]![0]!.wHh.every((v) => v === 0)).toBe(true);
    const noParams = backwardSequence(net, pr.xs, steps, undefined, { dy: pr.ry, params: false });
    expect(noParams.params).toBeNull();
    expect(Array.from(noParams.dx[0]!)).toEqual(Array.from(once.dx[0]!));
  });

  it('names a wrongly shaped upstream gradient', () => {
    const net = randomNetwork({ kind: 'rnn_tanh', inputSize: 2, hiddenSize: 3, seed: 23 });
    const xs = [[0, 1], [1, 0]];
    const steps = runSequence(net, xs);
    expect(() => backwardSequence(net, xs, steps, undefined, { dy: [[1, 2, 3], [1, 2]] })).toThrow('dy[1]: expected 3 values, got 2');
  });
});
