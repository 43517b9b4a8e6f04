/**
 * Attribution: how much each input value x_t[i] contributes to one output of the network.
 *
 * The output F is one number at one step t: a head's output (a logit, PyTorch's pred[t][k]), a unit
 * of the last layer's output y_t, or a unit of h_t or c_t of any layer of a network that runs forward
 * only. Two views, both on the exact gradients of ./grad (backpropagation through time):
 *
 *   gradient × input      A_t[i] = x_t[i] · ∂F/∂x_t[i]                      (one backward pass)
 *   integrated gradients  A_t[i] = (x_t[i] − x'_t[i]) · ∫₀¹ ∂F/∂x_t[i] (x' + α (x − x')) dα
 *
 * (Sundararajan, Taly, Yan 2017) against a baseline x' (zeros, the sequence's mean input, or rows
 * of one's own). The integral is a quadrature over the path: Gauss–Legendre by default (as Captum's
 * IntegratedGradients), or a Riemann sum (left, right, middle, trapezoid). Integrated gradients are
 * complete: Σ A = F(x) − F(x'), up to the quadrature's error, which `delta` reports.
 *
 * A forward-only network is causal: an output at step t sees x_0..x_t only, so the run stops at t
 * and the later steps' attributions are exact zeros. A network with a reverse direction runs whole.
 */
import { fastBackwardCovers, inputGradientsFast } from './fast/backward.js';
import { runSequenceFast } from './fast/sequence.js';
import { backwardSequence } from './grad/network.js';
import { headOutput, type LinearHead } from './model.js';
import { runSequence, ShapeError } from './network.js';
import { outputSize } from './shapes.js';
import type { InitialState, Network, NetworkStep } from './types.js';

/** The one number attributed. t: the step (0-based, as `run` counts). */
export type AttributionTarget =
  /** head output `index` (a logit) at step t: (W y_t + b)[index] */
  | { readonly kind: 'pred'; readonly t: number; readonly index: number; readonly head: LinearHead }
  /** y_t[index]: the last layer's output, its directions concatenated (forward then reverse) */
  | { readonly kind: 'y'; readonly t: number; readonly index: number }
  /** h_t or c_t of a unit of one layer and direction (0-based), of a network that runs forward only */
  | { readonly kind: 'h' | 'c'; readonly t: number; readonly layer: number; readonly direction: number; readonly unit: number };

export type IgMethod = 'gausslegendre' | 'riemann_left' | 'riemann_right' | 'riemann_middle' | 'riemann_trapezoid';

export const IG_METHODS: readonly IgMethod[] = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'];

/** 'zeros', 'mean' (every step the mean input of the sequence), or (T, D) rows of one's own. */
export type Baseline = 'zeros' | 'mean' | readonly ArrayLike<number>[];

/**
 * Where the gradients are taken: 'fast' runs the path's forward passes on the fast engine and the
 * backward passes in the WebAssembly SIMD block backward (fast/backward.ts inputGradientsFast, all
 * of a batch of path points in one pass; float32 products, within 1e-4 relative of float64) where
 * they cover the network and the target is an output (pred, y, or the last layer's h); else, and
 * with 'reference', the float64 engine. F itself is always the float64 run's.
 */
export type AttributionEngine = 'fast' | 'reference';

export interface IgOptions {
  /** @default 'fast' */
  readonly engine?: AttributionEngine;
  readonly baseline?: Baseline;
  /** Points on the path (gradient evaluations). @default 64 */
  readonly steps?: number;
  /** @default 'gausslegendre' */
  readonly method?: IgMethod;
  /** The initial state of every run (held fixed; it is not attributed). */
  readonly init?: InitialState;
}

export interface Attribution {
  /** (T, D) per step and input feature; zero after t for a forward-only network. */
  readonly attributions: Float64Array[];
  /** F at the input. */
  readonly value: number;
  /** F at the baseline (integrated gradients; for gradient × input, F at zeros is not computed: NaN). */
  readonly baselineValue: number;
  /** Σ of all attributions. */
  readonly total: number;
  /** total − (value − baselineValue): the completeness gap (integrated gradients; NaN otherwise). */
  readonly delta: number;
  /** (T) Σ over features per step. */
  readonly perStep: Float64Array;
}

/** P_n(z) by the three-term recurrence, and its derivative. */
function legendre(n: number, z: number): { p: number; dp: number } {
  let p1 = 1;
  let p2 = 0;
  for (let j = 1; j <= n; j++) {
    const p3 = p2;
    p2 = p1;
    p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
  }
  return { p: p1, dp: (n * (z * p1 - p2)) / (z * z - 1) };
}

/** Nodes and weights of an n-point Gauss–Legendre rule on [0, 1]. */
export function gaussLegendre01(n: number): { nodes: Float64Array; weights: Float64Array } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Gauss–Legendre: expected a positive number of points, got ${n}`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const m = Math.ceil(n / 2);
  for (let i = 0; i < m; i++) {
    // Newton's method on P_n from the Chebyshev-like first guess (Numerical Recipes' gauleg)
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let iter = 0; iter < 100; iter++) {
      const { p, dp } = legendre(n, z);
      const dz = p / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    const { dp } = legendre(n, z);
    const w = 2 / ((1 - z * z) * dp * dp);
    // on [0, 1]: α = (1 ± z) / 2, weight w / 2; ascending α
    nodes[i] = (1 - z) / 2;
    nodes[n - 1 - i] = (1 + z) / 2;
    weights[i] = w / 2;
    weights[n - 1 - i] = w / 2;
  }
  return { nodes, weights };
}

/** The path's points α in [0, 1] and their weights (summing to 1), as Captum's approximation methods. */
export function pathPoints(method: IgMethod, n: number): { alphas: Float64Array; weights: Float64Array } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`integrated gradients: expected a positive number of steps, got ${n}`);
  if (method === 'gausslegendre') {
    const { nodes, weights } = gaussLegendre01(n);
    return { alphas: nodes, weights };
  }
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n).fill(1 / n);
  for (let k = 0; k < n; k++) {
    if (method === 'riemann_left') alphas[k] = k / n;
    else if (method === 'riemann_right') alphas[k] = (k + 1) / n;
    else if (method === 'riemann_middle') alphas[k] = (k + 0.5) / n;
    else alphas[k] = n === 1 ? 0.5 : k / (n - 1);
  }
  if (method === 'riemann_trapezoid' && n > 1) {
    weights.fill(1 / (n - 1));
    weights[0] = 0.5 / (n - 1);
    weights[n - 1] = 0.5 / (n - 1);
  }
  return { alphas, weights };
}

/** A target checked against the network and the sequence, with how far the run must go. */
interface Plan {
  /** steps to run: t + 1 for a forward-only network, else T */
  readonly runLength: number;
  /** The target's step. */
  readonly t: number;
  /** The target as a seed of y at step t (dirs Hout), or null for an inner state (h, c of a layer below, c). */
  readonly ySeed: Float64Array | null;
  value(steps: readonly NetworkStep[]): number;
  backward(xs: readonly ArrayLike<number>[], steps: readonly NetworkStep[], init: InitialState | undefined): Float64Array[];
}

function plan(net: Network, T: number, target: AttributionTarget): Plan {
  const t = target.t;
  if (!Number.isInteger(t) || t < 0 || t >= T) throw new ShapeError(`attribution: step t=${t} is outside the sequence (t = 0..${T - 1})`);
  // h is Hout wide (P for a projected LSTM), c H
  const Hh = outputSize(net);
  const dirs = net.directions.length;
  const causal = net.directions.every((d) => d === 'forward');
  const runLength = causal ? t + 1 : T;
  const ySize = Hh * dirs;
  const unitCheck = (what: string, index: number, size: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new ShapeError(`attribution: ${what} ${index} is outside 0..${size - 1}`);
  };
  const backY = (seed: Float64Array) => (xs: readonly ArrayLike<number>[], steps: readonly NetworkStep[], init: InitialState | undefined): Float64Array[] => {
    const dy: (Float64Array | null)[] = new Array<Float64Array | null>(steps.length).fill(null);
    dy[t] = seed;
    return backwardSequence(net, xs, steps, init, { dy, params: false }).dx;
  };
  switch (target.kind) {
    case 'pred': {
      const head = target.head;
      if (head.inSize !== ySize) throw new ShapeError(`attribution: the head takes ${head.inSize} values but the network gives ${ySize}`);
      unitCheck('head output', target.index, head.outSize);
      const k = target.index;
      const seed = new Float64Array(ySize);
      for (let j = 0; j < ySize; j++) seed[j] = head.weight[k * ySize + j]!;
      return {
        runLength,
        t,
        ySeed: seed,
        value: (steps) => headOutput(head, steps[t]!.y, k),
        backward: backY(seed),
      };
    }
    case 'y': {
      unitCheck('output', target.index, ySize);
      const seed = new Float64Array(ySize);
      seed[target.index] = 1;
      return { runLength, t, ySeed: seed, value: (steps) => steps[t]!.y[target.index]!, backward: backY(seed) };
    }
    case 'h':
    case 'c': {
      const { layer, direction, unit, kind } = target;
      unitCheck('layer', layer, net.numLayers);
      unitCheck('direction', direction, dirs);
      const width = kind === 'h' ? Hh : net.hiddenSize;
      unitCheck('unit', unit, width);
      if (kind === 'c' && net.kind === 'slstm') throw new ShapeError("attribution: an sLSTM's c is stabilised (scaled by exp(-m), only c/n means the same at every step); attribute h");
      if (kind === 'c' && net.kind === 'mlstm') throw new ShapeError("attribution: an mLSTM has no cell state c (its memory is a matrix C per head); attribute h");
      if (kind === 'c' && net.kind !== 'lstm') throw new ShapeError(`attribution: a ${net.kind.toUpperCase()} has no cell state c (attribute h)`);
      if (kind === 'h' && layer === net.numLayers - 1) {
        // the last layer's h is y: any network
        const seed = new Float64Array(ySize);
        seed[direction * Hh + unit] = 1;
        return { runLength, t, ySeed: seed, value: (steps) => steps[t]!.y[direction * Hh + unit]!, backward: backY(seed) };
      }
      if (!causal) {
        throw new ShapeError(
          `attribution: ${kind} of layer ${layer} at a step is attributed for networks that run forward only (this one has a reverse direction); attribute the output y or the head instead`,
        );
      }
      // causal: the run stops at t, so h_t / c_t are the final states; seed dh_n / dc_n
      const rows = net.numLayers * dirs;
      const row = layer * dirs + direction;
      const seeds = (): (Float64Array | null)[] => new Array<Float64Array | null>(rows).fill(null);
      return {
        runLength,
        t,
        ySeed: null,
        value: (steps) => {
          const rec = steps[t]!.layers[layer]![direction]!;
          return kind === 'h' ? rec.h[unit]! : rec.c![unit]!;
        },
        backward: (xs, steps, init) => {
          const s = seeds();
          const v = new Float64Array(width);
          v[unit] = 1;
          s[row] = v;
          const opts = kind === 'h' ? { dhN: s, params: false as const } : { dcN: s, params: false as const };
          return backwardSequence(net, xs, steps, init, opts).dx;
        },
      };
    }
  }
}

function checkRows(net: Network, xs: readonly ArrayLike<number>[], what: string): void {
  xs.forEach((x, t) => {
    if (x.length !== net.inputSize) throw new ShapeError(`${what}: step t=${t} has ${x.length} values, the network takes ${net.inputSize}`);
  });
}

function baselineRows(net: Network, xs: readonly ArrayLike<number>[], baseline: Baseline): Float64Array[] {
  const T = xs.length;
  const D = net.inputSize;
  if (baseline === 'zeros') return Array.from({ length: T }, () => new Float64Array(D));
  if (baseline === 'mean') {
    const mean = new Float64Array(D);
    for (const x of xs) for (let i = 0; i < D; i++) mean[i]! += x[i]! / T;
    return Array.from({ length: T }, () => mean.slice());
  }
  if (baseline.length !== T) throw new ShapeError(`attribution: the baseline has ${baseline.length} steps, the input ${T}`);
  checkRows(net, baseline, 'attribution baseline');
  return baseline.map((r) => Float64Array.from(r));
}

function summarise(attributions: Float64Array[], value: number, baselineValue: number, complete: boolean): Attribution {
  const perStep = new Float64Array(attributions.length);
  let total = 0;
  attributions.forEach((row, t) => {
    let s = 0;
    for (const v of row) s += v;
    perStep[t] = s;
    total += s;
  });
  return { attributions, value, baselineValue, total, delta: complete ? total - (value - baselineValue) : Number.NaN, perStep };
}

/** Whether the fast engine takes this plan's gradients (see AttributionEngine). */
function fastPlan(net: Network, p: Plan, engine: AttributionEngine): p is Plan & { readonly ySeed: Float64Array } {
  return engine === 'fast' && p.ySeed !== null && fastBackwardCovers(net);
}

/** Bytes of forward records held at once for a batch of path points. */
const RECORD_BUDGET_BYTES = 128 * 2 ** 20;

/** Path points per batch: as many runs' records as fit RECORD_BUDGET_BYTES (at least one). */
function pointsPerBatch(net: Network, steps: number, points: number): number {
  const G = net.kind === 'lstm' ? 4 : net.kind === 'gru' ? 3 : 1;
  // per layer and direction: pre and gates (G H), h and c, float64, plus y
  const perStep = (net.numLayers * net.directions.length * (2 * G + 2) * net.hiddenSize + net.directions.length * net.hiddenSize) * 8 + 400;
  return Math.max(1, Math.min(points, Math.floor(RECORD_BUDGET_BYTES / Math.max(1, steps * perStep))));
}

/**
 * ∂F/∂x of several input sequences (the first p.runLength steps each): in one fast block pass per
 * batch where fastPlan holds, else one float64 backward pass each. `records` are the float64 runs
 * when the caller already has them (then used for the backward too).
 */
function gradients(net: Network, p: Plan, runs: readonly (readonly ArrayLike<number>[])[], init: InitialState | undefined, engine: AttributionEngine, records?: readonly NetworkStep[][]): Float64Array[][] {
  if (fastPlan(net, p, engine)) {
    const steps = records ?? runs.map((xs) => runSequenceFast(net, xs, init));
    const dx = inputGradientsFast(net, steps, init, p.t, runs.map(() => p.ySeed));
    if (dx !== null) return dx;
  }
  return runs.map((xs, s) => p.backward(xs, records?.[s] ?? runSequence(net, xs, init), init));
}

/** Gradient × input: x_t[i] · ∂F/∂x_t[i], one forward and one backward pass. */
export function gradientTimesInput(net: Network, xs: readonly ArrayLike<number>[], target: AttributionTarget, init?: InitialState, engine: AttributionEngine = 'fast'): Attribution {
  checkRows(net, xs, 'attribution');
  const p = plan(net, xs.length, target);
  const run = xs.slice(0, p.runLength);
  const steps = runSequence(net, run, init);
  const value = p.value(steps);
  const dx = gradients(net, p, [run], init, engine, [steps])[0]!;
  const D = net.inputSize;
  const out = xs.map((x, t) => {
    const row = new Float64Array(D);
    if (t < run.length) for (let i = 0; i < D; i++) row[i] = x[i]! * dx[t]![i]!;
    return row;
  });
  return summarise(out, value, Number.NaN, false);
}

/**
 * Integrated gradients of the target against the baseline: `steps` forward and backward passes
 * along the straight path (on the fast engine, batches of path points in one block pass each:
 * IgOptions.engine), plus float64 forward passes at the input and the baseline for F and the
 * completeness check. Tells `onProgress` (done, of total) once per point, after its pass or batch.
 */
export function integratedGradients(
  net: Network,
  xs: readonly ArrayLike<number>[],
  target: AttributionTarget,
  opts: IgOptions = {},
  onProgress?: (done: number, total: number) => void,
): Attribution {
  checkRows(net, xs, 'attribution');
  const p = plan(net, xs.length, target);
  const T = xs.length;
  const D = net.inputSize;
  const R = p.runLength;
  const base = baselineRows(net, xs, opts.baseline ?? 'zeros');
  const { alphas, weights } = pathPoints(opts.method ?? 'gausslegendre', opts.steps ?? 64);
  const diff = Array.from({ length: R }, (_, t) => {
    const row = new Float64Array(D);
    for (let i = 0; i < D; i++) row[i] = xs[t]![i]! - base[t]![i]!;
    return row;
  });
  const avg = Array.from({ length: R }, () => new Float64Array(D));
  const engine = opts.engine ?? 'fast';
  // the fast engine takes a batch of path points in one block pass; the reference one at a time
  const batch = fastPlan(net, p, engine) ? pointsPerBatch(net, R, alphas.length) : 1;
  for (let k0 = 0; k0 < alphas.length; k0 += batch) {
    const ks = Array.from({ length: Math.min(batch, alphas.length - k0) }, (_, i) => k0 + i);
    const points = ks.map((k) => {
      const a = alphas[k]!;
      return Array.from({ length: R }, (_, t) => {
        const row = new Float64Array(D);
        for (let i = 0; i < D; i++) row[i] = base[t]![i]! + a * diff[t]![i]!;
        return row;
      });
    });
    const grads = gradients(net, p, points, opts.init, engine);
    ks.forEach((k, j) => {
      const w = weights[k]!;
      const dx = grads[j]!;
      for (let t = 0; t < R; t++) for (let i = 0; i < D; i++) avg[t]![i]! += w * dx[t]![i]!;
    });
    // one notice per point, as the reference's passes give them
    for (const k of ks) onProgress?.(k + 1, alphas.length);
  }
  const value = p.value(runSequence(net, xs.slice(0, R), opts.init));
  const baselineValue = p.value(runSequence(net, base.slice(0, R), opts.init));
  const out = Array.from({ length: T }, (_, t) => {
    const row = new Float64Array(D);
    if (t < R) for (let i = 0; i < D; i++) row[i] = diff[t]![i]! * avg[t]![i]!;
    return row;
  });
  return summarise(out, value, baselineValue, true);
}

/** F for the sequence (a convenience for callers that show the value being explained). */
export function targetValue(net: Network, xs: readonly ArrayLike<number>[], target: AttributionTarget, init?: InitialState): number {
  const p = plan(net, xs.length, target);
  return p.value(runSequence(net, xs.slice(0, p.runLength), init));
}
