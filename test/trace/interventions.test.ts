/**
 * A trace run with interventions (TraceStore `interventions`): every step the store gives, live or
 * recomputed from its checkpoints, equals engine/intervene.ts's runSequenceIntervened bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, STATE_NAMES, type CellKind } from '../../src/engine/index.js';
import { runSequenceIntervened, type Intervention } from '../../src/engine/intervene.js';
import { TraceStore } from '../../src/trace/trace-store.js';

function sequence(T: number, D: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: D }, () => Math.fround(rng.uniform(-1, 1))));
}

const edits = (kind: CellKind): Intervention[] => [
  { name: kind === 'lstm' ? 'f' : kind === 'gru' ? 'z' : 'h', layer: 0, direction: 0, unit: 1, from: 9, to: Infinity, value: 0 },
  { name: 'h', layer: 1, direction: 0, unit: null, from: 20, to: 22, value: 0.5 },
  { name: 'x', layer: 0, direction: 0, unit: 0, from: 30, to: 30, value: 2 },
];

describe('a trace with interventions', () => {
  for (const kind of ['lstm', 'gru', 'rnn_tanh'] as CellKind[]) {
    for (const bidirectional of [false, true]) {
      it(`${kind}${bidirectional ? ', bidirectional' : ''}: live or recomputed, every step equals runSequenceIntervened`, () => {
        const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 4, numLayers: 2, bidirectional, seed: 5 });
        const xs = sequence(45, 2, 1);
        const list = edits(kind);
        const store = new TraceStore(net, { source: 'mem', chunkSteps: 8, cacheBytes: 1, interventions: list });
        expect(store.engineKind).toBe('reference');
        xs.forEach((x, t) => store.append(x, `${t}`));
        store.finish();
        const want = runSequenceIntervened(net, xs, undefined, list);
        // read back to front: every block is recomputed from its checkpoint
        for (let t = xs.length - 1; t >= 0; t--) {
          for (let k = 0; k < 2; k++) {
            for (let d = 0; d < net.directions.length; d++) {
              const rec = want[t]!.layers[k]![d]!;
              for (const name of STATE_NAMES[kind]) {
                const expected = name === 'h' ? rec.h : name === 'c' ? rec.c! : rec.gates.subarray(STATE_NAMES[kind].indexOf(name) * 4, (STATE_NAMES[kind].indexOf(name) + 1) * 4);
                expect(Array.from(store.state(name, k, d, t)), `${name} l${k} d${d} t=${t}`).toEqual(Array.from(expected, Math.fround));
              }
            }
          }
        }
        expect(Array.from(store.state('h', 1, 0, 21))).toEqual([0.5, 0.5, 0.5, 0.5]);
      });
    }
  }

  it('refuses an intervention that does not fit, naming it', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 4, seed: 5 });
    expect(() => new TraceStore(net, { source: 'mem', interventions: [{ name: 'f', layer: 0, direction: 0, unit: 0, from: 0, to: Infinity, value: 0 }] })).toThrow(/a GRU has r, z, n, h/);
  });
});
