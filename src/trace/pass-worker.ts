/**
 * The worker thread that runs a full pass (pass.ts) over an input the main thread shares with it,
 * and posts its progress (checkpoints, ranges, steps complete) every few tens of milliseconds, so
 * that the main thread only draws and answers keys. Started by pass-host.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { kernelVariant, useKernelVariant } from '../engine/fast/kernels.js';
import { createBlockEngine } from '../engine/choose-runner.js';
import { npyRows } from '../io/npy-rows.js';
import { SequencePass } from './pass.js';
import type { PassWorkerData, WorkerMessage } from './pass-host.js';
import { StepRows } from './step-rows.js';

/** How often progress is posted. */
const POST_MS = 40;

function post(msg: WorkerMessage): void {
  parentPort!.postMessage(msg);
}

function run(data: PassWorkerData): void {
  if (data.engine === 'fast' && data.kernelVariant !== null && kernelVariant() !== data.kernelVariant) useKernelVariant(data.kernelVariant);
  const net = data.network;
  const engine = createBlockEngine(net, data.init, data.blockSteps, data.engine, data.interventions);
  // The checkpoints must come from the same arithmetic as the main thread's recomputation.
  if (engine.kind !== data.engine || (engine.kind === 'fast' && kernelVariant() !== data.kernelVariant)) {
    post({ type: 'fatal', message: `the worker runs the ${engine.kind} engine (${kernelVariant() ?? 'no SIMD'}), the viewer ${data.engine} (${data.kernelVariant ?? 'no SIMD'})` });
    return;
  }
  const rows = npyRows(data.job.bytes, data.job.source, data.job.options);
  const pass = new SequencePass({ engine, rows: new StepRows(net, data.head), length: rows.length, blockSteps: data.blockSteps, read: rows.read });
  let last = performance.now();
  while (pass.next()) {
    const now = performance.now();
    if (now - last >= POST_MS) {
      post({ type: 'update', update: pass.update() });
      last = now;
    }
  }
  post({ type: 'update', update: pass.update() });
}

try {
  run(workerData as PassWorkerData);
} catch (err) {
  post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
}
