/**
 * Unit search over a corpus against the plain run of the same sequences: an LSTM, D = 8,
 * H = 256, sequences of T = 1,000 steps, the signal input feature 0 (r for every one of the
 * 6 x 256 units from streamed sums, engine/track.ts TrackSums). The issue's corpus is 10,000
 * sequences; this runs SEQUENCES of them (one engine for all, reset between sequences, as the CLI's
 * CorpusRunner does) and projects 10,000 linearly: the cost per sequence is constant by design,
 * and so is the memory (the heap after the last sequence against after the first is the figure).
 */
import { randomNetwork } from '../src/engine/index.js';
import { TrackSums } from '../src/engine/track.js';
import { CorpusRunner } from '../src/cli/corpus.js';
import type { LoadedModel } from '../src/cli/load.js';
import { series, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 8;
const H = 256;
const T = 1000;
const CORPUS = 10_000;
/** Sequences run: 40, or all 10,000 with `npm run bench -- --only corpus --corpus-full` (about 15 minutes). */
const SEQUENCES = process.argv.includes('--corpus-full') ? CORPUS : 40;

export const corpusSection: BenchSection = {
  name: `corpus unit search: LSTM, D=${D}, H=${H}, ${SEQUENCES.toLocaleString('en')} sequences of T=${T}${SEQUENCES < CORPUS ? ` (projected to ${CORPUS.toLocaleString('en')}; --corpus-full runs them all)` : ''}`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const network = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
    const model: LoadedModel = { network, init: undefined, head: null, embedding: null, weightsSource: null, weightsFormat: null, seed: 1, notes: [] };
    const runner = new CorpusRunner(model);
    const seqs = Array.from({ length: 4 }, (_, i) => {
      const flat = series(T, D, i + 1);
      return Array.from({ length: T }, (_, t) => Float64Array.from(flat.subarray(t * D, (t + 1) * D)));
    });
    ctx.log('corpus: plain runs');
    let t0 = performance.now();
    // the plain run's cost per sequence is the same whatever the count: 40 of them
    const PLAIN = Math.min(SEQUENCES, 40);
    for (let s = 0; s < PLAIN; s++) runner.run(seqs[s % 4]!, () => {});
    const plain = (performance.now() - t0) / PLAIN;
    ctx.log('corpus: unit search');
    const sums = new TrackSums(network);
    global.gc?.();
    let heapAfterFirst = 0;
    t0 = performance.now();
    for (let s = 0; s < SEQUENCES; s++) {
      const xs = seqs[s % 4]!;
      runner.run(xs, (step, t) => sums.add(step, xs[t]![0]!));
      if (s === 0) heapAfterFirst = process.memoryUsage().heapUsed;
    }
    const search = (performance.now() - t0) / SEQUENCES;
    const ranked = sums.result();
    const growth = (process.memoryUsage().heapUsed - heapAfterFirst) / 2 ** 20;
    return [
      { name: 'plain run, per sequence', value: plain, unit: 'ms' },
      { name: 'unit search, per sequence', value: search, unit: 'ms', note: `${(search / plain).toFixed(2)}x the plain run; best |r| ${Math.abs(ranked[0]!.r).toFixed(3)}` },
      { name: `unit search, ${CORPUS.toLocaleString('en')} sequences${SEQUENCES < CORPUS ? ' (projected)' : ''}`, value: (search * CORPUS) / 1000, unit: 's', note: `plain run ${((plain * CORPUS) / 1000).toFixed(0)} s` },
      { name: `heap growth over ${SEQUENCES - 1} sequences after the first`, value: growth, unit: 'MiB', note: 'flat: nothing per sequence is kept' },
    ];
  },
};
