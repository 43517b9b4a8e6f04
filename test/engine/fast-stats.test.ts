import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomNetwork, runSequence, ShapeError, type CellKind, type Network, type NetworkStep } from '../../src/engine/index.js';
import {
  chunkSteps,
  createFastStepper,
  fastAvailable,
  layerInput,
  runDirectionStats,
  statsFromParts,
  type DirectionPart,
  runSequenceFast,
} from '../../src/engine/fast/index.js';
import { createStatsSession } from '../../src/engine/stats-session.js';
import { saturationOf, StatsAccumulator, type SequenceStats } from '../../src/engine/stats.js';
import { useKernelVariant } from '../../src/engine/fast/kernels.js';
import { expectClose } from '../helpers/expect-close.js';

function referenceStats(net: Network, steps: readonly NetworkStep[]): SequenceStats {
  const acc = new StatsAccumulator(net);
  for (const s of steps) acc.add(s);
  return acc.result();
}

function sessionStats(net: Network, xs: readonly number[][]): SequenceStats {
  const session = createStatsSession(net);
  for (const x of xs) session.push(x);
  expect(session.t).toBe(xs.length);
  return session.finish();
}

function expectSameStats(actual: SequenceStats, expected: SequenceStats, tol: number, exactSaturation: boolean): void {
  expect(actual.steps).toBe(expected.steps);
  expect(actual.groups.map((g) => `${g.layer}.${g.direction}.${g.state}`)).toEqual(expected.groups.map((g) => `${g.layer}.${g.direction}.${g.state}`));
  actual.groups.forEach((g, i) => {
    const e = expected.groups[i]!;
    const where = `l${g.layer}.${g.direction}.${g.state}`;
    for (const key of ['mean', 'std', 'min', 'max'] as const) expectClose(g[key], e[key], tol, `${where}.${key}[unit={i}]`);
    expect(g.saturation).toBe(e.saturation);
    if (e.saturated === null) expect(g.saturated).toBeNull();
    else expectClose(g.saturated!, e.saturated, exactSaturation ? 1e-12 : 2 / actual.steps, `${where}.saturated[unit={i}]`);
  });
}

const xsFor = (T: number, D: number, seed: number) =>
  Array.from({ length: T }, (_, t) => Array.from({ length: D }, (_, j) => 3 * Math.sin(0.37 * t * (j + 1) + seed)));

describe('sequence statistics', () => {
  it('computes mean, population std, min, max and saturation of a known series', () => {
    // an RNN(tanh) with one unit and zero recurrence: h_t = tanh(w x_t)
    const net: Network = {
      kind: 'rnn_tanh',
      inputSize: 1,
      hiddenSize: 1,
      numLayers: 1,
      directions: ['forward'],
      bias: false,
      layers: [[{ inputSize: 1, hiddenSize: 1, wIh: Float32Array.of(1), wHh: Float32Array.of(0), bIh: null, bHh: null }]],
    };
    const xs = [[0], [Math.atanh(0.5)], [Math.atanh(-0.5)], [10]];
    const h = [0, 0.5, -0.5, Math.tanh(10)];
    const mean = h.reduce((a, b) => a + b) / 4;
    const std = Math.sqrt(h.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    for (const stats of [referenceStats(net, runSequence(net, xs)), sessionStats(net, xs)]) {
      const g = stats.groups[0]!;
      expect(stats.steps).toBe(4);
      expect(g.state).toBe('h');
      expect(g.saturation).toBe('tanh');
      expectClose(g.mean, [mean], 1e-6, 'mean');
      expectClose(g.std, [std], 1e-6, 'std');
      expectClose(g.min, [-0.5], 1e-6, 'min');
      expectClose(g.max, [Math.tanh(10)], 1e-6, 'max');
      expectClose(g.saturated!, [0.25], 0, 'saturated');
    }
  });

  it('knows which states saturate how', () => {
    expect(['i', 'f', 'g', 'o', 'c', 'h'].map((s) => saturationOf('lstm', s))).toEqual(['sigmoid', 'sigmoid', 'tanh', 'sigmoid', null, 'tanh']);
    expect(['r', 'z', 'n', 'h'].map((s) => saturationOf('gru', s))).toEqual(['sigmoid', 'sigmoid', 'tanh', 'tanh']);
    expect(saturationOf('rnn_tanh', 'h')).toBe('tanh');
    expect(saturationOf('rnn_relu', 'h')).toBeNull();
  });

  it('gives a dead unit a std of exactly 0', () => {
    // all-zero weights: every gate sits at sigmoid(0) = 0.5 or tanh(0) = 0 at every step
    const base = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 1 });
    const p = base.layers[0]![0]!;
    const net: Network = {
      ...base,
      layers: [[{ ...p, wIh: new Float32Array(p.wIh.length), wHh: new Float32Array(p.wHh.length), bIh: new Float32Array(12), bHh: new Float32Array(12) }]],
    };
    const stats = sessionStats(net, xsFor(50, 2, 0));
    for (const g of stats.groups) {
      expect(Array.from(g.std)).toEqual([0, 0, 0]);
      expect(Array.from(g.mean)).toEqual(g.state === 'g' || g.state === 'c' || g.state === 'h' ? [0, 0, 0] : [0.5, 0.5, 0.5]);
    }
  });

  it('on the fast engine equals the reference accumulator over the same float32 values', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom<CellKind>('lstm', 'gru', 'rnn_tanh', 'rnn_relu'),
          D: fc.integer({ min: 1, max: 5 }),
          H: fc.integer({ min: 1, max: 13 }),
          L: fc.integer({ min: 1, max: 3 }),
          bidirectional: fc.boolean(),
          T: fc.integer({ min: 1, max: 60 }),
          seed: fc.nat(500),
        }),
        (c) => {
          const net = randomNetwork({ kind: c.kind, inputSize: c.D, hiddenSize: c.H, numLayers: c.L, bidirectional: c.bidirectional, seed: c.seed });
          const xs = xsFor(c.T, c.D, c.seed);
          // the same float32 values: sums agree to rounding, saturation counts exactly
          expectSameStats(sessionStats(net, xs), referenceStats(net, runSequenceFast(net, xs)), 1e-9, true);
          // and the reference engine (float64) to the fidelity tolerance
          expectSameStats(sessionStats(net, xs), referenceStats(net, runSequence(net, xs)), 1e-5, false);
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it('streams long forward sequences and chunks bidirectional ones across their boundaries', () => {
    for (const bidirectional of [false, true]) {
      const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 6, numLayers: 3, bidirectional, seed: 8 });
      // several chunks, the last one partial
      const xs = xsFor(3 * chunkSteps(net) + 5, 2, 1);
      expectSameStats(sessionStats(net, xs), referenceStats(net, runSequence(net, xs)), 1e-5, false);
    }
  });

  it('computes the same numbers one direction at a time (the unit of work of a thread)', () => {
    for (const [kind, H] of [['lstm', 6], ['gru', 5], ['rnn_relu', 4]] as const) {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: H, numLayers: 3, bidirectional: true, seed: 9 });
      const xs = xsFor(150, 3, 4);
      const T = xs.length;
      let input: Float32Array = Float32Array.from(xs.flat());
      const parts: DirectionPart[] = [];
      for (let k = 0; k < net.numLayers; k++) {
        const layer = [0, 1].map((d) => runDirectionStats(net, undefined, k, d, input, T, k < net.numLayers - 1));
        parts.push(...layer);
        if (k < net.numLayers - 1) input = layerInput(net, layer, T);
      }
      expectSameStats(statsFromParts(net, parts), sessionStats(net, xs), 0, true);
    }
  });

  it('takes rows in blocks of any size with the same numbers as one at a time', () => {
    for (const bidirectional of [false, true]) {
      const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional, seed: 12 });
      const xs = xsFor(2 * chunkSteps(net) + 9, 3, 5);
      const flat = Float32Array.from(xs.flat());
      const session = createStatsSession(net);
      // blocks of 1, 2, 3, ... rows, crossing the chunk boundaries at every offset
      for (let t = 0, size = 1; t < xs.length; t += size, size++) {
        const n = Math.min(size, xs.length - t);
        session.pushRows(flat.subarray(t * 3), n);
      }
      expect(session.t).toBe(xs.length);
      expectSameStats(session.finish(), sessionStats(net, xs), 0, true);
    }
  });

  it('refuses an input of the wrong width, and fewer rows than announced (streaming or whole)', () => {
    const session = createStatsSession(randomNetwork({ kind: 'gru', inputSize: 3, hiddenSize: 2 }));
    expect(() => session.push([1, 2])).toThrow(ShapeError);
    for (const bidirectional of [false, true]) {
      const s = createStatsSession(randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 2, bidirectional }));
      expect(() => s.pushRows(new Float32Array(5), 2)).toThrow('inputs at t=0: expected 2 rows of 3 features, got 5 values');
    }
  });
});

describe('without WebAssembly SIMD', () => {
  beforeAll(() => useKernelVariant('none'));
  afterAll(() => useKernelVariant(null));

  it('every fast entry point runs the reference engine', () => {
    expect(fastAvailable()).toBe(false);
    for (const bidirectional of [false, true]) {
      const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional, seed: 4 });
      const xs = xsFor(20, 2, 2);
      const reference = runSequence(net, xs);
      expect(runSequenceFast(net, xs)).toEqual(reference);
      const seen: NetworkStep[] = [];
      runSequenceFast(net, xs, undefined, (s) => seen.push(s));
      expect(seen).toEqual(reference);
      expectSameStats(sessionStats(net, xs), referenceStats(net, reference), 0, true);
      if (!bidirectional) {
        const stepper = createFastStepper(net);
        xs.forEach((x, t) => expect(stepper.step(x)).toEqual(reference[t]));
      }
    }
  });
});
