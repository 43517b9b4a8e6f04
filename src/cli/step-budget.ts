/**
 * `--max-memory`: the bound of the commands that must hold every step of a sequence at once
 * (`run` on a network with a reverse direction, whose step t depends on x[T-1]; `memory`, whose
 * backward pass walks every step's record). Streaming is impossible for them, so they count the
 * steps as they read and refuse, naming the size and this flag, as soon as the steps read so far
 * would need more than the budget: a pipe that never ends (`yes 0.5,0.25 | gatescope memory`) is
 * stopped after a bounded read, never after the machine ran out of memory. A forward-only `run`
 * and `stats` stream and need no budget.
 */
import { cellStateSize, gateCount, type Network } from '../engine/index.js';
import { InputError } from '../io/errors.js';
import { byteSize } from './options.js';

/** 1 GiB. */
export const DEFAULT_MAX_MEMORY = 2 ** 30;

/** A typed array's object, its buffer and its backing store: V8's overhead besides the data. */
const ARRAY_OVERHEAD = 200;

/**
 * Bytes one held step costs, as measured (RSS over 150,000 steps, H=256): the engine's float64
 * record of every layer and direction (gates, pre-activations, the cell state, h), the output row y, the input
 * row and its record, plus, for `run`, the WebAssembly runner's float32 copy of the same.
 */
export function bytesPerHeldStep(net: Network, what: 'run' | 'memory'): number {
  const G = gateCount(net.kind);
  const H = net.hiddenSize;
  const dirs = net.directions.length;
  const L = net.numLayers;
  // the cell state: an LSTM's c, an sLSTM's c, n, m, an mLSTM's n, m and matrices C (H * DH per layer)
  const perRecord = (2 * G * H + H + cellStateSize(net)) * 8 + 4 * ARRAY_OVERHEAD;
  const record = L * dirs * perRecord + dirs * H * 8 + ARRAY_OVERHEAD;
  const input = net.inputSize * 8 * 2 + 3 * ARRAY_OVERHEAD;
  const wasm = what === 'run' ? L * dirs * (2 * G * H + 2 * H) * 4 : 0;
  // memory: the summed squares, the profile's object and its output text per step (measured).
  const profile = what === 'memory' ? 2048 : 0;
  return record + input + wasm + profile;
}

export function formatSize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

export interface StepBudget {
  /** Call with the number of steps held after taking one more (read at `line` of the input). */
  take(steps: number, line: number): void;
}

/**
 * A counter of held steps against `--max-memory` (default 1 GiB). `what` names the command in the
 * message: `memory holds every step: 52,000 steps of 20 KiB pass --max-memory 1.0 GiB`.
 */
export function stepBudget(nets: readonly Network[], flag: string | undefined, what: 'run' | 'memory', source: string, reason?: string): StepBudget {
  const limit = byteSize('max-memory', flag) ?? DEFAULT_MAX_MEMORY;
  const per = Math.max(...nets.map((n) => bytesPerHeldStep(n, what)));
  const most = Math.max(1, Math.floor(limit / per));
  const why = reason ?? (what === 'run' ? 'a network with a reverse direction holds every step' : 'memory holds every step');
  return {
    take(steps, line) {
      if (steps <= most) return;
      throw new InputError(
        `${why}: more than ${most} steps of ${formatSize(per)} each need more than --max-memory ${formatSize(limit)}`,
        {
          source,
          line,
          hint: `raise it, e.g. --max-memory ${Math.ceil((limit * 4) / 2 ** 30)}G, or cut the input${what === 'run' ? '; gatescope stats streams any length' : ''}`,
        },
      );
    },
  };
}

/** The yargs option, shared by run and memory. */
export const MAX_MEMORY_OPTION = {
  type: 'string',
  describe: 'refuse an input whose steps, all held at once, would need more memory than this (e.g. 4G) [default: 1G]',
} as const;
