import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastAvailable, instantiateKernels } from '../../src/engine/fast/kernels.js';
import { float32Limits } from '../../src/engine/fast/index.js';
import { ROOT } from '../helpers/build.js';

// Each comparison is with the exact function of the float32 input the kernel actually received.

/** act(xs) through the kernels' `activate` export (see kernels.wat for the codes). */
function activate(act: number, xs: readonly number[]): Float32Array {
  const n = Math.ceil(xs.length / 4) * 4;
  const mem = instantiateKernels(65536);
  mem.f32.set(xs, 0);
  mem.k.activate(n * 4, 0, n, act);
  return mem.f32.slice(n, n + xs.length);
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

// a grid over the whole range, tiny values, and the clamps
const GRID = [
  ...Array.from({ length: 801 }, (_, i) => -20 + i * 0.05),
  0, 1e-8, -1e-8, 1e-4, -3e-4, 0.6249, 0.625, 0.6251, -0.625, 40, -40, 87, -87, 90, -90, 1e30, -1e30, Infinity, -Infinity,
];

describe('WebAssembly kernels', () => {
  it('are available on this Node', () => {
    expect(fastAvailable()).toBe(true);
  });

  it('kernels.wasm.ts is what kernels.wat assembles to', () => {
    // exits 1 with a message when the committed module is stale
    expect(() => execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-wasm.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  for (const [act, name] of [
    [0, 'sigmoid (range loop)'],
    [2, 'sigmoid (per vector)'],
  ] as const) {
    // 1/2 + tanh(x/2)/2: tanh's error halved, plus a rounding near 1 (the worst, 1.8e-7, is at x = 12)
    it(`${name} is within 2e-7 of the exact value, and exactly 0 or 1 far out`, () => {
      const got = activate(act, GRID);
      GRID.forEach((x, i) => expect(Math.abs(got[i]! - sigmoid(Math.fround(x))), `sigmoid(${x})`).toBeLessThanOrEqual(2e-7));
      const far = activate(act, [-16, 16, -50, 50, -Infinity, Infinity]);
      expect(Array.from(far)).toEqual([0, 1, 0, 1, 0, 1]);
    });
  }

  for (const [act, name] of [
    [1, 'tanh (range loop)'],
    [3, 'tanh (per vector)'],
  ] as const) {
    it(`${name} is within 4e-7, and relatively close near 0`, () => {
      const got = activate(act, GRID);
      GRID.forEach((x, i) => {
        const want = Math.tanh(Math.fround(x));
        expect(Math.abs(got[i]! - want), `tanh(${x})`).toBeLessThanOrEqual(4e-7);
        if (Math.abs(x) < 1 && x !== 0) expect(Math.abs(got[i]! / want - 1), `tanh(${x}) relative`).toBeLessThan(1e-6);
      });
    });
  }

  it('float32 saturation limits agree with the exact comparison', () => {
    const f = new Float32Array(1);
    for (const [lo, hi] of [
      [0.02, 0.98],
      [-0.98, 0.98],
    ] as const) {
      const { lo32, hi32 } = float32Limits(lo, hi);
      for (const c of [lo, hi]) {
        // every float32 near the threshold
        f[0] = c;
        const bits = new Int32Array(f.buffer);
        const base = bits[0]!;
        for (let d = -4; d <= 4; d++) {
          bits[0] = base + d;
          const v = f[0]!;
          expect(v <= lo32 || v >= hi32, `v=${v}`).toBe(v < lo || v > hi);
        }
      }
    }
  });
});
