import { describe, expect, it } from 'vitest';
import {
  createStepper,
  randomNetwork,
  runSequence,
  sigmoid,
  type CellKind,
  type Network,
} from '../../src/engine/index.js';
import { expectClose } from '../helpers/expect-close.js';

const f32 = (...v: number[]) => Float32Array.from(v);

/** A one-unit, one-feature network with the given per-gate weights. */
function tiny(kind: CellKind, wIh: number[], wHh: number[], bIh: number[] | null, bHh: number[] | null, extra: Partial<Network> = {}): Network {
  return {
    kind,
    inputSize: 1,
    hiddenSize: 1,
    numLayers: 1,
    directions: ['forward'],
    bias: bIh !== null,
    layers: [[{ inputSize: 1, hiddenSize: 1, wIh: f32(...wIh), wHh: f32(...wHh), bIh: bIh && f32(...bIh), bHh: bHh && f32(...bHh) }]],
    ...extra,
  };
}

describe('LSTM cell', () => {
  it('follows c = f*c_prev + i*g and h = o*tanh(c)', () => {
    // float32 values, as the engine stores weights
    const w = [0.5, -0.25, 0.75, 1.5].map(Math.fround);
    const u = [0.1, 0.2, -0.3, 0.4].map(Math.fround);
    const b1 = [0.01, 0.02, 0.03, 0.04].map(Math.fround);
    const b2 = [-0.05, 0.06, -0.07, 0.08].map(Math.fround);
    const net = tiny('lstm', w, u, b1, b2);
    const xs = [[0.7], [-1.2]];
    const steps = runSequence(net, xs);
    let h = 0;
    let c = 0;
    xs.forEach(([x], t) => {
      const a = w.map((wi, r) => wi * x! + u[r]! * h + b1[r]! + b2[r]!);
      const [i, f, g, o] = [sigmoid(a[0]!), sigmoid(a[1]!), Math.tanh(a[2]!), sigmoid(a[3]!)];
      c = f * c + i * g;
      h = o * Math.tanh(c);
      const rec = steps[t]!.layers[0]![0]!;
      expectClose(rec.gates, [i, f, g, o], 1e-12, `gates[t=${t}]`);
      expectClose(rec.pre, a, 1e-12, `pre[t=${t}]`);
      expectClose(rec.c!, [c], 1e-12, `c[t=${t}]`);
      expectClose(rec.h, [h], 1e-12, `h[t=${t}]`);
    });
  });

  it('applies ONNX peepholes and clip', () => {
    const net = tiny('lstm', [1, 1, 1, 1], [0, 0, 0, 0], null, null, { clip: 0.5 });
    const withP = { ...net, layers: [[{ ...net.layers[0]![0]!, peephole: f32(0.5, -0.5, 2) }]] };
    const steps = runSequence(withP, [[0.3], [2]]);
    // step 0: c_prev = 0, so peepholes on i, f add nothing
    const i0 = sigmoid(0.3);
    const c0 = 0.5 * 0 + i0 * Math.tanh(0.3);
    const o0 = sigmoid(Math.min(0.5, 0.3 + 2 * c0));
    expectClose(steps[0]!.layers[0]![0]!.h, [o0 * Math.tanh(c0)], 1e-7, 'h[t=0]');
    // step 1: every pre-activation is clipped to 0.5
    const rec = steps[1]!.layers[0]![0]!;
    for (const a of rec.pre) expect(Math.abs(a)).toBeLessThanOrEqual(0.5);
  });
});

describe('GRU cell', () => {
  it('follows PyTorch: n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h = (1-z)n + z h', () => {
    const w = [0.3, -0.6, 0.9];
    const u = [0.5, 0.25, -0.75];
    const b1 = [0.1, -0.1, 0.2];
    const b2 = [0.05, 0.15, -0.25];
    const net = tiny('gru', w, u, b1, b2);
    const xs = [[1], [-0.5], [2]];
    const steps = runSequence(net, xs);
    let h = 0;
    xs.forEach(([x], t) => {
      const r = sigmoid(w[0]! * x! + b1[0]! + u[0]! * h + b2[0]!);
      const z = sigmoid(w[1]! * x! + b1[1]! + u[1]! * h + b2[1]!);
      const n = Math.tanh(w[2]! * x! + b1[2]! + r * (u[2]! * h + b2[2]!));
      h = (1 - z) * n + z * h;
      expectClose(steps[t]!.layers[0]![0]!.gates, [r, z, n], 1e-7, `gates[t=${t}]`);
      expectClose(steps[t]!.layers[0]![0]!.h, [h], 1e-7, `h[t=${t}]`);
    });
  });

  it('follows ONNX linear_before_reset=0: n = tanh(W_in x + b_in + W_hn (r*h) + b_hn)', () => {
    const net = tiny('gru', [0.3, -0.6, 0.9], [0.5, 0.25, -0.75], [0.1, -0.1, 0.2], [0.05, 0.15, -0.25], { linearBeforeReset: false });
    const steps = runSequence(net, [[1], [-0.5]]);
    const h0 = steps[0]!.layers[0]![0]!.h[0]!;
    const r = sigmoid(0.3 * -0.5 + 0.1 + 0.5 * h0 + 0.05);
    const z = sigmoid(-0.6 * -0.5 - 0.1 + 0.25 * h0 + 0.15);
    const n = Math.tanh(0.9 * -0.5 + 0.2 + -0.75 * (r * h0) - 0.25);
    expectClose(steps[1]!.layers[0]![0]!.h, [(1 - z) * n + z * h0], 1e-7, 'h[t=1]');
  });
});

describe('RNN cell', () => {
  it('applies relu and tanh', () => {
    const relu = runSequence(tiny('rnn_relu', [2], [0.5], [0], [0]), [[-1], [1], [1]]);
    expect(Array.from(relu.map((s) => s.y[0]))).toEqual([0, 2, 2 + 0.5 * 2]);
    const tanh = runSequence(tiny('rnn_tanh', [2], [0.5], null, null), [[1]]);
    expectClose(tanh[0]!.y, [Math.tanh(2)], 1e-12, 'h');
  });
});

describe('saturation', () => {
  for (const kind of ['lstm', 'gru', 'rnn_tanh'] as const) {
    it(`${kind} gives exact 0/1 gates and no NaN at inputs of ±50`, () => {
      const G = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
      const net = tiny(kind, Array(G).fill(1), Array(G).fill(0), null, null);
      for (const x of [50, -50, 1e30, -1e30]) {
        const rec = runSequence(net, [[x]])[0]!.layers[0]![0]!;
        for (const v of [...rec.gates, ...rec.h, ...(rec.c ?? [])]) expect(Number.isNaN(v)).toBe(false);
        const sig = kind === 'lstm' ? [0, 1, 3] : kind === 'gru' ? [0, 1] : [];
        for (const gi of sig) {
          if (x > 0) expect(rec.gates[gi]).toBe(1);
          else expect(rec.gates[gi]).toBeLessThan(1e-21);
        }
      }
    });
  }
});

describe('stacks and directions', () => {
  it('streams the same numbers as a whole-sequence run', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: 3, seed: 7 });
    const xs = Array.from({ length: 9 }, (_, t) => [Math.sin(t), Math.cos(t), t / 9]);
    const whole = runSequence(net, xs);
    const stepper = createStepper(net);
    xs.forEach((x, t) => {
      const s = stepper.step(x);
      for (let k = 0; k < 3; k++) expectClose(s.layers[k]![0]!.h, whole[t]!.layers[k]![0]!.h, 0, `l${k}.h[t=${t}]`);
    });
  });

  it('runs the reverse direction from the last step back, and feeds [fwd | rev] to the next layer', () => {
    const bi = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 3 });
    const xs = Array.from({ length: 6 }, (_, t) => [t / 3 - 1, Math.sin(t)]);
    const steps = runSequence(bi, xs);
    // layer 0 reverse == a forward-only network with the reverse weights on the reversed input
    const rev = { ...bi, numLayers: 1, directions: ['forward'] as const, layers: [[bi.layers[0]![1]!]] };
    const revSteps = runSequence(rev, [...xs].reverse());
    xs.forEach((_, t) => expectClose(steps[t]!.layers[0]![1]!.h, revSteps[xs.length - 1 - t]!.y, 0, `rev.h[t=${t}]`));
    // y = [last layer fwd h | last layer rev h]
    steps.forEach((s, t) => expectClose(s.y, [...s.layers[1]![0]!.h, ...s.layers[1]![1]!.h], 0, `y[t=${t}]`));
  });

  it('uses per-layer initial states in PyTorch row order', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 1, hiddenSize: 2, numLayers: 2, seed: 1 });
    const init = { h0: [[0.5, -0.5], [0.25, 0.1]], c0: [[1, 2], [-1, 0]] };
    const a = runSequence(net, [[0.3]], init);
    const b = runSequence(net, [[0.3]]);
    expect(a[0]!.y[0]).not.toBe(b[0]!.y[0]);
    const stepper = createStepper(net, init);
    expectClose(stepper.step([0.3]).y, a[0]!.y, 0, 'y');
  });
});

describe('seeded random weights', () => {
  it('are deterministic per seed and within U(-1/sqrt(H), 1/sqrt(H))', () => {
    const a = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 16, seed: 0 });
    const b = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 16, seed: 0 });
    const c = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 16, seed: 1 });
    const pa = a.layers[0]![0]!;
    expect(Array.from(pa.wIh)).toEqual(Array.from(b.layers[0]![0]!.wIh));
    expect(Array.from(pa.wIh)).not.toEqual(Array.from(c.layers[0]![0]!.wIh));
    const all = [...pa.wIh, ...pa.wHh, ...pa.bIh!, ...pa.bHh!];
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.25);
    // spread over the whole interval, not a constant
    expect(Math.max(...all)).toBeGreaterThan(0.2);
    expect(Math.min(...all)).toBeLessThan(-0.2);
    const mean = all.reduce((s, v) => s + v, 0) / all.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
  });
});
