/** The engine: pure math, no I/O. */
export * from './types.js';
export * from './shapes.js';
export * from './activations.js';
export * from './softmax.js';
export * from './network.js';
export * from './model.js';
export * from './init.js';
export * from './random.js';
export { lstmStep } from './cells/lstm.js';
export { gruStep } from './cells/gru.js';
export { rnnStep } from './cells/rnn.js';
export * from './grad/index.js';
export * from './train/index.js';
export * from './memory.js';
export * from './attribution.js';
export * from './intervene.js';
export * from './stats.js';
export * from './fast/index.js';
