/** Training: examples and tasks, losses, Adam with clipping, and the seeded step-wise trainer. */
export * from './examples.js';
export * from './loss.js';
export * from './model.js';
export * from './optim.js';
export * from './trainer.js';
