/** States over time: the trace the viewer reads, filled from an input stream. */
export * from './trace-store.js';
export * from './ingest.js';
export * from './explain.js';
