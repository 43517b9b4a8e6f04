/**
 * One step at a time for forward LSTMs, the stepper's hot path: per layer and step one kernel
 * call (kernels.wat's lstm_part) that does the input projection and the recurrence as one
 * matrix-vector product over z = [x ; h_prev], the cell update, and the float64 record the caller
 * reads, which lives in the kernels' memory (no copy out). z and c are double-buffered by the
 * step's parity: a step reads one and writes the other.
 *
 * (lstm_part computes a range of units, so a layer could be cut in parts run by two threads on a
 * shared memory; built and measured, that went from 4.4 to 2.8 us a step at H = 128 at best but
 * 4 to 7 us typically on a 2-vCPU VM, and a worker woken after a pause costs tens of us, so one
 * part per layer it is. At H = 128 the matrix-vector product alone is ~3.2 us of the 4.4: ~45
 * GFLOP/s, what 128-bit fused multiply-adds on seven accumulator chains give even from L1; a
 * C/AVX2 product of the same size measured 2.7 us.)
 *
 * Layout per layer (byte offsets; padding as in layout.ts: Hp and the input width rounded up to 4,
 * padded rows and columns zero, so padded units stay exactly 0):
 *   z[2]     (inKp + Hp) floats: the layer's input (x, or the layer below's h) then its own h
 *   rec      float64 pre (4H) | gates (4H) | h (H) | c (H), the NetworkStep's arrays
 *   w        4 Hp rows over inKp + H inputs, in panels; bias, pre, gates (4Hp); c[2] (Hp);
 *            peep (3Hp or none)
 */
import { layerInputSize } from '../shapes.js';
import type { InitialState, Network, NetworkStep } from '../types.js';
import type { Kernels } from './kernels.js';
import { allocPanels, Arena, packPanels, paddedRowOf, type Panels } from './layout.js';

/** Where one layer lives in the kernels' memory. Offsets in bytes. */
export interface StepLayer {
  /** Inputs of the layer (D, or H above), and rounded up to 4. */
  readonly inK: number;
  readonly inKp: number;
  /** [x ; h_prev] by the step's parity. */
  readonly z: readonly [number, number];
  /** The float64 record: pre (4H) | gates (4H) | h (H) | c (H). */
  readonly rec: number;
  /** [W_ih | W_hh]: 4 Hp rows over inKp + H inputs. */
  readonly w: Panels;
  /** (4Hp) b_ih + b_hh; (4Hp) pre and gates; c by the step's parity (Hp); peepholes (3Hp) or 0. */
  readonly bias: number;
  readonly pre: number;
  readonly gates: number;
  readonly c: readonly [number, number];
  readonly peep: number;
}

const up4 = (n: number): number => Math.ceil(n / 4) * 4;

/** True for networks the plan runs: forward-only LSTMs. */
export function stepPlanFits(net: Network): boolean {
  return net.kind === 'lstm' && net.directions.length === 1 && net.directions[0] === 'forward';
}

export class LstmStepPlan {
  readonly layers: readonly StepLayer[];
  /** Bytes of kernel memory the plan needs. */
  readonly bytes: number;
  private readonly H: number;
  private readonly Hp: number;

  constructor(readonly net: Network) {
    if (!stepPlanFits(net)) throw new Error('the step plan runs forward-only LSTMs');
    const H = net.hiddenSize;
    const Hp = up4(H);
    this.H = H;
    this.Hp = Hp;
    const arena = new Arena();
    this.layers = Array.from({ length: net.numLayers }, (_, k) => {
      const inK = layerInputSize(net, k);
      const inKp = up4(inK);
      const zBytes = (inKp + Hp) * 4;
      return {
        inK,
        inKp,
        z: [arena.alloc(zBytes), arena.alloc(zBytes)] as const,
        rec: arena.alloc(10 * H * 8),
        w: allocPanels(arena, 4 * Hp, inKp + H),
        bias: arena.alloc(4 * Hp * 4),
        pre: arena.alloc(4 * Hp * 4),
        gates: arena.alloc(4 * Hp * 4),
        c: [arena.alloc(Hp * 4), arena.alloc(Hp * 4)] as const,
        peep: net.layers[k]![0]!.peephole != null ? arena.alloc(3 * Hp * 4) : 0,
      };
    });
    this.bytes = arena.size;
  }

  /** Writes the weights, biases and peepholes (float32) into `mem`. */
  writeWeights(mem: Kernels): void {
    const f32 = mem.f32;
    const { H, Hp } = this;
    const rowOf = paddedRowOf(H, Hp, 0);
    this.layers.forEach((layer, k) => {
      const p = this.net.layers[k]![0]!;
      const { inK, inKp } = layer;
      // [W_ih | zero padding | W_hh] as one (4H, inKp + H) matrix, packed like every other
      const n = inKp + H;
      const wide = new Float32Array(4 * H * n);
      for (let r = 0; r < 4 * H; r++) {
        wide.set(p.wIh.subarray(r * inK, (r + 1) * inK), r * n);
        wide.set(p.wHh.subarray(r * H, (r + 1) * H), r * n + inKp);
      }
      packPanels(f32, layer.w, n, wide, n, rowOf, (j) => j);
      for (let r = 0; r < 4 * Hp; r++) {
        const src = rowOf(r);
        // summed in float32, as PyTorch does
        f32[layer.bias / 4 + r] = src < 0 ? 0 : Math.fround((p.bIh?.[src] ?? 0) + (p.bHh?.[src] ?? 0));
      }
      if (layer.peep !== 0) {
        const P = p.peephole!;
        for (let g = 0; g < 3; g++) for (let u = 0; u < Hp; u++) f32[layer.peep / 4 + g * Hp + u] = u < H ? P[g * H + u]! : 0;
      }
    });
  }

  /**
   * The state before step 0: h0/c0 (zeros by default) where step 0 reads them. Shapes must have
   * been checked (layout.ts checkInitialState).
   */
  reset(mem: Kernels, init: InitialState | undefined): void {
    const f32 = mem.f32;
    const { H, Hp } = this;
    this.layers.forEach((layer, k) => {
      const h0 = init?.h0?.[k] ?? null;
      const c0 = init?.c0?.[k] ?? null;
      for (const z of layer.z) f32.fill(0, z / 4, z / 4 + layer.inKp + Hp);
      for (const c of layer.c) f32.fill(0, c / 4, c / 4 + Hp);
      for (let u = 0; u < H; u++) {
        f32[layer.z[0] / 4 + layer.inKp + u] = h0 === null ? 0 : h0[u]!;
        f32[layer.c[0] / 4 + u] = c0 === null ? 0 : c0[u]!;
      }
    });
  }

  /** Writes x_t where step t reads it. */
  setInput(mem: Kernels, t: number, x: ArrayLike<number>): void {
    const z = this.layers[0]!.z;
    mem.f32.set(x, ((t & 1) === 1 ? z[1] : z[0]) / 4);
  }

  /** Step t of layer k: every layer below must have finished step t. */
  runLayer(mem: Kernels, t: number, k: number): void {
    const layer = this.layers[k]!;
    const odd = (t & 1) === 1;
    const next = this.layers[k + 1];
    const zNow = odd ? layer.z[1] : layer.z[0];
    const zNext = odd ? layer.z[0] : layer.z[1];
    mem.k.lstm_part(
      zNow,
      layer.inKp + this.H,
      layer.w.ptr,
      layer.w.npWide,
      layer.w.np4,
      layer.bias,
      layer.pre,
      layer.gates,
      odd ? layer.c[1] : layer.c[0],
      odd ? layer.c[0] : layer.c[1],
      zNext + layer.inKp * 4,
      next === undefined ? 0 : odd ? next.z[1] : next.z[0],
      this.Hp,
      layer.peep,
      this.net.clip ?? Infinity,
      layer.rec,
      this.H,
      0,
      this.H,
    );
  }

  /** The NetworkStep whose arrays are the records in `mem` (valid until the next step). */
  stepViews(mem: Kernels): NetworkStep {
    const H = this.H;
    const layers = this.layers.map((layer) => {
      const at = layer.rec / 8;
      const view = (from: number, len: number): Float64Array => new Float64Array(mem.buffer, (at + from) * 8, len);
      return [{ pre: view(0, 4 * H), gates: view(4 * H, 4 * H), h: view(8 * H, H), c: view(9 * H, H) }];
    });
    return { layers, y: layers[layers.length - 1]![0]!.h };
  }
}
