/**
 * Unit search over a corpus (engine/track.ts TrackSums, TrackSplits): Pearson's r from streamed
 * sums equals trackUnits over the same steps joined, and a binned split's precision and recall are
 * the exact counts at its threshold, its F1 close to the exact best split's.
 */
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, runSequence, type NetworkStep } from '../../src/engine/index.js';
import { bestSplit, TrackSplits, TrackSums, trackUnits, unitSeries } from '../../src/engine/track.js';

function corpus(seed: number, count: number, D: number): Float64Array[][] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => Array.from({ length: 10 + 7 * i }, () => Float64Array.from({ length: D }, () => rng.uniform(-2, 2))));
}

describe('TrackSums', () => {
  for (const bidirectional of [false, true]) {
    it(`r equals trackUnits over the sequences' steps joined${bidirectional ? ' (bidirectional, 2 layers)' : ''}`, () => {
      const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: bidirectional ? 2 : 1, bidirectional, seed: 4 });
      const seqs = corpus(1, 4, 3);
      const steps: NetworkStep[] = [];
      const signal: number[] = [];
      const sums = new TrackSums(net);
      for (const xs of seqs) {
        const run = runSequence(net, xs);
        run.forEach((s, t) => {
          // feature 0 of the input, NaN at every fifth step (left out)
          const v = t % 5 === 4 ? Number.NaN : xs[t]![0]! + 100;
          sums.add(s, v);
          steps.push(s);
          signal.push(v);
        });
      }
      const want = trackUnits(net, steps, signal);
      const got = sums.result();
      expect(got.map((u) => `${u.layer}/${u.direction}/${u.state}/${u.unit}`)).toEqual(want.map((u) => `${u.layer}/${u.direction}/${u.state}/${u.unit}`));
      got.forEach((u, i) => expect(Math.abs(u.r - want[i]!.r)).toBeLessThan(1e-9));
      expect(sums.binary).toBe(false);
    });
  }

  it('a constant signal gives r = NaN for every unit', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, seed: 1 });
    const sums = new TrackSums(net);
    for (const s of runSequence(net, corpus(2, 1, 2)[0]!)) sums.add(s, 1);
    expect(sums.result().every((u) => Number.isNaN(u.r))).toBe(true);
  });
});

describe('TrackSplits', () => {
  it('precision and recall are the exact counts at the threshold; F1 within 1% of the exact best split', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 4, seed: 9 });
    const seqs = corpus(3, 5, 2);
    const steps: NetworkStep[] = [];
    const signal: number[] = [];
    const sums = new TrackSums(net);
    for (const xs of seqs) {
      runSequence(net, xs).forEach((s, t) => {
        const v = xs[t]![1]! > 0.3 ? 1 : 0;
        sums.add(s, v);
        steps.push(s);
        signal.push(v);
      });
    }
    expect(sums.binary).toBe(true);
    const chosen = sums.result().slice(0, 6);
    const splits = new TrackSplits(net, chosen);
    steps.forEach((s, t) => splits.add(s, signal[t]!));
    for (const u of splits.result()) {
      const v = unitSeries(net, steps, u.layer, u.direction, u.state, u.unit);
      const exact = bestSplit(v, signal)!;
      const sp = u.split!;
      let tp = 0;
      let predicted = 0;
      const positives = signal.filter((s) => s === 1).length;
      v.forEach((x, t) => {
        const yes = sp.above ? x >= sp.threshold : x < sp.threshold;
        if (yes) predicted++;
        if (yes && signal[t] === 1) tp++;
      });
      expect(sp.precision).toBeCloseTo(tp / predicted, 12);
      expect(sp.recall).toBeCloseTo(tp / positives, 12);
      expect(sp.f1).toBeLessThanOrEqual(exact.f1 + 1e-12);
      expect(sp.f1).toBeGreaterThan(exact.f1 - 0.01);
    }
  });
});
