/**
 * A forward LSTM stepped one input at a time on two threads: each layer's units are split in two
 * (engine/fast/step-plan.ts), the main thread computes one half while a worker thread computes
 * the other, on one shared WebAssembly memory, and they meet after every layer. A step's matrix
 * is half as big for each core (each keeps its half of the weights in its own cache), so a step
 * takes a little more than half the time, once the handover (~0.1 us: one shared word each way)
 * is paid.
 *
 * The handover spins: a call to step() waits for the worker without leaving JavaScript, so that
 * the answer comes back in the same call, as the one-thread stepper's. The worker spins on the
 * next request for a while after each step (steps come in bursts), then sleeps on Atomics.wait
 * until the next one wakes it: it burns no CPU while a stream is idle, and the first step after a
 * pause pays the wake-up (tens of microseconds).
 *
 * Values are the one-thread stepper's up to float32 rounding (a row's products are summed in a
 * different order when it falls in a narrower panel), within 1e-6 of each other.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { ShapeError, validateNetwork, type Stepper } from '../engine/network.js';
import type { InitialState, Network, NetworkStep } from '../engine/types.js';
import { instantiateKernels, sharedKernelsAvailable, type Kernels, type WasmMemory } from '../engine/fast/kernels.js';
import { checkInitialState } from '../engine/fast/layout.js';
import { LstmStepPlan, stepPlanFits } from '../engine/fast/step-plan.js';

/**
 * The words the two threads share, as Int32Array indices into the plan's extra bytes: what the
 * main thread writes on one cache line (the request with its step and layer, so the worker
 * fetches one line per request), what the worker writes on others.
 */
export const FLAG = {
  /** Request counter from the main thread; STOP ends the worker. */
  go: 0,
  /** The step and layer of the current request. */
  t: 1,
  k: 2,
  /** The last request the worker finished. */
  done: 16,
  /** 1 while the worker sleeps (it must be woken with Atomics.notify on go). */
  sleeping: 32,
} as const;
export const FLAG_BYTES = 256;
export const STOP = -1;

/** How long the worker spins for the next request before it sleeps. */
export const SPIN_MS = 2;
/** How long step() waits for the worker before it gives up. */
const ANSWER_MS = 10_000;

export interface SplitWorkerData {
  readonly network: Network;
  readonly module: object;
  readonly memory: WasmMemory;
}

export type SplitWorkerMessage = { readonly type: 'ready' } | { readonly type: 'fatal'; readonly message: string };

/** A stepper on two threads: close() ends the worker (a closed stepper refuses to step). */
export interface SplitStepper extends Stepper {
  close(): Promise<void>;
}

export interface SplitStepperOptions {
  /** The worker script (default: split-worker.js beside this module). */
  readonly workerUrl?: URL;
}

let compiled = false;

/**
 * Compiles the shared-memory kernels (once) with V8's dynamic tiering off, so straight to
 * optimised code. Measured on Node 20: with dynamic tiering, a module instantiated in two threads
 * ran every step about 1.5x slower in both (as if it stayed on the baseline tier), and the split
 * was no faster than one thread; compiled this way it is about 1.5x faster than one thread at
 * H = 128. The flag is read when a module is compiled, so it is set back at once (unless the
 * process was started with it) and nothing else compiled in the process is affected.
 */
function compileSharedKernels(): boolean {
  if (compiled) return sharedKernelsAvailable();
  compiled = true;
  const given = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((a) => a.includes('wasm-dynamic-tiering'));
  if (given) return sharedKernelsAvailable();
  setFlagsFromString('--no-wasm-dynamic-tiering');
  try {
    return sharedKernelsAvailable();
  } finally {
    setFlagsFromString('--wasm-dynamic-tiering');
  }
}

/**
 * True where the split stepper can run `net`: a forward-only LSTM, shared-memory kernels, and two
 * cores (on one, each handover would spin until the scheduler switched threads).
 */
export function splitStepperFits(net: Network): boolean {
  return stepPlanFits(net) && availableParallelism() >= 2 && compileSharedKernels();
}

/**
 * createFastStepper on two threads, for forward-only LSTMs (ShapeError for anything else; an
 * Error where WebAssembly SIMD on shared memory is missing). Resolves once the worker is ready.
 */
export async function createSplitStepper(net: Network, init?: InitialState, opts: SplitStepperOptions = {}): Promise<SplitStepper> {
  validateNetwork(net);
  if (!stepPlanFits(net)) throw new ShapeError('the split stepper runs forward-only LSTMs');
  checkInitialState(net, init);
  if (availableParallelism() < 2) throw new Error('the split stepper needs two cores; this machine offers one');
  if (!compileSharedKernels()) throw new Error('the split stepper needs WebAssembly SIMD on shared memory');
  const plan = new LstmStepPlan(net, 2, FLAG_BYTES);
  const mem = instantiateKernels(plan.bytes, true);
  plan.writeWeights(mem);
  plan.reset(mem, init);
  const flags = new Int32Array(mem.buffer, plan.extra, FLAG_BYTES / 4);
  const data: SplitWorkerData = { network: net, module: mem.module, memory: mem.memory };
  const worker = new Worker(opts.workerUrl ?? new URL('./split-worker.js', import.meta.url), { workerData: data });
  await new Promise<void>((resolve, reject) => {
    const fail = (message: string): void => {
      void worker.terminate();
      reject(new Error(`the split stepper's worker thread failed: ${message}`));
    };
    worker.once('message', (msg: SplitWorkerMessage) => (msg.type === 'ready' ? resolve() : fail(msg.message)));
    worker.once('error', (err) => fail(err.message));
    worker.once('exit', (code) => fail(`exited with code ${code}`));
  });
  worker.removeAllListeners();
  let failure: string | null = null;
  worker.on('message', (msg: SplitWorkerMessage) => {
    if (msg.type === 'fatal') failure = msg.message;
  });
  worker.on('error', (err) => (failure = err.message));
  // A stepper nobody closed must not keep the process alive.
  worker.unref();
  return splitStepper(plan, mem, flags, worker, () => failure);
}

function splitStepper(plan: LstmStepPlan, mem: Kernels, flags: Int32Array, worker: Worker, failure: () => string | null): SplitStepper {
  const net = plan.net;
  const L = plan.layers.length;
  const views: NetworkStep = plan.stepViews(mem);
  let t = 0;
  let request = 0;
  let closed: Promise<void> | null = null;

  const ask = (k: number): void => {
    flags[FLAG.t] = t;
    flags[FLAG.k] = k;
    request = request === 0x7fffffff ? 1 : request + 1;
    Atomics.store(flags, FLAG.go, request);
    if (Atomics.load(flags, FLAG.sleeping) === 1) Atomics.notify(flags, FLAG.go);
  };
  const await_ = (): void => {
    let spins = 0;
    let since = 0;
    while (Atomics.load(flags, FLAG.done) !== request) {
      if (++spins % 65536 === 0) {
        const now = performance.now();
        if (since === 0) since = now;
        else if (now - since > ANSWER_MS) throw new Error(`the split stepper's worker thread stopped answering${failure() === null ? '' : `: ${failure()}`}`);
      }
    }
  };

  return {
    get t() {
      return t;
    },
    step(x) {
      if (closed !== null) throw new Error('the split stepper is closed');
      if (x.length !== net.inputSize) throw new ShapeError(`input at t=${t}: expected ${net.inputSize} features, got ${x.length}`);
      plan.setInput(mem, t, x);
      for (let k = 0; k < L; k++) {
        ask(k);
        plan.runPart(mem, t, k, 0);
        await_();
      }
      t++;
      return views;
    },
    close() {
      if (closed === null) {
        Atomics.store(flags, FLAG.go, STOP);
        Atomics.notify(flags, FLAG.go);
        closed = worker.terminate().then(() => undefined);
      }
      return closed;
    },
  };
}
