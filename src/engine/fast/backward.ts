/**
 * The memory Jacobian's block backward (../grad/jacobian.ts) with its matrix products in the
 * WebAssembly SIMD kernels: S rows of d h_{T-1} / d(state_t) walked back through time together,
 * the two products of every step (dh_prev = da W_hh, dx = da W_ih: (S, GH) by (GH, H) and
 * (GH, Din)) done in float32 by backward.wat's gemm_rows (four rows against an 8-row panel), the elementwise part in float64 (f64x2) by
 * backward.wat's lstm_back_rows / gru_back_rows / rnn_back_rows. Only da (the products' input) and the products'
 * sums are float32; dc, the gradient passed down between layers and every figure are float64.
 *
 * Float32 without losing range: the backward is linear in its seed, so every row s is kept scaled
 * by its own power of two m[s] (stored = exact * m[s]) and rescaled at every step so that its
 * largest pre-activation gradient lies in [1, 2). Scaling by a power of two is exact, and the
 * figures are divided back in float64, so a row whose exact values fall to 1e-200 (a plain RNN a
 * thousand steps back) or grow to 1e+200 keeps its figures where float32 alone would give 0 or
 * Infinity. What float32 changes is the rounding of da and of the products' sums (relative 1e-7
 * per step, adding up along the sequence): test/engine/memory-fast.test.ts holds the figures
 * within 1e-4 relative of the float64 pass on long (T = 1000), saturated and exploding runs.
 *
 * Each row is computed the same way whatever block it is in (the products' sums for a row do not
 * depend on the rows beside it), and the
 * figures are added row by row in ascending order as the reference does, so consecutive blocks
 * give exactly the sums of one block over them all.
 *
 * The same pass gives input gradients (inputGradientsFast, for attribution): then each row is its
 * own forward run (integrated gradients' path points) seeded at the top layer's output y_t, the
 * elementwise kernels reading each row's coefficients at its own offset (their coefStride), and
 * the rows of d/dx_t are the result instead of their squares.
 *
 * LSTM (with peepholes and clip), GRU in PyTorch's form (linear_before_reset) and the Elman RNN;
 * memoryJacobianRowsFast returns false (inputGradientsFast null) for what it does not cover (ONNX's default GRU, whose
 * r-gate gradient needs a third product in the middle of the step; weights of another shape such
 * as a projected LSTM; no WebAssembly SIMD) and the caller runs the reference.
 */
import { matVecRows } from '../linalg.js';
import { ShapeError, initialRow } from '../network.js';
import { gateCount, layerInputSize } from '../shapes.js';
import type { DirectionParams, InitialState, Network, NetworkStep, StepRecord } from '../types.js';
import type { DirectionGrads } from '../grad/types.js';
import type { MemorySquares } from '../grad/jacobian.js';
import { clipSlope } from '../grad/kernels.js';
import { fastAvailable, instantiateKernels, type Kernels } from './kernels.js';
import { Arena, packPanels, type Panels } from './layout.js';

/** A row's exponent stays within +-EXP_LIMIT (2^960 is far inside float64). */
const EXP_LIMIT = 960;
/** The gradients passed between layers (two (T, S, width) float64 buffers) are kept under this. */
const GRAD_BUDGET_BYTES = 256 * 2 ** 20;

/** Where one block pass lives in the kernels' memory (byte offsets). */
interface BackwardPlan {
  readonly mem: Kernels;
  /** Rows walked together. */
  readonly S: number;
  readonly H: number;
  readonly Hp: number;
  readonly G: number;
  /** W_hh^T: Hp rows (units of h_prev) over G Hp inputs (da). */
  readonly whh: Panels;
  /** W_ih^T, reserved for the widest layer input. */
  readonly wih: number;
  /** (S, G Hp) da, float32, scaled per row: the gradient of the pre-activations, W_ih's side. */
  readonly da: number;
  /** GRU: (S, 3Hp) the recurrent rows' gradient [da_r | da_z | da_n r], W_hh's side; else da. */
  readonly dah: number;
  /** (S, Hp) dh_prev = da W_hh, float32, scaled. */
  readonly dh: number;
  /** (S, width) dx = da W_ih, float32, scaled. */
  readonly dx: number;
  /** (9 Hp) f64 the step's coefficients (LSTM) or slope (RNN), once, or per row (S of them) when `perRow`. */
  readonly coef: number;
  /** Bytes between two rows' coefficients in `coef`: 0 when the rows share one forward run. */
  readonly coefStride: number;
  /** (S, dirs Hp) f64 the seeds of the top layer's output at one step (input gradients), or (T, S, dirs Hp) at every step (parameter gradients). */
  readonly seed: number;
  /** Bytes asked for by the caller (parameter gradients' buffers), or 0. */
  readonly scratch: number;
  /** (S, Hp) f64 dc carried between steps, scaled. */
  readonly dcc: number;
  /** (2 G Hp) f64 scratch. */
  readonly tmp: number;
  /** (S) f64 2^-exp, (S) i32 exp, (2S) f64 per-row figures. */
  readonly inv: number;
  readonly exp: number;
  readonly sq: number;
  /** Two (T, S, width) f64 buffers: the gradient reaching a layer's input, and the one above. */
  readonly grad: readonly [number, number];
}

/** The input width of layer k in the kernels' layout: D rounded up to 4, or dirs Hp above. */
function inputWidth(net: Network, k: number, Hp: number): number {
  return k === 0 ? Math.ceil(net.inputSize / 4) * 4 : net.directions.length * Hp;
}

/** Rows per block so that the gradients between layers stay within the budget (at least 1). */
function blockRows(net: Network, T: number, S: number, budget: number): number {
  const Hp = Math.ceil(net.hiddenSize / 4) * 4;
  let width = 0;
  for (let k = 0; k < net.numLayers; k++) width = Math.max(width, inputWidth(net, k, Hp));
  const perRow = (net.numLayers > 1 ? 2 : 1) * T * width * 8;
  return Math.max(1, Math.min(S, Math.floor(budget / perRow)));
}

/** f64 coefficients per row and step of each cell's back_rows (see fillLstmCoef, fillGruCoef). */
function coefBlocks(net: Network): number {
  return net.kind === 'lstm' ? 9 : net.kind === 'gru' ? 5 : 1;
}

function plan(net: Network, T: number, S: number, perRow = false, seedSteps = 1, extra = 0): BackwardPlan {
  const H = net.hiddenSize;
  const Hp = Math.ceil(H / 4) * 4;
  const G = gateCount(net.kind);
  const GHp = G * Hp;
  let width = 0;
  for (let k = 0; k < net.numLayers; k++) width = Math.max(width, inputWidth(net, k, Hp));
  const arena = new Arena();
  const whh = panelsAt(arena.alloc(Hp * GHp * 4), Hp);
  const wih = arena.alloc(width * GHp * 4);
  const da = arena.alloc(S * GHp * 4);
  const dah = net.kind === 'gru' ? arena.alloc(S * GHp * 4) : da;
  const dh = arena.alloc(S * Hp * 4);
  const dx = arena.alloc(S * width * 4);
  const coefStride = perRow ? coefBlocks(net) * Hp * 8 : 0;
  const coef = arena.alloc(Math.max(9 * Hp * 8, S * coefStride));
  const seed = arena.alloc(seedSteps * S * net.directions.length * Hp * 8);
  const scratch = extra > 0 ? arena.alloc(extra) : 0;
  const dcc = arena.alloc(S * Hp * 8);
  const tmp = arena.alloc(2 * GHp * 8);
  const inv = arena.alloc(S * 8);
  const exp = arena.alloc(S * 4);
  const sq = arena.alloc(2 * S * 8);
  const g0 = arena.alloc(T * S * width * 8);
  const g1 = net.numLayers > 1 ? arena.alloc(T * S * width * 8) : g0;
  const mem = instantiateKernels(arena.size);
  return { mem, S, H, Hp, G, whh, wih, da, dah, dh, dx, coef, coefStride, seed, scratch, dcc, tmp, inv, exp, sq, grad: [g0, g1] };
}

/** Rows of backward.wat gemm_rows' wide panels. */
const ROWS_PANEL = 8;

/** gemm_rows' panels of `rows` rows (a multiple of 4) at ptr: 8-row panels, then a 4-row one. */
function panelsAt(ptr: number, rows: number): Panels {
  const npWide = Math.floor(rows / ROWS_PANEL);
  return { ptr, npWide, np4: (rows - ROWS_PANEL * npWide) / 4, wide: ROWS_PANEL };
}

/**
 * Packs W_hh^T and W_ih^T of one direction: panel row r of W^T is W's column colOf(r), its input
 * g Hp + u is W's row g H + u (zero for padded units). Returns W_ih^T's panels.
 */
function packDirection(pl: BackwardPlan, p: DirectionParams, width: number, colOf: (r: number) => number): Panels {
  const { H, Hp, G } = pl;
  const f32 = pl.mem.f32;
  const rowOfInput = (j: number): number => {
    const u = j % Hp;
    return u < H ? (Math.floor(j / Hp) * H + u) : -1;
  };
  // packPanels reads w[rowOf(r) * cols + colOf(j)]: with cols = 1 and the row's offset as the
  // "column", W is read transposed without a copy.
  const din = p.inputSize;
  packPanels(f32, pl.whh, G * Hp, p.wHh, 1, (r) => (r < H ? r : -1), (j) => {
    const src = rowOfInput(j);
    return src < 0 ? -1 : src * H;
  });
  const wih = panelsAt(pl.wih, width);
  packPanels(f32, wih, G * Hp, p.wIh, 1, colOf, (j) => {
    const src = rowOfInput(j);
    return src < 0 ? -1 : src * din;
  });
  return wih;
}

/** The LSTM step's coefficients (see backward.wat lstm_back_rows): the products of ../grad/local.ts. */
function fillLstmCoef(f64: Float64Array, at: number, Hp: number, rec: StepRecord, cPrev: ArrayLike<number>, peep: ArrayLike<number> | null, clip: number | null, H: number): void {
  const { gates, pre } = rec;
  const c = rec.c!;
  for (let k = 0; k < H; k++) {
    const i = gates[k]!;
    const f = gates[H + k]!;
    const g = gates[2 * H + k]!;
    const o = gates[3 * H + k]!;
    const tc = Math.tanh(c[k]!);
    f64[at + k] = tc * o * (1 - o) * clipSlope(pre[3 * H + k]!, clip); // da_o = dh ao
    f64[at + Hp + k] = o * (1 - tc * tc); // dc = dc_next + dh b + da_o p_o
    f64[at + 2 * Hp + k] = g * i * (1 - i) * clipSlope(pre[k]!, clip); // da_i = dc ai
    f64[at + 3 * Hp + k] = cPrev[k]! * f * (1 - f) * clipSlope(pre[H + k]!, clip); // da_f = dc af
    f64[at + 4 * Hp + k] = i * (1 - g * g) * clipSlope(pre[2 * H + k]!, clip); // da_g = dc ag
    f64[at + 5 * Hp + k] = f; // dc_prev = dc f + da_i p_i + da_f p_f
    if (peep !== null) {
      f64[at + 6 * Hp + k] = peep[k]!;
      f64[at + 7 * Hp + k] = peep[H + k]!;
      f64[at + 8 * Hp + k] = peep[2 * H + k]!;
    }
  }
}

/**
 * The GRU step's coefficients (see backward.wat gru_back_rows): the products of ../grad/local.ts
 * gruLocalZN and gruLocalRLinear; u: (H) scratch for W_hn h_prev + b_hn.
 */
function fillGruCoef(f64: Float64Array, at: number, Hp: number, rec: StepRecord, hPrev: ArrayLike<number>, p: DirectionParams, u: Float64Array, clip: number | null, H: number): void {
  const { gates, pre } = rec;
  matVecRows(u, 0, p.wHh, hPrev, H, p.bHh, 2 * H, 3 * H);
  for (let k = 0; k < H; k++) {
    const r = gates[k]!;
    const z = gates[H + k]!;
    const n = gates[2 * H + k]!;
    f64[at + k] = (1 - z) * (1 - n * n) * clipSlope(pre[2 * H + k]!, clip); // da_n = dh cn
    f64[at + Hp + k] = (hPrev[k]! - n) * z * (1 - z) * clipSlope(pre[H + k]!, clip); // da_z = dh cz
    f64[at + 2 * Hp + k] = z; // h_prev's path through z: dh z
    f64[at + 3 * Hp + k] = u[k]! * r * (1 - r) * clipSlope(pre[k]!, clip); // da_r = da_n cr
    f64[at + 4 * Hp + k] = r; // W_hn's row gradient: da_n r
  }
}

/**
 * Whether the block backward's kernels cover this network: LSTM, RNN and PyTorch's GRU
 * (linear_before_reset), weights of the plain shapes (no projection), and WebAssembly SIMD here.
 */
export function fastBackwardCovers(net: Network): boolean {
  const covered = net.kind === 'lstm' || net.kind === 'rnn_tanh' || net.kind === 'rnn_relu' || (net.kind === 'gru' && (net.linearBeforeReset ?? true));
  if (!covered || (net.projSize ?? 0) > 0 || !fastAvailable()) return false;
  const H = net.hiddenSize;
  const G = gateCount(net.kind);
  for (let k = 0; k < net.numLayers; k++) {
    for (const p of net.layers[k]!) {
      // anything else (a projected LSTM's W_hh is (4H, P)) is the reference's
      if (p.hiddenSize !== H || p.wHh.length !== G * H * H || p.wIh.length !== G * H * layerInputSize(net, k)) return false;
    }
  }
  return true;
}

/**
 * Input gradients of several runs in one block pass, one row per run: row s is the gradient of
 * seeds[s] . y_t (y_t: the last layer's output at step t of runs[s], its directions concatenated)
 * with respect to every input x_0 .. x_{T-1} of that run, as ../grad/network.ts backwardSequence
 * with dy[t] = seeds[s] gives it (to float32 rounding of the products, within 1e-4 relative; see the
 * header). Each run has its own forward records, so its rows carry their own coefficients; the
 * weights are read once per step for all of them. Integrated gradients' path points are such runs.
 *   runs: (S) forward runs of T steps each; seeds: (S) rows of dirs H. Returns (S) of (T, D) rows,
 *   or null, having done nothing, when the kernels do not cover the network.
 */
export function inputGradientsFast(
  net: Network,
  runs: readonly (readonly NetworkStep[])[],
  init: InitialState | undefined,
  t: number,
  seeds: readonly ArrayLike<number>[],
  gradBytes = GRAD_BUDGET_BYTES,
): Float64Array[][] | null {
  if (!fastBackwardCovers(net)) return null;
  const S = runs.length;
  const T = runs[0]?.length ?? 0;
  const D = net.inputSize;
  const ySize = net.directions.length * net.hiddenSize;
  if (seeds.length !== S) throw new ShapeError(`input gradients: ${S} runs but ${seeds.length} seeds`);
  for (let s = 0; s < S; s++) {
    if (runs[s]!.length !== T) throw new ShapeError(`input gradients: run ${s} has ${runs[s]!.length} steps, run 0 ${T}`);
    if (seeds[s]!.length !== ySize) throw new ShapeError(`input gradients: seed ${s} has ${seeds[s]!.length} values, y has ${ySize}`);
  }
  if (!(Number.isInteger(t) && t >= 0 && t < T)) throw new ShapeError(`input gradients: step t=${t} outside the ${T} steps`);
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < net.directions.length; d++) {
      initialRow(net, init, 'h0', k, d);
      if (net.kind === 'lstm') initialRow(net, init, 'c0', k, d);
    }
  }
  const out = Array.from({ length: S }, () => Array.from({ length: T }, () => new Float64Array(D)));
  if (S === 0) return out;
  const Sb = blockRows(net, T, S, gradBytes);
  let pl: BackwardPlan;
  try {
    pl = plan(net, T, Sb, true);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
  for (let first = 0; first < S; first += Sb) {
    const rows = Math.min(S, first + Sb) - first;
    blockPass(pl, net, {
      T,
      S: rows,
      runOf: (s) => runs[first + s]!,
      shared: false,
      init,
      top: { kind: 'seed', t, seeds: seeds.slice(first, first + rows) },
      sq: null,
      dx: (f64, g, width) => {
        for (let tt = 0; tt < T; tt++) {
          for (let s = 0; s < rows; s++) {
            const o = g + (tt * rows + s) * width;
            out[first + s]![tt]!.set(f64.subarray(o, o + D));
          }
        }
      },
    });
  }
  return out;
}

/**
 * Parameter gradients (backpropagation through time, for the trainer) of several runs in one
 * block pass, one row per run: adds to `grads` (the layout of ../grad/network.ts allocParamGrads)
 * the gradient of sum_s sum_t dy(s, t) . y_t of run s with respect to every weight and bias, as
 * backwardSequence with { dy, params } gives it summed over the runs (to float32 rounding: within
 * 1e-4 relative). Per layer and direction the rows' pre-activation gradients of every step (da,
 * unscaled) and the matching inputs are gathered, then each weight's gradient is one product over
 * all steps and rows: dW = DA^T X, ((G H, T S) by (T S, width)) in backward.wat's gemm_rows.
 *   runs: (S) forward runs of T steps each, from inits[s]; inputs[s]: the run's (T, D) inputs.
 * Returns false, having done nothing, where the kernels do not cover the network (fastBackwardCovers,
 * and no LSTM peepholes: their gradient needs dc, which the kernels keep to themselves).
 */
export function paramGradientsFast(
  net: Network,
  runs: readonly (readonly NetworkStep[])[],
  inputs: readonly (readonly ArrayLike<number>[])[],
  inits: readonly (InitialState | undefined)[],
  dy: (s: number, t: number) => ArrayLike<number> | null,
  grads: readonly (readonly DirectionGrads[])[],
): boolean {
  if (!fastBackwardCovers(net) || net.layers.some((dirs) => dirs.some((p) => p.peephole != null))) return false;
  const S = runs.length;
  const T = runs[0]?.length ?? 0;
  if (S === 0 || T === 0) return true;
  for (let s = 0; s < S; s++) {
    if (runs[s]!.length !== T || inputs[s]!.length !== T) throw new ShapeError(`parameter gradients: run ${s} has ${runs[s]!.length} steps and ${inputs[s]!.length} inputs, run 0 ${T}`);
  }
  const H = net.hiddenSize;
  const Hp = Math.ceil(H / 4) * 4;
  const G = gateCount(net.kind);
  const GHp = G * Hp;
  const dirs = net.directions.length;
  const D = net.inputSize;
  const isGru = net.kind === 'gru';
  let width = 0;
  for (let k = 0; k < net.numLayers; k++) width = Math.max(width, inputWidth(net, k, Hp));
  const TS = T * S;
  // DA^T (and GRU's DAH^T): (G Hp, T S); X^T and H_prev^T as gemm_rows panels over the T S inputs; the products' output
  const daBytes = GHp * TS * 4;
  const extra = daBytes * (isGru ? 2 : 1) + (width + Hp) * TS * 4 + GHp * Math.max(width, Hp) * 4 + 4 * 64;
  let pl: BackwardPlan;
  try {
    pl = plan(net, T, S, true, T, extra);
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
  const align = (n: number): number => Math.ceil(n / 64) * 64;
  const daT = pl.scratch;
  const dahT = isGru ? daT + align(daBytes) : daT;
  const xT = dahT + (isGru ? align(daBytes) : align(daBytes));
  const hT = xT + align(width * TS * 4);
  const out = hT + align(Hp * TS * 4);
  const { f32, f64, k } = pl.mem;
  /** Where value (row r of a panel set of `rows` rows, input i) goes among gemm_rows' panels at `at` (f32 index). */
  const panelIndex = (at: number, rows: number, r: number, i: number): number => {
    const wide = Math.floor(rows / ROWS_PANEL);
    if (r < wide * ROWS_PANEL) return at + Math.floor(r / ROWS_PANEL) * TS * ROWS_PANEL + i * ROWS_PANEL + (r % ROWS_PANEL);
    const q = r - wide * ROWS_PANEL;
    return at + wide * TS * ROWS_PANEL + Math.floor(q / 4) * TS * 4 + i * 4 + (q % 4);
  };
  let layerWidth = 0;
  const onDa = (layer: number, d: number, t: number): void => {
    const w = inputWidth(net, layer, Hp);
    layerWidth = w;
    const reverse = net.directions[d] === 'reverse';
    const tPrev = reverse ? t + 1 : t - 1;
    for (let s = 0; s < S; s++) {
      const i = t * S + s;
      const inv = f64[pl.inv / 8 + s]!;
      const da = pl.da / 4 + s * GHp;
      for (let g = 0; g < GHp; g++) f32[daT / 4 + g * TS + i] = f32[da + g]! * inv;
      if (isGru) {
        const dah = pl.dah / 4 + s * GHp;
        for (let g = 0; g < GHp; g++) f32[dahT / 4 + g * TS + i] = f32[dah + g]! * inv;
      }
      // this step's input to the layer, in the kernels' layout (padded entries stay 0)
      const run = runs[s]!;
      if (layer === 0) {
        const x = inputs[s]![t]!;
        for (let j = 0; j < D; j++) f32[panelIndex(xT / 4, w, j, i)] = x[j]!;
      } else {
        for (let dd = 0; dd < dirs; dd++) {
          const h = run[t]!.layers[layer - 1]![dd]!.h;
          for (let u = 0; u < H; u++) f32[panelIndex(xT / 4, w, dd * Hp + u, i)] = h[u]!;
        }
      }
      const hPrev = tPrev >= 0 && tPrev < T ? run[tPrev]!.layers[layer]![d]!.h : initialRow(net, inits[s], 'h0', layer, d);
      for (let u = 0; u < H; u++) f32[panelIndex(hT / 4, Hp, u, i)] = hPrev[u]!;
    }
  };
  const onDirectionDone = (layer: number, d: number): void => {
    const w = layerWidth;
    const g = grads[layer]![d]!;
    const din = layerInputSize(net, layer);
    const colOf = layer === 0 ? (r: number) => (r < D ? r : -1) : (r: number) => (r % Hp < H ? Math.floor(r / Hp) * H + (r % Hp) : -1);
    // dW_ih = DA^T X: out[row, col] over the G Hp rows and the w input columns
    const npW = Math.floor(w / ROWS_PANEL);
    k.gemm_rows(out, w * 4, xT, daT, TS * 4, TS, GHp, npW, (w - ROWS_PANEL * npW) / 4);
    for (let gate = 0; gate < G; gate++) {
      for (let u = 0; u < H; u++) {
        const row = out / 4 + (gate * Hp + u) * w;
        const dst = (gate * H + u) * din;
        for (let r = 0; r < w; r++) {
          const c = colOf(r);
          if (c >= 0) g.wIh[dst + c] = g.wIh[dst + c]! + f32[row + r]!;
        }
      }
    }
    const npH = Math.floor(Hp / ROWS_PANEL);
    k.gemm_rows(out, Hp * 4, hT, dahT, TS * 4, TS, GHp, npH, (Hp - ROWS_PANEL * npH) / 4);
    for (let gate = 0; gate < G; gate++) {
      for (let u = 0; u < H; u++) {
        const row = out / 4 + (gate * Hp + u) * Hp;
        const dst = (gate * H + u) * H;
        for (let r = 0; r < H; r++) g.wHh[dst + r] = g.wHh[dst + r]! + f32[row + r]!;
      }
    }
    for (let gate = 0; gate < G; gate++) {
      for (let u = 0; u < H; u++) {
        const a = daT / 4 + (gate * Hp + u) * TS;
        const b = dahT / 4 + (gate * Hp + u) * TS;
        let si = 0;
        let sh = 0;
        for (let i = 0; i < TS; i++) {
          si += f32[a + i]!;
          sh += f32[b + i]!;
        }
        if (g.bIh !== null) g.bIh[gate * H + u] = g.bIh[gate * H + u]! + si;
        if (g.bHh !== null) g.bHh[gate * H + u] = g.bHh[gate * H + u]! + sh;
      }
    }
    // the next direction's gather starts from zeros (padded entries must stay 0)
    f32.fill(0, xT / 4, xT / 4 + width * TS);
  };
  f32.fill(0, xT / 4, xT / 4 + (width + Hp) * TS);
  blockPass(pl, net, {
    T,
    S,
    runOf: (s) => runs[s]!,
    shared: false,
    init: undefined,
    initOf: (s) => inits[s],
    top: { kind: 'steps', dy },
    sq: null,
    dx: () => {},
    onDa,
    onDirectionDone,
  });
  return true;
}

/**
 * memoryJacobianRows (../grad/jacobian.ts) with the block backward in the SIMD kernels: the same
 * arguments and figures (to float32 rounding, see the header). Returns false, having done nothing,
 * when the kernels do not cover this network; throws the reference's ShapeErrors.
 *   gradBytes: most memory for the gradients passed between layers (two (T, rows, width) float64
 *   buffers); the rows are walked in blocks that fit it.
 *   onStep: when one block holds every row, told after each step back how many are done (their
 *   h and c figures, and x for a one-layer network, final); returning true stops there.
 */
export function memoryJacobianRowsFast(
  net: Network,
  steps: readonly NetworkStep[],
  init: InitialState | undefined,
  dir: number,
  unitStart: number,
  unitEnd: number,
  sq: MemorySquares,
  gradBytes = GRAD_BUDGET_BYTES,
  onStep?: (done: number) => boolean,
): boolean {
  const isLstm = net.kind === 'lstm';
  if (!fastBackwardCovers(net)) return false;
  const T = steps.length;
  const H = net.hiddenSize;
  if (net.directions[dir] !== 'forward') throw new ShapeError(`memory: direction ${dir} of the last layer is not a forward one`);
  if (!(Number.isInteger(unitStart) && Number.isInteger(unitEnd) && 0 <= unitStart && unitStart <= unitEnd && unitEnd <= H)) {
    throw new ShapeError(`memory: units [${unitStart}, ${unitEnd}) outside [0, ${H})`);
  }
  if (sq.x2.length < T || sq.h2.length < T || (isLstm && sq.c2.length < T)) throw new ShapeError(`memory: sums shorter than ${T} steps`);
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < net.directions.length; d++) {
      initialRow(net, init, 'h0', k, d); // the reference's shape checks, before any work
      if (isLstm) initialRow(net, init, 'c0', k, d);
    }
  }
  const S = unitEnd - unitStart;
  if (T === 0 || S === 0) return true;
  const Sb = blockRows(net, T, S, gradBytes);
  let pl: BackwardPlan;
  try {
    pl = plan(net, T, Sb);
  } catch (err) {
    if (err instanceof RangeError) return false; // more than WebAssembly's memory: the reference's
    throw err;
  }
  // rows are independent: blocks of Sb in ascending order add the same figures as one block
  for (let u = unitStart; u < unitEnd; u += Sb) {
    const rows = Math.min(unitEnd, u + Sb) - u;
    // progress only when one block holds every row (else a step's sums are partial until the last block)
    const progress = Sb >= S ? onStep : undefined;
    if (!blockPass(pl, net, { T, S: rows, runOf: () => steps, shared: true, init, top: { kind: 'unit', dir, unitStart: u }, sq, dx: addInputSquares(sq, T, rows, net.inputSize), onStep: progress })) break;
  }
  return true;
}

/**
 * What one block pass walks back: S rows over T steps, either rows of the memory Jacobian (one
 * forward run shared by every row, each row seeded with a unit of h_{T-1}) or input gradients
 * (each row its own forward run, seeded at the top layer's output y_t).
 */
interface BlockJob {
  readonly T: number;
  readonly S: number;
  /** The forward run row s walks back through (the same array for every row when they share one). */
  readonly runOf: (s: number) => readonly NetworkStep[];
  readonly shared: boolean;
  readonly init: InitialState | undefined;
  /** Each row's initial state, when the rows are runs of their own (else `init` for all). */
  readonly initOf?: ((s: number) => InitialState | undefined) | undefined;
  /**
   * unit: row s is seeded with d h_{T-1}[unitStart + s] of direction `dir` (only that direction of
   * the top layer runs). seed: row s with seeds[s] (dirs H wide, y's layout) at y_t.
   */
  readonly top:
    | { readonly kind: 'unit'; readonly dir: number; readonly unitStart: number }
    | { readonly kind: 'seed'; readonly t: number; readonly seeds: readonly ArrayLike<number>[] }
    /** steps: row s with dy(s, t) at every step t that has one (a loss on every scored step). */
    | { readonly kind: 'steps'; readonly dy: (s: number, t: number) => ArrayLike<number> | null };
  /**
   * Told after each step's elementwise part, the rows' da (and GRU's dah) then in the kernels'
   * memory scaled by the rows' inv (parameter gradients read them); `done` after each direction.
   */
  readonly onDa?: ((layer: number, d: number, t: number) => void) | undefined;
  readonly onDirectionDone?: ((layer: number, d: number, width: number) => void) | undefined;
  /** Memory figures of the top layer, added per step (unit seeds). */
  readonly sq: MemorySquares | null;
  /**
   * Memory jobs: told after each step of the top layer how many steps back from the last are done
   * (h, c and, for one layer, x final for them); returning true stops the pass there.
   */
  readonly onStep?: ((done: number) => boolean) | undefined;
  /**
   * Called at the end with the kernels' f64 view, the (T, S, width) rows of d/dx_t at `at` (f64
   * index) and `width`; or with `only`, for that step alone as soon as it is complete (onStep, one layer).
   */
  readonly dx: (f64: Float64Array, at: number, width: number, only?: number) => void;
}

/** Returns false when job.onStep stopped it (the sums then hold the steps done only). */
function blockPass(pl: BackwardPlan, net: Network, job: BlockJob): boolean {
  const { T, S, runOf, shared, init, top: seedKind, sq } = job;
  const L = net.numLayers;
  const { H, Hp, G, mem } = pl;
  const GHp = G * Hp;
  const dirs = net.directions.length;
  const isLstm = net.kind === 'lstm';
  const isGru = net.kind === 'gru';
  const relu = net.kind === 'rnn_relu';
  const clip = net.clip ?? null;
  const { f32, f64, i32, k } = mem;
  const u = new Float64Array(H);
  const coef = pl.coef / 8;
  const rowSq = pl.sq / 8;
  const coefRows = shared ? 1 : S;
  const perRow = pl.coefStride / 8;
  const seedStride = dirs * Hp;
  if (seedKind.kind === 'steps') {
    // the gradient reaching the top layer's output at every step, as a layer above would pass it
    const g = pl.seed / 8;
    f64.fill(0, g, g + T * S * seedStride);
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < S; s++) {
        const v = seedKind.dy(s, t);
        if (v === null) continue;
        const o = g + (t * S + s) * seedStride;
        for (let d = 0; d < dirs; d++) for (let j = 0; j < H; j++) f64[o + d * Hp + j] = v[d * H + j]!;
      }
    }
  }
  if (seedKind.kind === 'seed') {
    const seed = pl.seed / 8;
    f64.fill(0, seed, seed + S * seedStride);
    for (let s = 0; s < S; s++) {
      const v = seedKind.seeds[s]!;
      for (let d = 0; d < dirs; d++) for (let j = 0; j < H; j++) f64[seed + s * seedStride + d * Hp + j] = v[d * H + j]!;
    }
  }
  let above = -1; // the buffer holding the gradient reaching the layer above's input, or none
  let wAbove = 0;
  for (let layer = L - 1; layer >= 0; layer--) {
    const width = inputWidth(net, layer, Hp);
    const below = pl.grad[(L - 1 - layer) % 2]!;
    f64.fill(0, below / 8, below / 8 + T * S * width);
    const colOf =
      layer === 0
        ? (r: number) => (r < net.inputSize ? r : -1)
        : (r: number) => {
            const u = r % Hp;
            return u < H ? Math.floor(r / Hp) * H + u : -1;
          };
    for (let d = 0; d < dirs; d++) {
      const top = layer === L - 1;
      if (top && seedKind.kind === 'unit' && d !== seedKind.dir) continue;
      const reverse = net.directions[d] === 'reverse';
      const p = net.layers[layer]![d]!;
      const wih = packDirection(pl, p, width, colOf);
      const peep = isLstm ? (p.peephole ?? null) : null;
      const initOf = job.initOf ?? (() => init);
      const c0 = isLstm ? Array.from({ length: coefRows }, (_, s) => initialRow(net, initOf(s), 'c0', layer, d)) : null;
      const h0 = isGru ? Array.from({ length: coefRows }, (_, s) => initialRow(net, initOf(s), 'h0', layer, d)) : null;
      f32.fill(0, pl.dh / 4, pl.dh / 4 + S * Hp);
      f64.fill(0, pl.dcc / 8, pl.dcc / 8 + S * Hp);
      f64.fill(0, coef, coef + Math.max(9 * Hp, coefRows * perRow)); // padded units and absent peepholes stay 0
      i32.fill(0, pl.exp / 4, pl.exp / 4 + S);
      f64.fill(1, pl.inv / 8, pl.inv / 8 + S);
      if (top && seedKind.kind === 'unit') for (let s = 0; s < S; s++) f32[pl.dh / 4 + s * Hp + seedKind.unitStart + s] = 1;
      for (let n = 0; n < T; n++) {
        const t = reverse ? n : T - 1 - n;
        const tPrev = reverse ? t + 1 : t - 1;
        let dOut = 0;
        let dOutStride = wAbove * 8;
        if (above >= 0) dOut = above + (t * S * wAbove + d * Hp) * 8;
        else if (seedKind.kind === 'steps') {
          dOut = pl.seed + (t * S * seedStride + d * Hp) * 8;
          dOutStride = seedStride * 8;
        } else if (seedKind.kind === 'seed') {
          if (t === seedKind.t) dOut = pl.seed + d * Hp * 8;
          dOutStride = seedStride * 8;
        }
        for (let s = 0; s < coefRows; s++) {
          const run = runOf(s);
          const rec = run[t]!.layers[layer]![d]!;
          const at = coef + s * perRow;
          if (isLstm) fillLstmCoef(f64, at, Hp, rec, tPrev >= 0 && tPrev < T ? run[tPrev]!.layers[layer]![d]!.c! : c0![s]!, peep, clip, H);
          else if (isGru) fillGruCoef(f64, at, Hp, rec, tPrev >= 0 && tPrev < T ? run[tPrev]!.layers[layer]![d]!.h : h0![s]!, p, u, clip, H);
          else {
            for (let j = 0; j < H; j++) {
              const a = rec.pre[j]!;
              const h = rec.h[j]!;
              f64[at + j] = (relu ? (a > 0 ? 1 : 0) : 1 - h * h) * clipSlope(a, clip);
            }
          }
        }
        if (isLstm) k.lstm_back_rows(S, Hp, pl.dh, dOut, dOutStride, pl.coef, pl.dcc, pl.tmp, pl.da, pl.inv, pl.exp, pl.sq, EXP_LIMIT, pl.coefStride);
        else if (isGru) k.gru_back_rows(S, Hp, pl.dh, dOut, dOutStride, pl.coef, pl.dcc, pl.tmp, pl.da, pl.dah, pl.inv, pl.exp, pl.sq, EXP_LIMIT, pl.coefStride);
        else k.rnn_back_rows(S, Hp, pl.dh, dOut, dOutStride, pl.coef, pl.da, pl.inv, pl.exp, pl.sq, EXP_LIMIT, pl.tmp, pl.coefStride);
        job.onDa?.(layer, d, t);
        if (top && sq !== null) {
          // row by row into the step's sums, as the reference adds them
          let h2 = sq.h2[t]!;
          for (let s = 0; s < S; s++) h2 += f64[rowSq + 2 * s]!;
          sq.h2[t] = h2;
          if (isLstm) {
            let c2 = sq.c2[t]!;
            for (let s = 0; s < S; s++) c2 += f64[rowSq + 2 * s + 1]!;
            sq.c2[t] = c2;
          }
        }
        // dh_prev = da W_hh and dx = da W_ih, every row at once; dx added unscaled into float64
        k.gemm_rows(pl.dh, Hp * 4, pl.whh.ptr, pl.dah, GHp * 4, GHp, S, pl.whh.npWide, pl.whh.np4);
        k.gemm_rows(pl.dx, width * 4, wih.ptr, pl.da, GHp * 4, GHp, S, wih.npWide, wih.np4);
        k.add_unscaled(below + t * S * width * 8, width * 8, pl.dx, width, S, pl.inv);
        if (top && job.onStep !== undefined) {
          // one layer: x_t's rows are complete now (no other direction adds to them)
          if (L === 1) job.dx(f64, below / 8, width, t);
          if (job.onStep(n + 1)) return false;
        }
      }
      job.onDirectionDone?.(layer, d, width);
    }
    above = below;
    wAbove = width;
  }
  // the layer-0 buffer holds (T, S, DinP): the rows of d / d x_t
  if (!(job.onStep !== undefined && L === 1)) job.dx(f64, above / 8, wAbove);
  return true;
}

/** Adds the squares of the rows of d h_{T-1} / d x_t (a memory job's end). */
function addInputSquares(sq: MemorySquares, T: number, S: number, D: number): BlockJob['dx'] {
  return (f64, g, width, only) => {
    for (let t = only ?? 0; t < (only === undefined ? T : only + 1); t++) {
      let x2 = sq.x2[t]!;
      for (let s = 0; s < S; s++) {
        const o = g + (t * S + s) * width;
        let r = 0;
        for (let j = o; j < o + D; j++) r += f64[j]! * f64[j]!;
        x2 += r;
      }
      sq.x2[t] = x2;
    }
  };
}
