/**
 * The split stepper's worker thread (split-stepper.ts): computes the second half of every layer's
 * units on the memory it shares with the main thread, one request at a time, spinning for the
 * next request for a little while and then sleeping until it is woken.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachKernels } from '../engine/fast/kernels.js';
import { LstmStepPlan } from '../engine/fast/step-plan.js';
import { FLAG, FLAG_BYTES, SPIN_MS, STOP, type SplitWorkerData, type SplitWorkerMessage } from './split-stepper.js';

function post(msg: SplitWorkerMessage): void {
  parentPort!.postMessage(msg);
}

function serve(data: SplitWorkerData): void {
  const plan = new LstmStepPlan(data.network, 2, FLAG_BYTES);
  const mem = attachKernels(data.module, data.memory);
  const flags = new Int32Array(mem.buffer, plan.extra, FLAG_BYTES / 4);
  let last = Atomics.load(flags, FLAG.go);
  post({ type: 'ready' });
  for (;;) {
    let request = Atomics.load(flags, FLAG.go);
    if (request === last) {
      // spin a while: the next step of a burst comes within microseconds
      const until = performance.now() + SPIN_MS;
      for (let spins = 1; request === last; spins++) {
        if (spins % 1024 === 0 && performance.now() > until) {
          // then sleep; the main thread wakes a sleeper after its request is stored
          Atomics.store(flags, FLAG.sleeping, 1);
          while ((request = Atomics.load(flags, FLAG.go)) === last) Atomics.wait(flags, FLAG.go, last);
          Atomics.store(flags, FLAG.sleeping, 0);
          break;
        }
        request = Atomics.load(flags, FLAG.go);
      }
    }
    if (request === STOP) return;
    last = request;
    plan.runPart(mem, flags[FLAG.t]!, flags[FLAG.k]!, 1);
    Atomics.store(flags, FLAG.done, request);
  }
}

try {
  serve(workerData as SplitWorkerData);
} catch (err) {
  post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
}
