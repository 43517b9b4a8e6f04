import { describe, expect, it } from 'vitest';
import { createRng, headBackward, headForward, randomHead, randomNetwork, runSequence } from '../../src/engine/index.js';
import {
  clipGradNorm,
  createAdam,
  createTrainer,
  gradNorm,
  makeParam,
  modelTensors,
  mseLoss,
  nextTokenExamples,
  nextValueExamples,
  predictSequence,
  softmaxCrossEntropy,
  targetExamples,
  TrainConfigError,
  type Example,
  type TrainerOptions,
} from '../../src/engine/train/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import type { Tensor } from '../../src/io/weights/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { expectTrainerGradients, numericGradient } from '../helpers/grad-check.js';

/** Central difference of f at v (float64 values). */
function fd(f: (v: number) => number, v: number, h = 1e-5): number {
  return (f(v + h) - f(v - h)) / (2 * h);
}

/** Sequences where the value at step 0 (flagged by the second column) must come out at the last step. */
function rememberSet(n: number, seed: number, tMin: number, tMax: number): Example[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const T = tMin + rng.int(tMax - tMin + 1);
    const v = rng.uniform(-1, 1);
    const inputs = Array.from({ length: T }, (_, t) => Float64Array.of(t === 0 ? v : rng.uniform(-1, 1), t === 0 ? 1 : 0));
    return { inputs, targets: inputs.map((_, t) => (t === T - 1 ? Float64Array.of(v) : null)) };
  });
}

describe('losses and the head', () => {
  it('mse is the mean square over outputs, with its gradient', () => {
    const pred = Float64Array.of(0.5, -1, 2);
    const target = [1, -1, 0];
    const grad = new Float64Array(3);
    expect(mseLoss(pred, target, grad)).toBeCloseTo((0.25 + 0 + 4) / 3, 15);
    pred.forEach((v, o) => {
      const f = (x: number): number => mseLoss(Float64Array.from(pred, (p, i) => (i === o ? x : p)), target, null);
      expect(grad[o]).toBeCloseTo(fd(f, v), 8);
    });
  });

  it('softmax cross-entropy matches -log p and its gradient, and survives huge logits', () => {
    const logits = Float64Array.of(1, 3, -2, 0.5);
    const grad = new Float64Array(4);
    const probs = new Float64Array(4);
    const z = logits.reduce((a, v) => a + Math.exp(v), 0);
    expect(softmaxCrossEntropy(logits, 1, grad, probs)).toBeCloseTo(-Math.log(Math.exp(3) / z), 14);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    logits.forEach((v, k) => {
      const f = (x: number): number => softmaxCrossEntropy(Float64Array.from(logits, (p, i) => (i === k ? x : p)), 1, null);
      expect(grad[k]).toBeCloseTo(fd(f, v), 8);
    });
    expect(softmaxCrossEntropy(Float64Array.of(1000, -1000), 0, null)).toBe(0);
    expect(softmaxCrossEntropy(Float64Array.of(1000, -1000), 1, null)).toBe(2000);
  });

  it('head backward matches finite differences', () => {
    const rng = createRng(3);
    const head = randomHead(4, 3, rng);
    const y = Float64Array.from({ length: 4 }, () => rng.uniform(-1, 1));
    const r = Float64Array.from({ length: 3 }, () => rng.uniform(-1, 1));
    const out = new Float64Array(3);
    const lossAt = (): number => {
      headForward(head, y, out);
      return out.reduce((a, v, o) => a + v * r[o]!, 0);
    };
    const gW = new Float64Array(12);
    const gB = new Float64Array(3);
    const dy = new Float64Array(4);
    headBackward(head, y, r, gW, gB, dy);
    expectClose(gB, r, 0, 'dL/db');
    const moved = (arr: Float64Array | Float32Array, i: number, x: number): number => {
      const keep = arr[i]!;
      arr[i] = x;
      const l = lossAt();
      arr[i] = keep;
      return l;
    };
    expectClose(dy, Float64Array.from(y, (v, j) => fd((x) => moved(y, j, x), v)), 1e-9, 'dL/dy');
    expectClose(gW, Float64Array.from(head.weight, (v, i) => fd((x) => moved(head.weight, i, Math.fround(x)), v, 2 ** -10) ), 1e-6, 'dL/dW');
  });
});

describe('optimiser', () => {
  it('adam takes the bias-corrected first step lr * sign(g), kept in float64 and rounded for the engine', () => {
    const value = Float32Array.of(0.5, -0.25);
    const p = makeParam('w', [2], value, Float64Array.of(3, -0.001));
    const adam = createAdam([p], { lr: 0.1 });
    adam.step();
    // m/c1 = g, v/c2 = g^2: the step is lr * g / (|g| + eps)
    expect(p.master[0]).toBeCloseTo(0.5 - 0.1 * (3 / (3 + 1e-8)), 15);
    expect(p.master[1]).toBeCloseTo(-0.25 + 0.1 * (0.001 / (0.001 + 1e-8)), 15);
    expect(value[0]).toBe(Math.fround(p.master[0]!));
    expect(adam.steps).toBe(1);
  });

  it('clips the global gradient norm, keeping its direction', () => {
    const a = makeParam('a', [2], new Float32Array(2), Float64Array.of(3, 0));
    const b = makeParam('b', [1], new Float32Array(1), Float64Array.of(4));
    expect(clipGradNorm([a, b], 1)).toBe(5);
    expect(gradNorm([a, b])).toBeCloseTo(1, 6);
    expect(a.grad[0]! / b.grad[0]!).toBeCloseTo(0.75, 12);
    expect(clipGradNorm([a, b], 10)).toBeCloseTo(1, 6);
  });
});

describe('examples', () => {
  it('next: x_t predicts x_{t+1}, cut into windows', () => {
    const series = [[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]];
    const ex = nextValueExamples(series, { columns: [1], window: 3 });
    expect(ex.map((e) => e.inputs.length)).toEqual([3, 1]);
    expect(ex[0]!.targets!.map((r) => Array.from(r!))).toEqual([[20], [30], [40]]);
    expect(ex[1]!.targets!.map((r) => Array.from(r!))).toEqual([[50]]);
  });

  it('target at the last step scores only the last step of each window', () => {
    const ex = targetExamples([[1], [2], [3]], [[9], [8], [7]], { at: 'last' });
    expect(ex[0]!.targets!.map((r) => (r === null ? null : Array.from(r)))).toEqual([null, null, [7]]);
  });

  it('next token: one-hot inputs and the following token as label', () => {
    const [ex] = nextTokenExamples([0, 2, 1, 2], 3);
    expect(ex!.inputs.map((r) => Array.from(r))).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(Array.from(ex!.labels!)).toEqual([2, 1, 2]);
  });
});

describe('trainer', () => {
  const base: TrainerOptions = { kind: 'lstm', hiddenSize: 3, loss: 'mse', outputSize: 1, seed: 5, clipNorm: null, lr: 0 };

  for (const kind of ['lstm', 'gru', 'rnn_tanh'] as const) {
    it(`${kind}: an update's gradient is the gradient of the mean loss (head and loss included)`, () => {
      const data = rememberSet(3, 1, 3, 5);
      const tr = createTrainer(data, { ...base, kind, numLayers: 2, batchSize: 3, shuffle: false });
      tr.step();
      expectTrainerGradients(tr, data, kind);
    });
  }

  for (const [kind, bptt] of [['lstm', null], ['gru', null], ['rnn_tanh', null], ['lstm', 3]] as const) {
    it(`${kind}${bptt === null ? '' : `, bptt ${bptt}`}: engine 'fast' takes the reference's gradients to 1e-4 (one SIMD block pass per window and length)`, () => {
      // lengths 3..8 in a batch of 6: the rows go back in groups of one length (windows of 3 from carried states)
      const data = rememberSet(6, 2, 3, 8);
      const opts = { ...base, kind, numLayers: 2, batchSize: 6, shuffle: false, clipNorm: null, bptt };
      const ref = createTrainer(data, opts);
      const fast = createTrainer(data, { ...opts, engine: 'fast' });
      const a = ref.step();
      const b = fast.step();
      expect(b.loss).toBeCloseTo(a.loss, 5);
      ref.params.forEach((p, i) => {
        const q = fast.params[i]!;
        expect(q.name).toBe(p.name);
        const scale = Math.max(1e-6, ...Array.from(p.grad, Math.abs));
        expectClose(q.grad, p.grad, 1e-4 * scale, `${kind} ${p.name}`);
      });
      let same = true;
      ref.params.forEach((p, i) => p.grad.forEach((g, j) => (same &&= g === fast.params[i]!.grad[j])));
      expect(same).toBe(false); // the float32 products ran
    });
  }

  it('cross-entropy gradient through the trainer matches finite differences', () => {
    const data = nextTokenExamples([0, 1, 2, 1, 0, 2, 2, 1], 3, { window: 4 });
    const tr = createTrainer(data, { ...base, kind: 'gru', loss: 'cross_entropy', outputSize: 3, batchSize: 2, shuffle: false });
    tr.step();
    const p = tr.params.find((q) => q.name === 'rnn.weight_hh_l0')!;
    expectClose(p.grad, numericGradient(tr, data, p), 1e-7, 'weight_hh_l0');
  });

  it('truncated BPTT carries the state: the windows see exactly the full run', () => {
    const data = rememberSet(1, 2, 11, 11);
    const tr = createTrainer(data, { ...base, bptt: 4, batchSize: 1 });
    const full = tr.evaluate(data);
    const r = tr.step();
    expect(r.updates).toBe(1); // only the last window holds a scored step
    expect(r.loss).toBeCloseTo(full.loss, 14);
    const every = [{ inputs: data[0]!.inputs, targets: data[0]!.inputs.map((x) => Float64Array.of(x[1]!)) }];
    const tr2 = createTrainer(every, { ...base, bptt: 4, batchSize: 1 });
    const full2 = tr2.evaluate(every);
    const r2 = tr2.step();
    expect(r2.updates).toBe(3);
    expect(r2.loss).toBeCloseTo(full2.loss, 14);
  });

  it('is bit-for-bit reproducible from its seed', () => {
    const data = rememberSet(12, 3, 4, 8);
    const run = (seed: number): Float32Array[] => {
      const tr = createTrainer(data, { kind: 'lstm', hiddenSize: 4, loss: 'mse', outputSize: 1, batchSize: 4, seed, bptt: 3 });
      tr.runEpoch();
      tr.runEpoch();
      return tr.params.map((p) => p.value.slice());
    };
    const a = run(9);
    const b = run(9);
    const c = run(10);
    expect(a.map((v) => Array.from(v))).toEqual(b.map((v) => Array.from(v)));
    expect(a.map((v) => Array.from(v))).not.toEqual(c.map((v) => Array.from(v)));
  });

  it('learns to remember the first value over a short gap and keeps the best epoch', () => {
    const train = rememberSet(128, 4, 3, 8);
    const validation = rememberSet(32, 5, 3, 8);
    const tr = createTrainer(train, { kind: 'lstm', hiddenSize: 6, loss: 'mse', outputSize: 1, seed: 1, validation, forgetBias: 1 });
    const first = tr.runEpoch();
    let last = first;
    for (let e = 0; e < 40; e++) last = tr.runEpoch();
    expect(first.eval.loss).toBeGreaterThan(0.05);
    const best = tr.best()!;
    expect(best.eval.loss).toBeLessThan(0.01);
    expect(best.eval.loss).toBeLessThanOrEqual(last.eval.loss);
    // The copy is detached from the live weights.
    tr.step();
    const ex = validation[0]!;
    expect(Array.from(predictSequence(best.model, ex.inputs).at(-1)!)).toEqual(Array.from(predictSequence(tr.best()!.model, ex.inputs).at(-1)!));
    expect(Math.abs(predictSequence(best.model, ex.inputs).at(-1)![0]! - ex.targets!.at(-1)![0]!)).toBeLessThan(0.2);
  });

  it('learns a repeating character pattern with cross-entropy', () => {
    const tokens = Array.from({ length: 60 }, (_, i) => [0, 1, 2, 1][i % 4]!);
    const data = nextTokenExamples(tokens, 3, { window: 12 });
    const tr = createTrainer(data, { kind: 'gru', hiddenSize: 5, loss: 'cross_entropy', outputSize: 3, seed: 2, batchSize: 2 });
    let r = tr.runEpoch();
    for (let e = 0; e < 150; e++) r = tr.runEpoch();
    expect(r.eval.accuracy).toBe(1);
  });

  it('rejects options that cannot work, naming the option', () => {
    const data = rememberSet(2, 6, 6, 6);
    const err = (f: () => unknown): TrainConfigError => {
      try {
        f();
      } catch (e) {
        return e as TrainConfigError;
      }
      throw new Error('no error');
    };
    const bi = err(() => createTrainer(data, { ...base, bidirectional: true, bptt: 3 }));
    expect(bi).toBeInstanceOf(TrainConfigError);
    expect(bi.option).toBe('bptt');
    expect(err(() => createTrainer(data, { ...base, outputSize: 2 })).message).toBe('example 0, step 5: expected 2 target values, got 1');
    expect(err(() => createTrainer([{ inputs: [[1]], labels: [3] }], { ...base, loss: 'cross_entropy', outputSize: 3 })).option).toBe('labels');
    expect(err(() => createTrainer(data, { ...base, hiddenSize: 0 })).option).toBe('hiddenSize');
    expect(createTrainer(data, { ...base, bidirectional: true, bptt: 6 }).batchesPerEpoch).toBe(1);
  });

  it('exports PyTorch names that the state_dict loader reads back, head included', () => {
    const tr = createTrainer(rememberSet(2, 7, 4, 4), { ...base, numLayers: 2, bidirectional: true, lr: 1e-2 });
    tr.runEpoch();
    const model = tr.current();
    const tensors = modelTensors(model);
    expect(tensors.map((t) => t.name).slice(0, 4)).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0']);
    expect(tensors.at(-2)).toMatchObject({ name: 'head.weight', shape: [1, 6] });
    const map = new Map<string, Tensor>(tensors.map((t) => [t.name, { shape: t.shape, data: t.data }]));
    const loaded = networkFromStateDict(map, { source: 'm.json', kind: 'lstm' });
    expect(loaded.prefix).toBe('rnn.');
    expect([...loaded.extra.keys()]).toEqual(['head.weight', 'head.bias']);
    const xs = [[0.1, 1], [0.3, 0]];
    expect(runSequence(loaded.network, xs).map((s) => Array.from(s.y))).toEqual(runSequence(model.network, xs).map((s) => Array.from(s.y)));
  });

  it('starts from given weights without touching them', () => {
    const network = randomNetwork({ kind: 'rnn_tanh', inputSize: 2, hiddenSize: 3, seed: 1 });
    const head = randomHead(3, 1, createRng(1));
    const before = Array.from(network.layers[0]![0]!.wHh);
    const tr = createTrainer(rememberSet(4, 8, 3, 3), { ...base, kind: 'rnn_tanh', lr: 0.05, initial: { network, head } });
    expect(Array.from(tr.model.network.layers[0]![0]!.wHh)).toEqual(before);
    tr.runEpoch();
    expect(Array.from(network.layers[0]![0]!.wHh)).toEqual(before);
    expect(Array.from(tr.model.network.layers[0]![0]!.wHh)).not.toEqual(before);
  });
});
