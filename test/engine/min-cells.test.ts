import { describe, expect, it } from 'vitest';
import {
  createStepper,
  finalStates,
  GATE_NAMES,
  minScanDirection,
  minStep,
  randomNetwork,
  runSequence,
  allocStepRecord,
  backwardSequence,
  memoryJacobianRows,
  memoryProfile,
  minKeepProducts,
  type Network,
} from '../../src/engine/index.js';
import { createFastStepper, fastCovers, runSequenceFast } from '../../src/engine/fast/index.js';
import { engineKindFor, runSequenceOn } from '../../src/engine/choose-runner.js';
import { expectClose } from '../helpers/expect-close.js';
import { minCellCase, minCellIndex, minCellNetwork } from '../helpers/min-cells.js';

const TOL = 1e-5;

describe('minGRU / minLSTM against the PyTorch reference modules', () => {
  for (const entry of minCellIndex()) {
    it(`matches ${entry.name} (${entry.cell}, ${entry.layers} layers, T=${entry.T})`, () => {
      const c = minCellCase(entry.name);
      const net = minCellNetwork(c);
      expect(net.kind).toBe(c.cell);
      expect(net.numLayers).toBe(c.num_layers);
      const H = c.hidden_size;
      const steps = runSequence(net, c.input, { h0: c.h0 });
      const names = GATE_NAMES[net.kind];
      c.layers.forEach((layer, k) => {
        layer.forEach((expected, t) => {
          const rec = steps[t]!.layers[k]![0]!;
          names.forEach((g, gi) => expectClose(rec.gates.subarray(gi * H, (gi + 1) * H), expected[g]!, TOL, `l${k} ${g}[t=${t}, unit={i}]`));
          expectClose(rec.h, expected['h']!, TOL, `l${k} h[t=${t}, unit={i}]`);
        });
      });
      c.output.forEach((row, t) => expectClose(steps[t]!.y, row, TOL, `output[t=${t}, unit={i}]`));
      finalStates(net, steps).hN.forEach((row, r) => expectClose(row, c.h_n[r]!, TOL, `h_n[row=${r}, unit={i}]`));
      // the stepper (sequential cells) gives the same trace
      const stepper = createStepper(net, { h0: c.h0 });
      c.input.forEach((x, t) => expectClose(stepper.step(x).y, c.output[t]!, TOL, `stepped output[t=${t}, unit={i}]`));
    });
  }
});

/** Max relative difference |a - b| / max(1, |b|) between the scan's and the sequential h. */
function scanVersusSteps(net: Network, xs: number[][], h0: Float64Array): number {
  const p = net.layers[0]![0]!;
  const H = net.hiddenSize;
  const kind = net.kind as 'mingru' | 'minlstm';
  const recs = xs.map(() => allocStepRecord(kind, H));
  minScanDirection(kind, p, xs.length, (n) => xs[n]!, h0, recs);
  let worst = 0;
  let prev = h0;
  xs.forEach((x, t) => {
    const rec = allocStepRecord(kind, H);
    minStep(kind, p, x, prev, rec);
    for (let u = 0; u < H; u++) worst = Math.max(worst, Math.abs(recs[t]!.h[u]! - rec.h[u]!) / Math.max(1, Math.abs(rec.h[u]!)));
    prev = rec.h;
  });
  return worst;
}

describe('the log-space parallel scan', () => {
  const inputs = (T: number, D: number, scale: number, seed: number): number[][] => {
    let s = seed;
    const r = (): number => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648 - 0.5;
    };
    return Array.from({ length: T }, () => Array.from({ length: D }, () => r() * scale));
  };
  for (const kind of ['mingru', 'minlstm'] as const) {
    it(`${kind}: equals the sequential step to 1e-9 in float64 (long, saturated, signed h0)`, () => {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 5, seed: 7 });
      const h0 = Float64Array.from([0.3, -1.2, 0, 2.5, 0.01]);
      expect(scanVersusSteps(net, inputs(2000, 3, 4, 1), h0)).toBeLessThan(1e-9);
      // pre-activations in the thousands: log-products of -1e3 a step, chunked by the scan
      expect(scanVersusSteps(net, inputs(300, 3, 5000, 2), h0)).toBeLessThan(1e-9);
      expect(scanVersusSteps(net, inputs(50, 3, 1e30, 3), h0)).toBeLessThan(1e-9);
    });
  }

  it('keeps h positive from a positive h0 (the candidate g is positive)', () => {
    const net = randomNetwork({ kind: 'mingru', inputSize: 2, hiddenSize: 3, seed: 3 });
    const steps = runSequence(net, inputs(100, 2, 8, 4), { h0: [[0.1, 0.2, 0.3]] });
    for (const s of steps) for (const v of s.y) expect(v).toBeGreaterThan(0);
  });

  it('minLSTM: the normalised gates sum to 1, even saturated', () => {
    const net = randomNetwork({ kind: 'minlstm', inputSize: 2, hiddenSize: 3, seed: 5 });
    const steps = runSequence(net, inputs(40, 2, 1e6, 5));
    for (const s of steps) {
      const g = s.layers[0]![0]!.gates;
      for (let u = 0; u < 3; u++) expect(Math.abs(g[u]! + g[3 + u]! - 1)).toBeLessThan(1e-15);
    }
  });
});

describe('minGRU / minLSTM gradients against torch.autograd', () => {
  for (const entry of minCellIndex()) {
    it(`${entry.name}: parameters, inputs and h0`, () => {
      const c = minCellCase(entry.name);
      const net = minCellNetwork(c);
      const H = c.hidden_size;
      const init = { h0: c.h0 };
      const steps = runSequence(net, c.input, init);
      const g = backwardSequence(net, c.input, steps, init, { dy: c.wy });
      const tol = (v: number[][] | number[]): number => 1e-5 * Math.max(1, ...v.flat().map(Math.abs));
      const inputs = c.grads['input'] as number[][];
      inputs.forEach((row, t) => expectClose(g.dx[t]!, row, tol(inputs), `dx[t=${t}, {i}]`));
      const dh0 = c.grads['h0'] as number[][];
      dh0.forEach((row, k) => expectClose(g.dh0[k]!, row, tol(dh0), `dh0[layer=${k}, unit={i}]`));
      const leaves = c.cell === 'mingru' ? ['linear_z', 'linear_h'] : ['linear_f', 'linear_i', 'linear_h'];
      if (c.names !== 'paper') return;
      for (let k = 0; k < c.num_layers; k++) {
        const pg = g.params![k]![0]!;
        const din = net.layers[k]![0]!.inputSize;
        leaves.forEach((leaf, gate) => {
          const w = c.grads[`layers.${k}.${leaf}.weight`] as number[][];
          expectClose(pg.wIh.subarray(gate * H * din, (gate + 1) * H * din), w.flat(), tol(w), `layers.${k}.${leaf}.weight grad[{i}]`);
          if (c.bias) {
            const b = c.grads[`layers.${k}.${leaf}.bias`] as number[];
            expectClose(pg.bIh!.subarray(gate * H, (gate + 1) * H), b, tol(b), `layers.${k}.${leaf}.bias grad[{i}]`);
          }
        });
      }
    });

    it(`${entry.name}: the memory view's figures, h being the product of the forget coefficients`, () => {
      const c = minCellCase(entry.name);
      const net = minCellNetwork(c);
      const profile = memoryProfile(net, c.input, { h0: c.h0 });
      const x = profile.sensitivity.map((s) => s.x);
      const h = profile.sensitivity.map((s) => s.h);
      expectClose(x, c.memory.x, 1e-5 * Math.max(1, ...c.memory.x), 'memory x[t={i}]');
      expectClose(h, c.memory.h, 1e-5, 'memory h[t={i}]');
      // the same figure from the products alone
      const steps = runSequence(net, c.input, { h0: c.h0 });
      const keep = minKeepProducts(net, steps, net.numLayers - 1, 0);
      expectClose(keep.map((row) => Math.hypot(...row)), h, 1e-12, 'hypot(prod a)[t={i}]');
    });
  }

  it('the block Jacobian pass refuses a minimal cell instead of giving wrong numbers', () => {
    const net = randomNetwork({ kind: 'mingru', inputSize: 2, hiddenSize: 3, seed: 1 });
    const steps = runSequence(net, [[1, 2], [3, 4]]);
    const sq = { x2: new Float64Array(2), h2: new Float64Array(2), c2: new Float64Array(2) };
    expect(() => memoryJacobianRows(net, steps, undefined, 0, 0, 3, sq)).toThrow(/does not cover a mingru/);
  });
});

describe('the WebAssembly kernels refuse the minimal cells', () => {
  it('fastCovers, engineKindFor and the fast entry points fall back to the reference engine, same numbers', () => {
    for (const kind of ['mingru', 'minlstm'] as const) {
      const net = randomNetwork({ kind, inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 2 });
      expect(fastCovers(net)).toBe(false);
      expect(engineKindFor('fast', net)).toBe('reference');
      const xs = Array.from({ length: 30 }, (_, t) => [Math.sin(t), Math.cos(t / 2), t % 3]);
      const ref = runSequence(net, xs);
      const fast = runSequenceFast(net, xs);
      fast.forEach((s, t) => expectClose(s.y, ref[t]!.y, 0, `runSequenceFast y[t=${t}, {i}]`));
      const blocks = runSequenceOn(net, xs, undefined, 'fast');
      blocks.forEach((s, t) => expectClose(s.y, ref[t]!.y, 1e-12, `runSequenceOn y[t=${t}, {i}]`));
      const stepper = createFastStepper(net);
      xs.forEach((x, t) => expectClose(stepper.step(x).y, ref[t]!.y, 1e-12, `fast stepper y[t=${t}, {i}]`));
    }
  });
});

describe('minimal cells in every arrangement the engine allows', () => {
  it('a bidirectional two-layer stack: the scan (runSequence) equals the stepped block runner, reverse direction included', () => {
    const net = randomNetwork({ kind: 'minlstm', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 4 });
    const xs = Array.from({ length: 25 }, (_, t) => [Math.sin(t / 2) * 3, t % 4 - 1.5]);
    const h0 = Array.from({ length: 4 }, (_, r) => [0.1 * r, -0.2, 0.3]);
    const scanned = runSequence(net, xs, { h0 });
    const stepped = runSequenceOn(net, xs, { h0 }, 'reference');
    scanned.forEach((s, t) => expectClose(s.y, stepped[t]!.y, 1e-12, `y[t=${t}, {i}]`));
  });

  it('refuses an ONNX clip or peepholes on a minimal cell instead of ignoring them', () => {
    const net = randomNetwork({ kind: 'mingru', inputSize: 2, hiddenSize: 3, seed: 1 });
    expect(() => runSequence({ ...net, clip: 1 }, [[0, 0]])).toThrow(/clip 1: .* a minGRU has none/);
    const p = net.layers[0]![0]!;
    expect(() => runSequence({ ...net, layers: [[{ ...p, peephole: new Float32Array(9) }]] }, [[0, 0]])).toThrow(/has no recurrent weights/);
  });
});
