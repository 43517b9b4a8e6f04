import { describe, expect, it } from 'vitest';
import { createRng, memoryProfile, randomNetwork, type CellKind, type Network } from '../../src/engine/index.js';
import { flopsPerStep } from '../../src/engine/index.js';
import { MEMORY_PASS_BUDGET, memoryWindow, MemoryTracker, type MemoryState } from '../../src/trace/memory-view.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { expectClose } from '../helpers/expect-close.js';

function run(net: Network, T: number, seed = 3): { store: TraceStore; xs: Float64Array[] } {
  const store = new TraceStore(net, { source: 'seq.csv' });
  const rng = createRng(seed);
  const xs: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    // float32-exact inputs: the trace stores x as float32, the reference sees the same numbers.
    const x = Float64Array.from({ length: net.inputSize }, () => Math.fround(rng.uniform(-1, 1)));
    xs.push(x);
    store.append(x, `r${t}`);
  }
  store.finish();
  return { store, xs };
}

function done(state: MemoryState) {
  if (state.status !== 'done') throw new Error(`expected a result, got ${JSON.stringify(state)}`);
  return state.result;
}

/** A scheduler the test drives: slices run only when asked. */
function manual() {
  const queue: (() => void)[] = [];
  return { schedule: (f: () => void) => void queue.push(f), runAll: () => { while (queue.length > 0) queue.shift()!(); }, get size() { return queue.length; } };
}

describe('MemoryTracker', () => {
  for (const kind of ['lstm', 'gru', 'rnn_tanh'] as CellKind[]) {
    it(`gives engine memoryProfile's figures over the steps up to the cursor (${kind}, 2 layers)`, () => {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 11 });
      const { store, xs } = run(net, 30);
      const tracker = new MemoryTracker(store);
      const cursor = 21;
      const r = done(tracker.computeNow(cursor));
      expect(r.start).toBe(0);
      expect(r.limited).toBe(false);
      const want = memoryProfile(net, xs.slice(0, cursor + 1));
      for (const q of kind === 'lstm' ? (['x', 'h', 'c'] as const) : (['x', 'h'] as const)) {
        expectClose(
          r.profile.sensitivity.map((s) => s[q]!),
          want.sensitivity.map((s) => s[q]!),
          1e-9,
          `${kind} ${q}[t={i}]`,
        );
      }
    });
  }

  it('measures a window of the latest steps from the state the trace holds before it', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 4, seed: 5 });
    const { store, xs } = run(net, 40);
    const tracker = new MemoryTracker(store, { maxWindow: 12 });
    const r = done(tracker.computeNow(35));
    expect(r.start).toBe(24);
    expect(r.limited).toBe(true);
    expect(r.profile.T).toBe(12);
    // The same derivatives as through the whole run: the state at step 23 is a fixed point of both.
    const whole = memoryProfile(net, xs.slice(0, 36)).sensitivity.slice(24);
    // The trace keeps states as float32, so the window starts from a rounded state.
    expectClose(r.profile.sensitivity.map((s) => s.x), whole.map((s) => s.x), 1e-5, 'x[t={i}]');
    expectClose(r.profile.sensitivity.map((s) => s.c!), whole.map((s) => s.c!), 1e-5, 'c[t={i}]');
  });

  it('works in slices between keys, and drops a job when the cursor moves on', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 6, seed: 2 });
    const { store } = run(net, 20);
    const sched = manual();
    let clock = 0;
    // Every pass "takes" 10 ms: one pass per slice of 8 ms.
    const tracker = new MemoryTracker(store, { schedule: sched.schedule, now: () => (clock += 10), sliceMs: 8 });
    let heard = 0;
    tracker.subscribe(() => heard++);
    const first = tracker.request(10);
    expect(first).toEqual({ status: 'computing', passes: 1, of: 6, progress: 'rows', partial: null, steps: 11, limited: false });
    expect(sched.size).toBe(1);
    // The cursor moved: the job for step 11 is dropped, step 15's starts.
    expect(tracker.request(15)).toEqual({ status: 'computing', passes: 1, of: 6, progress: 'rows', partial: null, steps: 16, limited: false });
    expect(tracker.state(10)).toEqual({ status: 'idle' });
    // Asking again while it runs does no work here: the scheduled slices go on.
    expect(tracker.request(15)).toEqual({ status: 'computing', passes: 1, of: 6, progress: 'rows', partial: null, steps: 16, limited: false });
    sched.runAll();
    expect(done(tracker.state(15)).cursor).toBe(15);
    // Every later slice is heard (the first ran inside request, which its caller sees).
    expect(heard).toBe(5);
    // Memoised: no work the second time.
    expect(tracker.request(15).status).toBe('done');
    expect(sched.size).toBe(0);
  });

  it('waits for a step that is not held yet, then computes it', () => {
    const net = randomNetwork({ kind: 'gru', inputSize: 1, hiddenSize: 3, seed: 1 });
    const store = new TraceStore(net, { source: '<stdin>' });
    const tracker = new MemoryTracker(store);
    expect(tracker.request(2)).toEqual({ status: 'idle' });
    for (let t = 0; t < 3; t++) store.append([t / 3], `${t}`);
    expect(tracker.request(2).status).toBe('done');
  });

  it('says why a network that only runs in reverse has no memory view', () => {
    const base = randomNetwork({ kind: 'rnn_tanh', inputSize: 2, hiddenSize: 3, seed: 1 });
    const net: Network = { ...base, directions: ['reverse'] };
    const { store } = run(net, 5);
    const state = new MemoryTracker(store).request(4);
    expect(state.status).toBe('failed');
    expect(state.status === 'failed' && state.message).toMatch(/forward direction/);
  });

  it('measures fewer steps back for a big network, so one pass stays short', () => {
    const small = randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 8, seed: 1 });
    const big = randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 256, seed: 1 });
    expect(memoryWindow(small)).toBe(200);
    expect(memoryWindow(big)).toBeLessThan(200);
    expect(memoryWindow(big) * flopsPerStep(big)).toBeLessThanOrEqual(MEMORY_PASS_BUDGET);
    expect(memoryWindow(big)).toBeGreaterThanOrEqual(4);
  });
});

describe('MemoryTracker on an mLSTM', () => {
  it('gives memoryProfile\'s x and C, in a window that starts from the engine\'s own n, m and C (mid-block)', () => {
    const net = randomNetwork({ kind: 'mlstm', inputSize: 3, hiddenSize: 4, numHeads: 2, numLayers: 2, seed: 9 });
    const { store, xs } = run(net, 40);
    const whole = memoryProfile(net, xs.slice(0, 36));
    expect(whole.sensitivity[0]).toHaveProperty('C');
    const all = done(new MemoryTracker(store).computeNow(35));
    expectClose(all.profile.sensitivity.map((s) => s.C!), whole.sensitivity.map((s) => s.C!), 1e-9, 'C[t={i}]');
    expectClose(all.profile.sensitivity.map((s) => s.x), whole.sensitivity.map((s) => s.x), 1e-9, 'x[t={i}]');
    const r = done(new MemoryTracker(store, { maxWindow: 12 }).computeNow(35));
    expect(r.start).toBe(24);
    expect(r.limited).toBe(true);
    // the state before step 24 is the engine's float64 one (the rows hold no C): the same figures as the whole run's
    expectClose(r.profile.sensitivity.map((s) => s.C!), whole.sensitivity.slice(24).map((s) => s.C!), 1e-9, 'C[t={i}]');
    expectClose(r.profile.sensitivity.map((s) => s.x), whole.sensitivity.slice(24).map((s) => s.x), 1e-9, 'x[t={i}]');
  });
});
