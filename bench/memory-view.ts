/**
 * The memory view in its worker (trace/memory-view.ts with memory-host.ts), an LSTM D=16 H=512,
 * cursor at the last of 1,000 steps: how long until the first columns are drawn (the figures of
 * the nearest steps), until a screen's worth (67 columns at 80 wide, 187 at 200), and until the
 * whole 1,000-step window is done, against the same measure run to the end on this thread
 * (engine memoryProfile, what the former view would have had to wait for).
 * Needs dist/ (npm run bench builds it): the worker is dist/trace/memory-worker.js.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kernelVariant } from '../src/engine/fast/index.js';
import { memoryProfile, randomNetwork } from '../src/engine/index.js';
import { MemoryTracker, memoryWindow } from '../src/trace/memory-view.js';
import { TraceStore } from '../src/trace/trace-store.js';
import { series, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 16;
const H = 512;
const T = 1000;

export const memoryViewSection: BenchSection = {
  name: `memory view in its worker: LSTM, D=${D}, H=${H}, T=${T}, cursor at the last step`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
    const flat = series(T, D);
    const xs = Array.from({ length: T }, (_, t) => Float64Array.from(flat.subarray(t * D, (t + 1) * D)));
    const store = new TraceStore(net, { source: 'bench.csv' });
    xs.forEach((x, t) => store.append(x, `r${t}`));
    store.finish();
    const url = pathToFileURL(join(ctx.root, 'dist', 'trace', 'memory-worker.js'));
    const tracker = new MemoryTracker(store, { worker: { url, kernelVariant: kernelVariant() } });
    ctx.log('memory view: worker, 1000 steps back');
    const marks: { first: number | null; s67: number | null; s187: number | null; done: number | null } = { first: null, s67: null, s187: null, done: null };
    let keyMs = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const now = performance.now() - t0;
        const s = tracker.state(T - 1);
        if (s.status === 'failed') {
          off();
          reject(new Error(s.message));
          return;
        }
        const have = s.status === 'done' ? T : s.status === 'computing' && s.partial !== null ? s.passes : 0;
        if (have > 0) marks.first ??= now;
        if (have >= 67) marks.s67 ??= now;
        if (have >= 187) marks.s187 ??= now;
        if (s.status === 'done') {
          marks.done = now;
          off();
          resolve();
        }
      };
      const off = tracker.subscribe(check);
      const k0 = performance.now();
      tracker.request(T - 1);
      keyMs = performance.now() - k0;
    });
    tracker.cancel();
    ctx.log('memory view: the same measure on this thread');
    const r0 = performance.now();
    memoryProfile(net, xs);
    const here = performance.now() - r0;
    const of = (v: number | null): string => (v === null ? '' : `${(here / v).toFixed(0)}x sooner than the whole measure on this thread`);
    return [
      { name: 'request (on the key path)', value: keyMs, unit: 'ms', note: 'the job handed to the worker' },
      { name: 'time to first columns', value: marks.first, unit: 'ms', note: of(marks.first) },
      { name: '67 columns (80 wide)', value: marks.s67, unit: 'ms', note: of(marks.s67) },
      { name: '187 columns (200 wide)', value: marks.s187, unit: 'ms', note: of(marks.s187) },
      { name: 'all 1000 steps', value: marks.done, unit: 'ms' },
      { name: 'whole measure on this thread (memoryProfile)', value: here, unit: 'ms', note: `blocking; the view on this thread caps its window at ${memoryWindow(net)} steps here instead` },
    ];
  },
};
