/** xLSTM's mLSTM as a network kind ('mlstm'): against the torch reference module, its weights, its state, and what it refuses. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backwardSequence,
  cellStateSize,
  createStepper,
  createRng,
  createTrainer,
  integratedGradients,
  memoryProfile,
  mlstmMemory,
  randomNetwork,
  recordState,
  runMlstm,
  runSequence,
  runSequenceIntervened,
  STATE_NAMES,
  validateNetwork,
  type MlstmParams,
  type Network,
} from '../../src/engine/index.js';
import { fastCovers } from '../../src/engine/fast/index.js';
import { modelTensors } from '../../src/engine/train/index.js';
import { engineKindFor } from '../../src/engine/choose-runner.js';
import { ReferenceBlockEngine, runAll, stateStride } from '../../src/engine/runner.js';
import { describeWeights, formatWeightsDescription, loadWeights, stateDictFromNetwork } from '../../src/io/weights/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../src/io/weights/tensor.js';
import { ROOT } from '../helpers/build.js';
import { expectAutograd, expectTrainerGradients, flatNested } from '../helpers/grad-check.js';

const DIR = join(ROOT, 'fixtures', 'xlstm-cells');

interface NetCase {
  input_size: number;
  hidden_size: number;
  num_heads: number;
  num_layers: number;
  bias: boolean;
  state_dict: Record<string, unknown>;
  input: number[][];
  c0: number[][] | null;
  /** [layer][t]: i, f, m (NH), o, n, h (H), C (NH*DH*DH) */
  layers: Record<string, number[]>[][];
}

const nets = (JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { networks: { name: string; cell: string; layers: number; T: number; files: string[] }[] }).networks.filter((n) => n.cell === 'mlstm');
const load = (name: string): NetCase => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as NetCase;
const tensorsOf = (sd: Record<string, unknown>, source: string): Map<string, Tensor> => new Map(Object.entries(sd).map(([k, v]) => [k, tensorFromNested(v, k, source)]));
const networkOf = (c: NetCase, name: string): Network => networkFromStateDict(tensorsOf(c.state_dict, name), { source: `${name}.json` }).network;

/** |a - e| <= 1e-5 * max(1, |e|), naming the worst value. */
function expectRel(actual: ArrayLike<number>, expected: readonly number[], label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const err = Math.abs(actual[k]! - expected[k]!);
    if (!(err <= 1e-5 * Math.max(1, Math.abs(expected[k]!)))) expect.fail(`${label}[${k}]: got ${actual[k]}, expected ${expected[k]} (${err.toExponential(1)} > 1e-5)`);
  }
}

/** The head's value repeated over its DH units, as the per-unit trace holds i, f and m. */
const perUnit = (v: readonly number[], DH: number): number[] => v.flatMap((x) => Array<number>(DH).fill(x));

describe('mLSTM as a network kind against the torch reference module', () => {
  it('has the five generated cases (layers, c0, no bias, T=300, saturated)', () => {
    expect(nets.map((n) => n.name)).toEqual(['mlstm_net_d3_h6_nh2_t12', 'mlstm_net_2l_c0_t9', 'mlstm_net_3l_nobias_t10', 'mlstm_net_long_t300', 'mlstm_net_saturated']);
  });

  for (const entry of nets) {
    it(`${entry.name} (${entry.layers} layer${entry.layers > 1 ? 's' : ''}, T=${entry.T}): every gate and state to 1e-5`, () => {
      const c = load(entry.name);
      const net = networkOf(c, entry.name);
      expect(net.kind).toBe('mlstm');
      expect(net.numHeads).toBe(c.num_heads);
      expect(net.numLayers).toBe(c.num_layers);
      const H = c.hidden_size;
      const NH = c.num_heads;
      const DH = H / NH;
      const steps = runSequence(net, c.input, { c0: c.c0 });
      c.layers.forEach((recs, k) =>
        recs.forEach((e, t) => {
          const rec = steps[t]!.layers[k]![0]!;
          for (const name of ['i', 'f', 'm'] as const) expectRel(recordState('mlstm', rec, name, H), perUnit(e[name]!, DH), `l${k} ${name}[t=${t}]`);
          for (const name of ['o', 'n', 'h'] as const) expectRel(recordState('mlstm', rec, name, H), e[name]!, `l${k} ${name}[t=${t}]`);
          expectRel(rec.c!.subarray(H, H + NH), e['m']!, `l${k} state m[t=${t}]`);
          const C = Array.from({ length: NH }, (_, hd) => Array.from(mlstmMemory(rec.c!, H, NH, hd))).flat();
          expectRel(C, e['C']!, `l${k} C[t=${t}]`);
        }),
      );
    });
  }

  it('equals the standalone runMlstm on its own parameters', () => {
    const c = load('mlstm_net_d3_h6_nh2_t12');
    const net = networkOf(c, 'x');
    const H = c.hidden_size;
    const NH = c.num_heads;
    const p = net.layers[0]![0]!;
    const D = p.inputSize;
    const rows = (r0: number, n: number): Float32Array => p.wIh.slice(r0 * D, (r0 + n) * D);
    const b = (r0: number, n: number): Float32Array => p.bIh!.slice(r0, r0 + n);
    const params: MlstmParams = {
      inputSize: D, hiddenSize: H, numHeads: NH,
      wQ: rows(0, H), bQ: b(0, H), wK: rows(H, H), bK: b(H, H), wV: rows(2 * H, H), bV: b(2 * H, H), wO: rows(3 * H, H), bO: b(3 * H, H),
      wI: rows(4 * H, NH), bI: b(4 * H, NH), wF: rows(4 * H + NH, NH), bF: b(4 * H + NH, NH),
    };
    const alone = runMlstm(params, c.input);
    const steps = runSequence(net, c.input);
    alone.forEach((s, t) => {
      expect(Array.from(steps[t]!.layers[0]![0]!.h)).toEqual(Array.from(s.h));
      expect(Array.from(mlstmMemory(steps[t]!.layers[0]![0]!.c!, H, NH, 1))).toEqual(Array.from(s.C.subarray((H / NH) ** 2)));
    });
  });

  it('holds n, m and C in its cell state (H + NH + NH*DH*DH), steps, runs in blocks and runs whole to the same bits', () => {
    const c = load('mlstm_net_2l_c0_t9');
    const net = networkOf(c, 'c0');
    const H = c.hidden_size;
    const NH = c.num_heads;
    const S = H + NH + NH * (H / NH) ** 2;
    expect(cellStateSize(net)).toBe(S);
    expect(stateStride(net)).toBe(H + S);
    const init = { c0: c.c0 };
    const whole = runSequence(net, c.input, init);
    const stepper = createStepper(net, init);
    const engine = new ReferenceBlockEngine(net, init, 4);
    expect(engine.stateStride).toBe(H + S);
    const blocks: number[][] = [];
    runAll(engine, c.input, (s) => blocks.push(Array.from(s.layers[1]![0]!.c!)));
    c.input.forEach((x, t) => {
      const s = stepper.step(x);
      expect(Array.from(s.y)).toEqual(Array.from(whole[t]!.y));
      expect(Array.from(s.layers[1]![0]!.c!)).toEqual(Array.from(whole[t]!.layers[1]![0]!.c!));
      expect(blocks[t]).toEqual(Array.from(whole[t]!.layers[1]![0]!.c!));
    });
  });

  it('the fast kernels refuse it: the reference engine runs it', () => {
    const net = randomNetwork({ kind: 'mlstm', inputSize: 3, hiddenSize: 4, numHeads: 2, seed: 2 });
    validateNetwork(net);
    expect(fastCovers(net)).toBe(false);
    expect(engineKindFor('fast', net)).toBe('reference');
    expect(STATE_NAMES.mlstm).toEqual(['i', 'f', 'o', 'm', 'n', 'h']);
  });

  it('refuses heads that do not divide H, recurrent weights, and a c0 of the wrong width', () => {
    const net = networkOf(load('mlstm_net_d3_h6_nh2_t12'), 'x');
    expect(() => validateNetwork({ ...net, numHeads: 4 })).toThrow(/numHeads 4: an mLSTM's heads must divide its hidden size 6/);
    expect(() => validateNetwork({ ...net, layers: [[{ ...net.layers[0]![0]!, wHh: new Float32Array(3) }]] })).toThrow(/weight_hh_l0: an mLSTM has no recurrent weights/);
    expect(() => runSequence(net, [[0, 0, 0]], { c0: [[0, 0, 0, 0, 0, 0]] })).toThrow(/c0\[0\]: expected 26 values \(an mLSTM's n \(6\), m \(2\) and C \(2 x 3 x 3\)\), got 6/);
  });
});

describe('mLSTM weights', () => {
  for (const entry of nets) {
    for (const file of entry.files.filter((f) => !f.endsWith('.json'))) {
      it(`${file} loads as the network of ${entry.name}.json, inspect naming the cell`, () => {
        const c = load(entry.name);
        const w = loadWeights(new Uint8Array(readFileSync(join(DIR, file))), { source: file });
        const ref = networkOf(c, entry.name);
        expect(w.network.kind).toBe('mlstm');
        const a = runSequence(w.network, c.input);
        const b = runSequence(ref, c.input);
        a.forEach((s, t) => expect(Array.from(s.y)).toEqual(Array.from(b[t]!.y)));
        const text = formatWeightsDescription(describeWeights(w, { source: file }));
        expect(text).toContain('mLSTM');
        expect(text).toContain("gatescope's reference names");
      });
    }
  }

  it('refuses a tensor of the wrong shape and the package\'s mLSTMLayer by name', () => {
    const c = load('mlstm_net_d3_h6_nh2_t12');
    const bad = { ...c.state_dict, 'layers.0.fgate.weight': [[1, 2]] };
    expect(() => networkFromStateDict(tensorsOf(bad, 'r'), { source: 'r.json' })).toThrow(/expected \[2, 3\], got \[1, 2\]/);
    const pkg = { ...c.state_dict, 'layers.0.mlstm_cell.igate.weight': [[1, 2]] };
    expect(() => networkFromStateDict(tensorsOf(pkg, 'p'), { source: 'p.json' })).toThrow(/the xlstm package's mLSTMLayer/);
    expect(() => networkFromStateDict(tensorsOf(c.state_dict, 'k'), { source: 'k.json', kind: 'slstm' })).toThrow(/the weights are an mLSTM \(q_proj, igate, fgate\), not a sLSTM as --cell says/);
  });

  it('writes the reference names and reads them back unchanged', () => {
    for (const name of ['mlstm_net_3l_nobias_t10', 'mlstm_net_d3_h6_nh2_t12']) {
      const net = networkOf(load(name), 'x');
      const back = networkFromStateDict(tensorsOf(stateDictFromNetwork(net, 'rnn.'), 'y'), { source: 'y' }).network;
      expect(back.numHeads).toBe(net.numHeads);
      back.layers.forEach((dirs, k) => {
        expect(Array.from(dirs[0]!.wIh)).toEqual(Array.from(net.layers[k]![0]!.wIh));
        expect(dirs[0]!.bIh === null ? null : Array.from(dirs[0]!.bIh)).toEqual(net.layers[k]![0]!.bIh === null ? null : Array.from(net.layers[k]![0]!.bIh!));
      });
    }
  });
});

describe('mLSTM gradients against torch.autograd', () => {
  interface GradCase extends NetCase {
    wy: number[][];
    grads: Record<string, unknown>;
  }
  const parts = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'igate', 'fgate'] as const;
  for (const entry of nets) {
    it(`${entry.name}: every parameter, the input and the initial state (n, m, C)`, () => {
      const c = load(entry.name) as GradCase;
      expect(c.grads, 'the case holds autograd gradients').toBeDefined();
      const net = networkOf(c, entry.name);
      const init = { c0: c.c0 };
      const steps = runSequence(net, c.input, init);
      const g = backwardSequence(net, c.input, steps, init, { dy: c.wy });
      const H = c.hidden_size;
      const NH = c.num_heads;
      net.layers.forEach((_, k) => {
        const p = g.params![k]![0]!;
        const D = net.layers[k]![0]!.inputSize;
        expect(p.wHh.length).toBe(0);
        let r0 = 0;
        for (const name of parts) {
          const n = name === 'igate' || name === 'fgate' ? NH : H;
          expectAutograd(p.wIh.subarray(r0 * D, (r0 + n) * D), flatNested(c.grads[`layers.${k}.${name}.weight`]), `layers.${k}.${name}.weight`);
          if (c.bias) expectAutograd(p.bIh!.subarray(r0, r0 + n), flatNested(c.grads[`layers.${k}.${name}.bias`]), `layers.${k}.${name}.bias`);
          r0 += n;
        }
      });
      expectAutograd(g.dx.flatMap((r) => Array.from(r)), flatNested(c.grads['input']), 'input');
      if (c.c0 !== null) expectAutograd(g.dc0!.flatMap((r) => Array.from(r)), flatNested(c.grads['c0']), 'c0 (n, m, C)');
      // no recurrence on h: h0 gets nothing
      for (const row of g.dh0) expect(Array.from(row).every((v) => v === 0)).toBe(true);
    });
  }

  it('state gradients are the whole state [n | m | C] as nodes, equal to central differences of a loss on h', () => {
    const c = load('mlstm_net_2l_c0_t9') as GradCase;
    const net = networkOf(c, 'sg');
    const S = cellStateSize(net);
    const T = c.input.length;
    const init = { c0: c.c0 };
    const steps = runSequence(net, c.input, init);
    const g = backwardSequence(net, c.input, steps, init, { dy: c.wy, params: false, stateGrads: true });
    expect(g.params).toBeNull();
    expect(g.dc![0]![0]![0]!.length).toBe(S);
    // dL/dc0 of layer 1 by perturbing it, against the backward's dc0
    const loss = (c0: number[][]): number => runSequence(net, c.input, { c0 }).reduce((acc, s, t) => acc + s.y.reduce((a, v, j) => a + v * c.wy[t]![j]!, 0), 0);
    const eps = 1e-6;
    for (const j of [0, 3, 4, 5, S - 1]) {
      const up = c.c0!.map((r) => r.slice());
      const down = c.c0!.map((r) => r.slice());
      up[1]![j]! += eps;
      down[1]![j]! -= eps;
      const fd = (loss(up) - loss(down)) / (2 * eps);
      expect(Math.abs(g.dc0![1]![j]! - fd), `dc0[1][${j}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
    expect(T).toBe(9);
    // dL/d[n | m | C]_t of the state a step leaves, for a loss on the last step only (so that h_t's
    // own paths, which a run from t + 1 cannot see, carry nothing): moving it and running on from there
    const seedLast = c.wy.map((r, t) => (t === T - 1 ? r : null));
    const gl = backwardSequence(net, c.input, steps, init, { dy: seedLast, params: false, stateGrads: true });
    for (const t of [2, 6]) {
      const after = steps[t]!.layers.map((l) => Array.from(l[0]!.c!));
      const hs = steps[t]!.layers.map((l) => Array.from(l[0]!.h));
      const rest = c.input.slice(t + 1);
      const restLoss = (c0: number[][]): number => {
        const base = c.input.slice(0, t + 1).length;
        // layer 1's input after t is layer 0's h: both layers run on from their states
        return runSequence(net, rest, { h0: hs, c0 }).reduce((acc, s, i) => acc + (base + i === T - 1 ? s.y.reduce((a, v, j) => a + v * c.wy[T - 1]![j]!, 0) : 0), 0);
      };
      for (let j = 0; j < S; j++) {
        const up = after.map((r) => r.slice());
        const down = after.map((r) => r.slice());
        up[1]![j]! += eps;
        down[1]![j]! -= eps;
        const fd = (restLoss(up) - restLoss(down)) / (2 * eps);
        expect(Math.abs(gl.dc![t]![1]![0]![j]! - fd), `dc[t=${t}][1][${j}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });
});

describe('mLSTM backward on both sides of its max(|n . q|, exp(-m)) floor', () => {
  /** L = sum_t <w_t, y_t> for a fixed w; its gradient by central differences of the float64 forward. */
  for (const [label, qScale, expectFloor] of [['|n . q| wins', 200, false], ['the floor exp(-m) wins', 0.01, true]] as const) {
    it(`${label}: dx and W_ih match central differences`, () => {
      const base = randomNetwork({ kind: 'mlstm', inputSize: 3, hiddenSize: 4, numHeads: 2, seed: 7 });
      const p0 = base.layers[0]![0]!;
      const wIh = Float32Array.from(p0.wIh);
      // q's rows scaled: small q leaves |n . q| under the floor exp(-m)
      for (let i = 0; i < 4 * 3; i++) wIh[i] = wIh[i]! * qScale;
      const net: Network = { ...base, layers: [[{ ...p0, wIh }]] };
      const xs = Array.from({ length: 7 }, (_, t) => [Math.sin(t + 1), Math.cos(2 * t), 0.5 - t / 7]);
      const wy = xs.map((_, t) => [0.3, -0.7, 1.1, 0.2].map((v) => v * (t + 1) / 7));
      const loss = (n: Network, x: number[][]): number => runSequence(n, x).reduce((acc, s, t) => acc + s.y.reduce((a, v, j) => a + v * wy[t]![j]!, 0), 0);
      const steps = runSequence(net, xs);
      // which side of the max the run is on, from the recorded n and m and q recomputed
      let floorWins = 0;
      steps.forEach((s, t) => {
        const r = s.layers[0]![0]!;
        for (let hd = 0; hd < 2; hd++) {
          let qn = 0;
          for (let a = 0; a < 2; a++) {
            const u = hd * 2 + a;
            let q = p0.bIh![u]!;
            for (let j = 0; j < 3; j++) q += wIh[u * 3 + j]! * xs[t]![j]!;
            qn += r.c![u]! * q;
          }
          if (Math.exp(-r.c![4 + hd]!) > Math.abs(qn)) floorWins++;
        }
      });
      if (expectFloor) expect(floorWins).toBe(14);
      else expect(floorWins).toBe(0);
      const g = backwardSequence(net, xs, steps, undefined, { dy: wy });
      const eps = 1e-6;
      for (let t = 0; t < xs.length; t++) {
        for (let j = 0; j < 3; j++) {
          const up = xs.map((r) => r.slice());
          const down = xs.map((r) => r.slice());
          up[t]![j]! += eps;
          down[t]![j]! -= eps;
          const fd = (loss(net, up) - loss(net, down)) / (2 * eps);
          expect(Math.abs(g.dx[t]![j]! - fd), `dx[${t}][${j}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
        }
      }
      // W_ih's entries are float32: perturb by a float32-visible step
      for (const r of [0, 5, 9, 13, 16, 17, 18, 19]) {
        const e = 1e-3;
        const at = r * 3 + 1;
        const wUp = Float32Array.from(wIh);
        const wDown = Float32Array.from(wIh);
        wUp[at] = wIh[at]! + e;
        wDown[at] = wIh[at]! - e;
        const h = (wUp[at]! - wDown[at]!) / 2;
        const fd = (loss({ ...net, layers: [[{ ...p0, wIh: wUp }]] }, xs) - loss({ ...net, layers: [[{ ...p0, wIh: wDown }]] }, xs)) / (2 * h);
        expect(Math.abs(g.params![0]![0]!.wIh[at]! - fd), `W_ih[${r}][1]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    });
  }
});

describe('mLSTM memory, attribution and training (from its backward pass)', () => {
  for (const name of ['mlstm_net_d3_h6_nh2_t12', 'mlstm_net_2l_c0_t9']) {
    it(`${name}: the memory view's x and C figures equal torch.autograd's to 1e-6`, () => {
      const c = load(name) as NetCase & { memory: { x: number[]; C: number[] } };
      expect(c.memory.C.length).toBe(c.input.length);
      const prof = memoryProfile(networkOf(c, name), c.input, { c0: c.c0 });
      prof.sensitivity.forEach((s, t) => {
        expect(Math.abs(s.x - c.memory.x[t]!), `x[t=${t}]`).toBeLessThan(1e-6 * Math.max(1, c.memory.x[t]!));
        expect(Math.abs(s.C! - c.memory.C[t]!), `C[t=${t}]`).toBeLessThan(1e-6 * Math.max(1, c.memory.C[t]!));
      });
    });
  }

  it("the memory view's x and C figures equal central differences; h is 0 before the last step (no recurrence on h)", () => {
    const c = load('mlstm_net_d3_h6_nh2_t12');
    const net = networkOf(c, 'm');
    const H = c.hidden_size;
    const NH = c.num_heads;
    const S = cellStateSize(net);
    const T = c.input.length;
    const prof = memoryProfile(net, c.input);
    expect(prof.sensitivity[0]).not.toHaveProperty('c');
    for (let t = 0; t < T - 1; t++) expect(prof.sensitivity[t]!.h).toBe(0);
    expect(prof.sensitivity[T - 1]!.h).toBeCloseTo(Math.sqrt(H), 12);
    const steps = runSequence(net, c.input);
    const eps = 1e-5;
    for (const t of [0, 4, 10]) {
      // ||d h_{T-1} / d C_t||: run on from the state after t with one entry of C moved
      const after = steps[t]!.layers[0]![0]!.c!;
      const rest = c.input.slice(t + 1);
      const last = (state: Float64Array): Float64Array => runSequence(net, rest, { c0: [state] })[rest.length - 1]!.y;
      let sq = 0;
      for (let j = H + NH; j < S; j++) {
        const up = Float64Array.from(after);
        const down = Float64Array.from(after);
        up[j]! += eps;
        down[j]! -= eps;
        const a = last(up);
        const b = last(down);
        for (let u = 0; u < H; u++) sq += ((a[u]! - b[u]!) / (2 * eps)) ** 2;
      }
      expect(Math.abs(prof.sensitivity[t]!.C! - Math.sqrt(sq)), `C[t=${t}]`).toBeLessThan(1e-6 * Math.max(1, Math.sqrt(sq)));
      // and x: every feature of x_t moved
      let sx = 0;
      for (let j = 0; j < c.input_size; j++) {
        const up = c.input.map((r) => r.slice());
        const down = c.input.map((r) => r.slice());
        up[t]![j]! += eps;
        down[t]![j]! -= eps;
        const a = runSequence(net, up)[T - 1]!.y;
        const b = runSequence(net, down)[T - 1]!.y;
        for (let u = 0; u < H; u++) sx += ((a[u]! - b[u]!) / (2 * eps)) ** 2;
      }
      expect(Math.abs(prof.sensitivity[t]!.x - Math.sqrt(sx)), `x[t=${t}]`).toBeLessThan(1e-6 * Math.max(1, Math.sqrt(sx)));
    }
  });

  it('integrated gradients converge on F(x) - F(0), for the last layer and one below; c is refused by name', () => {
    // F is only piecewise smooth along the path (m's and den's max switch sides), so the gap shrinks
    // slowly with the points: 16 -> 1024 takes it down more than tenfold, to under 1e-4
    const c = load('mlstm_net_2l_c0_t9');
    const net = networkOf(c, 'a');
    const init = { c0: c.c0 };
    for (const layer of [1, 0]) {
      const gap = (steps: number): number => Math.abs(integratedGradients(net, c.input, { kind: 'h', t: 8, layer, direction: 0, unit: 1 }, { steps, init }).delta);
      const a = integratedGradients(net, c.input, { kind: 'h', t: 8, layer, direction: 0, unit: 1 }, { steps: 1024, init });
      expect(Math.abs(a.delta), `layer ${layer}`).toBeLessThan(1e-4);
      expect(gap(16), `layer ${layer}`).toBeGreaterThan(10 * Math.abs(a.delta));
      expect(a.value).toBeCloseTo(runSequence(net, c.input, init)[8]!.layers[layer]![0]!.h[1]!, 12);
    }
    expect(() => integratedGradients(net, c.input, { kind: 'c', t: 3, layer: 0, direction: 0, unit: 0 })).toThrow(/an mLSTM has no cell state c \(its memory is a matrix C per head\); attribute h/);
  });

  it("the trainer's gradient is the gradient of the mean loss (2 layers, 2 heads, head and loss included)", () => {
    const rng = createRng(3);
    const data = Array.from({ length: 3 }, (_, e) => {
      const T = 3 + e;
      const inputs = Array.from({ length: T }, () => Float64Array.of(rng.uniform(-1, 1), rng.uniform(-1, 1)));
      return { inputs, targets: inputs.map((_, t) => (t === T - 1 ? Float64Array.of(rng.uniform(-1, 1)) : null)) };
    });
    const tr = createTrainer(data, { kind: 'mlstm', hiddenSize: 4, numHeads: 2, numLayers: 2, loss: 'mse', outputSize: 1, seed: 5, clipNorm: null, lr: 0, batchSize: 3, shuffle: false });
    expect(tr.model.network.numHeads).toBe(2);
    tr.step();
    expect(tr.params.map((p) => p.name)).toContain('rnn.weight_ih_l1');
    expectTrainerGradients(tr, data, 'mlstm');
    expect(() => createTrainer(data, { kind: 'mlstm', hiddenSize: 4, numHeads: 3, loss: 'mse', outputSize: 1 })).toThrow(/numHeads 3 does not divide the hidden size 4/);
  });

  it('trains: the remember task\'s loss falls, and the weights write out in the reference names and load back', () => {
    const rng = createRng(11);
    const data = Array.from({ length: 32 }, () => {
      const T = 4 + rng.int(5);
      const v = rng.uniform(-1, 1);
      const inputs = Array.from({ length: T }, (_, t) => (t === 0 ? Float64Array.of(v, 1) : Float64Array.of(rng.uniform(-1, 1), 0)));
      return { inputs, targets: inputs.map((_, t) => (t === T - 1 ? Float64Array.of(v) : null)) };
    });
    const tr = createTrainer(data, { kind: 'mlstm', hiddenSize: 8, numHeads: 2, loss: 'mse', outputSize: 1, seed: 1, lr: 2e-2, batchSize: 8 });
    const before = tr.evaluate(data).loss;
    for (let i = 0; i < 4 * 40; i++) tr.step();
    const after = tr.evaluate(data).loss;
    expect(after).toBeLessThan(before / 5);
    const m = tr.model;
    const tensors = modelTensors(m).filter((t) => !t.name.startsWith('head.'));
    expect(tensors.map((t) => t.name)).toEqual(['rnn.layers.0.q_proj.weight', 'rnn.layers.0.q_proj.bias', 'rnn.layers.0.k_proj.weight', 'rnn.layers.0.k_proj.bias', 'rnn.layers.0.v_proj.weight', 'rnn.layers.0.v_proj.bias', 'rnn.layers.0.o_proj.weight', 'rnn.layers.0.o_proj.bias', 'rnn.layers.0.igate.weight', 'rnn.layers.0.igate.bias', 'rnn.layers.0.fgate.weight', 'rnn.layers.0.fgate.bias']);
    const back = networkFromStateDict(new Map(tensors.map((t) => [t.name, { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.data) } as Tensor])), { source: 'trained' }).network;
    expect(back.kind).toBe('mlstm');
    expect(back.numHeads).toBe(2);
    const xs = data[0]!.inputs;
    expect(Array.from(runSequence(back, xs).at(-1)!.y)).toEqual(Array.from(runSequence(m.network, xs).at(-1)!.y));
  });
});
