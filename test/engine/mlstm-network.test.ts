/** xLSTM's mLSTM as a network kind ('mlstm'): against the torch reference module, its weights, its state, and what it refuses. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backwardSequence,
  cellStateSize,
  createStepper,
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
import { engineKindFor } from '../../src/engine/choose-runner.js';
import { ReferenceBlockEngine, runAll, stateStride } from '../../src/engine/runner.js';
import { describeWeights, formatWeightsDescription, loadWeights, stateDictFromNetwork } from '../../src/io/weights/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../src/io/weights/tensor.js';
import { ROOT } from '../helpers/build.js';

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

  it('refuses gradients (memory, attribution, training) by name, never computing them', () => {
    const c = load('mlstm_net_d3_h6_nh2_t12');
    const net = networkOf(c, 'x');
    const steps = runSequence(net, c.input);
    expect(() => backwardSequence(net, c.input, steps, undefined, { dy: c.input.map(() => new Array(c.hidden_size).fill(1)) })).toThrow(/needs gradients: an mLSTM has no backward pass yet/);
    expect(() => memoryProfile(net, c.input)).toThrow(/an mLSTM has no backward pass/);
    expect(() => integratedGradients(net, c.input, { kind: 'h', t: 3, layer: 0, direction: 0, unit: 0 })).toThrow(/attribution needs gradients: an mLSTM has no backward pass yet/);
    expect(() => createTrainer([{ inputs: [Float64Array.of(1)], targets: [Float64Array.of(1)] }], { kind: 'mlstm', hiddenSize: 4, loss: 'mse', outputSize: 1 })).toThrow(/training needs gradients: an mLSTM/);
    expect(() => runSequenceIntervened(net, c.input, undefined, [{ name: 'h', layer: 0, direction: 0, unit: 0, from: 1, to: 1, value: 0 }])).toThrow(/an mLSTM takes no interventions yet/);
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
