/** The fast engine: WebAssembly SIMD kernels with the reference engine's semantics. */
export { fastAvailable, fastCovers, kernelVariant, type KernelVariant } from './kernels.js';
export { runSequenceFast, createFastStepper, chunkSteps, type OnStep } from './sequence.js';
export {
  float32Limits,
  layerInput,
  runDirectionStats,
  statsFromParts,
  type DirectionPart,
  type PlainSums,
} from './fast-stats.js';
