/**
 * How far back the network's memory reaches: for the last layer's forward direction and its final
 * hidden state h_{T-1}, per step t,
 *
 *   x = ||d h_{T-1} / d x_t||_F   (H x D: the network input at t, through every layer below)
 *   h = ||d h_{T-1} / d h_t||_F   (H x H: that layer's hidden state after step t)
 *   c = ||d h_{T-1} / d c_t||_F   (H x H, LSTM: its cell state after step t)
 *   C = ||d h_{T-1} / d C_t||_F   (H x NH*DH*DH, mLSTM: every head's matrix memory after step t;
 *                                  its h feeds no later step, so h is 0 before the last step)
 *
 * h_t and c_t are nodes of the computation graph: c_t's path through h_t = o_t * tanh(c_t) counts,
 * so at t = T-1, h gives sqrt(H) (the identity) and c gives ||diag(o * tanh'(c))||.
 *
 * Exact, by reverse mode: the Jacobian has only H rows (one per unit of h_{T-1}) but T*(D + 2H)
 * columns, so walking all H rows back through time together (an (H, H) matrix per state, one
 * matrix-matrix product per weight and step: grad/jacobian.ts) gives every column in one pass. The
 * figures equal those of H separate vector backward passes, one seeded with each unit, to rounding.
 * The products run in the WebAssembly SIMD kernels where they cover the network (fast/backward.ts:
 * LSTM and RNN, float32 products with each row scaled by its own power of two, within 1e-4
 * relative of the float64 pass), else in the float64 block pass; `engine: 'reference'` asks for
 * the latter.
 * A projected LSTM (proj_size P: h_{T-1} has P units) takes P vector backward passes instead
 * (grad/network.ts, float64), one seeded with each unit: the block pass has no W_hr.
 * minGRU / minLSTM (no W_hh): d h_{T-1} / d h_t is diagonal, the product of the forget coefficients
 * since t, a_s = 1 - z_s (minGRU) or f'_s (minLSTM), so h is exactly ||prod_{s>t} a_s|| over the
 * units, read off the gates in O(T H) (minKeepProducts); x takes one vector pass per unit.
 * A plain RNN's figures fall by a factor ||W_hh^T diag(act')|| per step (a straight line on a log
 * scale); an LSTM whose forget gate sits near 1 keeps c (and so x) sensitivity almost flat.
 */
import { memoryJacobianRowsFast } from './fast/backward.js';
import { fastCovers } from './fast/kernels.js';
import { runSequenceFast } from './fast/sequence.js';
import { memoryJacobianRows, type MemorySquares } from './grad/jacobian.js';
import { backwardSequence } from './grad/network.js';
import { runSequence, ShapeError } from './network.js';
import { isMinCell, numHeadsOf, outputSize, projSizeOf } from './shapes.js';
import type { CellKind, InitialState, Network, NetworkStep } from './types.js';

/** Where the memory measure's products run: 'fast' (WebAssembly SIMD where it covers the network) or 'reference' (float64). */
export type MemoryEngine = 'fast' | 'reference';

export interface MemoryOptions {
  /** @default 'fast' */
  readonly engine?: MemoryEngine;
}

/**
 * Progress of a memory pass going back from the last step: `done` steps back are final (h and c;
 * x too for a one-layer network). Returning true stops the pass (a newer request replaced it).
 * Told only where the pass can say it (the fast kernels, every row in one block).
 */
export type MemoryStepNotice = (done: number) => boolean;

/**
 * memoryJacobianRows (grad/jacobian.ts: the arguments and sums) through the fast kernels when
 * `engine` is 'fast' and they cover the network, else the float64 block pass. `onStep` hears of
 * the steps done where the kernels run every row in one block (see MemoryStepNotice).
 */
export function memorySquares(
  net: Network,
  xs: readonly ArrayLike<number>[],
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  dir: number,
  unitStart: number,
  unitEnd: number,
  sq: MemorySquares,
  engine: MemoryEngine = 'fast',
  onStep?: MemoryStepNotice,
): void {
  // the block pass covers neither W_hr, the minimal cells nor the xLSTM cells: one vector pass per unit
  if (projSizeOf(net) > 0 || isMinCell(net.kind) || net.kind === 'slstm' || net.kind === 'mlstm') {
    memoryRowsByVector(net, xs, steps, init, dir, unitStart, unitEnd, sq);
    return;
  }
  if (engine === 'fast' && memoryJacobianRowsFast(net, steps, init, dir, unitStart, unitEnd, sq, undefined, onStep)) return;
  memoryJacobianRows(net, steps, init, dir, unitStart, unitEnd, sq);
}

/**
 * memoryJacobianRows one unit at a time: a vector backward pass seeded with d y_{T-1}[unit] of
 * direction `dir`, summing the squares of dL/dx_t and of the last layer's dL/dh_t, dL/dc_t.
 */
function memoryRowsByVector(
  net: Network,
  inputs: readonly ArrayLike<number>[],
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  dir: number,
  unitStart: number,
  unitEnd: number,
  sq: MemorySquares,
): void {
  const T = steps.length;
  const Hh = outputSize(net);
  const dirs = net.directions.length;
  const L = net.numLayers;
  if (net.directions[dir] !== 'forward') throw new ShapeError(`memory: direction ${dir} of the last layer is not a forward one`);
  if (!(Number.isInteger(unitStart) && Number.isInteger(unitEnd) && 0 <= unitStart && unitStart <= unitEnd && unitEnd <= Hh)) {
    throw new ShapeError(`memory: units [${unitStart}, ${unitEnd}) outside [0, ${Hh})`);
  }
  if (T === 0) return;
  // Without parameter gradients the backward pass reads no input but an mLSTM's (it recomputes q,
  // k and v from x), so rows of the input width stand in for the others'.
  if (inputs.length !== T) throw new ShapeError(`memory: ${inputs.length} inputs for ${T} forward steps`);
  const xs = net.kind === 'mlstm' ? inputs : Array.from({ length: T }, () => new Float64Array(net.inputSize));
  const isLstm = net.kind === 'lstm';
  // an mLSTM's memory is its matrices C, at [H + NH, S) of its state's gradient
  const cFrom = net.kind === 'mlstm' ? net.hiddenSize + numHeadsOf(net) : 0;
  const keep = isMinCell(net.kind) ? minKeepProducts(net, steps, L - 1, dir) : null;
  const withC = isLstm || cFrom > 0;
  for (let u = unitStart; u < unitEnd; u++) {
    const seed = new Float64Array(Hh * dirs);
    seed[dir * Hh + u] = 1;
    const dy = Array.from({ length: T }, (_, t) => (t === T - 1 ? seed : null));
    // the last layer's state gradients summed as they go by (never T of them held)
    const onState = (t: number, layer: number, d: number, dh: Float64Array, dc: Float64Array | null): void => {
      if (layer !== L - 1 || d !== dir) return;
      let h2 = 0;
      if (keep !== null) {
        // exact: d h_{T-1}[u] / d h_t is the product of unit u's forget coefficients since t
        const k = keep[t]![u]!;
        h2 = k * k;
      } else {
        for (const v of dh) h2 += v * v;
      }
      sq.h2[t] = sq.h2[t]! + h2;
      if (withC) {
        let c2 = 0;
        for (let j = cFrom; j < dc!.length; j++) c2 += dc![j]! * dc![j]!;
        sq.c2[t] = sq.c2[t]! + c2;
      }
    };
    const g = backwardSequence(net, xs, steps, init, { dy, params: false, onState });
    for (let t = 0; t < T; t++) {
      let x2 = 0;
      for (const v of g.dx[t]!) x2 += v * v;
      sq.x2[t] = sq.x2[t]! + x2;
    }
  }
}

/**
 * minGRU / minLSTM: [t][unit] the product of layer k's forget coefficients over the steps after t,
 * prod_{s=t+1}^{T-1} a_s with a = 1 - z (minGRU) or f' (minLSTM): d h_{T-1} / d h_t, which is
 * diagonal since the gates never see h. 1 at t = T-1.
 */
export function minKeepProducts(net: Network, steps: readonly NetworkStep[], layer: number, dir: number): Float64Array[] {
  if (!isMinCell(net.kind)) throw new ShapeError(`memory: a ${net.kind} has no product of forget coefficients (minGRU, minLSTM only)`);
  const T = steps.length;
  const H = net.hiddenSize;
  const mingru = net.kind === 'mingru';
  const out = Array.from({ length: T }, () => new Float64Array(H));
  if (T === 0) return out;
  out[T - 1]!.fill(1);
  for (let t = T - 2; t >= 0; t--) {
    const g = steps[t + 1]!.layers[layer]![dir]!.gates;
    const next = out[t + 1]!;
    const row = out[t]!;
    for (let u = 0; u < H; u++) row[u] = next[u]! * (mingru ? 1 - g[u]! : g[u]!);
  }
  return out;
}

export interface MemorySensitivity {
  readonly t: number;
  /** ||d h_{T-1} / d x_t||_F */
  readonly x: number;
  /** ||d h_{T-1} / d h_t||_F */
  readonly h: number;
  /** ||d h_{T-1} / d c_t||_F, LSTM only. */
  readonly c?: number;
  /**
   * ||d h_{T-1} / d C_t||_F over every head's matrix memory, mLSTM only: where its memory lives (its
   * h feeds no later step, so h is 0 before the last step).
   */
  readonly C?: number;
}

export interface MemoryProfile {
  readonly cell: CellKind;
  readonly T: number;
  readonly sensitivity: readonly MemorySensitivity[];
}

/**
 * The memory profile of a run over xs: (T, D), from the given initial state.
 * Throws ShapeError when the network has no forward direction (a reverse-only network's final
 * state is at t = 0 and looks forward, not back).
 */
export function memoryProfile(net: Network, xs: readonly ArrayLike<number>[], init?: InitialState, options: MemoryOptions = {}): MemoryProfile {
  const T = xs.length;
  const d = net.directions.indexOf('forward');
  if (d < 0) throw new ShapeError('the memory view needs a forward direction in the last layer; this network only runs in reverse');
  const sq: MemorySquares = { x2: new Float64Array(T), h2: new Float64Array(T), c2: new Float64Array(T) };
  if (T > 0) memorySquares(net, xs, forwardFor(net, xs, init, options.engine ?? 'fast'), init, d, 0, outputSize(net), sq, options.engine);
  return profileFromSquares(net.kind, T, sq);
}

/**
 * The forward run the memory measure differentiates: the fast engine's where it covers the network
 * and the fast backward is asked for (its float32 states are what the kernels read anyway: moving
 * it there took the block pass at H = 128 from 212 to 176 ms), else the reference engine's. The
 * viewer's memory view (trace/memory-view.ts, its worker) runs the same one, so their figures agree.
 */
export function forwardFor(net: Network, xs: readonly ArrayLike<number>[], init: InitialState | undefined, engine: MemoryEngine): NetworkStep[] {
  return engine === 'fast' && fastCovers(net) ? runSequenceFast(net, xs, init) : runSequence(net, xs, init);
}

/** The profile from the summed squares of T steps (square roots; c for an LSTM, C for an mLSTM, from c2). */
export function profileFromSquares(cell: CellKind, T: number, sq: MemorySquares): MemoryProfile {
  const { x2, h2, c2 } = sq;
  const sensitivity = Array.from({ length: T }, (_, t): MemorySensitivity =>
    cell === 'lstm'
      ? { t, x: Math.sqrt(x2[t]!), h: Math.sqrt(h2[t]!), c: Math.sqrt(c2[t]!) }
      : cell === 'mlstm'
        ? { t, x: Math.sqrt(x2[t]!), h: Math.sqrt(h2[t]!), C: Math.sqrt(c2[t]!) }
        : { t, x: Math.sqrt(x2[t]!), h: Math.sqrt(h2[t]!) },
  );
  return { cell, T, sensitivity };
}

/**
 * How many steps back the memory reaches: T-1 minus the earliest step whose sensitivity (`x`, `h`
 * or `c`) is still at least `threshold` times the figure at the last step. 0 for an empty profile.
 */
export function memorySpan(profile: MemoryProfile, of: 'x' | 'h' | 'c' | 'C', threshold = 0.01): number {
  const s = profile.sensitivity;
  const last = s.at(-1)?.[of];
  if (last === undefined) return 0;
  for (let t = 0; t < s.length; t++) {
    if ((s[t]![of] ?? 0) >= threshold * last) return s.length - 1 - t;
  }
  return 0;
}
