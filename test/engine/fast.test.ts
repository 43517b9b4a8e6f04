import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStepper,
  finalStates,
  randomNetwork,
  runSequence,
  ShapeError,
  STATE_NAMES,
  type CellKind,
  type Direction,
  type InitialState,
  type Network,
  type NetworkStep,
} from '../../src/engine/index.js';
import { chunkSteps, createFastStepper, runSequenceFast } from '../../src/engine/fast/index.js';
import { kernelVariant, useKernelVariant, type KernelVariant } from '../../src/engine/fast/kernels.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../src/io/weights/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { withExtras } from '../helpers/network-extras.js';
import { referenceCases } from '../helpers/reference.js';

/** Every field of two runs agrees within tol * max(1, |expected|); a failure names the step. */
function expectSameSteps(actual: readonly NetworkStep[], expected: readonly NetworkStep[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, t) => {
    e.layers.forEach((dirs, k) =>
      dirs.forEach((r, d) => {
        const a = actual[t]!.layers[k]![d]!;
        for (const key of ['pre', 'gates', 'c', 'h'] as const) {
          const want = r[key];
          const got = a[key];
          if (want === null) {
            expect(got).toBeNull();
            continue;
          }
          const scaled = Float64Array.from(want, (v, i) => (got![i]! - v) / Math.max(1, Math.abs(v)));
          expectClose(scaled, new Float64Array(want.length), tol, `${key}[t=${t}, layer=${k}, dir=${d}, unit={i}] (scaled)`);
        }
      }),
    );
    expectClose(actual[t]!.y, e.y, tol * 10, `y[t=${t}, unit={i}]`);
  });
}

const DIRECTIONS: Record<string, Direction[]> = {
  forward: ['forward'],
  bidirectional: ['forward', 'reverse'],
  reverse: ['reverse'],
};

// Node 20 runs the relaxed-SIMD build only with this V8 flag (Node 22 on: by default); both builds
// are tested here, each chosen explicitly.
if (process.versions.node.startsWith('20.')) setFlagsFromString('--experimental-wasm-relaxed-simd');

describe.each<KernelVariant>(['simd', 'relaxed-simd'])('fast engine (%s kernels)', (variant) => {
  beforeAll(() => useKernelVariant(variant));
  afterAll(() => useKernelVariant(null));

  it('runs the chosen build', () => {
    expect(kernelVariant()).toBe(variant);
  });

  describe('PyTorch reference cases', () => {
    for (const ref of referenceCases()) {
      it(`matches ${ref.file} within 1e-5`, () => {
        const tensors = new Map<string, Tensor>(Object.entries(ref.state_dict).map(([k, v]) => [k, tensorFromNested(v, k, ref.file)]));
        const { network } = networkFromStateDict(tensors, { source: ref.file, kind: ref.cell as CellKind });
        const steps = runSequenceFast(network, ref.input, { h0: ref.h0 ?? null, c0: ref.c0 ?? null });
        const H = ref.hidden_size;
        const names = STATE_NAMES[network.kind];
        ref.steps.forEach((expected, t) => {
          const rec = steps[t]!.layers[0]![0]!;
          names.forEach((name, gi) => {
            const actual = name === 'h' ? rec.h : name === 'c' ? rec.c! : rec.gates.subarray(gi * H, (gi + 1) * H);
            expectClose(actual, expected[name]!, 1e-5, `${name}[t=${t}, unit={i}]`);
          });
        });
        ref.output.forEach((row, t) => expectClose(steps[t]!.y, row, 1e-5, `output[t=${t}, unit={i}]`));
        const { hN, cN } = finalStates(network, steps);
        ref.h_n.forEach((row, r) => expectClose(hN[r]!, row, 1e-5, `h_n[row=${r}, unit={i}]`));
        ref.c_n?.forEach((row, r) => expectClose(cN![r]!, row, 1e-5, `c_n[row=${r}, unit={i}]`));
      });
    }
  });

  it('agrees with the reference engine on random networks of every kind, size and direction', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh', 'rnn_relu'),
          D: fc.integer({ min: 1, max: 7 }),
          H: fc.integer({ min: 1, max: 21 }),
          L: fc.integer({ min: 1, max: 3 }),
          dirs: fc.constantFrom('forward', 'bidirectional', 'reverse'),
          bias: fc.boolean(),
          clip: fc.option(fc.double({ min: 0.2, max: 3, noNaN: true }), { nil: null }),
          peephole: fc.boolean(),
          lbr: fc.boolean(),
          withInit: fc.boolean(),
          T: fc.integer({ min: 0, max: 24 }),
          seed: fc.nat(1000),
        }),
        (c) => {
          const bidirectional = c.dirs === 'bidirectional';
          const base = randomNetwork({ kind: c.kind, inputSize: c.D, hiddenSize: c.H, numLayers: c.L, bias: c.bias, bidirectional, seed: c.seed });
          // ONNX's direction=reverse: a single direction that reads the sequence backwards
          const net = withExtras({ ...base, directions: DIRECTIONS[c.dirs]! }, c);
          const rows = c.L * net.directions.length;
          const init: InitialState | undefined = c.withInit
            ? {
                h0: Array.from({ length: rows }, (_, r) => Array.from({ length: c.H }, (_, u) => Math.sin(r + u + c.seed) * 0.8)),
                c0: c.kind === 'lstm' ? Array.from({ length: rows }, (_, r) => Array.from({ length: c.H }, (_, u) => Math.cos(r * u + c.seed))) : null,
              }
            : undefined;
          const xs = Array.from({ length: c.T }, (_, t) => Array.from({ length: c.D }, (_, j) => 2 * Math.sin(0.9 * t + 1.7 * j + c.seed)));
          expectSameSteps(runSequenceFast(net, xs, init), runSequence(net, xs, init), 2e-6);
        },
      ),
      { numRuns: 150, seed: 6 },
    );
  });

  it('streams forward-only sequences across chunk boundaries with the same numbers', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 4 });
    const T = 2 * chunkSteps(net) + 7;
    const xs = Array.from({ length: T }, (_, t) => [Math.sin(t), Math.cos(0.3 * t), (t % 11) / 5 - 1]);
    const whole = runSequenceFast(net, xs);
    const seen: number[] = [];
    runSequenceFast(net, xs, undefined, (step, t) => {
      seen.push(t);
      expectClose(step.y, whole[t]!.y, 0, `y[t=${t}, unit={i}]`);
    });
    expect(seen).toEqual(Array.from({ length: T }, (_, t) => t));
    expectSameSteps(whole.slice(-40), runSequence(net, xs).slice(-40), 2e-6);
  });

  // The stepper runs one-step stretches of the sequence runner: the whole run's bits.
  for (const [kind, extras] of [
    ['lstm', true],
    ['lstm', false],
    ['gru', true],
    ['rnn_tanh', true],
  ] as const) {
    it(`steps one input at a time as the whole-sequence run (${kind}${extras ? (kind === 'lstm' ? ', clip and peepholes' : ', clip') : ''})`, () => {
      const base = randomNetwork({ kind, inputSize: 4, hiddenSize: 9, numLayers: 2, seed: 2 });
      const net = extras ? withExtras(base, { clip: 1.5, peephole: true, lbr: true, seed: 3 }) : base;
      const xs = Array.from({ length: 30 }, (_, t) => [t / 10, -1, Math.sin(t), 0.5]);
      const init = { h0: [Array(9).fill(0.1), Array(9).fill(-0.2)], ...(kind === 'lstm' ? { c0: [Array(9).fill(0.3), Array(9).fill(0)] } : {}) };
      const stepper = createFastStepper(net, init);
      const reference = createStepper(net, init);
      const whole = runSequenceFast(net, xs, init);
      xs.forEach((x, t) => {
        const s = stepper.step(x);
        expect(stepper.t).toBe(t + 1);
        expectSameSteps([s], [whole[t]!], 0);
        expectSameSteps([s], [reference.step(x)], 2e-6);
      });
    });
  }

  it('refuses what the reference refuses, with the same errors', () => {
    const bidi = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, bidirectional: true });
    expect(() => createFastStepper(bidi)).toThrow(ShapeError);
    const net = randomNetwork({ kind: 'rnn_tanh', inputSize: 2, hiddenSize: 3 });
    expect(() => runSequenceFast(net, [[1, 2], [3]])).toThrow('input at t=1: expected 2 features, got 1');
    expect(() => createFastStepper(net).step([1])).toThrow('input at t=0: expected 2 features, got 1');
    expect(() => runSequenceFast(net, [[1, 2]], { h0: [[0, 0]] })).toThrow('h0[0]: expected 3 values, got 2');
    expect(() => runSequenceFast(net, [[1, 2]], { h0: [] })).toThrow('h0: expected 1 rows');
    const broken = { ...net, layers: [[{ ...net.layers[0]![0]!, wHh: new Float32Array(2) }]] };
    expect(() => runSequenceFast(broken, [[1, 2]])).toThrow(/weight_hh_l0: expected 9 values/);
    expect(runSequenceFast(net, [])).toEqual([]);
  });
});
