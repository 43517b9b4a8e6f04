import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomNetwork, runSequence, validateNetwork } from '../../../src/engine/index.js';
import { InputError } from '../../../src/io/errors.js';
import { fuzzParams } from '../../helpers/fuzz.js';
import { describeWeights, formatWeightsDescription, loadWeights, stateDictFromNetwork } from '../../../src/io/weights/index.js';
import { networkFromStateDict } from '../../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../../src/io/weights/tensor.js';
import { expectClose } from '../../helpers/expect-close.js';
import { MIN_CELLS_DIR, minCellCase, minCellIndex } from '../../helpers/min-cells.js';

const bytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(MIN_CELLS_DIR, file)));

function tensorsOf(sd: Record<string, unknown>): Map<string, Tensor> {
  return new Map(Object.entries(sd).map(([k, v]) => [k, tensorFromNested(v, k, 'test')]));
}

describe('minGRU / minLSTM weights in every format', () => {
  for (const entry of minCellIndex()) {
    const c = minCellCase(entry.name);
    for (const file of entry.files) {
      if (file.endsWith('.json')) continue;
      it(`${file} loads as the ${c.cell} of ${entry.name}.json`, () => {
        const w = loadWeights(bytes(file), { source: file });
        expect(w.network.kind).toBe(c.cell);
        expect(w.network.numLayers).toBe(c.num_layers);
        const steps = runSequence(w.network, c.input, { h0: c.h0 });
        c.output.forEach((row, t) => expectClose(steps[t]!.y, row, 1e-5, `${file} output[t=${t}, unit={i}]`));
        const text = formatWeightsDescription(describeWeights(w, { source: file }));
        expect(text).toContain(c.cell === 'mingru' ? 'minGRU' : 'minLSTM');
        expect(text).toContain(c.names === 'paper' ? "the paper's names" : "lucidrains/minGRU-pytorch's names");
      });
    }
  }

  it('reads a state_dict as JSON (the fixture itself) with inspect naming each tensor', () => {
    const c = minCellCase('minlstm_3l_h0_t8');
    const w = loadWeights(new TextEncoder().encode(JSON.stringify(c.state_dict)), { source: 'm.json' });
    expect(w.format).toBe('pytorch-json');
    expect(w.prefix).toBe('layers.');
    const text = formatWeightsDescription(describeWeights(w, { source: 'm.json' }));
    expect(text).toMatch(/minLSTM, input 2, hidden 3, 3 layers, forward, bias/);
    expect(text).toMatch(/layers\.2\.linear_i\.bias\s+json\s+\[3\]\s+layer 2 i bias/);
  });

  it('writes the paper\'s names and reads them back unchanged', () => {
    for (const kind of ['mingru', 'minlstm'] as const) {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
      const sd = stateDictFromNetwork(net, 'rnn.');
      expect(Object.keys(sd)).toContain(kind === 'mingru' ? 'rnn.layers.1.linear_z.weight' : 'rnn.layers.1.linear_f.bias');
      const back = networkFromStateDict(tensorsOf(sd), { source: 'x' }).network;
      expect(back.kind).toBe(kind);
      back.layers.forEach((dirs, k) => {
        expect(Array.from(dirs[0]!.wIh)).toEqual(Array.from(net.layers[k]![0]!.wIh));
        expect(Array.from(dirs[0]!.bIh!)).toEqual(Array.from(net.layers[k]![0]!.bIh!));
      });
    }
  });

  it('fails by tensor name on a wrong shape, a wrong --cell, a projection or a mixed stack', () => {
    const c = minCellCase('mingru_2l_h0_t9');
    const bad = { ...c.state_dict, 'layers.1.linear_h.weight': [[1, 2, 3]] };
    expect(() => networkFromStateDict(tensorsOf(bad), { source: 'f.json' })).toThrow(/expected \[4, 4\], got \[1, 3\]/);
    try {
      networkFromStateDict(tensorsOf(bad), { source: 'f.json' });
    } catch (e) {
      expect((e as { tensor?: string }).tensor).toBe('layers.1.linear_h.weight');
    }
    expect(() => networkFromStateDict(tensorsOf(c.state_dict), { source: 'f.json', kind: 'minlstm' })).toThrow(/a minGRU .*not a minLSTM as --cell says/);
    const luc = minCellCase('lucidrains_mingru');
    expect(() => networkFromStateDict(tensorsOf({ ...luc.state_dict, 'to_out.weight': [[1]] }), { source: 'f.json' })).toThrow(/expansion_factor/);
    const mixed = { ...c.state_dict, 'layers.2.to_hidden_and_gate.weight': minCellCase('lucidrains_mingru').state_dict['to_hidden_and_gate.weight'] };
    expect(() => networkFromStateDict(tensorsOf(mixed), { source: 'f.json' })).toThrow(/a stack needs one cell/);
    const loose = { 'a.linear_z.weight': [[1]], 'a.linear_h.weight': [[1]], 'b.linear_z.weight': [[1]], 'b.linear_h.weight': [[1]] };
    expect(() => networkFromStateDict(tensorsOf(loose), { source: 'f.json' })).toThrow(/choose one with --prefix/);
    expect(networkFromStateDict(tensorsOf(loose), { source: 'f.json', prefix: 'b.' }).network.kind).toBe('mingru');
  });
});

describe('minGRU / minLSTM names under random shapes', () => {
  it('any mix of their tensors, of any shape, gives a network the engine runs or an InputError', () => {
    const names = fc.constantFrom(
      'layers.0.linear_z.weight', 'layers.0.linear_z.bias', 'layers.0.linear_h.weight', 'layers.0.linear_h.bias',
      'layers.1.linear_z.weight', 'layers.1.linear_h.weight', 'layers.0.linear_f.weight', 'layers.0.linear_i.weight',
      'layers.3.linear_z.weight', 'layers.3.linear_h.weight', 'to_hidden_and_gate.weight', 'to_hidden_and_f_i_gate.weight',
      'to_out.weight', 'to_hidden_and_gate.bias', 'a.linear_z.weight', 'a.linear_h.weight', 'head.weight',
    );
    const nested = (shape: number[]): unknown => (shape.length === 0 ? 0.25 : Array.from({ length: shape[0]! }, () => nested(shape.slice(1))));
    fc.assert(
      fc.property(fc.array(fc.tuple(names, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })), { minLength: 1, maxLength: 7 }), (entries) => {
        const doc: Record<string, unknown> = {};
        for (const [k, shape] of entries) doc[k] = nested(shape);
        let file;
        try {
          file = loadWeights(new TextEncoder().encode(JSON.stringify(doc)), { source: 'fuzz.json' });
        } catch (err) {
          if (err instanceof InputError) return;
          throw err;
        }
        validateNetwork(file.network);
        runSequence(file.network, [new Array<number>(file.network.inputSize).fill(0.5)]);
        formatWeightsDescription(describeWeights(file));
      }),
      fuzzParams(400, 16),
    );
  });
});
