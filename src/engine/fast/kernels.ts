/**
 * The WebAssembly SIMD kernels (kernels.wat), compiled once per process and instantiated once per
 * runner, each instance with its own memory sized to its plan (so that views into it never
 * detach: a plan never grows its memory).
 *
 * Two builds (scripts/build-wasm.mjs): with relaxed SIMD (fused multiply-add in the matrix
 * products, about a fifth faster) where the runtime validates it (Node 22 on; Node 20 with V8's
 * --experimental-wasm-relaxed-simd, which the CLI sets), else plain SIMD. Both compute the same
 * float32 values up to the rounding of a fused multiply-add.
 *
 * The engine may not import node:* and the project's lib has no DOM types, so WebAssembly is
 * reached through a minimal typed view of globalThis; where it (or SIMD) is missing,
 * fastAvailable() is false and callers use the reference engine.
 */
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.wasm.js';
import { CapacityError } from '../network.js';
import type { NetworkSpec } from '../types.js';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The kernels' exports; every pointer, offset and stride is in bytes (see kernels.wat). */
export interface KernelExports {
  activate(dst: number, src: number, n: number, act: number): void;
  gemm(
    out: number,
    outStride: number,
    init: number,
    initStride: number,
    w: number,
    x: number,
    xStride: number,
    n: number,
    T: number,
    npWide: number,
    np4: number,
  ): void;
  lstm_seq(
    n: number,
    reverse: number,
    pre: number,
    gates: number,
    cOut: number,
    hOut: number,
    hStride: number,
    w: number,
    npWide: number,
    np4: number,
    H: number,
    Hp: number,
    hState: number,
    cState: number,
    peep: number,
    clip: number,
  ): void;
  gru_seq(
    n: number,
    reverse: number,
    pre: number,
    gates: number,
    hOut: number,
    hStride: number,
    wrz: number,
    npWideRz: number,
    np4rz: number,
    wn: number,
    npWideN: number,
    np4n: number,
    H: number,
    Hp: number,
    hState: number,
    bhn: number,
    lbr: number,
    clip: number,
    tmp: number,
  ): void;
  rnn_seq(
    n: number,
    reverse: number,
    pre: number,
    hOut: number,
    hStride: number,
    w: number,
    npWide: number,
    np4: number,
    H: number,
    Hp: number,
    hState: number,
    relu: number,
    clip: number,
  ): void;
  stats_acc(src: number, stride: number, n: number, width: number, acc: number, lo: number, hi: number): void;
  /** backward.wat: the memory Jacobian's elementwise backward for S scaled rows (see backward.ts). */
  lstm_back_rows(S: number, Hp: number, dh: number, dOut: number, dOutStride: number, coef: number, dcc: number, tmp: number, da: number, inv: number, exp: number, sq: number, lim: number, coefStride: number): void;
  rnn_back_rows(S: number, Hp: number, dh: number, dOut: number, dOutStride: number, slope: number, da: number, inv: number, exp: number, sq: number, lim: number, tmp: number, coefStride: number): void;
  gru_back_rows(S: number, Hp: number, dh: number, dOut: number, dOutStride: number, coef: number, dcc: number, tmp: number, da: number, dah: number, inv: number, exp: number, sq: number, lim: number, coefStride: number): void;
  gemm_rows(out: number, outStride: number, w: number, x: number, xStride: number, n: number, S: number, np8: number, np4: number): void;
  add_unscaled(dst: number, dstStride: number, src: number, width: number, S: number, inv: number): void;
}

/** An instance and its memory. */
export interface Kernels {
  readonly k: KernelExports;
  readonly buffer: ArrayBuffer;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

const PAGE = 65536;
/** wasm32's limit: 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 65536 * PAGE;

// A module using one v128 instruction: validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

function wasmApi(): WasmApi | null {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  return api === undefined ? null : api;
}

/** Which build runs: 'relaxed-simd', 'simd', or null (no WebAssembly SIMD: reference engine). */
export type KernelVariant = 'relaxed-simd' | 'simd';

let compiled: { module: object; variant: KernelVariant } | null | undefined;
let forced: KernelVariant | 'none' | null = null;

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function kernelModule(): { module: object; variant: KernelVariant } | null {
  if (compiled !== undefined) return compiled;
  const api = wasmApi();
  compiled = null;
  if (api !== null && forced !== 'none' && api.validate(SIMD_PROBE)) {
    const relaxed = decodeBase64(KERNELS_RELAXED_WASM_BASE64);
    try {
      compiled = forced !== 'simd' && api.validate(relaxed)
        ? { module: new api.Module(relaxed), variant: 'relaxed-simd' }
        : { module: new api.Module(decodeBase64(KERNELS_WASM_BASE64)), variant: 'simd' };
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when WebAssembly with SIMD is available, so the fast engine can run. */
export function fastAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * True when the fast engine can run this network: WebAssembly SIMD is there and the network has
 * nothing the kernels lack (a projected LSTM's W_hr, and the minGRU/minLSTM cells, which have no
 * kernels at all, run on the reference engine).
 */
export function fastCovers(net: NetworkSpec): boolean {
  return (net.projSize ?? 0) === 0 && KERNEL_CELLS.has(net.kind) && fastAvailable();
}

/** The cells the WebAssembly kernels compute; any other kind is refused, never run as one of these. */
const KERNEL_CELLS: ReadonlySet<NetworkSpec['kind']> = new Set(['lstm', 'gru', 'rnn_tanh', 'rnn_relu']);

/** The build the fast engine runs, chosen once per process at its first use; null without SIMD. */
export function kernelVariant(): KernelVariant | null {
  return kernelModule()?.variant ?? null;
}

/**
 * For tests and benchmarks: runners made from now on use this build (null: the best available;
 * 'none': as if WebAssembly SIMD were missing, so the reference engine runs). Throws if this
 * runtime cannot run the build asked for.
 */
export function useKernelVariant(variant: KernelVariant | 'none' | null): void {
  forced = variant;
  compiled = undefined;
  if (variant !== null && variant !== 'none' && kernelVariant() !== variant) {
    forced = null;
    compiled = undefined;
    throw new Error(`the ${variant} kernels cannot run here`);
  }
}

/** Rows of the wide weight panels, the same in both builds (kernels.wat's seven accumulators). */
export const PANEL_ROWS = 28;

/** A new instance with `bytes` of memory (rounded up to whole pages). Throws if unavailable. */
export function instantiateKernels(bytes: number): Kernels {
  const api = wasmApi();
  const mod = kernelModule();
  if (api === null || mod === null) throw new Error('WebAssembly SIMD is not available');
  if (bytes > MAX_MEMORY_BYTES) {
    throw new CapacityError(`the fast engine needs ${Math.ceil(bytes / 2 ** 20)} MiB, more than WebAssembly's 4 GiB`, bytes);
  }
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  const memory = new api.Memory({ initial: pages, maximum: pages });
  const instance = new api.Instance(mod.module, { env: { memory } });
  const buffer = memory.buffer;
  return {
    k: instance.exports as unknown as KernelExports,
    buffer,
    f32: new Float32Array(buffer),
    i32: new Int32Array(buffer),
    f64: new Float64Array(buffer),
  };
}
