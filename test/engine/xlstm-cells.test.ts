import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMlstm, runSlstm, type MlstmParams, type SlstmParams } from '../../src/engine/index.js';
import { ROOT } from '../helpers/build.js';

const DIR = join(ROOT, 'fixtures', 'xlstm-cells');

interface XCase {
  cell: 'slstm' | 'mlstm';
  input_size: number;
  hidden_size: number;
  num_heads: number;
  params: Record<string, number[]>;
  input: number[][];
  steps: Record<string, number[]>[];
}

const index = (JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { cases: { name: string; cell: string; T: number }[] }).cases;
const load = (name: string): XCase => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as XCase;
const f32 = (a: number[] | undefined): Float32Array => Float32Array.from(a!);

/** |a - e| <= 1e-5 * max(1, |e|), naming the worst value. */
function expectRel(actual: ArrayLike<number>, expected: readonly number[], label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstRatio = 0;
  for (let k = 0; k < expected.length; k++) {
    const r = Math.abs(actual[k]! - expected[k]!) / (1e-5 * Math.max(1, Math.abs(expected[k]!)));
    if (!(r <= worstRatio)) {
      worstRatio = Number.isNaN(r) ? Infinity : r;
      worst = k;
    }
  }
  if (worstRatio > 1) expect.fail(`${label}[${worst}]: got ${actual[worst]}, expected ${expected[worst]}`);
}

describe('xLSTM cells against the torch reference (stabilised exponential gating)', () => {
  for (const entry of index) {
    it(`${entry.name} (${entry.cell}, T=${entry.T})`, () => {
      const c = load(entry.name);
      const base = { inputSize: c.input_size, hiddenSize: c.hidden_size, numHeads: c.num_heads };
      if (c.cell === 'slstm') {
        const p: SlstmParams = { ...base, weightIh: f32(c.params['weight_ih']), recurrentKernel: f32(c.params['recurrent_kernel']), bias: f32(c.params['bias']) };
        const steps = runSlstm(p, c.input);
        const H = c.hidden_size;
        c.steps.forEach((e, t) => {
          const s = steps[t]!;
          expectRel(s.pre, e['pre']!, `pre[t=${t}]`);
          ['i', 'f', 'z', 'o'].forEach((g, gi) => expectRel(s.gates.subarray(gi * H, (gi + 1) * H), e[g]!, `${g}[t=${t}]`));
          expectRel(s.c, e['c']!, `c[t=${t}]`);
          expectRel(s.n, e['n']!, `n[t=${t}]`);
          expectRel(s.m, e['m']!, `m[t=${t}]`);
          expectRel(s.h, e['h']!, `h[t=${t}]`);
        });
      } else {
        const q = (k: string): Float32Array => f32(c.params[k]);
        const p: MlstmParams = {
          ...base, wQ: q('W_q'), bQ: q('b_q'), wK: q('W_k'), bK: q('b_k'), wV: q('W_v'), bV: q('b_v'), wO: q('W_o'), bO: q('b_o'),
          wI: q('w_i'), bI: q('b_i'), wF: q('w_f'), bF: q('b_f'),
        };
        const steps = runMlstm(p, c.input);
        c.steps.forEach((e, t) => {
          const s = steps[t]!;
          for (const k of ['i', 'f', 'o', 'C', 'n', 'm', 'h'] as const) expectRel(s[k], e[k]!, `${k}[t=${t}]`);
        });
      }
    });
  }

  it('refuses heads that do not divide H and parameters of the wrong size', () => {
    const p: SlstmParams = { inputSize: 1, hiddenSize: 4, numHeads: 3, weightIh: new Float32Array(16), recurrentKernel: new Float32Array(0), bias: new Float32Array(16) };
    expect(() => runSlstm(p, [[1]])).toThrow(/3 heads do not divide hidden size 4/);
    expect(() => runSlstm({ ...p, numHeads: 2 }, [[1]])).toThrow(/recurrent_kernel: expected 32 values, got 0/);
  });
});
