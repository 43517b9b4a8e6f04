/** Gradient checks shared by the cell tests: against torch.autograd's numbers, and the trainer's against central differences. */
import { expect } from 'vitest';
import type { Example, Trainer } from '../../src/engine/train/index.js';
import { expectClose } from './expect-close.js';

/** A nested JSON array (a tensor as torch's tolist() writes it), flattened row-major. */
export const flatNested = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flatNested) : [v as number]);

/** |a - e| <= 1e-5 * max(1, max |e|) at every element, naming the first one off. */
export function expectAutograd(actual: ArrayLike<number>, expected: readonly number[], label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (let k = 0; k < expected.length; k++) {
    const err = Math.abs(actual[k]! - expected[k]!);
    if (!(err <= 1e-5 * scale)) expect.fail(`${label}[${k}]: got ${actual[k]}, expected ${expected[k]} (${err.toExponential(1)} > 1e-5)`);
  }
}

/**
 * After one tr.step() (lr 0, no clipping): every parameter's gradient against central differences of
 * the mean loss over `data`, each weight moved by a float32-visible step of about 1e-3.
 */
export function expectTrainerGradients(tr: Trainer, data: readonly Example[], label: string): void {
  for (const p of tr.params) {
    const scale = Math.max(1e-3, ...Array.from(p.grad, Math.abs));
    expectClose(p.grad, numericGradient(tr, data, p), 2e-6 * scale + 1e-9, `${label} ${p.name}`);
  }
}

/** Central differences of the trainer's mean loss over `data` for every value of parameter p. */
export function numericGradient(tr: Trainer, data: readonly Example[], p: Trainer['params'][number]): Float64Array {
  return Float64Array.from(p.value, (w, i) => {
    const at = (x: number): number => {
      p.value[i] = x;
      const l = tr.evaluate(data).loss;
      p.value[i] = w;
      return l;
    };
    const hp = Math.fround(w + 1e-3) - w;
    const hm = w - Math.fround(w - 1e-3);
    return (at(w + hp) - at(w - hm)) / (hp + hm);
  });
}
