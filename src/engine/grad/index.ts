/** Backpropagation through time: exact gradients of the engine's forward runs. */
export * from './types.js';
export { backwardSequence, allocParamGrads, zeroParamGrads, type BackwardOptions, type NetworkGrads } from './network.js';
export { lstmBackward } from './lstm.js';
export { gruBackward } from './gru.js';
export { rnnBackward } from './rnn.js';
export { memoryJacobianRows, type MemorySquares } from './jacobian.js';
