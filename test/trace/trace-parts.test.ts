/**
 * The parts of the trace store on their own (input-history.ts, block-cache.ts, filling.ts): what
 * each keeps, drops and recomputes. checkpoints.test.ts tests them together through TraceStore.
 */
import { describe, expect, it } from 'vitest';
import { createBlockEngine } from '../../src/engine/choose-runner.js';
import { createRng, randomNetwork, runSequence } from '../../src/engine/index.js';
import { allViews } from '../../src/engine/runner.js';
import { BlockCache } from '../../src/trace/block-cache.js';
import { Filling } from '../../src/trace/filling.js';
import { InputHistory, type RowSource } from '../../src/trace/input-history.js';
import { StepRows } from '../../src/trace/step-rows.js';

function sequence(T: number, D: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: D }, () => rng.uniform(-1, 1)));
}

describe('InputHistory', () => {
  it('keeps rows as float32 and labels made visible, block by block, and drops a block', () => {
    const h = new InputHistory(2, 4, 10, null);
    for (let t = 0; t < 10; t++) h.put(t, [t + 0.1, -t], t === 3 ? 'a\u001b[31mb' : `s${t}`);
    expect(Array.from(h.x(5))).toEqual([Math.fround(5.1), -5]);
    expect(h.label(3)).not.toContain('\u001b');
    expect(h.label(9)).toBe('s9');
    const out = new Float32Array(6);
    expect(h.read(4, 3, out)).toEqual({ rows: 3, error: null });
    expect(Array.from(out)).toEqual([4.1, -4, 5.1, -5, 6.1, -6].map(Math.fround));
    expect(h.footprint()).toEqual({ inputValues: 3 * 8, labels: 10, bytes: 3 * 8 * 4 });
    h.drop(0);
    expect(h.footprint().inputValues).toBe(2 * 8);
  });

  it('over a RowSource keeps nothing and reads the source', () => {
    const src: RowSource = {
      length: 3,
      read: (t0, n, out) => {
        for (let i = 0; i < n; i++) out.set([t0 + i, 2 * (t0 + i)], 2 * i);
        return { rows: n, error: null };
      },
      label: (t) => `row ${t}`,
    };
    const h = new InputHistory(2, 4, 40, src);
    expect(Array.from(h.x(2))).toEqual([2, 4]);
    expect(h.label(1)).toBe('row 1');
    expect(h.footprint()).toEqual({ inputValues: 0, labels: 0, bytes: 0 });
    expect(() => h.put(0, [1, 2], '')).toThrow(/RowSource/);
  });
});

describe('BlockCache', () => {
  const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 3, seed: 5 });
  // float32 values, as the history keeps them, so that a full run sees the same inputs
  const xs = sequence(12, 2, 1).map((r) => r.map(Math.fround));
  const setup = () => {
    const engine = createBlockEngine(net, undefined, 4, 'reference');
    const rows = new StepRows(net, null);
    const views = allViews(net);
    const history = new InputHistory(2, 4, 40, null);
    xs.forEach((x, t) => history.put(t, x, ''));
    return { engine, rows, views, history, cache: new BlockCache(engine, rows, 4, 2, views) };
  };

  it('recomputes a block from its checkpoint to the values of a full run, and caches at most maxCached blocks, least recently used out first', () => {
    const { engine, rows, views, history, cache } = setup();
    // checkpoints as a pass leaves them: the state at the start of each block
    const full = runSequence(net, xs);
    for (let c = 0; c < 3; c++) {
      const s = engine.newState();
      if (c === 0) s.set(engine.initialState());
      else {
        const last = full[c * 4 - 1]!.layers[0]![0]!;
        s.set(last.h, 0);
        s.set(last.c!, 3);
      }
      cache.offerCheckpoint(c, s);
    }
    const b2 = cache.block(2, 4, history.read, false);
    const want = new Float32Array(rows.width);
    rows.write(full[9]!, want, 0, null);
    expect(Array.from(b2.subarray(rows.width, 2 * rows.width))).toEqual(Array.from(want));
    // the first checkpoint offered stays
    cache.offerCheckpoint(2, engine.newState());
    expect(cache.block(2, 4, history.read, false)).toBe(b2);
    cache.block(0, 4, history.read, false);
    cache.block(1, 4, history.read, false);
    const f = cache.footprint();
    expect(f.checkpoints).toBe(3);
    // three blocks asked for, room for two: the least recently used (block 2) went
    expect(f.cachedBlocks).toBe(2);
    expect(cache.block(2, 4, history.read, false)).not.toBe(b2);
  });

  it('refuses a block without a checkpoint, and forgets a dropped one', () => {
    const { history, cache, engine } = setup();
    expect(() => cache.block(1, 4, history.read, false)).toThrow(/no checkpoint for block 1/);
    cache.offerCheckpoint(0, engine.initialState());
    cache.drop(0);
    expect(cache.checkpoint(0)).toBeUndefined();
  });
});

describe('Filling', () => {
  const make = (bidirectional: boolean, maxSteps: number) => {
    const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 3, bidirectional, seed: 9 });
    const engine = createBlockEngine(net, undefined, 4, 'reference');
    const rows = new StepRows(net, null);
    const ranges = rows.newRanges();
    const history = new InputHistory(2, 4, 40, null);
    const views = allViews(net);
    const blocks = new BlockCache(engine, rows, 4, 3, views);
    const fill = new Filling(engine, rows, ranges, history, blocks, views, !bidirectional, maxSteps, null);
    return { fill, blocks, history, ranges };
  };

  it('steps a forward network as records arrive and drops the oldest block past maxSteps', () => {
    const { fill, blocks } = make(false, 8);
    let heard = 0;
    fill.subscribe(() => heard++);
    for (const x of sequence(14, 2, 3)) fill.append(x, '');
    expect(fill.count).toBe(14);
    expect(heard).toBe(14);
    // 14 steps, at most 8 kept: blocks 0 and 1 went (6 held), block 2 stays
    expect(fill.firstBlock).toBe(2);
    expect(blocks.checkpoint(1)).toBeUndefined();
    expect(blocks.checkpoint(2)).toBeDefined();
    expect(blocks.checkpoint(3)).toBeDefined();
    expect(() => fill.append([1], '')).toThrow(/expected 2 features, got 1/);
  });

  it('holds a bidirectional network\'s records until the end, then runs them all', () => {
    const { fill, ranges } = make(true, 100);
    for (const x of sequence(10, 2, 4)) fill.append(x, '');
    expect(fill.count).toBe(0);
    expect(fill.buffered).toBe(10);
    fill.finish();
    expect(fill.count).toBe(10);
    expect(fill.buffered).toBe(0);
    expect(fill.status).toBe('done');
    expect(ranges.get(ranges.slot(1, 0)).max).toBeGreaterThan(0);
    expect(() => fill.append([0, 0], '')).toThrow(/after the input ended/);
  });

  it('keeps what arrived when the input fails, with the message made visible', () => {
    const { fill } = make(true, 100);
    for (const x of sequence(3, 2, 5)) fill.append(x, '');
    fill.fail('bad \u001b[2J row');
    expect(fill.status).toBe('failed');
    expect(fill.count).toBe(3);
    expect(fill.error).not.toContain('\u001b');
  });
});
