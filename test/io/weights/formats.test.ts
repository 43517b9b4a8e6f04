import { describe, expect, it } from 'vitest';
import { finalStates, runSequence, type Network } from '../../../src/engine/index.js';
import { parseInitialState } from '../../../src/io/initial-state.js';
import { loadWeights } from '../../../src/io/weights/index.js';
import { expectClose } from '../../helpers/expect-close.js';
import { expectedTrace, fixtureBytes, weightsCases } from './fixtures.js';

describe('every fixture through its loader and the engine', () => {
  for (const c of weightsCases()) {
    it(`${c.file} gives the expected trace`, () => {
      const file = loadWeights(fixtureBytes(c.file), { source: c.file, kind: c.kind });
      const net = file.network;
      expect(file.format).toBe(c.format);
      expect(net.kind).toBe(c.cell);
      expect(net.numLayers).toBe(c.layers);
      expect(net.directions).toEqual(c.directions);
      if (c.prefix !== undefined) expect(file.prefix).toBe(c.prefix);
      if (c.linearBeforeReset !== undefined) expect(net.linearBeforeReset ?? true).toBe(c.linearBeforeReset);
      if (c.clip != null) expect(net.clip).toBeCloseTo(c.clip, 6);
      if (c.peephole) expect(net.layers[0]!.every((p) => p.peephole != null)).toBe(true);
      expect(file.initialState !== null).toBe(c.initialState ?? false);
      expect(net.projSize ?? 0).toBe(c.projSize ?? 0);

      const exp = expectedTrace(c.expected);
      const init = c.init !== undefined ? parseInitialState(new TextDecoder().decode(fixtureBytes(c.init)), c.init, net) : (file.initialState ?? undefined);
      const steps = runSequence(net, exp.input, init);
      exp.output.forEach((row, t) => expectClose(steps[t]!.y, row, c.tol, `output[t=${t}, unit={i}]`));
      const { hN, cN } = finalStates(net, steps);
      exp.h_n.forEach((row, r) => expectClose(hN[r]!, row, c.tol, `h_n[row=${r}, unit={i}]`));
      exp.c_n?.forEach((row, r) => expectClose(cN![r]!, row, c.tol, `c_n[row=${r}, unit={i}]`));
    });
  }
});

/** All parameters of a network in one flat list, layer by layer, direction by direction. */
function flatParams(net: Network, sumBiases: boolean): number[] {
  const out: number[] = [];
  for (const dirs of net.layers) {
    for (const p of dirs) {
      out.push(...p.wIh, ...p.wHh);
      // Keras keeps one LSTM bias: there, compare the sum, which is all the cell ever sees.
      if (sumBiases) out.push(...p.bIh!.map((v, k) => v + p.bHh![k]!));
      else out.push(...p.bIh!, ...p.bHh!);
    }
  }
  return out;
}

describe('one model in every format', () => {
  const reference = loadWeights(fixtureBytes('lstm_2l_bidir.json'), { source: 'json' });

  it.each([
    ['lstm_2l_bidir.f32.safetensors', 0],
    ['lstm_2l_bidir.onnx', 0],
    ['keras_lstm_2l_bidir.json', 1e-6],
    ['lstm_2l_bidir.f16.safetensors', 2 ** -10],
    ['lstm_2l_bidir.bf16.safetensors', 2 ** -7],
  ])('%s holds the same weights in PyTorch order', (name, relTol) => {
    const keras = name.startsWith('keras');
    const expected = flatParams(reference.network, keras);
    const got = flatParams(loadWeights(fixtureBytes(name), { source: name }).network, keras);
    expect(got.length).toBe(expected.length);
    got.forEach((v, k) => {
      const e = expected[k]!;
      if (Math.abs(v - e) > relTol * Math.max(Math.abs(e), 2 ** -14) + 1e-7) {
        expect.fail(`value ${k}: ${v} vs ${e} (relative tolerance ${relTol})`);
      }
    });
  });

  it('keeps the head and the embedding in extra and lists them as not used', () => {
    for (const name of ['lstm_2l_bidir.json', 'lstm_2l_bidir.f32.safetensors']) {
      const f = loadWeights(fixtureBytes(name), { source: name });
      expect([...f.extra.keys()].sort()).toEqual(['embedding.weight', 'head.bias', 'head.weight']);
      expect(f.extra.get('head.weight')!.shape).toEqual([2, 8]);
      expect([...f.ignored].sort()).toEqual(['embedding.weight', 'head.bias', 'head.weight']);
    }
  });

  it('exposes a Keras dense layer as head.weight in PyTorch layout', () => {
    const f = loadWeights(fixtureBytes('keras_lstm_2l_bidir.json'), { source: 'k' });
    const torchHead = reference.extra.get('head.weight')!;
    const kerasHead = f.extra.get('head.weight')!;
    expect(kerasHead.shape).toEqual(torchHead.shape);
    expectClose(kerasHead.data, torchHead.data, 0, 'head.weight');
    expectClose(f.extra.get('head.bias')!.data, reference.extra.get('head.bias')!.data, 0, 'head.bias');
    expect(f.ignored).toEqual(['dense/kernel:0', 'dense/bias:0']);
    expect(f.modules).toEqual(['bidirectional', 'bidirectional_1']);
  });

  it('predicts with the head exactly as PyTorch did', () => {
    const exp = expectedTrace('lstm_2l_bidir.expected.json');
    const steps = runSequence(reference.network, exp.input);
    const w = reference.extra.get('head.weight')!;
    const b = reference.extra.get('head.bias')!;
    steps.forEach((s, t) => {
      const logits = [0, 1].map((o) => b.data[o]! + s.y.reduce((acc, v, i) => acc + v * w.data[o * 8 + i]!, 0));
      expectClose(logits, exp.head![t]!, 1e-5, `head[t=${t}, class={i}]`);
    });
  });

  it('reads safetensors metadata', () => {
    const f = loadWeights(fixtureBytes('lstm_2l_bidir.f16.safetensors'), { source: 's' });
    expect([...f.metadata]).toEqual([['format', 'pt']]);
    expect(f.tensors.find((t) => t.name === 'lstm.weight_ih_l0')).toMatchObject({ dtype: 'F16', shape: [16, 3], role: 'weight_ih_l0' });
  });

  it('names the ONNX nodes it stacked and recovers the exported head', () => {
    const f = loadWeights(fixtureBytes('lstm_2l_bidir.onnx'), { source: 'o' });
    expect(f.modules).toEqual(['/lstm/LSTM', '/lstm/LSTM_1']);
    expect(f.layout).toBe('onnx');
    // nn.Linear became MatMul(y, onnx::MatMul_N) + Add(head.bias): head.weight is its transpose.
    expect(f.extra.get('head.weight')!.shape).toEqual([2, 8]);
    expectClose(f.extra.get('head.weight')!.data, reference.extra.get('head.weight')!.data, 0, 'head.weight');
    expectClose(f.extra.get('head.bias')!.data, reference.extra.get('head.bias')!.data, 0, 'head.bias');
    expect(f.ignored).toEqual(['head.bias', expect.stringMatching(/^onnx::MatMul_\d+$/)]);
  });
});
