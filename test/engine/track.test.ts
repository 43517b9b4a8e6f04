/**
 * Unit search (engine/track.ts) and its signals (trace/signals.ts). Correlations against numpy's
 * corrcoef (values printed by /usr/bin/python3 -c "import numpy; ...", in the cases below).
 */
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence } from '../../src/engine/index.js';
import { bestSplit, isBinary, pearson, trackUnits } from '../../src/engine/track.js';
import { buildSignal, type SignalInput } from '../../src/trace/signals.js';

describe('pearson and the best split', () => {
  it('equals numpy.corrcoef', () => {
    expect(pearson([0.3, -1.2, 2.5, 0.7, 0.0, 1.1], [1, 0, 1, 1, 0, 0])).toBeCloseTo(0.534758319920076, 12);
    expect(pearson([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8])).toBeCloseTo(0.20965531907301216, 12);
  });

  it('leaves out undefined steps, and is NaN when either side is constant', () => {
    expect(pearson([1, 2, 99, 3], [2, 4, NaN, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });

  it('finds the threshold that separates a 0/1 signal, on either side', () => {
    expect(isBinary([0, 1, NaN, 1])).toBe(true);
    expect(isBinary([0, 0.5, 1])).toBe(false);
    expect(bestSplit([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1])).toEqual({ threshold: 0.5, above: true, precision: 1, recall: 1, f1: 1 });
    expect(bestSplit([-3, 2, -4, 5], [1, 0, 1, 0])).toMatchObject({ threshold: -0.5, above: false, precision: 1, recall: 1 });
    // 3 of 4 positives above 0.45, one false positive: precision 0.75, recall 0.75
    const s = bestSplit([0.5, 0.6, 0.7, 0.4, 0.8, 0.1, 0.2, 0.3], [1, 1, 1, 1, 0, 0, 0, 0])!;
    expect(s.f1).toBeGreaterThan(0.5);
  });
});

describe('trackUnits', () => {
  it('ranks first the unit that is the signal, and covers every layer, direction, state and unit', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 4 });
    const rng = createRng(2);
    const xs = Array.from({ length: 30 }, () => Float64Array.from({ length: 2 }, () => rng.uniform(-1, 1)));
    const steps = runSequence(net, xs);
    const signal = Float64Array.from(steps, (s) => 2 * s.layers[1]![1]!.gates[3 + 2]! - 1); // f[2] of layer 1 reverse, rescaled
    const ranked = trackUnits(net, steps, signal);
    expect(ranked).toHaveLength(2 * 2 * 6 * 3);
    expect(ranked[0]).toMatchObject({ layer: 1, direction: 1, state: 'f', unit: 2, split: null });
    expect(ranked[0]!.r).toBeCloseTo(1, 12);
    for (let i = 1; i < ranked.length; i++) expect(Math.abs(ranked[i]!.r)).toBeLessThanOrEqual(Math.abs(ranked[i - 1]!.r));
    expect(() => trackUnits(net, steps, signal.subarray(1))).toThrow(RangeError);
  });
});

describe('signals', () => {
  const text = (s: string, words = false): SignalInput => {
    const labels = words ? s.split(' ') : [...s];
    return { labels, values: labels.map(() => []), featureNames: [], text: true, words };
  };

  it('regex: 1 inside a match, over characters and over words', () => {
    const r = buildSignal('regex:"[^"]*"', text('say "hi" ok'));
    expect('values' in r && Array.from(r.values)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
    const w = buildSignal('regex:b+', text('a bb c', true));
    expect('values' in w && Array.from(w.values)).toEqual([0, 1, 0]);
  });

  it('depth and position', () => {
    const d = buildSignal('depth:()', text('(a(b))c)'));
    expect('values' in d && Array.from(d.values)).toEqual([1, 1, 2, 2, 1, 0, 0, 0]);
    const p = buildSignal('position', text('ab\ncd'));
    expect('values' in p && Array.from(p.values)).toEqual([0, 1, 2, 0, 1]);
  });

  it('a feature of numeric input, by name or index', () => {
    const input: SignalInput = { labels: ['', ''], values: [Float64Array.of(1, 2), Float64Array.of(3, 4)], featureNames: ['a', 'b'], text: false, words: false };
    const b = buildSignal('x:b', input);
    expect('values' in b && Array.from(b.values)).toEqual([2, 4]);
    const zero = buildSignal('x:0', input);
    expect('values' in zero && Array.from(zero.values)).toEqual([1, 3]);
  });

  it.each([
    ['x:c', /no feature "c"/],
    ['regex:(', /is not a regular expression/],
    ['regex:', /an empty pattern matches nowhere/],
    ['depth:(((', /two different characters/],
    ['mood', /no signal "mood"/],
  ])('%s: says why', (spec, why) => {
    const input = spec.startsWith('x:')
      ? { labels: ['', ''], values: [Float64Array.of(1), Float64Array.of(2)], featureNames: ['a'], text: false, words: false }
      : text('ab');
    const r = buildSignal(spec, input);
    expect('error' in r && r.error).toMatch(why);
  });

  it('text signals on numeric input and features on text are refused', () => {
    const numeric: SignalInput = { labels: ['1'], values: [Float64Array.of(1)], featureNames: ['a'], text: false, words: false };
    expect(buildSignal('position', numeric)).toEqual({ error: 'position is for text input (--input-format text); this input has numeric features' });
    expect('error' in buildSignal('x:0', text('ab'))).toBe(true);
  });
});
