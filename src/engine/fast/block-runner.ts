/**
 * The block runner (../runner.ts) on the fast engine's WebAssembly SIMD kernels. It reads the
 * kernels' memory (offsets of h, c, gates and pre-activations) directly, which is why it lives here:
 * nothing outside engine/fast/ knows that layout.
 */
import { fillInitial, stateStride, type BlockEngine, type StateArray } from '../runner.js';
import { widenStrided, type RangeSet } from '../ranges.js';
import { GATE_NAMES, STATE_NAMES } from '../shapes.js';
import type { InitialState, Network, NetworkStep } from '../types.js';
import { allocNetworkStep, FastRunner } from './sequence.js';
import { chunkSource, KernelStats } from './fast-stats.js';
import type { SequenceStats } from '../stats.js';

/** The runner contract (../runner.ts) on the WebAssembly SIMD kernels: float32 states, as PyTorch. */
export class FastBlockEngine implements BlockEngine {
  readonly kind = 'fast' as const;
  readonly stateStride: number;
  private readonly runner: FastRunner;
  private readonly out: NetworkStep;
  private readonly views: number;
  /** The statistics' accumulators, in the kernels' memory after the runner's buffers. */
  private readonly stats: KernelStats;

  constructor(
    readonly network: Network,
    private readonly init: InitialState | undefined,
    readonly capacity: number,
  ) {
    this.runner = new FastRunner(network, init, capacity, KernelStats.bytes(network));
    this.stats = new KernelStats(this.runner.layout, this.runner.mem, this.runner.extra);
    this.out = allocNetworkStep(network);
    this.stateStride = stateStride(network);
    this.views = network.numLayers * network.directions.length;
  }

  newState(): Float32Array {
    return new Float32Array(this.views * this.stateStride);
  }

  initialState(): Float32Array {
    // Rounded to float32 as the runner holds it, so that a run from it equals a run from reset().
    return fillInitial(this.network, this.init, this.newState()) as Float32Array;
  }

  setView(v: number, state: StateArray): void {
    const dirs = this.network.directions.length;
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const lstm = this.network.kind === 'lstm';
    this.runner.setState(Math.floor(v / dirs), v % dirs, state.subarray(at, at + H), lstm ? state.subarray(at + H, at + 2 * H) : null);
  }

  getView(v: number, state: StateArray): void {
    const dirs = this.network.directions.length;
    const H = this.network.hiddenSize;
    const at = v * this.stateStride;
    const { h, c } = this.runner.stateViews(Math.floor(v / dirs), v % dirs);
    state.set(h, at);
    if (c !== null) state.set(c, at + H);
  }

  setInput(i: number, x: ArrayLike<number>): void {
    this.runner.setInput(i, x);
  }

  setRows(i: number, rows: Float32Array | Float64Array, n: number): void {
    this.runner.setInput(i, rows.subarray(0, n * this.network.inputSize));
  }

  accumulate(n: number, count = true): void {
    const r = this.runner;
    const { Hp, dirs } = r.layout;
    for (let k = 0; k < this.network.numLayers; k++) {
      for (let d = 0; d < dirs; d++) {
        const b = r.bufs[k]![d]!;
        this.stats.add(k, d, n, chunkSource(this.network, r.layout, b.gates, b.c, r.hAt(k, d), dirs * Hp * 4), count && k === 0 && d === 0);
      }
    }
  }

  statistics(): SequenceStats {
    return this.stats.result();
  }

  run(n: number, views: readonly number[]): void {
    if (n > this.capacity) throw new RangeError(`run of ${n} steps exceeds the capacity ${this.capacity}`);
    const dirs = this.network.directions.length;
    for (const v of views) this.runner.runView(n, Math.floor(v / dirs), v % dirs);
  }

  step(i: number): NetworkStep {
    this.runner.read(i, this.out);
    return this.out;
  }

  output(i: number): Float64Array {
    const r = this.runner;
    const { H, Hp, dirs } = r.layout;
    const L = this.network.numLayers;
    const f32 = r.mem.f32;
    const y = this.out.y;
    for (let d = 0; d < dirs; d++) {
      const at = r.hAt(L - 1, d) / 4 + i * dirs * Hp;
      y.set(f32.subarray(at, at + H), d * H);
    }
    return y;
  }

  widenRun(n: number, v: number, ranges: RangeSet): void {
    const r = this.runner;
    const { H, Hp, G, GHp, dirs } = r.layout;
    const k = Math.floor(v / dirs);
    const d = v % dirs;
    const b = r.bufs[k]![d]!;
    const f32 = r.mem.f32;
    const names = STATE_NAMES[this.network.kind];
    const gates = GATE_NAMES[this.network.kind];
    for (let s = 0; s < names.length; s++) {
      const name = names[s]!;
      const slot = ranges.slot(v, s);
      if (name === 'h') widenStrided(ranges, slot, f32, r.hAt(k, d) / 4, dirs * Hp, n, H);
      else if (name === 'c') widenStrided(ranges, slot, f32, b.c / 4, Hp, n, H);
      else widenStrided(ranges, slot, f32, b.gates / 4 + gates.indexOf(name) * Hp, GHp, n, H);
    }
    for (let g = 0; g < G; g++) widenStrided(ranges, ranges.slot(v, names.length), f32, b.pre / 4 + g * Hp, GHp, n, H);
  }
}
