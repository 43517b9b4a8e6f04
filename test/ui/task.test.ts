import { describe, expect, it } from 'vitest';
import { randomNetwork, softmax } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { guessesAt, inputHint, isClassifier, targetAt } from '../../src/ui/task.js';

function store(xs: readonly number[][], head: { weight: Float32Array; bias: Float32Array; outSize: number } | null, tokens = false): TraceStore {
  const net = randomNetwork({ kind: 'lstm', inputSize: xs[0]!.length, hiddenSize: 2, seed: 1 });
  const names = tokens ? ['(', ')'] : xs[0]!.map((_, j) => `x${j}`);
  const st = new TraceStore(net, { source: 'mem', featureNames: names, head: head === null ? null : { ...head, inSize: 2 }, tokens, classNames: tokens ? ['(', ')'] : null });
  xs.forEach((x, t) => st.append(x, tokens ? (x[0] === 1 ? '(' : ')') : `r${t}`));
  st.finish();
  return st;
}

describe('the task on screen', () => {
  it('scores the remembered value at the last step only, within the tolerance', () => {
    // a head that reads 0 from h and outputs its bias: 0.85
    const head = { weight: new Float32Array(2), bias: Float32Array.from([0.85]), outSize: 1 };
    const st = store([[0.9, 1], [0.1, 0], [-0.3, 0]], head);
    const rule = { kind: 'feature-at', step: 0, feature: 0, tolerance: 0.1 } as const;
    expect(targetAt(st, st, rule, 0, 3, true)).toEqual({ text: 'target 0.9000 at the last step', ok: null });
    expect(targetAt(st, st, rule, 2, 3, true)).toEqual({ text: 'target 0.9000', ok: true });
    expect(targetAt(st, st, { ...rule, tolerance: 0.01 }, 2, 3, true)!.ok).toBe(false);
    // a stream that has not ended has no last step yet
    expect(targetAt(st, st, rule, 2, 3, false)!.ok).toBeNull();
  });

  it('scores the next value, and has none at the last step', () => {
    const head = { weight: new Float32Array(2), bias: Float32Array.from([0.5]), outSize: 1 };
    const st = store([[0.1], [0.55], [0.9]], head);
    const rule = { kind: 'next-feature', feature: 0, tolerance: 0.1 } as const;
    expect(targetAt(st, st, rule, 0, 3, true)).toEqual({ text: 'next x 0.5500', ok: true });
    expect(targetAt(st, st, rule, 1, 3, true)).toEqual({ text: 'next x 0.9000', ok: false });
    expect(targetAt(st, st, rule, 2, 3, true)).toBeNull();
  });

  it('reads a head with several outputs as logits: top guesses by softmax, the actual next token scored', () => {
    const head = { weight: new Float32Array(4), bias: Float32Array.from([2, 0]), outSize: 2 };
    const st = store([[1, 0], [0, 1], [1, 0]], head, true);
    expect(isClassifier(st)).toBe(true);
    const g = guessesAt(st, 0, 5)!;
    expect(g.map((x) => x.index)).toEqual([0, 1]);
    expect(g[0]!.p).toBeCloseTo(softmax([2, 0])[0]!, 12);
    expect(g[0]!.p + g[1]!.p).toBeCloseTo(1, 12);
    // the next character after step 0 is ")": the guess "(" is wrong; after step 1 it is "(": right
    expect(targetAt(st, st, { kind: 'next-token' }, 0, 3, true)).toEqual({ text: 'actual “)”', ok: false });
    expect(targetAt(st, st, { kind: 'next-token' }, 1, 3, true)).toEqual({ text: 'actual “(”', ok: true });
  });

  it('hints at normalising only an input far outside the gates\' range', () => {
    expect(inputHint(store([[1], [-3]], null))).toBeNull();
    expect(inputHint(store([[1], [250]], null))).toMatch(/^inputs reach \|x\| = 250\.0: gates saturate/);
  });
});
