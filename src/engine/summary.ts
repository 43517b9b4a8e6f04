/**
 * A sequence in one line, for a corpus list: its length, the prediction at its last step, how
 * much of the time its sigmoid gates sat saturated (below 0.02 or above 0.98, stats.ts's
 * limits), and the unit whose h ends largest in size. Steps are added one at a time.
 */
import { headForward, type LinearHead } from './model.js';
import { GATE_NAMES, outputSize } from './shapes.js';
import { SATURATION_LIMITS, saturationOf } from './stats.js';
import type { Network, NetworkStep } from './types.js';

export interface SequenceSummary {
  readonly steps: number;
  /** The head's output at the last step (O values), or the last y without a head; null for no steps. */
  readonly output: Float64Array | null;
  /** Fraction of sigmoid gate values (every layer, direction, unit and step) outside 0.02..0.98. */
  readonly saturated: number;
  /** The last layer's unit with the largest |h| at the last step. */
  readonly top: { readonly direction: number; readonly unit: number; readonly h: number } | null;
}

export class SummaryAccumulator {
  private steps = 0;
  private saturatedValues = 0;
  private gateValues = 0;
  private readonly lastY: Float64Array;
  private readonly sigmoid: number[];

  constructor(
    private readonly net: Network,
    private readonly head: LinearHead | null,
  ) {
    this.lastY = new Float64Array(outputSize(net) * net.directions.length);
    this.sigmoid = GATE_NAMES[net.kind].map((g, i) => (saturationOf(net.kind, g) === 'sigmoid' ? i : -1)).filter((i) => i >= 0);
  }

  add(step: NetworkStep): void {
    this.steps++;
    const H = this.net.hiddenSize;
    const { lo, hi } = SATURATION_LIMITS.sigmoid;
    for (const layer of step.layers) {
      for (const rec of layer) {
        for (const g of this.sigmoid) {
          for (let u = 0; u < H; u++) {
            const v = rec.gates[g * H + u]!;
            if (v < lo || v > hi) this.saturatedValues++;
          }
          this.gateValues += H;
        }
      }
    }
    this.lastY.set(step.y);
  }

  result(): SequenceSummary {
    if (this.steps === 0) return { steps: 0, output: null, saturated: 0, top: null };
    let output: Float64Array = this.lastY.slice();
    if (this.head !== null) {
      output = new Float64Array(this.head.outSize);
      headForward(this.head, this.lastY, output);
    }
    const Hout = outputSize(this.net);
    let top: SequenceSummary['top'] = null;
    for (let i = 0; i < this.lastY.length; i++) {
      const h = this.lastY[i]!;
      if (top === null || Math.abs(h) > Math.abs(top.h)) top = { direction: Math.floor(i / Hout), unit: i % Hout, h };
    }
    return { steps: this.steps, output, saturated: this.gateValues === 0 ? 0 : this.saturatedValues / this.gateValues, top };
  }
}
