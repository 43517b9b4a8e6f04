/**
 * Interventions (engine/intervene.ts) against PyTorch: fixtures/interventions/make_interventions.py
 * unrolls each module with its own weights and sets the values as gatescope does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomNetwork, runSequence, ShapeError } from '../../src/engine/index.js';
import { checkInterventions, describeIntervention, runSequenceIntervened, type Intervention } from '../../src/engine/intervene.js';
import { loadWeights } from '../../src/io/weights/index.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'interventions');

interface Case {
  name: string;
  cell: string;
  state_dict: Record<string, unknown>;
  input: number[][];
  interventions: { name: string; layer: number; unit: number | null; from: number; to: number | null; value: number }[];
  y: number[][];
  y_plain: number[][];
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Case);

function close(got: ArrayLike<number>, want: readonly number[], label: string): void {
  expect(got.length, label).toBe(want.length);
  want.forEach((w, i) => {
    if (!(Math.abs(got[i]! - w) <= 1e-5)) expect.fail(`${label}[${i}]: ${got[i]} vs PyTorch ${w}`);
  });
}

describe('interventions against PyTorch (make_interventions.py)', () => {
  it('has the four cases', () => expect(cases.map((c) => c.name)).toEqual(['gru', 'lstm_2l', 'lstm_gates', 'rnn_relu']));

  for (const c of cases) {
    it(`${c.name}: ${c.interventions.length} interventions`, () => {
      const net = loadWeights(new TextEncoder().encode(JSON.stringify(c.state_dict)), { source: c.name, kind: c.cell === 'rnn_relu' ? 'rnn_relu' : undefined }).network;
      const list: Intervention[] = c.interventions.map((iv) => ({ ...iv, direction: 0, to: iv.to ?? Infinity }));
      const xs = c.input.map((r) => Float64Array.from(r));
      const steps = runSequenceIntervened(net, xs, undefined, list);
      c.y.forEach((row, t) => close(steps[t]!.y, row, `${c.name} y[t=${t}]`));
      // without interventions: the plain run, bit for bit
      const plain = runSequenceIntervened(net, xs, undefined, []);
      const ref = runSequence(net, xs);
      plain.forEach((s, t) => expect(Array.from(s.y)).toEqual(Array.from(ref[t]!.y)));
      c.y_plain.forEach((row, t) => close(plain[t]!.y, row, `${c.name} plain y[t=${t}]`));
      // the steps before the first intervention are untouched
      const first = Math.min(...list.map((iv) => iv.from));
      for (let t = 0; t < first; t++) expect(Array.from(steps[t]!.y)).toEqual(Array.from(ref[t]!.y));
    });
  }

  it('setting a value to what it was changes nothing, bit for bit', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 3 });
    const xs = [Float64Array.of(0.5, -1), Float64Array.of(0.25, 2), Float64Array.of(-1, 1)];
    const ref = runSequence(net, xs);
    const f = ref[1]!.layers[0]![0]!.gates[3 + 2]!;
    const steps = runSequenceIntervened(net, xs, undefined, [{ name: 'f', layer: 0, direction: 0, unit: 2, from: 1, to: 1, value: f }]);
    steps.forEach((s, t) => expect(Array.from(s.y)).toEqual(Array.from(ref[t]!.y)));
  });

  it('refuses what does not fit the network, naming it as the CLI writes it', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 2, seed: 1 });
    const base = { layer: 0, direction: 0, unit: 1, from: 0, to: Infinity, value: 0 };
    expect(() => checkInterventions(net, [{ ...base, name: 'f' }])).toThrow(/l0\.f\[1\]:=0: a GRU has r, z, n, h \(and x\), not f/);
    expect(() => checkInterventions(net, [{ ...base, name: 'h', unit: 3 }])).toThrow(/unit 3 is outside 0\.\.2/);
    expect(() => checkInterventions(net, [{ ...base, name: 'h', layer: 2 }])).toThrow(/layer 2 is outside 0\.\.1/);
    expect(() => checkInterventions(net, [{ ...base, name: 'x', unit: 5 }])).toThrow(/feature 5 is outside 0\.\.1/);
    expect(() => checkInterventions(net, [{ ...base, name: 'h', value: NaN }])).toThrow(ShapeError);
    expect(() => checkInterventions(net, [{ ...base, name: 'h', from: 4, to: 2 }])).toThrow(/not a range of steps/);
    expect(describeIntervention(net, { ...base, name: 'z', from: 20, to: Infinity })).toBe('l0.z[1]@20-:=0');
    expect(describeIntervention(net, { ...base, name: 'x', unit: null, from: 3, to: 3, value: 2 })).toBe('x@3:=2');
  });
});
