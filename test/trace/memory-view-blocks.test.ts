import { describe, expect, it } from 'vitest';
import { createRng, memoryProfile, randomNetwork } from '../../src/engine/index.js';
import { MemoryTracker } from '../../src/trace/memory-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { expectClose } from '../helpers/expect-close.js';

function store(H: number) {
  const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: H, seed: 9 });
  const s = new TraceStore(net, { source: 'seq.csv' });
  const rng = createRng(4);
  const xs: Float64Array[] = [];
  for (let t = 0; t < 12; t++) {
    const x = Float64Array.from({ length: 2 }, () => Math.fround(rng.uniform(-1, 1)));
    xs.push(x);
    s.append(x, `${t}`);
  }
  s.finish();
  return { net, s, xs };
}

describe('MemoryTracker blocks', () => {
  it('doubles the rows per block while blocks are quick, and still gives the whole-run figures', () => {
    const { net, s, xs } = store(16);
    let clock = 0;
    // Every block "takes" 1 ms of an 8 ms slice: 1 + 2 + 4 + 8 + 1 rows, all in the first slice.
    const tracker = new MemoryTracker(s, { schedule: () => expect.fail('no second slice expected'), now: () => (clock += 1), sliceMs: 8 });
    const state = tracker.request(11);
    if (state.status !== 'done') throw new Error(`expected done, got ${JSON.stringify(state)}`);
    const want = memoryProfile(net, xs);
    expectClose(state.result.profile.sensitivity.map((v) => v.x), want.sensitivity.map((v) => v.x), 1e-12, 'x[t={i}]');
    expectClose(state.result.profile.sensitivity.map((v) => v.h), want.sensitivity.map((v) => v.h), 1e-12, 'h[t={i}]');
  });

  it('keeps one row per block while blocks take a quarter slice or more', () => {
    const { s } = store(16);
    let clock = 0;
    const tracker = new MemoryTracker(s, { schedule: () => {}, now: () => (clock += 3), sliceMs: 8 });
    expect(tracker.request(11)).toEqual({ status: 'computing', passes: 3, of: 16, progress: 'rows', partial: null, steps: 12, limited: false });
  });
});
