/**
 * A worker thread of `gatescope stats` (stats-threads.ts): runs one direction of one layer of a
 * bidirectional network per message and posts its part back (h transferred, not copied).
 */
import { parentPort } from 'node:worker_threads';
import { runDirectionStats, type DirectionPart } from '../engine/fast/index.js';
import type { DirectionTask } from './stats-threads.js';
import { enableRelaxedSimd } from './wasm-features.js';

enableRelaxedSimd();
const port = parentPort;
if (port === null) throw new Error('stats-worker.js runs as a worker thread');
port.on('message', (task: DirectionTask) => {
  const part: DirectionPart = runDirectionStats(task.net, task.init, task.layer, task.dir, task.input, task.T, task.keepH);
  port.postMessage(part, part.h === null ? [] : [part.h.buffer as ArrayBuffer]);
});
