/**
 * The two-thread stepper against the one-thread fast stepper and the reference engine, including
 * the worker's sleep and wake-up between bursts, and what it refuses. Its worker is the built one
 * (dist/), as the pass worker's tests use.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepper, randomNetwork, ShapeError, type Network } from '../../src/engine/index.js';
import { createFastStepper, fastAvailable } from '../../src/engine/fast/index.js';
import { splitUnits } from '../../src/engine/fast/step-plan.js';
import { createSplitStepper, SPIN_MS, splitStepperFits, type SplitStepper } from '../../src/trace/split-stepper.js';
import { expectClose } from '../helpers/expect-close.js';
import { withExtras } from '../helpers/network-extras.js';

const WORKER = new URL('../../dist/trace/split-worker.js', import.meta.url);
const built = existsSync(fileURLToPath(WORKER));

const open: SplitStepper[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function split(net: Network, init?: Parameters<typeof createSplitStepper>[1]): Promise<SplitStepper> {
  const s = await createSplitStepper(net, init, { workerUrl: WORKER });
  open.push(s);
  return s;
}

function inputs(T: number, D: number): number[][] {
  return Array.from({ length: T }, (_, t) => Array.from({ length: D }, (_, j) => Math.sin(0.7 * t + 1.3 * j) * (1 + (j % 3))));
}

describe('splitUnits', () => {
  it('cuts H into whole vectors, the last part taking the rest', () => {
    expect(splitUnits(128, 2)).toEqual([{ u0: 0, count: 64 }, { u0: 64, count: 64 }]);
    expect(splitUnits(9, 2)).toEqual([{ u0: 0, count: 8 }, { u0: 8, count: 1 }]);
    expect(splitUnits(130, 2)).toEqual([{ u0: 0, count: 68 }, { u0: 68, count: 62 }]);
    expect(splitUnits(3, 2)).toEqual([{ u0: 0, count: 3 }]);
    expect(splitUnits(7, 1)).toEqual([{ u0: 0, count: 7 }]);
  });
});

describe.skipIf(!built || !fastAvailable())('the split stepper (two threads)', () => {
  it('steps a 2-layer LSTM with peepholes, clipping and an initial state as the one-thread stepper', async () => {
    const net = withExtras(randomNetwork({ kind: 'lstm', inputSize: 4, hiddenSize: 9, numLayers: 2, seed: 2 }), {
      clip: 1.5,
      peephole: true,
      lbr: true,
      seed: 3,
    });
    expect(splitStepperFits(net)).toBe(true);
    const init = { h0: [Array(9).fill(0.1), Array(9).fill(-0.2)], c0: [Array(9).fill(0.3), Array(9).fill(0)] };
    const s = await split(net, init);
    const one = createFastStepper(net, init);
    const reference = createStepper(net, init);
    for (const [t, x] of inputs(40, 4).entries()) {
      const got = s.step(x);
      expect(s.t).toBe(t + 1);
      const want = one.step(x);
      const ref = reference.step(x);
      for (let k = 0; k < 2; k++) {
        for (const key of ['pre', 'gates', 'h', 'c'] as const) {
          expectClose(got.layers[k]![0]![key]!, want.layers[k]![0]![key]!, 1e-6, `${key}[t=${t}, layer=${k}, unit={i}]`);
          expectClose(got.layers[k]![0]![key]!, ref.layers[k]![0]![key]!, 2e-6, `${key} vs reference [t=${t}, layer=${k}, unit={i}]`);
        }
      }
      expectClose(got.y, ref.y, 2e-6, `y[t=${t}, unit={i}]`);
    }
  });

  it('steps H = 130 (parts of 68 and 62 units) as the one-thread stepper, across pauses where the worker sleeps', async () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 5, hiddenSize: 130, seed: 7 });
    const s = await split(net);
    const one = createFastStepper(net);
    for (const [t, x] of inputs(30, 5).entries()) {
      // a pause longer than the worker's spin every few steps: it must sleep and be woken
      if (t % 10 === 9) await new Promise((r) => setTimeout(r, SPIN_MS * 10));
      const got = s.step(x).layers[0]![0]!;
      const want = one.step(x).layers[0]![0]!;
      expectClose(got.h, want.h, 1e-6, `h[t=${t}, unit={i}]`);
      expectClose(got.c!, want.c!, 1e-6, `c[t=${t}, unit={i}]`);
      expectClose(got.gates, want.gates, 1e-6, `gates[t=${t}, unit={i}]`);
    }
  });

  it('refuses what it cannot run, inputs of the wrong width, and steps after close', async () => {
    await expect(createSplitStepper(randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 8 }), undefined, { workerUrl: WORKER })).rejects.toThrow(ShapeError);
    await expect(createSplitStepper(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 8, bidirectional: true }), undefined, { workerUrl: WORKER })).rejects.toThrow(ShapeError);
    await expect(createSplitStepper(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 8 }), { h0: [[0, 0]] }, { workerUrl: WORKER })).rejects.toThrow('h0[0]: expected 8 values, got 2');
    const s = await split(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 8 }));
    expect(() => s.step([1])).toThrow('input at t=0: expected 2 features, got 1');
    s.step([1, 2]);
    await s.close();
    await s.close();
    expect(() => s.step([1, 2])).toThrow('the split stepper is closed');
  });

  it('says so in one line when its worker cannot start', async () => {
    const broken = new URL('../../dist/trace/no-such-worker.js', import.meta.url);
    await expect(createSplitStepper(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 8 }), undefined, { workerUrl: broken })).rejects.toThrow(
      /^the split stepper's worker thread failed: /,
    );
  });
});
