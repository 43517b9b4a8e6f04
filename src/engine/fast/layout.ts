/**
 * Where a network lives in the kernels' memory, and the one routine that runs a stretch of steps
 * of one direction of one layer.
 *
 * Padding (see kernels.wat): H becomes Hp = ceil(H / 4) * 4 and every gate block Hp rows, so the
 * unit loops are whole f32x4 vectors. Padded units have zero weights, biases and initial state,
 * which keeps them exactly 0 for every cell kind (sigmoid(0) * c_prev + sigmoid(0) * tanh(0) = 0,
 * and so on), so they never leak into real units. A layer k > 0 reads its input as dirs * Hp
 * values per step (each direction's padded h), with zero weight columns for the padding.
 */
import { gateCount, layerInputSize } from '../shapes.js';
import type { InitialState, Network } from '../types.js';
import { ShapeError } from '../network.js';
import { PANEL_ROWS, type Kernels } from './kernels.js';

/** A bump allocator of byte offsets; every block aligned to a cache line. */
export class Arena {
  private top = 64; // offset 0 stays unused so that 0 can mean "none" (no peepholes)
  alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 64) * 64;
    return at;
  }
  get size(): number {
    return this.top;
  }
}

/** Rows of a weight matrix packed as wide (PANEL_ROWS) then 4-row panels over nIn inputs. */
export interface Panels {
  readonly ptr: number;
  /** Wide panels. */
  readonly npWide: number;
  readonly np4: number;
  /** Rows of a wide panel. */
  readonly wide: number;
}

/** One direction of one layer in memory. Offsets in bytes. */
export interface DirLayout {
  readonly layer: number;
  readonly dir: number;
  readonly reverse: boolean;
  /** Inputs of the projection: D for layer 0, dirs * Hp above. */
  readonly nIn: number;
  /** W_ih over nIn inputs, all GHp rows. */
  readonly wih: Panels;
  /** W_hh over H inputs: all GHp rows (LSTM, RNN), or the r and z rows (GRU). */
  readonly whh: Panels;
  /** GRU: W_hn over H inputs. */
  readonly wn: Panels | null;
  /** (GHp) bias of the projection: b_ih + b_hh, except GRU's n rows which get b_in only. */
  readonly bx: number;
  /** GRU: (Hp) b_hn. */
  readonly bhn: number;
  /** 0, or (3Hp) LSTM peepholes p_i | p_f | p_o. */
  readonly peep: number;
  /** (Hp) the running h and c. */
  readonly hState: number;
  readonly cState: number;
}

/** The whole network in memory. */
export interface NetLayout {
  readonly net: Network;
  readonly H: number;
  readonly Hp: number;
  readonly G: number;
  /** G * Hp */
  readonly GHp: number;
  readonly dirs: number;
  /** [L][dirs] */
  readonly dirLayouts: readonly (readonly DirLayout[])[];
  /** GRU: scratch of 2Hp floats for gru_seq. */
  readonly tmp: number;
}

/** Panels for `rows` rows over nIn inputs, reserved in `arena`. */
export function allocPanels(arena: Arena, rows: number, nIn: number): Panels {
  const wide = PANEL_ROWS;
  const npWide = Math.floor(rows / wide);
  return { ptr: arena.alloc(rows * nIn * 4), npWide, np4: (rows - wide * npWide) / 4, wide };
}

/** Reserves the network's weights and states in `arena`. */
export function planNetwork(net: Network, arena: Arena): NetLayout {
  // The kernels have no projection: callers ask fastCovers first, and a projected LSTM that gets
  // here anyway must fail loudly, not run with h read as H wide.
  if ((net.projSize ?? 0) > 0) throw new ShapeError(`the fast engine has no LSTM projection (proj_size ${net.projSize}); use the reference engine`);
  const H = net.hiddenSize;
  const Hp = Math.ceil(H / 4) * 4;
  const G = gateCount(net.kind);
  const GHp = G * Hp;
  const dirs = net.directions.length;
  const dirLayouts: DirLayout[][] = [];
  for (let k = 0; k < net.numLayers; k++) {
    const nIn = k === 0 ? net.inputSize : dirs * Hp;
    dirLayouts.push(
      net.directions.map((direction, d) => {
        const gru = net.kind === 'gru';
        const p = net.layers[k]![d]!;
        return {
          layer: k,
          dir: d,
          reverse: direction === 'reverse',
          nIn,
          wih: allocPanels(arena, GHp, nIn),
          whh: allocPanels(arena, gru ? 2 * Hp : GHp, H),
          wn: gru ? allocPanels(arena, Hp, H) : null,
          bx: arena.alloc(GHp * 4),
          bhn: gru ? arena.alloc(Hp * 4) : 0,
          peep: net.kind === 'lstm' && p.peephole != null ? arena.alloc(3 * Hp * 4) : 0,
          hState: arena.alloc(Hp * 4),
          cState: arena.alloc(Hp * 4),
        };
      }),
    );
  }
  const tmp = arena.alloc(2 * Hp * 4);
  return { net, H, Hp, G, GHp, dirs, dirLayouts, tmp };
}

/**
 * Packs W (rows x cols, row-major) into panels: padded row r maps to source row rowOf(r) (or -1
 * for zeros), input j to source column colOf(j) (or -1).
 */
export function packPanels(
  f32: Float32Array,
  panels: Panels,
  nIn: number,
  w: Float32Array,
  cols: number,
  rowOf: (r: number) => number,
  colOf: (j: number) => number,
): void {
  let at = panels.ptr / 4;
  const put = (r0: number, width: number) => {
    for (let j = 0; j < nIn; j++) {
      const c = colOf(j);
      for (let q = 0; q < width; q++) {
        const r = rowOf(r0 + q);
        f32[at++] = r < 0 || c < 0 ? 0 : w[r * cols + c]!;
      }
    }
  };
  let r0 = 0;
  for (let p = 0; p < panels.npWide; p++, r0 += panels.wide) put(r0, panels.wide);
  for (let p = 0; p < panels.np4; p++, r0 += 4) put(r0, 4);
}

/** Padded row r (gate blocks of Hp rows) -> source row g H + u of gate block g (+ firstGate), or -1 for padding. */
export function paddedRowOf(H: number, Hp: number, firstGate: number): (r: number) => number {
  return (r) => {
    const u = r % Hp;
    return u < H ? (Math.floor(r / Hp) + firstGate) * H + u : -1;
  };
}

/** Writes the weights (float32, as the network holds them) into the planned places. */
export function writeWeights(layout: NetLayout, mem: Kernels): void {
  const { net, H, Hp, GHp, dirs } = layout;
  const f32 = mem.f32;
  const gru = net.kind === 'gru';
  const rowFrom = (firstGate: number) => paddedRowOf(H, Hp, firstGate);
  for (const dl of layout.dirLayouts.flat()) {
    const p = net.layers[dl.layer]![dl.dir]!;
    const din = layerInputSize(net, dl.layer);
    const colIn =
      dl.layer === 0
        ? (j: number) => j
        : (j: number) => {
            const d = Math.floor(j / Hp);
            const u = j % Hp;
            return u < H && d < dirs ? d * H + u : -1;
          };
    packPanels(f32, dl.wih, dl.nIn, p.wIh, din, rowFrom(0), colIn);
    packPanels(f32, dl.whh, H, p.wHh, H, rowFrom(0), (j) => j);
    if (dl.wn !== null) packPanels(f32, dl.wn, H, p.wHh, H, rowFrom(2), (j) => j);
    const bx = dl.bx / 4;
    for (let r = 0; r < GHp; r++) {
      const src = rowFrom(0)(r);
      const nRow = gru && r >= 2 * Hp;
      // Summed in float32, as PyTorch does.
      f32[bx + r] = src < 0 ? 0 : Math.fround((p.bIh?.[src] ?? 0) + (nRow ? 0 : (p.bHh?.[src] ?? 0)));
    }
    if (gru) {
      for (let u = 0; u < Hp; u++) f32[dl.bhn / 4 + u] = u < H ? (p.bHh?.[2 * H + u] ?? 0) : 0;
    }
    if (dl.peep !== 0) {
      const P = p.peephole!;
      for (let g = 0; g < 3; g++) for (let u = 0; u < Hp; u++) f32[dl.peep / 4 + g * Hp + u] = u < H ? P[g * H + u]! : 0;
    }
  }
}

/** Initial state row of layer k, direction index d, checked as the reference engine does. */
function initialRow(net: Network, init: InitialState | undefined, which: 'h0' | 'c0', k: number, d: number): ArrayLike<number> | null {
  const rows = init?.[which];
  if (rows == null) return null;
  const dirs = net.directions.length;
  const expectedRows = net.numLayers * dirs;
  if (rows.length !== expectedRows) {
    throw new ShapeError(`${which}: expected ${expectedRows} rows [layers*directions], got ${rows.length}`, which);
  }
  const row = rows[k * dirs + d]!;
  if (row.length !== net.hiddenSize) {
    throw new ShapeError(`${which}[${k * dirs + d}]: expected ${net.hiddenSize} values, got ${row.length}`, which);
  }
  return row;
}

/** Checks the initial state's shape without writing it anywhere. */
export function checkInitialState(net: Network, init: InitialState | undefined): void {
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < net.directions.length; d++) {
      initialRow(net, init, 'h0', k, d);
      initialRow(net, init, 'c0', k, d);
    }
  }
}

/** Sets the running state of one direction to its initial state (zeros by default). */
export function resetState(layout: NetLayout, mem: Kernels, dl: DirLayout, init: InitialState | undefined): void {
  const { net, H, Hp } = layout;
  const f32 = mem.f32;
  const h0 = initialRow(net, init, 'h0', dl.layer, dl.dir);
  const c0 = net.kind === 'lstm' ? initialRow(net, init, 'c0', dl.layer, dl.dir) : null;
  for (let u = 0; u < Hp; u++) {
    f32[dl.hState / 4 + u] = h0 !== null && u < H ? h0[u]! : 0;
    f32[dl.cState / 4 + u] = c0 !== null && u < H ? c0[u]! : 0;
  }
}

/** Where one stretch of steps reads and writes. Offsets in bytes. */
export interface Stretch {
  /** Steps in the stretch. */
  readonly n: number;
  /** Input row of the stretch's first step, and the distance between rows. */
  readonly x: number;
  readonly xStride: number;
  /** (n, GHp) pre-activations; (n, GHp) gates (LSTM, GRU); (n, Hp) c (LSTM). */
  readonly pre: number;
  readonly gates: number;
  readonly c: number;
  /** h of the stretch's first step, and the distance between steps. */
  readonly h: number;
  readonly hStride: number;
}

/**
 * Runs n steps of one direction over a stretch whose rows are in time order; a reverse
 * direction walks it from the last row to the first. The running state carries over, so
 * consecutive stretches (in the direction's own time order) make one sequence.
 */
export function runStretch(layout: NetLayout, mem: Kernels, dl: DirLayout, s: Stretch): void {
  if (s.n === 0) return;
  const { net, H, Hp, GHp } = layout;
  const k = mem.k;
  const clip = net.clip ?? Infinity;
  const rowBytes = GHp * 4;
  k.gemm(s.pre, rowBytes, dl.bx, 0, dl.wih.ptr, s.x, s.xStride, dl.nIn, s.n, dl.wih.npWide, dl.wih.np4);
  const rev = dl.reverse ? 1 : 0;
  switch (net.kind) {
    case 'lstm':
      k.lstm_seq(s.n, rev, s.pre, s.gates, s.c, s.h, s.hStride, dl.whh.ptr, dl.whh.npWide, dl.whh.np4, H, Hp, dl.hState, dl.cState, dl.peep, clip);
      return;
    case 'gru': {
      const wn = dl.wn!;
      const lbr = net.linearBeforeReset ?? true ? 1 : 0;
      k.gru_seq(s.n, rev, s.pre, s.gates, s.h, s.hStride, dl.whh.ptr, dl.whh.npWide, dl.whh.np4, wn.ptr, wn.npWide, wn.np4, H, Hp, dl.hState, dl.bhn, lbr, clip, layout.tmp);
      return;
    }
    case 'rnn_tanh':
    case 'rnn_relu':
      k.rnn_seq(s.n, rev, s.pre, s.h, s.hStride, dl.whh.ptr, dl.whh.npWide, dl.whh.np4, H, Hp, dl.hState, net.kind === 'rnn_relu' ? 1 : 0, clip);
      return;
  }
}
