/**
 * The inputs a trace was given, block by block: x_t as float32 (the values the engine ran on) and
 * each step's label, made visible as they arrive; or, over a RowSource (an .npy in memory), nothing
 * at all: its rows are read back from it at will. A bounded history drops its oldest block.
 */
import { visible } from '../io/errors.js';
import type { ReadRows } from './pass.js';

/** An input whose rows can be read back in any order (an .npy file in memory). */
export interface RowSource {
  /** Steps in the input (T). */
  readonly length: number;
  /** Reads rows t0 .. t0+n-1 as float32 values into out (n x D), stopping at a bad row (with why). */
  readonly read: ReadRows;
  /** The label of step t (made visible by the store). */
  label(t: number): string;
}

export class InputHistory {
  /** Per block: (K, D) float32 inputs, and labels (none over a RowSource). */
  private readonly xChunks: (Float32Array | undefined)[] = [];
  private readonly labelChunks: (string[] | undefined)[] = [];
  private readonly oneRow: Float32Array;

  constructor(
    /** D: features per step. */
    readonly width: number,
    /** K: steps per block. */
    readonly blockSteps: number,
    readonly maxLabelLength: number,
    readonly source: RowSource | null,
  ) {
    this.oneRow = new Float32Array(width);
  }

  /** Keeps x_t (D values) and its label; returns the float32 row as kept. */
  put(t: number, x: ArrayLike<number>, label: string): Float32Array {
    if (this.source !== null) throw new Error('an input read from a RowSource keeps no rows of its own');
    const K = this.blockSteps;
    const D = this.width;
    const c = Math.floor(t / K);
    let xs = this.xChunks[c];
    if (xs === undefined) {
      xs = new Float32Array(K * D);
      this.xChunks[c] = xs;
      this.labelChunks[c] = [];
    }
    const at = (t - c * K) * D;
    for (let j = 0; j < D; j++) xs[at + j] = x[j]!;
    this.labelChunks[c]!.push(visible(label, this.maxLabelLength));
    return xs.subarray(at, at + D);
  }

  /** Reads rows t0 .. t0+n-1 (held ones, or the RowSource's) into out (n x D). */
  read: ReadRows = (t0, n, out) => {
    if (this.source !== null) return this.source.read(t0, n, out);
    const K = this.blockSteps;
    const D = this.width;
    for (let i = 0; i < n; i++) {
      const t = t0 + i;
      const c = Math.floor(t / K);
      const at = (t - c * K) * D;
      out.set(this.xChunks[c]!.subarray(at, at + D), i * D);
    }
    return { rows: n, error: null };
  };

  /** x_t as the engine ran on it: (D). */
  x(t: number): Float64Array {
    if (this.source !== null) {
      this.source.read(t, 1, this.oneRow);
      return Float64Array.from(this.oneRow);
    }
    const K = this.blockSteps;
    const c = Math.floor(t / K);
    const at = (t - c * K) * this.width;
    return Float64Array.from(this.xChunks[c]!.subarray(at, at + this.width));
  }

  /** The label of step t, safe to print. */
  label(t: number): string {
    if (this.source !== null) return visible(this.source.label(t), this.maxLabelLength);
    return this.labelChunks[Math.floor(t / this.blockSteps)]![t % this.blockSteps]!;
  }

  /** Forgets block c's inputs and labels. */
  drop(c: number): void {
    this.xChunks[c] = undefined;
    this.labelChunks[c] = undefined;
  }

  /** Input values and labels held, and their typed-array bytes. */
  footprint(): { inputValues: number; labels: number; bytes: number } {
    let inputValues = 0;
    let labels = 0;
    let bytes = 0;
    for (let c = 0; c < this.xChunks.length; c++) {
      const xs = this.xChunks[c];
      if (xs === undefined) continue;
      inputValues += xs.length;
      bytes += xs.byteLength;
      labels += this.labelChunks[c]?.length ?? 0;
    }
    return { inputValues, labels, bytes };
  }
}
