/**
 * `gatescope stats` over 200,000 steps at H = 128 (LSTM, D = 16) as a whole process: Node start,
 * imports, .npy parsing, the engine and the statistics, against ONNX Runtime's session.run on the
 * same weights and input (the run alone: no start-up, no parsing, no statistics).
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { randomNetwork, type Network } from '../src/engine/index.js';
import { stateDictFromNetwork } from '../src/io/weights/pytorch.js';
import { benchNetwork } from './engine.js';
import { median, runNode, series, timeTurns, writeNpy, type BenchContext, type BenchSection, type Figure } from './lib.js';
import { inputTensor, loadOrt, ortRun, ortSession } from './ort.js';

const T = 200_000;
const H = 128;
const D = 16;

export const statsProcessSection: BenchSection = {
  name: `gatescope stats, ${T} steps, LSTM H=${H} D=${D}, whole process`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const net = benchNetwork(H);
    const xs = series(T, D, 3);
    const npy = join(ctx.tmp, 'stats-input.npy');
    const weights = join(ctx.tmp, 'stats-weights.json');
    writeNpy(npy, xs, T, D);
    writeFileSync(weights, JSON.stringify(stateDictFromNetwork(net)));
    const bin = join(ctx.root, 'bin', 'gatescope.js');
    const rss: number[] = [];
    const loaded = await loadOrt();
    const session = 'ort' in loaded ? await ortSession(loaded.ort, net) : null;
    const x = 'ort' in loaded ? inputTensor(loaded.ort, xs, T, D) : null;
    ctx.log('stats process and ORT session.run, in turns');
    const [wall, ortMs] = await timeTurns(Math.max(3, ctx.reps), [
      async () => {
        const run = await runNode([bin, 'stats', npy, '--weights', weights, '--format', 'json', '--output', join(ctx.tmp, 'stats.json')], {
          cwd: ctx.root,
          tmp: ctx.tmp,
        });
        if (run.code !== 0) throw new Error(`gatescope stats failed (${run.code}): ${run.stderr}`);
        rss.push(run.maxRssMiB);
      },
      session === null ? null : () => ortRun(session, x!),
    ]);
    const starts: number[] = [];
    for (let r = 0; r < 3; r++) starts.push((await runNode(['-e', '0'], { cwd: ctx.root, tmp: ctx.tmp })).wallMs);
    const node = median(starts);
    return [
      { name: 'gatescope stats (whole process)', value: wall!, unit: 'ms', note: `${((wall! * 1000) / T).toFixed(2)} us/step` },
      { name: 'gatescope stats peak RSS', value: median(rss), unit: 'MiB' },
      { name: 'node -e 0 (for scale)', value: node, unit: 'ms' },
      { name: 'ONNX Runtime session.run (run only)', value: ortMs ?? null, unit: 'ms', note: ortMs === null || ortMs === undefined ? 'not loaded' : `${((ortMs * 1000) / T).toFixed(2)} us/step` },
      { name: 'stats process / ORT session.run', value: ortMs === null || ortMs === undefined ? null : wall! / ortMs, unit: 'x', note: 'target <= 1.5' },
    ];
  },
};

/** A bidirectional network's statistics with its two directions on one thread, then on two workers. */
export const statsThreadsSection: BenchSection = {
  name: 'gatescope stats, bidirectional LSTM H=128 D=16, 100000 steps: one thread vs two worker threads',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const steps = 100_000;
    const net = randomNetworkFor();
    const npy = join(ctx.tmp, 'bidi-input.npy');
    const weights = join(ctx.tmp, 'bidi-weights.json');
    writeNpy(npy, series(steps, D, 4), steps, D);
    writeFileSync(weights, JSON.stringify(stateDictFromNetwork(net)));
    const bin = join(ctx.root, 'bin', 'gatescope.js');
    const proc = (flag: string) => async () => {
      const run = await runNode([bin, 'stats', npy, '--weights', weights, '--format', 'json', '--output', join(ctx.tmp, `bidi${flag}.json`), flag], {
        cwd: ctx.root,
        tmp: ctx.tmp,
      });
      if (run.code !== 0) throw new Error(`gatescope stats ${flag} failed (${run.code}): ${run.stderr}`);
    };
    ctx.log('bidirectional stats, one thread and two, in turns');
    const [one, two] = await timeTurns(Math.max(3, ctx.reps), [proc('--no-threads'), proc('--threads')]);
    return [
      { name: 'one thread (--no-threads)', value: one!, unit: 'ms' },
      { name: 'two worker threads (--threads)', value: two!, unit: 'ms' },
      { name: 'one / two', value: one! / two!, unit: 'x', note: `${cpus().length} cores; by default threads run when a core is idle` },
    ];
  },
};

function randomNetworkFor(): Network {
  return randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, bidirectional: true, seed: 2 });
}
