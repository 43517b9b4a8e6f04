import { describe, expect, it } from 'vitest';
import { createRng, memoryProfile, randomNetwork, type Network } from '../../src/engine/index.js';
import { kernelVariant } from '../../src/engine/fast/index.js';
import { MemoryTracker, type MemoryResult, type MemoryState } from '../../src/trace/memory-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { requireBuilt } from '../helpers/build.js';

// The worker runs compiled code: `npm test` builds dist/ first (pretest); without it these tests fail.
const WORKER = new URL('../../dist/trace/memory-worker.js', import.meta.url);

function run(net: Network, T: number, seed = 3): { store: TraceStore; xs: Float64Array[] } {
  const store = new TraceStore(net, { source: 'seq.csv' });
  const rng = createRng(seed);
  const xs: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const x = Float64Array.from({ length: net.inputSize }, () => Math.fround(rng.uniform(-1, 1)));
    xs.push(x);
    store.append(x, `r${t}`);
  }
  store.finish();
  return { store, xs };
}

/** Every state the tracker reports for `cursor` until it is done (each notice read once). */
function until(tracker: MemoryTracker, cursor: number): Promise<{ result: MemoryResult; seen: MemoryState[] }> {
  const seen: MemoryState[] = [tracker.request(cursor)];
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const s = tracker.state(cursor);
      seen.push(s);
      if (s.status === 'done') {
        off();
        resolve({ result: s.result, seen });
      } else if (s.status === 'failed') {
        off();
        reject(new Error(s.message));
      }
    };
    const off = tracker.subscribe(check);
    check();
  });
}

function relative(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}

describe('MemoryTracker in a worker', () => {
  it('gives memoryProfile figures (to float32 rounding), the nearest steps first, while this thread stays free', async () => {
    requireBuilt('dist/trace/memory-worker.js');
    const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 96, seed: 11 });
    const { store, xs } = run(net, 400);
    const tracker = new MemoryTracker(store, { worker: { url: WORKER, kernelVariant: kernelVariant() }, maxWindow: 400 });
    try {
      const t0 = performance.now();
      const first = tracker.request(399);
      // a job handed over: request returns at once, nothing computed here
      expect(first.status).toBe('computing');
      expect(performance.now() - t0).toBeLessThan(50);
      const { result, seen } = await until(tracker, 399);
      const partial = seen.flatMap((s) => (s.status === 'computing' && s.partial !== null ? [s] : []));
      expect(partial.length).toBeGreaterThan(0);
      let before = 0;
      for (const s of partial) {
        if (s.status !== 'computing' || s.partial === null) continue;
        expect(s.progress).toBe('steps');
        // a partial result covers the last `passes` steps, growing back from the cursor
        expect(s.partial.start).toBe(400 - s.passes);
        expect(s.passes).toBeGreaterThanOrEqual(before);
        before = s.passes;
        expect(s.partial.profile.sensitivity.at(-1)!.h).toBeCloseTo(Math.sqrt(96), 4);
      }
      const want = memoryProfile(net, xs);
      let worst = 0;
      result.profile.sensitivity.forEach((s, t) => {
        for (const q of ['x', 'h', 'c'] as const) worst = Math.max(worst, relative(s[q]!, want.sensitivity[t]![q]!));
      });
      expect(worst).toBeLessThan(1e-4);
    } finally {
      tracker.cancel();
    }
  });

  it('drops the job of a cursor left for another, and marks x unknown in a partial result of two layers', async () => {
    requireBuilt('dist/trace/memory-worker.js');
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 64, numLayers: 2, seed: 12 });
    const { store, xs } = run(net, 300);
    const tracker = new MemoryTracker(store, { worker: { url: WORKER, kernelVariant: kernelVariant() }, maxWindow: 300 });
    try {
      tracker.request(299);
      const { result, seen } = await until(tracker, 250);
      expect(tracker.state(299).status).toBe('idle'); // dropped, never finished
      expect(result.start).toBe(0);
      const partial = seen.flatMap((s) => (s.status === 'computing' && s.partial !== null ? [s.partial] : []));
      expect(partial.length).toBeGreaterThan(0);
      for (const p of partial) expect(Number.isNaN(p.profile.sensitivity[0]!.x)).toBe(true);
      const want = memoryProfile(net, xs.slice(0, 251));
      result.profile.sensitivity.forEach((s, t) => expect(relative(s.x, want.sensitivity[t]!.x)).toBeLessThan(1e-4));
    } finally {
      tracker.cancel();
    }
  });

  it('measures an mLSTM (2 heads, 2 layers) in the worker: x and C as memoryProfile gives them', async () => {
    requireBuilt('dist/trace/memory-worker.js');
    const net = randomNetwork({ kind: 'mlstm', inputSize: 3, hiddenSize: 8, numHeads: 2, numLayers: 2, seed: 14 });
    const { store, xs } = run(net, 120);
    const tracker = new MemoryTracker(store, { worker: { url: WORKER, kernelVariant: kernelVariant() }, maxWindow: 120 });
    try {
      const { result } = await until(tracker, 119);
      const want = memoryProfile(net, xs);
      expect(result.profile.cell).toBe('mlstm');
      result.profile.sensitivity.forEach((s, t) => {
        expect(relative(s.x, want.sensitivity[t]!.x), `x[t=${t}]`).toBeLessThan(1e-9);
        expect(relative(s.C!, want.sensitivity[t]!.C!), `C[t=${t}]`).toBeLessThan(1e-9);
      });
    } finally {
      tracker.cancel();
    }
  });

  it('computes on this thread when the worker cannot load', async () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 8, seed: 13 });
    const { store, xs } = run(net, 50);
    const tracker = new MemoryTracker(store, { worker: { url: new URL('./no-such-worker.js', import.meta.url) } });
    try {
      const { result } = await until(tracker, 49);
      const want = memoryProfile(net, xs);
      result.profile.sensitivity.forEach((s, t) => expect(relative(s.c!, want.sensitivity[t]!.c!)).toBeLessThan(1e-9));
    } finally {
      tracker.cancel();
    }
  });
});
