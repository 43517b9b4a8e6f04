/**
 * A named tensor as every weights format delivers it, before it is mapped onto the engine.
 */
import { InputError } from '../errors.js';

export interface Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Row-major values. */
  readonly data: Float32Array;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A nested JSON array (or a number) as a Tensor. Rejects ragged arrays, non-numbers and values
 * that are not finite in float32, naming the tensor and the index path.
 */
export function tensorFromNested(value: unknown, name: string, source: string): Tensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const data = new Float32Array(elementCount(shape));
  let at = 0;
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        throw new InputError(`expected a number at ${name}${path}, got ${describe(v)}`, { source, tensor: name });
      }
      const f = Math.fround(v);
      if (!Number.isFinite(f)) {
        throw new InputError(`${name}${path} is ${v}, not a finite float32 number`, { source, tensor: name });
      }
      data[at++] = f;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new InputError(
        `ragged tensor: expected an array of ${shape[depth]} at ${name}${path}, got ${describe(v)}`,
        { source, tensor: name },
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, '');
  return { shape, data };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'string') return `a string`;
  return typeof v === 'object' ? 'an object' : String(v);
}
