/**
 * Which block runner runs (runner.ts: the contract): the fast one where WebAssembly SIMD runs and
 * covers the network, else the reference; and how many steps a block holds.
 */
import { fastAvailable, fastCovers } from './fast/kernels.js';
import { FastBlockEngine } from './fast/block-runner.js';
import { chunkSteps } from './fast/sequence.js';
import { cloneStep, validateNetwork } from './network.js';
import { ReferenceBlockEngine, runAll, StepQueue, type BlockEngine, type EngineKind } from './runner.js';
import { flopsPerStep, gateCount } from './shapes.js';
import type { Intervention } from './intervene.js';
import type { InitialState, Network, NetworkStep } from './types.js';

/**
 * The engine that runs when `prefer` is asked for: the fast one only where WebAssembly SIMD runs,
 * and never for a network the kernels do not cover (fastCovers: a projected LSTM, minGRU, minLSTM).
 */
export function engineKindFor(prefer: EngineKind, net?: Network): EngineKind {
  return prefer === 'fast' && (net === undefined ? fastAvailable() : fastCovers(net)) ? 'fast' : 'reference';
}

/**
 * The engine for blocks of `blockSteps` steps: the fast one where WebAssembly SIMD runs, unless the
 * reference is asked for. A reverse direction walks a block backwards in one run, so a network
 * with one runs whole blocks; forward-only runs use cache-sized chunks.
 */
export function createBlockEngine(
  net: Network,
  init: InitialState | undefined,
  blockSteps: number,
  prefer: EngineKind = 'fast',
  interventions: readonly Intervention[] = [],
): BlockEngine {
  const forwardOnly = net.directions.every((d) => d === 'forward');
  const capacity = forwardOnly ? runCapacity(net, blockSteps) : blockSteps;
  // interventions edit each step's record between the cells: the reference runner's hook
  if (interventions.length === 0 && engineKindFor(prefer, net) === 'fast') return new FastBlockEngine(net, init, capacity);
  return new ReferenceBlockEngine(net, init, capacity, interventions);
}

/** Bytes of saved state per step at most, whatever H: 64 MB of states for a million steps. */
const STATE_BYTES_PER_STEP = 64;

/**
 * Steps between saved states: as many as the engine recomputes in about 2 ms, a power of two from
 * 16 to 1024, but enough that the states stay within STATE_BYTES_PER_STEP. A jump recomputes one
 * or two blocks (the cursor's and the timeline's), and while a background pass shares the cores
 * each takes two to three times as long: measured on 1M steps at H=64, 8 ms blocks (K=1024) made
 * a jump while the pass ran take 44 ms (p50), 2 ms blocks (K=256) 30 ms, with 2 MB of states.
 */
export function defaultBlockSteps(net: Network, kind: EngineKind): number {
  const flopsPerSecond = kind === 'fast' ? 12e9 : 1e9;
  // reading a step back out (every state and pre-activation) costs about as much as 2 ns a value
  const G = gateCount(net.kind);
  const values = net.numLayers * net.directions.length * (2 * G + 2) * net.hiddenSize;
  const perStep = flopsPerStep(net) / flopsPerSecond + values * 2e-9;
  const byTime = 2 ** Math.floor(Math.log2(Math.max(1, 2e-3 / perStep)));
  const stateBytes = net.numLayers * net.directions.length * (net.kind === 'lstm' ? 2 : 1) * net.hiddenSize * (kind === 'fast' ? 4 : 8);
  const byMemory = 2 ** Math.ceil(Math.log2(Math.max(1, stateBytes / STATE_BYTES_PER_STEP)));
  return Math.max(16, Math.min(1024, Math.max(byTime, byMemory)));
}

/** Rows per engine run: the fast engine's cache-friendly chunk, at most a block. */
function runCapacity(net: Network, blockSteps: number): number {
  return Math.max(1, Math.min(blockSteps, chunkSteps(net)));
}

/**
 * A whole sequence on the runner `prefer` asks for (the reference one for interventions), every
 * step kept: what `run`, `track` and the tests read when they need all of them at once.
 *   xs: (T, D)
 */
export function runSequenceOn(
  net: Network,
  xs: readonly ArrayLike<number>[],
  init?: InitialState,
  prefer: EngineKind = 'fast',
  interventions: readonly Intervention[] = [],
): NetworkStep[] {
  validateNetwork(net);
  const steps: NetworkStep[] = [];
  if (xs.length === 0) return steps;
  const engine = createBlockEngine(net, init, xs.length, prefer, interventions);
  runAll(engine, xs, (s) => steps.push(cloneStep(s)));
  return steps;
}

/**
 * A step queue for a forward-only stream (runner.ts StepQueue), in runs of cache-sized chunks or
 * of at most `rows` steps (a stream that writes each step keeps that many in flight).
 */
export function createStepQueue(net: Network, init?: InitialState, prefer: EngineKind = 'fast', rows = Infinity): StepQueue {
  validateNetwork(net);
  return new StepQueue(createBlockEngine(net, init, Math.max(1, Math.min(rows, chunkSteps(net))), prefer));
}
