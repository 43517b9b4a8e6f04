import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backwardSequence, createStepper, gradientTimesInput, integratedGradients, memoryProfile, randomNetwork, runSequenceIntervened, runSequence, STATE_NAMES, recordState, validateNetwork, type Network } from '../../src/engine/index.js';
import { fastCovers } from '../../src/engine/fast/index.js';
import { engineKindFor } from '../../src/engine/choose-runner.js';
import { ReferenceBlockEngine, runAll, stateStride } from '../../src/engine/runner.js';
import { describeWeights, formatWeightsDescription, loadWeights, stateDictFromNetwork } from '../../src/io/weights/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../src/io/weights/tensor.js';
import { ROOT } from '../helpers/build.js';
import { expectAutograd, flatNested } from '../helpers/grad-check.js';

const DIR = join(ROOT, 'fixtures', 'xlstm-cells');

interface NetCase {
  input_size: number;
  hidden_size: number;
  num_heads: number;
  num_layers: number;
  bias: boolean;
  names: 'reference' | 'xlstm';
  state_dict: Record<string, unknown>;
  input: number[][];
  h0: number[][] | null;
  c0: number[][] | null;
  /** [layer][t]: pre, i, f, z, o, c, n, m, h */
  layers: Record<string, number[]>[][];
}

const nets = (JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { networks: { name: string; cell: string; layers: number; T: number; files: string[] }[] }).networks.filter((n) => n.cell === 'slstm');
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

describe('sLSTM as a network kind against the torch reference module', () => {
  for (const entry of nets) {
    it(`${entry.name} (${entry.layers} layer${entry.layers > 1 ? 's' : ''}, T=${entry.T})`, () => {
      const c = load(entry.name);
      const net = networkOf(c, entry.name);
      expect(net.kind).toBe('slstm');
      expect(net.numHeads).toBe(c.num_heads);
      expect(net.numLayers).toBe(c.num_layers);
      const H = c.hidden_size;
      const steps = runSequence(net, c.input, { h0: c.h0, c0: c.c0 });
      c.layers.forEach((recs, k) =>
        recs.forEach((e, t) => {
          const rec = steps[t]!.layers[k]![0]!;
          expectRel(rec.pre, e['pre']!, `l${k} pre[t=${t}]`);
          for (const name of STATE_NAMES.slstm) expectRel(recordState('slstm', rec, name, H), e[name]!, `l${k} ${name}[t=${t}]`);
        }),
      );
    });
  }

  it('steps, runs in blocks and runs whole to the same bits', () => {
    const c = load('slstm_net_2l_h0_t9');
    const net = networkOf(c, 'h0');
    const init = { h0: c.h0, c0: c.c0 };
    const whole = runSequence(net, c.input, init);
    const stepper = createStepper(net, init);
    const engine = new ReferenceBlockEngine(net, init, 4);
    expect(engine.stateStride).toBe(4 * c.hidden_size);
    expect(stateStride(net)).toBe(4 * c.hidden_size);
    const blocks: number[][] = [];
    runAll(engine, c.input, (s) => blocks.push(Array.from(s.layers[1]![0]!.c!)));
    c.input.forEach((x, t) => {
      const s = stepper.step(x);
      expect(Array.from(s.y)).toEqual(Array.from(whole[t]!.y));
      expect(Array.from(s.layers[1]![0]!.c!)).toEqual(Array.from(whole[t]!.layers[1]![0]!.c!));
      expect(blocks[t]).toEqual(Array.from(whole[t]!.layers[1]![0]!.c!));
    });
  });

  it('a saved state is h, c, n, m per view, and a run goes on from it', () => {
    const c = load('slstm_net_d3_h6_nh2_t12');
    const net = networkOf(c, 'x');
    const H = c.hidden_size;
    const whole = runSequence(net, c.input);
    const engine = new ReferenceBlockEngine(net, undefined, 12);
    for (let i = 0; i < 5; i++) engine.setInput(i, c.input[i]!);
    engine.run(5, [0], 0);
    const saved = engine.newState();
    engine.getView(0, saved);
    const rec = whole[4]!.layers[0]![0]!;
    expect(Array.from(saved.subarray(0, H))).toEqual(Array.from(rec.h));
    expect(Array.from(saved.subarray(H, 4 * H))).toEqual(Array.from(rec.c!));
    const again = new ReferenceBlockEngine(net, undefined, 12);
    again.setView(0, saved);
    for (let i = 0; i < 7; i++) again.setInput(i, c.input[5 + i]!);
    again.run(7, [0], 5);
    expect(Array.from(again.step(6).y)).toEqual(Array.from(whole[11]!.y));
  });

  it('the fast kernels refuse it: the reference engine runs it', () => {
    const net = randomNetwork({ kind: 'slstm', inputSize: 3, hiddenSize: 4, numLayers: 1, seed: 2 });
    expect(fastCovers(net)).toBe(false);
    expect(engineKindFor('fast', net)).toBe('reference');
  });

  it('refuses heads that do not divide H, clip, and a c0 of the wrong width', () => {
    const net = networkOf(load('slstm_net_d3_h6_nh2_t12'), 'x');
    expect(() => validateNetwork({ ...net, numHeads: 4 })).toThrow(/numHeads 4: an sLSTM's heads must divide its hidden size 6/);
    expect(() => validateNetwork({ ...net, clip: 3 })).toThrow(/an sLSTM has none/);
    expect(() => runSequence(net, [[0, 0, 0]], { c0: [[0, 0, 0, 0, 0, 0]] })).toThrow(/c0\[0\]: expected 18 values \(an sLSTM's c, n, m: 3 x 6\), got 6/);
  });
});

describe('sLSTM weights', () => {
  for (const entry of nets) {
    for (const file of entry.files.filter((f) => !f.endsWith('.json'))) {
      it(`${file} loads as the network of ${entry.name}.json, inspect naming the cell`, () => {
        const c = load(entry.name);
        const w = loadWeights(new Uint8Array(readFileSync(join(DIR, file))), { source: file });
        const ref = networkOf(c, entry.name);
        expect(w.network.kind).toBe('slstm');
        const a = runSequence(w.network, c.input);
        const b = runSequence(ref, c.input);
        a.forEach((s, t) => expect(Array.from(s.y)).toEqual(Array.from(b[t]!.y)));
        const text = formatWeightsDescription(describeWeights(w, { source: file }));
        expect(text).toContain('sLSTM');
        expect(text).toContain(c.names === 'xlstm' ? "the xlstm package's names" : "gatescope's reference names");
      });
    }
  }

  it('names each tensor in inspect and lists the package\'s group norm as unused', () => {
    const c = load('pkg_slstm_h8_nh2_t10');
    const w = loadWeights(new TextEncoder().encode(JSON.stringify(c.state_dict)), { source: 'p.json' });
    const text = formatWeightsDescription(describeWeights(w, { source: 'p.json' }));
    expect(text).toMatch(/sLSTM, input 8, hidden 8, 1 layer/);
    expect(text).toMatch(/fgate\.weight\s+json\s+\[2, 4, 4\]\s+layer 0 i rows \(headwise\)/);
    expect(w.ignored).toEqual(['group_norm.weight']);
  });

  it('refuses the package\'s conv1d and a recurrent kernel of the wrong shape by name', () => {
    const c = load('pkg_slstm_h8_nh2_t10');
    const conv = { ...c.state_dict, 'conv1d.conv.weight': [[[1, 2, 3, 4]]] };
    expect(() => networkFromStateDict(tensorsOf(conv, 'p'), { source: 'p.json' })).toThrow(/conv1d_kernel_size=0/);
    const ref = load('slstm_net_d3_h6_nh2_t12');
    const bad = { ...ref.state_dict, 'layers.0.recurrent_kernel': [[[1, 2]]] };
    expect(() => networkFromStateDict(tensorsOf(bad, 'r'), { source: 'r.json' })).toThrow(/expected \[NH, DH, 4, DH\]/);
  });

  it('writes the reference names and reads them back unchanged', () => {
    const c = load('slstm_net_3l_nobias_t10');
    const net = networkOf(c, 'x');
    const back = networkFromStateDict(tensorsOf(stateDictFromNetwork(net, 'rnn.'), 'y'), { source: 'y' }).network;
    expect(back.numHeads).toBe(net.numHeads);
    back.layers.forEach((dirs, k) => {
      expect(Array.from(dirs[0]!.wIh)).toEqual(Array.from(net.layers[k]![0]!.wIh));
      expect(Array.from(dirs[0]!.wHh)).toEqual(Array.from(net.layers[k]![0]!.wHh));
    });
    const withBias = networkOf(load('slstm_net_d3_h6_nh2_t12'), 'z');
    const back2 = networkFromStateDict(tensorsOf(stateDictFromNetwork(withBias), 'w'), { source: 'w' }).network;
    expect(Array.from(back2.layers[0]![0]!.bIh!)).toEqual(Array.from(withBias.layers[0]![0]!.bIh!));
    expect(Array.from(back2.layers[0]![0]!.wHh)).toEqual(Array.from(withBias.layers[0]![0]!.wHh));
  });
});

describe('sLSTM gradients against torch.autograd', () => {
  interface GradCase extends NetCase {
    wy: number[][];
    grads: Record<string, unknown>;
  }
  for (const entry of nets.filter((e) => e.name.startsWith('slstm_net'))) {
    it(`${entry.name}: every parameter, the input and the initial state`, () => {
      const c = load(entry.name) as GradCase;
      const net = networkOf(c, entry.name);
      const init = { h0: c.h0, c0: c.c0 };
      const steps = runSequence(net, c.input, init);
      const g = backwardSequence(net, c.input, steps, init, { dy: c.wy });
      const H = c.hidden_size;
      const NH = c.num_heads;
      const DH = H / NH;
      net.layers.forEach((_, k) => {
        const p = g.params![k]![0]!;
        expectAutograd(p.wIh, flatNested(c.grads[`layers.${k}.weight_ih`]), `layers.${k}.weight_ih`);
        // the engine's (4H, DH) blocks back in the reference layout (NH, DH, 4, DH)
        const r = new Float64Array(4 * H * DH);
        for (let hd = 0; hd < NH; hd++)
          for (let j = 0; j < DH; j++) for (let gi = 0; gi < 4; gi++) for (let kk = 0; kk < DH; kk++) r[((hd * DH + j) * 4 + gi) * DH + kk] = p.wHh[(gi * H + hd * DH + kk) * DH + j]!;
        expectAutograd(r, flatNested(c.grads[`layers.${k}.recurrent_kernel`]), `layers.${k}.recurrent_kernel`);
        if (c.bias) {
          const b = new Float64Array(4 * H);
          for (let hd = 0; hd < NH; hd++) for (let gi = 0; gi < 4; gi++) for (let kk = 0; kk < DH; kk++) b[(hd * 4 + gi) * DH + kk] = p.bIh![gi * H + hd * DH + kk]!;
          expectAutograd(b, flatNested(c.grads[`layers.${k}.bias`]), `layers.${k}.bias`);
        }
      });
      expectAutograd(g.dx.flatMap((r) => Array.from(r)), flatNested(c.grads['input']), 'input');
      if (c.h0 !== null) {
        expectAutograd(g.dh0.flatMap((r) => Array.from(r)), flatNested(c.grads['h0']), 'h0');
        expectAutograd(g.dc0!.flatMap((r) => Array.from(r)), flatNested(c.grads['c0']), 'c0 (c, n, m)');
      }
    });
  }
});

describe('sLSTM memory and attribution (from its backward pass)', () => {
  it('the memory view\'s ||dh_T/dx_t|| equals central differences of the forward run', () => {
    const c = load('slstm_net_2l_h0_t9');
    const net = networkOf(c, 'm');
    const init = { h0: c.h0, c0: c.c0 };
    const prof = memoryProfile(net, c.input, init);
    expect(prof.sensitivity[0]).not.toHaveProperty('c');
    const T = c.input.length;
    const last = (xs: number[][]): Float64Array => runSequence(net, xs, init)[T - 1]!.y;
    const eps = 1e-5;
    for (let t = 0; t < T; t++) {
      let sq = 0;
      for (let j = 0; j < c.input_size; j++) {
        const up = c.input.map((r) => r.slice());
        const down = c.input.map((r) => r.slice());
        up[t]![j]! += eps;
        down[t]![j]! -= eps;
        const a = last(up);
        const b = last(down);
        for (let u = 0; u < a.length; u++) sq += ((a[u]! - b[u]!) / (2 * eps)) ** 2;
      }
      expect(Math.abs(prof.sensitivity[t]!.x - Math.sqrt(sq)), `x[t=${t}]`).toBeLessThan(1e-6 * Math.max(1, Math.sqrt(sq)));
    }
  });

  it('integrated gradients add up to F(x) - F(0); c is refused as stabilised', () => {
    const c = load('slstm_net_d3_h6_nh2_t12');
    const net = networkOf(c, 'a');
    const a = integratedGradients(net, c.input, { kind: 'h', t: 11, layer: 0, direction: 0, unit: 2 }, { steps: 64 });
    expect(Math.abs(a.delta)).toBeLessThan(1e-4 * Math.max(1, Math.abs(a.value - a.baselineValue)));
    expect(() => gradientTimesInput(net, c.input, { kind: 'c', t: 11, layer: 0, direction: 0, unit: 2 })).toThrow(/an sLSTM's c is stabilised/);
  });
});

describe('sLSTM interventions', () => {
  it('a forget gate set to 0 leaves c = i z and n = i, so h = o z; the steps after run on from it', () => {
    const c = load('slstm_net_d3_h6_nh2_t12');
    const net = networkOf(c, 'iv');
    const plain = runSequence(net, c.input);
    const iv = { name: 'f', layer: 0, direction: 0, unit: 1, from: 3, to: 3, value: 0 };
    const edited = runSequenceIntervened(net, c.input, undefined, [iv]);
    const H = c.hidden_size;
    const p3 = plain[3]!.layers[0]![0]!;
    const e3 = edited[3]!.layers[0]![0]!;
    expect(e3.gates[H + 1]).toBe(0);
    expect(e3.c![1]).toBeCloseTo(p3.gates[1]! * p3.gates[2 * H + 1]!, 12);
    expect(e3.c![H + 1]).toBeCloseTo(p3.gates[1]!, 12);
    expect(e3.h[1]).toBeCloseTo(p3.gates[3 * H + 1]! * p3.gates[2 * H + 1]!, 12);
    expect(e3.h[0]).toBe(p3.h[0]);
    expect(edited[4]!.y[1]).not.toBe(plain[4]!.y[1]);
    // the block runner with the same intervention gives the same bits
    const engine = new ReferenceBlockEngine(net, undefined, 12, [iv]);
    const ys: number[][] = [];
    runAll(engine, c.input, (s) => ys.push(Array.from(s.y)));
    ys.forEach((y, t) => expect(y).toEqual(Array.from(edited[t]!.y)));
  });
});
