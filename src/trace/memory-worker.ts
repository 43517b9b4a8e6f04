/**
 * The worker thread of the memory view (memory-host.ts starts it): runs one memory job at a time,
 * the forward over the window and then the exact block backward from the cursor back, posting the
 * figures of the steps done (the nearest first) every few tens of milliseconds, so that the main
 * thread only draws and answers keys. A job whose id is no longer the one wanted (the shared cancel
 * word) stops at its next step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { kernelVariant, useKernelVariant } from '../engine/fast/kernels.js';
import { memorySquares } from '../engine/index.js';
import { forwardFor } from '../engine/memory.js';
import type { MemoryJobMessage, MemoryWorkerData, MemoryWorkerReply } from './memory-host.js';

/** How often progress is posted. */
const POST_MS = 50;

const data = workerData as MemoryWorkerData;
if (data.kernelVariant !== null && kernelVariant() !== data.kernelVariant) useKernelVariant(data.kernelVariant);
const net = data.network;

function post(msg: MemoryWorkerReply): void {
  parentPort!.postMessage(msg);
}

function run(job: MemoryJobMessage): void {
  const wanted = (): boolean => Atomics.load(data.cancel, 0) === job.id;
  if (!wanted()) return;
  const T = job.xs.length;
  // The forward on the fast engine where it covers the network: its records differ from the
  // float64 run's by float32 rounding, far below what a log-scale bar shows.
  const steps = forwardFor(net, job.xs, job.init, 'fast');
  const sq = { x2: new Float64Array(T), h2: new Float64Array(T), c2: new Float64Array(T) };
  let last = -Infinity;
  let stopped = false;
  memorySquares(net, job.xs, steps, job.init, job.dir, 0, job.units, sq, 'fast', (done) => {
    if (!wanted()) {
      stopped = true;
      return true;
    }
    const now = performance.now();
    if (done === 1 || now - last >= POST_MS) {
      last = now;
      post({ type: 'progress', id: job.id, done, x2: sq.x2.slice(T - done), h2: sq.h2.slice(T - done), c2: sq.c2.slice(T - done) });
    }
    return false;
  });
  if (!stopped) post({ type: 'done', id: job.id, x2: sq.x2, h2: sq.h2, c2: sq.c2 });
}

parentPort!.on('message', (job: MemoryJobMessage) => {
  try {
    run(job);
  } catch (err) {
    post({ type: 'failed', id: job.id, message: err instanceof Error ? err.message : String(err) });
  }
});
