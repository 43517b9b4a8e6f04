/**
 * The library surface: the engine, the input and weights readers, and the trace. Never the UI or
 * the CLI (no Ink, React or yargs is loaded by importing this).
 */
export * from './engine/index.js';
export * from './io/index.js';
export { loadWeights, loadWeightsAsync, describeWeights, formatWeightsDescription, type WeightsFile, type LoadWeightsOptions, type LoadWeightsAsyncOptions } from './io/weights/index.js';
export { networkFromStateDict, stateDictFromNetwork, type LoadedWeights } from './io/weights/pytorch.js';
export type { Tensor } from './io/weights/tensor.js';
export * from './trace/index.js';
