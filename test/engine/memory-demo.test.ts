import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryProfile, memorySpan } from '../../src/engine/memory.js';
import { runSequence } from '../../src/engine/network.js';
import { predictSequence, type TrainedHead, type TrainedModel } from '../../src/engine/train/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { parseStateDictJson } from '../../src/io/weights/state-dict-json.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'demos', 'remember');

function load(file: string, kind: 'lstm' | 'rnn_tanh'): TrainedModel {
  const tensors = parseStateDictJson(readFileSync(join(DIR, file), 'utf8'), file);
  const { network, extra } = networkFromStateDict(tensors, { source: file, kind });
  const w = extra.get('head.weight')!;
  const head: TrainedHead = { inSize: w.shape[1]!, outSize: w.shape[0]!, weight: w.data, bias: extra.get('head.bias')!.data };
  return { network, head };
}

const rows = readFileSync(join(DIR, 'input.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const lstm = load('lstm.json', 'lstm');
const rnn = load('rnn.json', 'rnn_tanh');
const T = rows.length;

describe('the remember demo: LSTM against a plain RNN of the same size', () => {
  it('both have the same hidden size and see the same sequence', () => {
    expect(lstm.network.hiddenSize).toBe(rnn.network.hiddenSize);
    expect(T).toBe(50);
    expect(rows[0]![1]).toBe(1);
  });

  it('the LSTM reports the first value after 49 distractors, the RNN does not', () => {
    const v = rows[0]![0]!;
    expect(Math.abs(predictSequence(lstm, rows).at(-1)![0]! - v)).toBeLessThan(0.05);
    expect(Math.abs(predictSequence(rnn, rows).at(-1)![0]! - v)).toBeGreaterThan(0.5);
  });

  it("the RNN's memory is measurably shorter than the LSTM's", () => {
    const a = memoryProfile(lstm.network, rows);
    const b = memoryProfile(rnn.network, rows);
    // Span: steps back from T-1 until d h_{T-1}/d x_t drops under 1% of its value at T-1.
    // LSTM: the whole sequence (49 steps); RNN: about 14.
    expect(memorySpan(a, 'x')).toBe(T - 1);
    expect(memorySpan(b, 'x')).toBeLessThan(20);
    expect(memorySpan(a, 'x')).toBeGreaterThan(2.5 * memorySpan(b, 'x'));
    // The LSTM's cell carries the first value the whole way.
    expect(memorySpan(a, 'c')).toBe(T - 1);
    // How much step 0 still moves the final state: about 0.04 of the last input's effect for the
    // LSTM, under 1e-6 for the RNN, more than 10,000 times less.
    const first = (p: typeof a): number => p.sensitivity[0]!.x / p.sensitivity[T - 1]!.x;
    expect(first(a)).toBeGreaterThan(1e-2);
    expect(first(b)).toBeLessThan(1e-6);
    expect(first(a) / first(b)).toBeGreaterThan(1e4);
  });

  it('the RNN forgets exponentially: its state sensitivity falls by orders of magnitude per ten steps', () => {
    const h = memoryProfile(rnn.network, rows).sensitivity.map((s) => s.h);
    expect(h[T - 11]! / h[T - 1]!).toBeLessThan(0.1);
    expect(h[T - 31]! / h[T - 1]!).toBeLessThan(1e-4);
  });
});

describe('the remember demo: a minGRU, whose gates see only x', () => {
  const tensors = parseStateDictJson(readFileSync(join(DIR, 'mingru.json'), 'utf8'), 'mingru.json');
  const { network, extra } = networkFromStateDict(tensors, { source: 'mingru.json' });
  const w = extra.get('head.weight')!;
  const mingru: TrainedModel = { network, head: { inSize: w.shape[1]!, outSize: w.shape[0]!, weight: w.data, bias: extra.get('head.bias')!.data } };

  it('is read from its paper-named weights and reports the first value, where the RNN does not', () => {
    expect(network.kind).toBe('mingru');
    expect(network.hiddenSize).toBe(lstm.network.hiddenSize);
    expect(Math.abs(predictSequence(mingru, rows).at(-1)![0]! - rows[0]![0]!)).toBeLessThan(0.2);
  });

  it('keeps the whole sequence: its h sensitivity, the product of (1 - z), stays far above the RNN\'s', () => {
    const p = memoryProfile(network, rows);
    expect(memorySpan(p, 'x')).toBe(T - 1);
    const first = p.sensitivity[0]!.h / p.sensitivity[T - 1]!.h;
    const rnnFirst = memoryProfile(rnn.network, rows).sensitivity[0]!.h / memoryProfile(rnn.network, rows).sensitivity[T - 1]!.h;
    expect(first).toBeGreaterThan(1e4 * rnnFirst);
  });
});

describe("the remember demo: xLSTM's sLSTM, with exponential gates", () => {
  const tensors = parseStateDictJson(readFileSync(join(DIR, 'slstm.json'), 'utf8'), 'slstm.json');
  const { network, extra } = networkFromStateDict(tensors, { source: 'slstm.json' });
  const w = extra.get('head.weight')!;
  const slstm: TrainedModel = { network, head: { inSize: w.shape[1]!, outSize: w.shape[0]!, weight: w.data, bias: extra.get('head.bias')!.data } };
  const H = network.hiddenSize;

  it('is read from its reference-named weights and reports the first value, where the RNN does not', () => {
    expect(network.kind).toBe('slstm');
    expect(H).toBe(lstm.network.hiddenSize);
    expect(Math.abs(predictSequence(slstm, rows).at(-1)![0]! - rows[0]![0]!)).toBeLessThan(0.05);
  });

  it('reaches back to the first step, its h sensitivity far above the RNN\'s', () => {
    const p = memoryProfile(network, rows);
    expect(memorySpan(p, 'x')).toBe(T - 1);
    expect(memorySpan(p, 'h')).toBe(T - 1);
    const first = p.sensitivity[0]!.h / p.sensitivity[T - 1]!.h;
    const rb = memoryProfile(rnn.network, rows);
    expect(first).toBeGreaterThan(1e4 * (rb.sensitivity[0]!.h / rb.sensitivity[T - 1]!.h));
  });

  it("holds it on unit 3: the stabilised f is 1 and i near 0 over every distractor (the look text's claim)", () => {
    const steps = runSequence(network, rows).slice(1);
    for (const s of steps) {
      const g = s.layers[0]![0]!.gates; // gate order i f z o
      expect(g[H + 3]!).toBeGreaterThan(0.999);
      expect(g[3]!).toBeLessThan(0.05);
    }
  });
});
