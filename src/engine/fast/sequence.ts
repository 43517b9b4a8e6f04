/**
 * The fast engine's public runners, with the reference engine's semantics (network.ts):
 * runSequenceFast is runSequence, createFastStepper is createStepper. They compute in float32 on
 * the WebAssembly SIMD kernels, so values agree with the reference (float64) to ~1e-6, and with
 * PyTorch (float32) to its own rounding. Without WebAssembly SIMD they run the reference engine.
 *
 * Forward-only networks run in chunks of steps: the input projection W_ih x of a whole chunk is
 * one matrix-matrix product, then the recurrence walks the chunk; memory stays bounded whatever
 * the length. A network with a reverse direction needs the whole sequence at once, as PyTorch's.
 */
import { allocStepRecord, createStepper, runSequence, ShapeError, validateNetwork, type Stepper } from '../network.js';
import type { InitialState, Network, NetworkStep } from '../types.js';
import { fastCovers, instantiateKernels, type Kernels } from './kernels.js';
import { Arena, checkInitialState, planNetwork, resetState, runStretch, writeWeights, type NetLayout } from './layout.js';

/** Buffers of one direction of one layer for `capacity` steps. Offsets in bytes. */
interface DirBuffers {
  readonly pre: number;
  readonly gates: number;
  readonly c: number;
}

/** Bytes of chunk buffers per step for a network, all layers and directions. */
function bytesPerStep(net: Network): number {
  const Hp = Math.ceil(net.hiddenSize / 4) * 4;
  const G = net.kind === 'lstm' ? 4 : net.kind === 'gru' ? 3 : 1;
  const dirs = net.directions.length;
  return net.numLayers * dirs * (2 * G * Hp + 2 * Hp) * 4 + net.inputSize * 4;
}

/**
 * Steps per chunk: enough to make the projection a real matrix product and to amortise the calls,
 * few enough that a chunk's outputs stay in the L2 cache while they are read back.
 */
export function chunkSteps(net: Network): number {
  return Math.max(16, Math.min(1024, Math.floor(262144 / bytesPerStep(net))));
}

/**
 * A network in the kernels' memory with room for `capacity` steps of every layer and direction.
 * run(n) computes the n steps whose inputs are in rows 0..n-1, carrying the running states over
 * from the previous run: a forward direction continues the sequence; a reverse one continues it
 * backwards, so its runs must come from the end (or start from a state set with setState, as the
 * trace's block engine does from saved states).
 */
export class FastRunner {
  readonly layout: NetLayout;
  readonly mem: Kernels;
  /** (capacity, D) float32 input rows. */
  readonly x: number;
  /** [L] (capacity, dirs * Hp): each direction's h, side by side, as the next layer reads them. */
  readonly y: readonly number[];
  /** [L][dirs] */
  readonly bufs: readonly (readonly DirBuffers[])[];
  /** `extraBytes` of memory reserved for the caller (0 when none). */
  readonly extra: number;

  constructor(
    readonly net: Network,
    readonly init: InitialState | undefined,
    readonly capacity: number,
    extraBytes = 0,
  ) {
    const arena = new Arena();
    this.layout = planNetwork(net, arena);
    const { GHp, Hp, dirs } = this.layout;
    this.x = arena.alloc(capacity * net.inputSize * 4);
    this.y = this.layout.dirLayouts.map(() => arena.alloc(capacity * dirs * Hp * 4));
    this.bufs = this.layout.dirLayouts.map((dls) =>
      dls.map(() => ({
        pre: arena.alloc(capacity * GHp * 4),
        gates: net.kind === 'lstm' || net.kind === 'gru' ? arena.alloc(capacity * GHp * 4) : 0,
        c: net.kind === 'lstm' ? arena.alloc(capacity * Hp * 4) : 0,
      })),
    );
    this.extra = extraBytes > 0 ? arena.alloc(extraBytes) : 0;
    this.mem = instantiateKernels(arena.size);
    writeWeights(this.layout, this.mem);
    this.reset();
  }

  /** Back to the initial state. */
  reset(): void {
    for (const dl of this.layout.dirLayouts.flat()) resetState(this.layout, this.mem, dl, this.init);
  }

  /** Writes x as input row t (and the rows after it when x holds several). */
  setInput(t: number, x: ArrayLike<number>): void {
    this.mem.f32.set(x, this.x / 4 + t * this.net.inputSize);
  }

  /** Computes steps 0..n-1 of the rows in the buffers, every layer and direction. */
  run(n: number): void {
    const { dirLayouts } = this.layout;
    for (let k = 0; k < dirLayouts.length; k++) for (let d = 0; d < dirLayouts[k]!.length; d++) this.runView(n, k, d);
  }

  /**
   * Computes rows 0..n-1 through direction d of layer k alone (the layer below must have run
   * them), carrying its running state over; a reverse direction walks them from n-1 down to 0.
   */
  runView(n: number, k: number, d: number): void {
    const { Hp, dirs } = this.layout;
    const D = this.net.inputSize;
    const yStride = dirs * Hp * 4;
    const b = this.bufs[k]![d]!;
    runStretch(this.layout, this.mem, this.layout.dirLayouts[k]![d]!, {
      n,
      x: k === 0 ? this.x : this.y[k - 1]!,
      xStride: k === 0 ? D * 4 : yStride,
      pre: b.pre,
      gates: b.gates,
      c: b.c,
      h: this.hAt(k, d),
      hStride: yStride,
    });
  }

  /** Byte offset of row 0's h of direction d of layer k (rows are dirs * Hp floats apart). */
  hAt(k: number, d: number): number {
    return this.y[k]! + d * this.layout.Hp * 4;
  }

  /** Sets direction d of layer k's running h (and c) from `h`, `c` (H values each; padded units stay 0). */
  setState(k: number, d: number, h: ArrayLike<number>, c: ArrayLike<number> | null): void {
    const dl = this.layout.dirLayouts[k]![d]!;
    this.mem.f32.set(h, dl.hState / 4);
    if (c !== null) this.mem.f32.set(c, dl.cState / 4);
  }

  /** Views of direction d of layer k's running h and (LSTM) c, H values each. */
  stateViews(k: number, d: number): { h: Float32Array; c: Float32Array | null } {
    const dl = this.layout.dirLayouts[k]![d]!;
    const H = this.net.hiddenSize;
    const f32 = this.mem.f32;
    return { h: f32.subarray(dl.hState / 4, dl.hState / 4 + H), c: this.net.kind === 'lstm' ? f32.subarray(dl.cState / 4, dl.cState / 4 + H) : null };
  }

  /** Per row t: views of its pre, gates, h, c for every layer and direction, made once (H = Hp). */
  private readonly rowViews: Float32Array[][] = [];

  private views(t: number): Float32Array[] {
    const cached = this.rowViews[t];
    if (cached !== undefined) return cached;
    const { H, Hp, G, GHp, dirs, dirLayouts } = this.layout;
    const f32 = this.mem.f32;
    const v: Float32Array[] = [];
    for (let k = 0; k < dirLayouts.length; k++) {
      for (let d = 0; d < dirs; d++) {
        const b = this.bufs[k]![d]!;
        const pre = b.pre / 4 + t * GHp;
        v.push(f32.subarray(pre, pre + G * H));
        const gates = b.gates / 4 + t * GHp;
        if (b.gates !== 0) v.push(f32.subarray(gates, gates + G * H));
        const h = this.hAt(k, d) / 4 + t * dirs * Hp;
        v.push(f32.subarray(h, h + H));
        const c = b.c / 4 + t * Hp;
        if (b.c !== 0) v.push(f32.subarray(c, c + H));
      }
    }
    this.rowViews[t] = v;
    return v;
  }

  /** Copies what step t (a row of the last run) computed into `out` (float64, unpadded). */
  read(t: number, out: NetworkStep): void {
    const { H, Hp, G, GHp, dirs, dirLayouts } = this.layout;
    const rnn = G === 1;
    const L = dirLayouts.length;
    if (H === Hp) {
      // the common case: one native float32 -> float64 copy per array
      const v = this.views(t);
      let i = 0;
      for (let k = 0; k < L; k++) {
        for (let d = 0; d < dirs; d++) {
          const rec = out.layers[k]![d]!;
          rec.pre.set(v[i++]!);
          if (!rnn) rec.gates.set(v[i++]!);
          const h = v[i++]!;
          rec.h.set(h);
          if (rnn) rec.gates.set(h);
          if (rec.c !== null) rec.c.set(v[i++]!);
        }
      }
    } else {
      const f32 = this.mem.f32;
      for (let k = 0; k < L; k++) {
        for (let d = 0; d < dirs; d++) {
          const rec = out.layers[k]![d]!;
          const b = this.bufs[k]![d]!;
          const h = this.hAt(k, d) / 4 + t * dirs * Hp;
          copyBlocks(rec.pre, f32, b.pre / 4 + t * GHp, G, H, Hp);
          copyBlocks(rec.h, f32, h, 1, H, Hp);
          if (!rnn) copyBlocks(rec.gates, f32, b.gates / 4 + t * GHp, G, H, Hp);
          else rec.gates.set(rec.h);
          if (rec.c !== null) copyBlocks(rec.c, f32, b.c / 4 + t * Hp, 1, H, Hp);
        }
      }
    }
    const last = out.layers[L - 1]!;
    for (let d = 0; d < dirs; d++) out.y.set(last[d]!.h, d * H);
  }
}

/** dst[g H + u] = src[at + g Hp + u] for g < blocks, u < H. */
function copyBlocks(dst: Float64Array, f32: Float32Array, at: number, blocks: number, H: number, Hp: number): void {
  if (H === Hp) {
    dst.set(f32.subarray(at, at + blocks * H));
    return;
  }
  for (let g = 0; g < blocks; g++) {
    const s = at + g * Hp;
    for (let u = 0; u < H; u++) dst[g * H + u] = f32[s + u]!;
  }
}

export function allocNetworkStep(net: Network): NetworkStep {
  return {
    layers: Array.from({ length: net.numLayers }, () => net.directions.map(() => allocStepRecord(net.kind, net.hiddenSize))),
    y: new Float64Array(net.hiddenSize * net.directions.length),
  };
}

function checkInput(net: Network, x: ArrayLike<number>, t: number): void {
  if (x.length !== net.inputSize) {
    throw new ShapeError(`input at t=${t}: expected ${net.inputSize} features, got ${x.length}`);
  }
}

function forwardOnly(net: Network): boolean {
  return net.directions.length === 1 && net.directions[0] === 'forward';
}

/** Called with each step in time order; `step`'s buffers are reused after the call returns. */
export type OnStep = (step: NetworkStep, t: number) => void;

/**
 * runSequence on the fast engine: one record per step. With `onStep`, each step is handed over in
 * time order instead (buffers reused; `cloneStep` keeps one), and for a forward-only network the
 * memory stays bounded by one chunk.
 *   xs: (T, D)
 */
export function runSequenceFast(net: Network, xs: readonly ArrayLike<number>[], init?: InitialState): NetworkStep[];
export function runSequenceFast(net: Network, xs: readonly ArrayLike<number>[], init: InitialState | undefined, onStep: OnStep): void;
export function runSequenceFast(
  net: Network,
  xs: readonly ArrayLike<number>[],
  init?: InitialState,
  onStep?: OnStep,
): NetworkStep[] | void {
  if (!fastCovers(net)) {
    const steps = runSequence(net, xs, init);
    if (onStep === undefined) return steps;
    steps.forEach((s, t) => onStep(s, t));
    return;
  }
  validateNetwork(net);
  xs.forEach((x, t) => checkInput(net, x, t));
  checkInitialState(net, init);
  const T = xs.length;
  const out: NetworkStep[] = [];
  if (T === 0) return onStep === undefined ? out : undefined;
  const cap = forwardOnly(net) ? Math.min(T, chunkSteps(net)) : T;
  const runner = new FastRunner(net, init, cap);
  const shared = onStep === undefined ? null : allocNetworkStep(net);
  for (let t0 = 0; t0 < T; t0 += cap) {
    const n = Math.min(cap, T - t0);
    for (let i = 0; i < n; i++) runner.setInput(i, xs[t0 + i]!);
    runner.run(n);
    for (let i = 0; i < n; i++) {
      const step = shared ?? allocNetworkStep(net);
      runner.read(i, step);
      if (onStep !== undefined) onStep(step, t0 + i);
      else out.push(step);
    }
  }
  return onStep === undefined ? out : undefined;
}

/**
 * createStepper on the fast engine: one step per call, for live streams. Only for forward-only
 * networks (ShapeError otherwise, as the reference). Each call is a one-step run of the sequence
 * runner, so a step has the bits of the same step of a whole-sequence run. (A fused LSTM step
 * that did the input projection and the recurrence as one product over [x ; h_prev] was no
 * faster here, 8.5 against 8.5 us at H = 128 on a loaded 2-core VM, and rounded differently.)
 */
export function createFastStepper(net: Network, init?: InitialState): Stepper {
  if (!fastCovers(net)) return createStepper(net, init);
  validateNetwork(net);
  if (!forwardOnly(net)) {
    throw new ShapeError('a streaming stepper needs a forward-only network; use runSequence for reverse directions');
  }
  checkInitialState(net, init);
  let t = 0;
  const runner = new FastRunner(net, init, 1);
  const out = allocNetworkStep(net);
  return {
    get t() {
      return t;
    },
    step(x) {
      checkInput(net, x, t);
      runner.setInput(0, x);
      runner.run(1);
      runner.read(0, out);
      t++;
      return out;
    },
  };
}
