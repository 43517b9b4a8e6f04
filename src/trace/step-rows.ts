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
import { checkHead, GATE_NAMES, STATE_NAMES, stateSlot, gateCount, headForward, type LinearHead, type Network, type NetworkStep } from '../engine/index.js';
import { RangeSet } from '../engine/ranges.js';

export { RangeSet, type ValueRange } from '../engine/ranges.js';

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
    readonly head: LinearHead | null,
  ) {
    if (head !== null) checkHead(network, head);
    this.H = network.hiddenSize;
    this.views = network.numLayers * network.directions.length;
    this.stateNames = STATE_NAMES[network.kind];
    const gates = GATE_NAMES[network.kind];
    // RNN's only "gate" is h itself; LSTM/GRU h and LSTM c have their own buffers.
    this.sources = this.stateNames.map((n) => {
      const slot = stateSlot(network.kind, n, this.H);
      // an sLSTM's n and m sit in its cell-state buffer after c: -2 - (offset / H)
      return slot.from === 'h' ? -1 : slot.from === 'c' ? -2 - slot.offset / this.H : gates.indexOf(n);
    });
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
    if (src <= -2) return rec.c!.subarray((-2 - src) * H, (-1 - src) * H);
    return src === -1 ? rec.h : rec.gates.subarray(src * H, (src + 1) * H);
  }

  /** The head's prediction from a step's output y, or null without a head (a buffer reused by the next call). */
  prediction(y: Float64Array): Float64Array | null {
    if (this.head === null) return null;
    headForward(this.head, y, this.pred);
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
