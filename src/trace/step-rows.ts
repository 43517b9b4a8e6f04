/**
 * One step of every layer and direction as a float32 row, and the running value ranges of every
 * traced quantity: the trace store writes the rows of the blocks it holds (widening the ranges as
 * it steps a live stream); the full pass widens the ranges straight from the engine's buffers
 * (BlockEngine.widenRun) with the same rule.
 *
 * Row layout: for each view v = layer * dirs + dir, the traced states of the cell (STATE_NAMES, H
 * each: LSTM i f g o c h, GRU r z n h, RNN h) then its pre-activations (G*H, engine gate order);
 * then the head's prediction (O). A projected LSTM's h (P values) fills the first P of its H slots.
 */
import { GATE_NAMES, STATE_NAMES, gateCount, type Network, type NetworkStep } from '../engine/index.js';
import { RangeSet } from '../engine/ranges.js';

export { RangeSet, type ValueRange } from '../engine/ranges.js';

/** A linear read-out on the last layer's output y_t: pred = W y + b (same shape as the CLI's). */
export interface TraceHead {
  /** (O, Hout*dirs): Hout the width of h (P for a projected LSTM, else H) */
  readonly weight: Float32Array;
  /** (O) */
  readonly bias: Float32Array | null;
  readonly outSize: number;
}

export class StepRows {
  readonly H: number;
  readonly views: number;
  readonly stateNames: readonly string[];
  /** Floats per view: states then pre-activations. */
  readonly blockWidth: number;
  readonly predOffset: number;
  /** Floats per step. */
  readonly width: number;
  readonly outSize: number;
  /** For each state: its gate index in the engine's gate record, or -1 for h, -2 for c. */
  private readonly sources: readonly number[];
  private readonly pred: Float64Array;

  constructor(
    readonly network: Network,
    readonly head: TraceHead | null,
  ) {
    this.H = network.hiddenSize;
    this.views = network.numLayers * network.directions.length;
    this.stateNames = STATE_NAMES[network.kind];
    const gates = GATE_NAMES[network.kind];
    // RNN's only "gate" is h itself; LSTM/GRU h and LSTM c have their own buffers.
    this.sources = this.stateNames.map((n) => (n === 'h' ? -1 : n === 'c' ? -2 : gates.indexOf(n)));
    this.blockWidth = this.stateNames.length * this.H + gateCount(network.kind) * this.H;
    this.predOffset = this.views * this.blockWidth;
    this.outSize = head?.outSize ?? 0;
    this.width = this.predOffset + this.outSize;
    this.pred = new Float64Array(this.outSize);
  }

  /** A new set of ranges for this network. */
  newRanges(): RangeSet {
    return new RangeSet(this.views, this.stateNames.length);
  }

  /** Offset of state s of view v within a row. */
  offset(view: number, stateIndex: number): number {
    return view * this.blockWidth + stateIndex * this.H;
  }

  private source(rec: NetworkStep['layers'][number][number], s: number): Float64Array {
    const src = this.sources[s]!;
    const H = this.H;
    return src === -1 ? rec.h : src === -2 ? rec.c! : rec.gates.subarray(src * H, (src + 1) * H);
  }

  /** The head's prediction from a step's output y, or null without a head (a buffer reused by the next call). */
  prediction(y: Float64Array): Float64Array | null {
    const head = this.head;
    if (head === null) return null;
    const n = y.length;
    for (let o = 0; o < this.outSize; o++) {
      let s = head.bias === null ? 0 : head.bias[o]!;
      for (let j = 0; j < n; j++) s += head.weight[o * n + j]! * y[j]!;
      this.pred[o] = s;
    }
    return this.pred;
  }

  /** Writes a step of every view into `out` at `base`, widening `ranges` if given. */
  write(step: NetworkStep, out: Float32Array, base: number, ranges: RangeSet | null): void {
    const dirs = this.network.directions.length;
    const H = this.H;
    const S = this.stateNames.length;
    for (let v = 0; v < this.views; v++) {
      const rec = step.layers[Math.floor(v / dirs)]![v % dirs]!;
      let off = base + v * this.blockWidth;
      for (let s = 0; s < S; s++) {
        const src = this.source(rec, s);
        const n = src.length;
        for (let u = 0; u < n; u++) out[off + u] = src[u]!;
        for (let u = n; u < H; u++) out[off + u] = 0;
        if (ranges !== null) ranges.widen(ranges.slot(v, s), src, 0, n);
        off += H;
      }
      const pre = rec.pre;
      for (let j = 0; j < pre.length; j++) out[off + j] = pre[j]!;
      if (ranges !== null) ranges.widen(ranges.slot(v, S), pre, 0, pre.length);
    }
    if (this.head !== null) {
      const p = this.prediction(step.y)!;
      for (let o = 0; o < this.outSize; o++) out[base + this.predOffset + o] = p[o]!;
      if (ranges !== null) ranges.widen(ranges.predSlot, p, 0, this.outSize);
    }
  }
}
