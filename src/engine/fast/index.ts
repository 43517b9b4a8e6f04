/** The fast engine: WebAssembly SIMD kernels with the reference engine's semantics. */
export { fastAvailable } from './kernels.js';
export { runSequenceFast, createFastStepper, chunkSteps, type OnStep } from './sequence.js';
