/**
 * Statistics of a whole sequence (stats.ts), its inputs pushed a step or a block of rows at a
 * time. A forward-only network streams through the block runner (runner.ts) in constant memory:
 * each run's states are added from the runner's own buffers (the fast runner's kernels read its
 * float32 buffers), so no step is copied out and the figures are those of the steps `run` and the
 * viewer show, bit for bit. A network with a reverse direction needs the whole input first: the
 * fast engine then runs layer by layer (fast/fast-stats.ts layerwiseStats, which keeps one
 * layer's h where a runner would hold every step's gates), the reference runner the whole run.
 */
import { createBlockEngine, engineKindFor } from './choose-runner.js';
import { BLOCK_ROWS, layerwiseStats } from './fast/fast-stats.js';
import { chunkSteps } from './fast/sequence.js';
import { ShapeError, validateNetwork } from './network.js';
import type { BlockEngine, EngineKind } from './runner.js';
import { allViews } from './runner.js';
import type { SequenceStats } from './stats.js';
import type { InitialState, Network } from './types.js';

/** Feeds a sequence step by step; finish() gives its statistics. */
export interface StatsSession {
  /** Steps pushed so far. */
  readonly t: number;
  /** Consumes x_t (D values). */
  push(x: ArrayLike<number>): void;
  /** Consumes n steps at once: rows of D values, packed (n x D) from the start of xs. */
  pushRows(xs: Float32Array, n: number): void;
  /** Runs whatever is pending and returns the statistics. The session is done after this. */
  finish(): SequenceStats;
}

/**
 * A statistics session over a network on the engine `prefer` asks for (engineKindFor): push each
 * step's input, then finish(). Throws ShapeError for a network or initial state whose shapes are
 * wrong, or an input of the wrong width.
 */
export function createStatsSession(net: Network, init?: InitialState, prefer: EngineKind = 'fast'): StatsSession {
  validateNetwork(net);
  const forward = net.directions.every((d) => d === 'forward');
  if (forward) return runnerSession(createBlockEngine(net, init, chunkSteps(net), prefer));
  // the runner checks the initial state as it is made: a whole-sequence session makes it at the end
  createBlockEngine(net, init, 1, 'reference');
  return engineKindFor(prefer, net) === 'fast' ? layerwiseSession(net, init) : wholeReferenceSession(net, init);
}

/** n rows of D values at the start of `rows`, from step t on. */
function checkRows(net: Network, rows: Float32Array, n: number, t: number): void {
  if (!Number.isInteger(n) || n < 0 || rows.length < n * net.inputSize) {
    throw new ShapeError(`inputs at t=${t}: expected ${n} rows of ${net.inputSize} features, got ${rows.length} values`);
  }
}

function checkInput(net: Network, x: ArrayLike<number>, t: number): void {
  if (x.length !== net.inputSize) {
    throw new ShapeError(`input at t=${t}: expected ${net.inputSize} features, got ${x.length}`);
  }
}

/** A forward-only network: runs of the runner's capacity through every layer, their statistics after each. */
function runnerSession(engine: BlockEngine): StatsSession {
  const net = engine.network;
  const views = allViews(net);
  const cap = engine.capacity;
  const D = net.inputSize;
  let pending = 0;
  let t = 0;
  const flush = (): void => {
    if (pending === 0) return;
    engine.run(pending, views, t - pending);
    engine.accumulate(pending);
    pending = 0;
  };
  return {
    get t() {
      return t;
    },
    push(x) {
      checkInput(net, x, t);
      engine.setInput(pending, x);
      pending++;
      t++;
      if (pending === cap) flush();
    },
    pushRows(rows, n) {
      checkRows(net, rows, n, t);
      // straight into the runner's input rows, as many as fit before each run
      for (let i = 0; i < n; ) {
        const m = Math.min(n - i, cap - pending);
        engine.setRows(pending, rows.subarray(i * D, (i + m) * D), m);
        pending += m;
        t += m;
        i += m;
        if (pending === cap) flush();
      }
    },
    finish() {
      flush();
      return engine.statistics();
    },
  };
}

/** The inputs of a whole sequence, kept in BLOCK_ROWS-row float32 blocks (or float64 rows for the reference engine). */
function collector(net: Network): { push(x: ArrayLike<number>): void; pushRows(rows: Float32Array, n: number): void; readonly t: number; blocks: Float32Array[] } {
  const D = net.inputSize;
  const blocks: Float32Array[] = [];
  let t = 0;
  return {
    blocks,
    get t() {
      return t;
    },
    push(x) {
      checkInput(net, x, t);
      const row = t % BLOCK_ROWS;
      if (row === 0) blocks.push(new Float32Array(BLOCK_ROWS * D));
      blocks[blocks.length - 1]!.set(x, row * D);
      t++;
    },
    pushRows(rows, n) {
      checkRows(net, rows, n, t);
      for (let i = 0; i < n; i++) this.push(rows.subarray(i * D, (i + 1) * D));
    },
  };
}

/** A network with a reverse direction on the fast engine: collect, then run layer by layer in chunks. */
function layerwiseSession(net: Network, init: InitialState | undefined): StatsSession {
  const c = collector(net);
  return {
    get t() {
      return c.t;
    },
    push: (x) => c.push(x),
    pushRows: (rows, n) => c.pushRows(rows, n),
    finish: () => layerwiseStats(net, init, c.blocks, c.t),
  };
}

/** A network with a reverse direction on the reference engine: collect (float64), then one run of the whole sequence. */
function wholeReferenceSession(net: Network, init: InitialState | undefined): StatsSession {
  const xs: Float64Array[] = [];
  const D = net.inputSize;
  return {
    get t() {
      return xs.length;
    },
    push(x) {
      checkInput(net, x, xs.length);
      xs.push(Float64Array.from(x));
    },
    pushRows(rows, n) {
      checkRows(net, rows, n, xs.length);
      for (let i = 0; i < n; i++) this.push(rows.subarray(i * D, (i + 1) * D));
    },
    finish() {
      const engine = createBlockEngine(net, init, Math.max(1, xs.length), 'reference');
      xs.forEach((x, i) => engine.setInput(i, x));
      engine.run(xs.length, allViews(net), 0);
      engine.accumulate(xs.length);
      return engine.statistics();
    },
  };
}
