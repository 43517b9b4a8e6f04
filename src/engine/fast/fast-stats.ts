/**
 * The kernels' side of the statistics (../stats.ts) of a sequence: accumulators in the kernels'
 * memory that add a stretch of rows straight from the float32 buffers the steps were computed in
 * (stats_acc), so no step is ever copied out. The block runner (block-runner.ts) accumulates its
 * runs with them, which is how a forward-only network's statistics stream (../stats-session.ts);
 * a network with a reverse direction runs layer by layer here (layerwiseStats), or one direction
 * on its own (runDirectionStats), the unit that lets two threads share a bidirectional layer.
 */
import { ShapeError, validateNetwork } from '../network.js';
import { layerInputSize, STATE_NAMES } from '../shapes.js';
import type { InitialState, Network } from '../types.js';
import { instantiateKernels, type Kernels } from './kernels.js';
import { Arena, checkInitialState, planNetwork, resetState, runStretch, writeWeights, type NetLayout } from './layout.js';
import { finishGroup, saturationOf, SATURATION_LIMITS, statsGroups, type SequenceStats } from '../stats.js';

const f32Bits = new Float32Array(1);
const i32Bits = new Int32Array(f32Bits.buffer);

/** The float32 next to fround(x) in direction dir (x finite). */
function f32Step(x: number, dir: 1 | -1): number {
  f32Bits[0] = x;
  const f = f32Bits[0];
  if (f === 0) return dir * 1.401298464324817e-45;
  i32Bits[0] = i32Bits[0]! + ((f > 0) === (dir > 0) ? 1 : -1);
  return f32Bits[0];
}

/**
 * Float32 thresholds such that, for any float32 v, (v <= lo32 or v >= hi32) exactly when
 * (v < lo or v > hi): the kernel then compares in float32 and agrees with the exact rule.
 */
export function float32Limits(lo: number, hi: number): { lo32: number; hi32: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo32: -Infinity, hi32: Infinity };
  const loF = Math.fround(lo);
  const hiF = Math.fround(hi);
  return { lo32: loF < lo ? loF : f32Step(lo, -1), hi32: hiF > hi ? hiF : f32Step(hi, 1) };
}

/** Bytes of one group's accumulators (see stats_acc in kernels.wat). */
function accBytes(Hp: number): number {
  return 32 * Hp;
}

/** Where each group's values live for a stretch of steps. */
interface ValueSource {
  /** First value (unit 0) of the stretch's first row, and the distance between rows; bytes. */
  readonly at: number;
  readonly stride: number;
}

/** The accumulators of every group, in the kernels' memory at `base`. */
export class KernelStats {
  private n = 0;
  private readonly groups: { layer: number; dir: number; state: string }[];
  private readonly limits: { lo32: number; hi32: number }[];
  /** Groups whose shift K is set (from their first row). */
  private readonly started = new Set<number>();

  constructor(
    private readonly layout: NetLayout,
    private readonly mem: Kernels,
    private readonly base: number,
  ) {
    this.groups = statsGroups(layout.net);
    this.limits = this.groups.map((g) => {
      const sat = saturationOf(layout.net.kind, g.state);
      return sat === null ? { lo32: -Infinity, hi32: Infinity } : float32Limits(SATURATION_LIMITS[sat].lo, SATURATION_LIMITS[sat].hi);
    });
  }

  /** Bytes of accumulators for a network. */
  static bytes(net: Network): number {
    const Hp = Math.ceil(net.hiddenSize / 4) * 4;
    return statsGroups(net).length * accBytes(Hp);
  }

  /** Index of group (layer, dir, state). */
  private index(layer: number, dir: number, state: string): number {
    const names = STATE_NAMES[this.layout.net.kind];
    return (layer * this.layout.dirs + dir) * names.length + names.indexOf(state);
  }

  /**
   * Adds n steps of one (layer, direction): `source(state)` says where that state's rows are.
   * Steps must reach every (layer, direction) the same number of times; `count` says whether
   * these n steps are new (true for the first direction seen, so that T is counted once).
   */
  add(layer: number, dir: number, n: number, source: (state: string) => ValueSource, count: boolean): void {
    if (n === 0) return;
    const { Hp } = this.layout;
    const f32 = this.mem.f32;
    for (const state of STATE_NAMES[this.layout.net.kind]) {
      const gi = this.index(layer, dir, state);
      const acc = this.base + gi * accBytes(Hp);
      const src = source(state);
      if (!this.started.has(gi)) {
        // first rows of this group: the shift K is the first value; min/max start at +-inf
        this.started.add(gi);
        const a = acc / 4;
        for (let u = 0; u < Hp; u++) {
          f32[a + u] = f32[src.at / 4 + u]!;
          f32[a + Hp + u] = Infinity;
          f32[a + 2 * Hp + u] = -Infinity;
        }
      }
      const lim = this.limits[gi]!;
      this.mem.k.stats_acc(src.at, src.stride, n, Hp, acc, lim.lo32, lim.hi32);
    }
    if (count) this.n += n;
  }

  /** The sums of group (layer, dir, state) as fresh (H) arrays. */
  sumsOf(layer: number, dir: number, state: string): PlainSums {
    const { Hp, H } = this.layout;
    const acc = this.base + this.index(layer, dir, state) * accBytes(Hp);
    const a = acc / 4;
    const a8 = (acc + 16 * Hp) / 8;
    const { f32, i32, f64 } = this.mem;
    return {
      k: f32.slice(a, a + H),
      min: f32.slice(a + Hp, a + Hp + H),
      max: f32.slice(a + 2 * Hp, a + 2 * Hp + H),
      saturated: i32.slice(a + 3 * Hp, a + 3 * Hp + H),
      sum: f64.slice(a8, a8 + H),
      sumSq: f64.slice(a8 + Hp, a8 + Hp + H),
    };
  }

  result(): SequenceStats {
    const { net, Hp } = this.layout;
    const f32 = this.mem.f32;
    const i32 = this.mem.i32;
    const f64 = this.mem.f64;
    return {
      steps: this.n,
      kind: net.kind,
      hiddenSize: net.hiddenSize,
      numLayers: net.numLayers,
      directions: net.directions,
      groups: this.groups.map((g, gi) => {
        const acc = this.base + gi * accBytes(Hp);
        const a = acc / 4;
        const a8 = (acc + 16 * Hp) / 8;
        return finishGroup(
          net,
          g,
          {
            k: f32.subarray(a, a + Hp),
            min: f32.subarray(a + Hp, a + 2 * Hp),
            max: f32.subarray(a + 2 * Hp, a + 3 * Hp),
            saturated: i32.subarray(a + 3 * Hp, a + 4 * Hp),
            sum: f64.subarray(a8, a8 + Hp),
            sumSq: f64.subarray(a8 + Hp, a8 + 2 * Hp),
          },
          this.n,
        );
      }),
    };
  }
}

/** Rows per block of a whole sequence's input, as the statistics session collects it (../stats-session.ts). */
export const BLOCK_ROWS = 4096;

/** Buffers of one chunk of steps of one direction (byte offsets), and the steps per chunk. */
interface ChunkBuffers {
  readonly Tc: number;
  readonly pre: number;
  readonly gates: number;
  readonly c: number;
  readonly hChunk: number;
  readonly accBase: number;
}

/** Reserves a direction's chunk buffers and the statistics' accumulators in `arena`. */
function chunkBuffers(arena: Arena, net: Network, layout: NetLayout): ChunkBuffers {
  const { Hp, GHp } = layout;
  const Tc = Math.max(16, Math.min(1024, Math.floor(262144 / ((2 * GHp + 2 * Hp) * 4))));
  return {
    Tc,
    pre: arena.alloc(Tc * GHp * 4),
    gates: arena.alloc(Tc * GHp * 4),
    c: arena.alloc(Tc * Hp * 4),
    hChunk: arena.alloc(Tc * Hp * 4),
    accBase: arena.alloc(KernelStats.bytes(net)),
  };
}

/** Where each state of a chunk is, for KernelStats.add: h at (h, hStride), c and the gates in their chunk buffers. */
export function chunkSource(net: Network, layout: NetLayout, gates: number, c: number, h: number, hStride: number): (state: string) => ValueSource {
  const names = STATE_NAMES[net.kind];
  const { Hp, GHp } = layout;
  return (state) => {
    if (state === 'h') return { at: h, stride: hStride };
    if (state === 'c') return { at: c, stride: Hp * 4 };
    return { at: gates + names.indexOf(state) * Hp * 4, stride: GHp * 4 };
  };
}

/**
 * The statistics of a network with a reverse direction over a whole input (BLOCK_ROWS-row
 * float32 blocks), layer by layer: each direction runs in chunks in its own time order (a reverse
 * one from the end), and only one layer's h (T * dirs * H float32, two such buffers from three
 * layers on) is kept for the layer above; the block runner would hold every step's gates.
 */
export function layerwiseStats(net: Network, init: InitialState | undefined, blocks: readonly Float32Array[], T: number): SequenceStats {
  const arena = new Arena();
  const layout = planNetwork(net, arena);
  const { Hp, dirs } = layout;
  const L = net.numLayers;
  const D = net.inputSize;
  const yRow = dirs * Hp * 4;
  const x = arena.alloc(T * D * 4);
  const ya = L > 1 ? arena.alloc(T * yRow) : 0;
  const yb = L > 2 ? arena.alloc(T * yRow) : 0;
  const { Tc, pre, gates, c, hChunk, accBase } = chunkBuffers(arena, net, layout);
  const mem = instantiateKernels(arena.size);
  writeWeights(layout, mem);
  blocks.forEach((b, i) => {
    const rows = Math.min(BLOCK_ROWS, T - i * BLOCK_ROWS);
    mem.f32.set(b.subarray(0, rows * D), x / 4 + i * BLOCK_ROWS * D);
  });
  const stats = new KernelStats(layout, mem, accBase);
  for (let k = 0; k < L; k++) {
    const input = k === 0 ? x : (k - 1) % 2 === 0 ? ya : yb;
    const inStride = k === 0 ? D * 4 : yRow;
    const output = k === L - 1 ? 0 : k % 2 === 0 ? ya : yb;
    for (let d = 0; d < dirs; d++) {
      const dl = layout.dirLayouts[k]![d]!;
      resetState(layout, mem, dl, init);
      // chunks in the direction's own time order, so the running state carries across them
      for (let done = 0; done < T; ) {
        const n = Math.min(Tc, T - done);
        const t0 = dl.reverse ? T - done - n : done;
        const h = output === 0 ? hChunk : output + t0 * yRow + d * Hp * 4;
        const hStride = output === 0 ? Hp * 4 : yRow;
        runStretch(layout, mem, dl, { n, x: input + t0 * inStride, xStride: inStride, pre, gates, c, h, hStride });
        stats.add(k, d, n, chunkSource(net, layout, gates, c, h, hStride), k === 0 && d === 0);
        done += n;
      }
    }
  }
  return stats.result();
}

/** GroupSums as plain typed arrays of H values, which a worker thread can post. */
export interface PlainSums {
  readonly k: Float32Array;
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly saturated: Int32Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
}

/**
 * What one direction of one layer computed over a whole sequence: the sums of its states (in
 * STATE_NAMES order) and, when asked for, its h (T, H) for the layer above.
 */
export interface DirectionPart {
  readonly layer: number;
  readonly dir: number;
  readonly steps: number;
  readonly sums: readonly PlainSums[];
  readonly h: Float32Array | null;
}

/**
 * Runs direction `dir` of layer `layer` over a whole input, on its own: the unit of work that
 * lets the two directions of a bidirectional layer run on two threads (the caller's business:
 * the engine starts none). `input` is (T, Din) float32: the network's input for layer 0, the layer
 * below's [forward h | reverse h] (layerInput) above it.
 */
export function runDirectionStats(
  net: Network,
  init: InitialState | undefined,
  layer: number,
  dir: number,
  input: Float32Array,
  T: number,
  keepH: boolean,
): DirectionPart {
  validateNetwork(net);
  checkInitialState(net, init);
  const arena = new Arena();
  const layout = planNetwork(net, arena);
  const { H, Hp } = layout;
  const dl = layout.dirLayouts[layer]?.[dir];
  if (dl === undefined) throw new ShapeError(`no direction ${dir} of layer ${layer} in a network of ${net.numLayers} x ${layout.dirs}`);
  const din = layerInputSize(net, layer);
  if (input.length < T * din) throw new ShapeError(`layer ${layer} input: expected ${T} x ${din} values, got ${input.length}`);
  const x = arena.alloc(T * dl.nIn * 4);
  const { Tc, pre, gates, c, hChunk, accBase } = chunkBuffers(arena, net, layout);
  const mem = instantiateKernels(arena.size);
  writeWeights(layout, mem);
  const x32 = x / 4;
  if (din === dl.nIn) mem.f32.set(input.subarray(0, T * din), x32);
  else {
    // the layer above reads each direction's h padded to Hp
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < layout.dirs; e++) mem.f32.set(input.subarray(t * din + e * H, t * din + (e + 1) * H), x32 + t * dl.nIn + e * Hp);
    }
  }
  const stats = new KernelStats(layout, mem, accBase);
  const names = STATE_NAMES[net.kind];
  const h = keepH ? new Float32Array(T * H) : null;
  resetState(layout, mem, dl, init);
  for (let done = 0; done < T; ) {
    const n = Math.min(Tc, T - done);
    const t0 = dl.reverse ? T - done - n : done;
    runStretch(layout, mem, dl, { n, x: x + t0 * dl.nIn * 4, xStride: dl.nIn * 4, pre, gates, c, h: hChunk, hStride: Hp * 4 });
    stats.add(layer, dir, n, chunkSource(net, layout, gates, c, hChunk, Hp * 4), true);
    if (h !== null) for (let i = 0; i < n; i++) h.set(mem.f32.subarray(hChunk / 4 + i * Hp, hChunk / 4 + i * Hp + H), (t0 + i) * H);
    done += n;
  }
  return { layer, dir, steps: T, sums: names.map((state) => stats.sumsOf(layer, dir, state)), h };
}

/** The input of layer `layer` + 1 from the parts of layer `layer`: (T, dirs * H), [forward h | reverse h]. */
export function layerInput(net: Network, parts: readonly DirectionPart[], T: number): Float32Array {
  const H = net.hiddenSize;
  const dirs = net.directions.length;
  const out = new Float32Array(T * dirs * H);
  for (const part of parts) {
    if (part.h === null) throw new Error(`layer ${part.layer} direction ${part.dir} kept no h`);
    for (let t = 0; t < T; t++) out.set(part.h.subarray(t * H, (t + 1) * H), t * dirs * H + part.dir * H);
  }
  return out;
}

/** The statistics of a network from the parts of every layer and direction. */
export function statsFromParts(net: Network, parts: readonly DirectionPart[]): SequenceStats {
  const names = STATE_NAMES[net.kind];
  const steps = parts[0]?.steps ?? 0;
  return {
    steps,
    kind: net.kind,
    hiddenSize: net.hiddenSize,
    numLayers: net.numLayers,
    directions: net.directions,
    groups: statsGroups(net).map((g) => {
      const part = parts.find((p) => p.layer === g.layer && p.dir === g.dir);
      if (part === undefined) throw new Error(`no part for layer ${g.layer} direction ${g.dir}`);
      return finishGroup(net, g, part.sums[names.indexOf(g.state)]!, steps);
    }),
  };
}
