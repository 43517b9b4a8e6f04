/**
 * WebAssembly features the fast engine can use, switched on at the edge (the engine may not touch
 * node:*). Relaxed SIMD gives the engine's matrix products a fused multiply-add (about a fifth
 * faster); V8 ships it from Node 22, and Node 20's V8 has it behind a flag that can still be set
 * at run time, before the engine compiles its kernels (its first call).
 */
import { setFlagsFromString } from 'node:v8';

let done = false;

/** Idempotent; call before the first fast-engine call of the process. */
export function enableRelaxedSimd(): void {
  if (done) return;
  done = true;
  if (Number(process.versions.node.split('.')[0]) === 20) setFlagsFromString('--experimental-wasm-relaxed-simd');
}
