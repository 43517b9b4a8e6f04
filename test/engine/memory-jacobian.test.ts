import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, type CellKind, type InitialState, type Network } from '../../src/engine/index.js';
import { memoryJacobianRows } from '../../src/engine/grad/jacobian.js';
import { memoryProfile } from '../../src/engine/memory.js';
import { withExtras } from '../helpers/network-extras.js';
import { memoryProfileByPasses } from './memory-reference.js';

const KINDS: readonly CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];

interface Variant {
  readonly kind: CellKind;
  readonly layers: number;
  readonly bidirectional: boolean;
  readonly H: number;
  readonly D: number;
  readonly T: number;
  readonly seed: number;
  readonly withInit: boolean;
  readonly clip: boolean;
  readonly onnxGru: boolean;
  readonly peepholes: boolean;
  readonly bias: boolean;
}

function build(v: Variant): { net: Network; xs: Float64Array[]; init: InitialState | undefined } {
  const base = randomNetwork({ kind: v.kind, inputSize: v.D, hiddenSize: v.H, numLayers: v.layers, bidirectional: v.bidirectional, bias: v.bias, seed: v.seed });
  const rng = createRng(v.seed + 7);
  const net = withExtras(base, { clip: v.clip ? 0.6 : null, peephole: v.peepholes, lbr: !v.onnxGru, seed: v.seed });
  const xs = Array.from({ length: v.T }, () => Float64Array.from({ length: v.D }, () => rng.uniform(-2, 2)));
  const rows = v.layers * net.directions.length;
  const rowsOf = (): Float64Array[] => Array.from({ length: rows }, () => Float64Array.from({ length: v.H }, () => rng.uniform(-0.8, 0.8)));
  const init = v.withInit ? { h0: rowsOf(), c0: v.kind === 'lstm' ? rowsOf() : null } : undefined;
  return { net, xs, init };
}

function expectSame(v: Variant): void {
  const { net, xs, init } = build(v);
  const fast = memoryProfile(net, xs, init, { engine: 'reference' });
  const ref = memoryProfileByPasses(net, xs, init);
  expect(fast.T).toBe(ref.T);
  for (let t = 0; t < ref.T; t++) {
    for (const q of ['x', 'h', 'c'] as const) {
      const a = fast.sensitivity[t]![q];
      const b = ref.sensitivity[t]![q];
      if (b === undefined) {
        expect(a).toBeUndefined();
        continue;
      }
      const err = Math.abs(a! - b) / Math.max(Math.abs(b), 1e-300);
      if (!(err <= 1e-12)) expect.fail(`${JSON.stringify(v)} ${q}[t=${t}]: ${a} vs ${b} (relative ${err.toExponential(1)})`);
    }
  }
}

describe('memoryProfile by one block pass', () => {
  for (const kind of KINDS) {
    for (const bidirectional of [false, true]) {
      it(`equals one vector pass per unit: ${kind}, 2 layers${bidirectional ? ', bidirectional' : ''}`, () => {
        expectSame({ kind, layers: 2, bidirectional, H: 5, D: 3, T: 9, seed: 21, withInit: true, clip: false, onnxGru: false, peepholes: false, bias: true });
      });
    }
  }

  it('equals one vector pass per unit on random networks of every kind (clip, peepholes, both GRU forms)', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom(...KINDS),
          layers: fc.integer({ min: 1, max: 3 }),
          bidirectional: fc.boolean(),
          H: fc.integer({ min: 1, max: 6 }),
          D: fc.integer({ min: 1, max: 4 }),
          T: fc.integer({ min: 0, max: 12 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          withInit: fc.boolean(),
          clip: fc.boolean(),
          onnxGru: fc.boolean(),
          peepholes: fc.boolean(),
          bias: fc.boolean(),
        }),
        (v) => expectSame(v),
      ),
      { numRuns: 120, seed: 4242 },
    );
  });

  it('gives the same sums block by block as all at once', () => {
    const { net, xs, init } = build({ kind: 'lstm', layers: 2, bidirectional: true, H: 7, D: 2, T: 10, seed: 5, withInit: true, clip: false, onnxGru: false, peepholes: false, bias: true });
    const steps = runSequence(net, xs, init);
    const sums = () => ({ x2: new Float64Array(10), h2: new Float64Array(10), c2: new Float64Array(10) });
    const whole = sums();
    memoryJacobianRows(net, steps, init, 0, 0, 7, whole);
    const parts = sums();
    for (const [a, b] of [[0, 1], [1, 4], [4, 4], [4, 7]] as const) memoryJacobianRows(net, steps, init, 0, a, b, parts);
    expect(parts).toEqual(whole);
  });

  it('refuses units outside the hidden size and a reverse direction', () => {
    const { net, xs } = build({ kind: 'gru', layers: 1, bidirectional: true, H: 3, D: 2, T: 2, seed: 5, withInit: false, clip: false, onnxGru: false, peepholes: false, bias: true });
    const steps = runSequence(net, xs);
    const sq = { x2: new Float64Array(2), h2: new Float64Array(2), c2: new Float64Array(2) };
    expect(() => memoryJacobianRows(net, steps, undefined, 0, 2, 4, sq)).toThrow(/units/);
    expect(() => memoryJacobianRows(net, steps, undefined, 1, 0, 3, sq)).toThrow(/forward/);
  });
});
