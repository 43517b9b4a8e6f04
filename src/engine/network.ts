/**
 * Stacked layers and directions over a sequence, exactly as nn.LSTM / nn.GRU / nn.RNN:
 * layer k > 0 takes the previous layer's [forward h | reverse h] at the same t, and the reverse
 * direction's state at t is the one after it has consumed x[T-1] ... x[t].
 */
import { gruStep } from './cells/gru.js';
import { minScanDirection, minStep } from './cells/min.js';
import { lstmStep } from './cells/lstm.js';
import { rnnStep } from './cells/rnn.js';
import { mlstmCellStep, slstmCellStep } from './cells/xlstm.js';
import { cellLabel, cellStateSize, expectedShapes, gateCount, isMinCell, layerInputSize, numHeadsOf, outputSize, projSizeOf, tensorName } from './shapes.js';
import type { DirectionParams, InitialState, Network, NetworkStep, StepRecord } from './types.js';

/**
 * Called right after a cell wrote step t's record (row t of the run) of layer k, direction d, from
 * its input and previous state: the hook interventions (intervene.ts) edit the record through.
 */
export type AfterCell = (k: number, d: number, t: number, x: ArrayLike<number>, hPrev: Float64Array, cPrev: Float64Array | null, rec: StepRecord) => void;

/** A network whose parameters or inputs do not have the shapes its spec says. */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly tensor?: string,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

/**
 * A run too large for the engine to hold (WebAssembly's 4 GiB): bad data for its size, not a bug.
 * `bytes` is what it would have needed.
 */
export class CapacityError extends Error {
  constructor(
    message: string,
    readonly bytes: number,
  ) {
    super(message);
    this.name = 'CapacityError';
  }
}

/** Fresh zeroed buffers for one direction's step; hOut: the width of h (P when projected). */
export function allocStepRecord(kind: Network['kind'], hiddenSize: number, hOut = hiddenSize, numHeads = 1): StepRecord {
  const gh = gateCount(kind) * hiddenSize;
  const S = cellStateSize({ kind, hiddenSize, numHeads });
  return {
    gates: new Float64Array(gh),
    pre: new Float64Array(gh),
    c: S > 0 ? new Float64Array(S) : null,
    h: new Float64Array(hOut),
  };
}

/** A deep copy of a step (the stepper reuses its buffers). */
export function cloneStep(step: NetworkStep): NetworkStep {
  return {
    layers: step.layers.map((dirs) =>
      dirs.map((r) => ({
        gates: r.gates.slice(),
        pre: r.pre.slice(),
        c: r.c === null ? null : r.c.slice(),
        h: r.h.slice(),
      })),
    ),
    y: step.y.slice(),
  };
}

/** Checks every parameter array against the spec; throws ShapeError naming the tensor. */
export function validateNetwork(net: Network): void {
  if (net.layers.length !== net.numLayers) {
    throw new ShapeError(`expected ${net.numLayers} layers, got ${net.layers.length}`);
  }
  const P = net.projSize ?? 0;
  if (isMinCell(net.kind) && net.clip != null) {
    throw new ShapeError(`clip ${net.clip}: ONNX's clip belongs to its LSTM/GRU/RNN nodes, a ${net.kind === 'mingru' ? 'minGRU' : 'minLSTM'} has none`);
  }
  if (net.kind === 'slstm' || net.kind === 'mlstm') {
    const NH = numHeadsOf(net);
    const label = cellLabel(net.kind);
    if (!Number.isInteger(NH) || NH < 1 || net.hiddenSize % NH !== 0) {
      throw new ShapeError(`numHeads ${NH}: an ${label}'s heads must divide its hidden size ${net.hiddenSize}`);
    }
    if (net.clip != null) throw new ShapeError(`clip ${net.clip}: ONNX's clip belongs to its LSTM/GRU/RNN nodes, an ${label} has none`);
  } else if (net.numHeads != null && net.numHeads !== 1) {
    throw new ShapeError(`numHeads ${net.numHeads}: only an sLSTM or mLSTM has heads, not a ${cellLabel(net.kind)}`);
  }
  if (P !== 0) {
    if (net.kind !== 'lstm') throw new ShapeError(`projSize ${P}: only an LSTM projects its hidden state`);
    if (!Number.isInteger(P) || P < 0 || P >= net.hiddenSize) {
      throw new ShapeError(`projSize ${P}: expected an integer in 1..${net.hiddenSize - 1} (below the hidden size, as PyTorch requires)`);
    }
  }
  const shapes = expectedShapes(net);
  const check = (name: string, arr: Float32Array | null, present: boolean): void => {
    const shape = shapes.get(name);
    if (!present) return;
    const n = shape === undefined ? 0 : shape.reduce((a, b) => a * b, 1);
    if (arr === null || arr.length !== n) {
      throw new ShapeError(
        `${name}: expected ${n} values [${shape?.join(', ')}], got ${arr === null ? 'none' : arr.length}`,
        name,
      );
    }
  };
  for (let k = 0; k < net.numLayers; k++) {
    const dirs = net.layers[k]!;
    if (dirs.length !== net.directions.length) {
      throw new ShapeError(`layer ${k}: expected ${net.directions.length} directions, got ${dirs.length}`);
    }
    net.directions.forEach((dir, d) => {
      const p = dirs[d]!;
      if (p.hiddenSize !== net.hiddenSize || p.inputSize !== layerInputSize(net, k)) {
        throw new ShapeError(
          `layer ${k} ${dir}: expected input ${layerInputSize(net, k)} hidden ${net.hiddenSize}, got input ${p.inputSize} hidden ${p.hiddenSize}`,
        );
      }
      check(tensorName('weight_ih', k, dir), p.wIh, true);
      check(tensorName('bias_ih', k, dir), p.bIh, net.bias);
      if (isMinCell(net.kind)) {
        // no recurrent weights at all: a minimal cell's gates see x only
        if (p.wHh.length !== 0 || p.bHh !== null || p.peephole != null) {
          throw new ShapeError(`${tensorName('weight_hh', k, dir)}: a ${net.kind === 'mingru' ? 'minGRU' : 'minLSTM'} has no recurrent weights`, tensorName('weight_hh', k, dir));
        }
      } else if (net.kind === 'mlstm') {
        // no recurrence on h: an mLSTM's memory is its matrix C
        if (p.wHh.length !== 0 || p.bHh !== null || p.peephole != null) {
          throw new ShapeError(`${tensorName('weight_hh', k, dir)}: an mLSTM has no recurrent weights (its memory is the matrix C)`, tensorName('weight_hh', k, dir));
        }
      } else if (net.kind === 'slstm') {
        check(tensorName('weight_hh', k, dir), p.wHh, true);
        if (p.bHh !== null || p.peephole != null) {
          throw new ShapeError(`${tensorName('bias_hh', k, dir)}: an sLSTM has one bias (bias_ih) and no peepholes`, tensorName('bias_hh', k, dir));
        }
      } else {
        check(tensorName('weight_hh', k, dir), p.wHh, true);
        check(tensorName('bias_hh', k, dir), p.bHh, net.bias);
      }
      if (projSizeOf(net) > 0) check(tensorName('weight_hr', k, dir), p.wHr ?? null, true);
      else if (p.wHr != null) throw new ShapeError(`${tensorName('weight_hr', k, dir)}: a projection in a network without projSize`, tensorName('weight_hr', k, dir));
      if (p.peephole != null && p.peephole.length !== 3 * net.hiddenSize) {
        throw new ShapeError(`peephole l${k} ${dir}: expected ${3 * net.hiddenSize} values, got ${p.peephole.length}`);
      }
    });
  }
}

/**
 * Row (layer, d) of init's h0 or c0 as a new array, zeros when absent; ShapeError on a wrong shape.
 * h0 rows are Hout wide (P for a projected LSTM), c0 rows S (cellStateSize: H for an LSTM, 3H
 * c, n, m for an sLSTM).
 */
export function initialRow(
  net: Network,
  init: InitialState | undefined,
  which: 'h0' | 'c0',
  layer: number,
  d: number,
): Float64Array {
  const H = which === 'h0' ? outputSize(net) : cellStateSize(net) || net.hiddenSize;
  const out = new Float64Array(H);
  const rows = init?.[which];
  if (rows == null) return out;
  const dirs = net.directions.length;
  const expectedRows = net.numLayers * dirs;
  if (rows.length !== expectedRows) {
    throw new ShapeError(`${which}: expected ${expectedRows} rows [layers*directions], got ${rows.length}`, which);
  }
  const row = rows[layer * dirs + d]!;
  if (row.length !== H) {
    const what =
      which === 'c0' && net.kind === 'slstm'
        ? ` (an sLSTM's c, n, m: 3 x ${net.hiddenSize})`
        : which === 'c0' && net.kind === 'mlstm'
          ? ` (an mLSTM's n (${net.hiddenSize}), m (${numHeadsOf(net)}) and C (${numHeadsOf(net)} x ${net.hiddenSize / numHeadsOf(net)} x ${net.hiddenSize / numHeadsOf(net)}))`
          : '';
    throw new ShapeError(`${which}[${layer * dirs + d}]: expected ${H} values${what}, got ${row.length}`, which);
  }
  for (let k = 0; k < H; k++) out[k] = row[k]!;
  return out;
}

/** Runs one cell tick of any kind. */
export function cellStep(
  net: Network,
  p: DirectionParams,
  x: ArrayLike<number>,
  hPrev: Float64Array,
  cPrev: Float64Array | null,
  scratch: Float64Array,
  out: StepRecord,
): void {
  const clip = net.clip ?? null;
  switch (net.kind) {
    case 'lstm':
      lstmStep(p, clip, x, hPrev, cPrev!, out, scratch);
      return;
    case 'gru':
      gruStep(p, clip, net.linearBeforeReset ?? true, x, hPrev, scratch, out);
      return;
    case 'rnn_tanh':
      rnnStep(p, clip, 'tanh', x, hPrev, out);
      return;
    case 'rnn_relu':
      rnnStep(p, clip, 'relu', x, hPrev, out);
      return;
    case 'mingru':
    case 'minlstm':
      minStep(net.kind, p, x, hPrev, out);
      return;
    case 'slstm':
      slstmCellStep(p, numHeadsOf(net), x, hPrev, cPrev!, out);
      return;
    case 'mlstm':
      mlstmCellStep(p, numHeadsOf(net), x, cPrev!, out, scratch);
      return;
  }
}

function checkInput(net: Network, x: ArrayLike<number>, t: number): void {
  if (x.length !== net.inputSize) {
    throw new ShapeError(`input at t=${t}: expected ${net.inputSize} features, got ${x.length}`);
  }
}

/** Fresh buffers for one step of every layer and direction. */
export function allocNetworkStep(net: Network): NetworkStep {
  const hOut = outputSize(net);
  return {
    layers: Array.from({ length: net.numLayers }, () =>
      net.directions.map(() => allocStepRecord(net.kind, net.hiddenSize, hOut, numHeadsOf(net))),
    ),
    y: new Float64Array(hOut * net.directions.length),
  };
}

/** Steps a forward-only network one input at a time (streaming). */
export interface Stepper {
  /** Steps taken so far. */
  readonly t: number;
  /**
   * Consumes x_t and returns what every layer computed. The returned buffers are reused:
   * they stay valid until the next call; `cloneStep` keeps a copy.
   */
  step(x: ArrayLike<number>): NetworkStep;
}

/**
 * A streaming stepper. Only for networks whose directions are ['forward']: a reverse direction
 * needs the whole sequence (use runSequence).
 */
export function createStepper(net: Network, init?: InitialState): Stepper {
  validateNetwork(net);
  if (net.directions.length !== 1 || net.directions[0] !== 'forward') {
    throw new ShapeError('a streaming stepper needs a forward-only network; use runSequence for reverse directions');
  }
  const L = net.numLayers;
  const H = net.hiddenSize;
  // Double buffer: step t writes into bufs[t % 2] and reads h/c from the other.
  const bufs = [allocNetworkStep(net), allocNetworkStep(net)] as const;
  const h0 = Array.from({ length: L }, (_, k) => initialRow(net, init, 'h0', k, 0));
  const c0 = Array.from({ length: L }, (_, k) => initialRow(net, init, 'c0', k, 0));
  const scratch = new Float64Array(3 * H);
  let t = 0;
  return {
    get t() {
      return t;
    },
    step(x) {
      checkInput(net, x, t);
      const out = bufs[t % 2]!;
      const prev = t === 0 ? null : bufs[(t + 1) % 2]!;
      let input: ArrayLike<number> = x;
      for (let k = 0; k < L; k++) {
        const rec = out.layers[k]![0]!;
        const prevRec = prev?.layers[k]![0];
        const hPrev = prevRec ? prevRec.h : h0[k]!;
        const cPrev = prevRec ? prevRec.c : c0[k]!;
        cellStep(net, net.layers[k]![0]!, input, hPrev, cPrev, scratch, rec);
        input = rec.h;
      }
      out.y.set(out.layers[L - 1]![0]!.h);
      t++;
      return out;
    },
  };
}

/**
 * Runs direction d of layer k over the records steps[0..T) (a reverse direction from T-1 down) from
 * the state h0, c0, writing each step's record: layer 0 reads xAt(t), a layer above the records of
 * the layer below ([forward h | reverse h], which must be written). Returns the state after the
 * walk (h0, c0 themselves when T = 0). scratch: (3H); layerInput: (dirs * Hout) work space.
 */
export function runDirection(
  net: Network,
  k: number,
  d: number,
  steps: readonly NetworkStep[],
  T: number,
  xAt: (t: number) => ArrayLike<number>,
  h0: Float64Array,
  c0: Float64Array | null,
  scratch: Float64Array,
  layerInput: Float64Array,
  after?: AfterCell,
): { h: Float64Array; c: Float64Array | null } {
  return toEnd(runDirectionSteps(net, k, d, steps, T, xAt, h0, c0, scratch, layerInput, after));
}

/**
 * Runs a generator of the `...Steps` kind to its end and returns its result. Those generators
 * yield after every time step, so that a caller with a clock can pause long work between steps
 * (train's Ctrl-C is heard within a step, not at the end of an epoch); the plain functions run
 * them through this at once.
 */
export function toEnd<R>(gen: Generator<void, R>): R {
  for (;;) {
    const r = gen.next();
    if (r.done === true) return r.value;
  }
}

/** runDirection, yielding after each step. */
export function* runDirectionSteps(
  net: Network,
  k: number,
  d: number,
  steps: readonly NetworkStep[],
  T: number,
  xAt: (t: number) => ArrayLike<number>,
  h0: Float64Array,
  c0: Float64Array | null,
  scratch: Float64Array,
  layerInput: Float64Array,
  after?: AfterCell,
): Generator<void, { h: Float64Array; c: Float64Array | null }> {
  const H = outputSize(net);
  const dirs = net.directions.length;
  const reverse = net.directions[d] === 'reverse';
  const p = net.layers[k]![d]!;
  let hPrev = h0;
  let cPrev = c0;
  for (let n = 0; n < T; n++) {
    const t = reverse ? T - 1 - n : n;
    let input: ArrayLike<number>;
    if (k === 0) {
      input = xAt(t);
    } else {
      const below = steps[t]!.layers[k - 1]!;
      for (let e = 0; e < dirs; e++) layerInput.set(below[e]!.h, e * H);
      input = layerInput;
    }
    const rec = steps[t]!.layers[k]![d]!;
    cellStep(net, p, input, hPrev, cPrev, scratch, rec);
    after?.(k, d, t, input, hPrev, cPrev, rec);
    hPrev = rec.h;
    cPrev = rec.c;
    yield;
  }
  return { h: hPrev, c: cPrev };
}

/**
 * A minimal cell's direction d of layer k over all T steps by the log-space scan, writing the same
 * records runDirection would (layer k > 0 reads the records of the layer below).
 */
function scanDirection(
  net: Network,
  k: number,
  d: number,
  steps: readonly NetworkStep[],
  T: number,
  xAt: (t: number) => ArrayLike<number>,
  h0: Float64Array,
  layerInput: Float64Array,
): void {
  const Hh = outputSize(net);
  const dirs = net.directions.length;
  const reverse = net.directions[d] === 'reverse';
  const tOf = (n: number): number => (reverse ? T - 1 - n : n);
  const inputAt = (n: number): ArrayLike<number> => {
    const t = tOf(n);
    if (k === 0) return xAt(t);
    const below = steps[t]!.layers[k - 1]!;
    for (let e = 0; e < dirs; e++) layerInput.set(below[e]!.h, e * Hh);
    return layerInput;
  };
  const recs = Array.from({ length: T }, (_, n) => steps[tOf(n)]!.layers[k]![d]!);
  minScanDirection(net.kind as 'mingru' | 'minlstm', net.layers[k]![d]!, T, inputAt, h0, recs);
}

/**
 * Runs the whole sequence through every layer and direction and returns one record per step.
 *   xs: (T, D)
 */
export function runSequence(net: Network, xs: readonly ArrayLike<number>[], init?: InitialState): NetworkStep[] {
  return toEnd(runSequenceSteps(net, xs, init));
}

/** runSequence, yielding after each step of each layer and direction (see toEnd). */
export function* runSequenceSteps(net: Network, xs: readonly ArrayLike<number>[], init?: InitialState): Generator<void, NetworkStep[]> {
  validateNetwork(net);
  const T = xs.length;
  const L = net.numLayers;
  const H = net.hiddenSize;
  const dirs = net.directions.length;
  xs.forEach((x, t) => checkInput(net, x, t));
  const steps = Array.from({ length: T }, () => allocNetworkStep(net));
  const scratch = new Float64Array(3 * H);
  const hOut = outputSize(net);
  const layerInput = new Float64Array(hOut * dirs);
  const xAt = (t: number): ArrayLike<number> => xs[t]!;
  for (let k = 0; k < L; k++) {
    for (let d = 0; d < dirs; d++) {
      const h0 = initialRow(net, init, 'h0', k, d);
      if (isMinCell(net.kind)) {
        // the whole sequence at once: the log-space scan (cells/min.ts), equal to stepping to rounding
        scanDirection(net, k, d, steps, T, xAt, h0, layerInput);
        yield;
        continue;
      }
      const c0 = cellStateSize(net) > 0 ? initialRow(net, init, 'c0', k, d) : null;
      yield* runDirectionSteps(net, k, d, steps, T, xAt, h0, c0, scratch, layerInput);
    }
  }
  for (const step of steps) {
    const last = step.layers[L - 1]!;
    for (let d = 0; d < dirs; d++) step.y.set(last[d]!.h, d * hOut);
  }
  return steps;
}

/** Final states (h_n, c_n) in PyTorch's row order, from a finished run (an sLSTM's c_n rows: c, n, m). */
export function finalStates(net: Network, steps: readonly NetworkStep[]): { hN: Float64Array[]; cN: Float64Array[] | null } {
  const T = steps.length;
  const hN: Float64Array[] = [];
  const cN: Float64Array[] = [];
  for (let k = 0; k < net.numLayers; k++) {
    net.directions.forEach((dir, d) => {
      const rec = steps[dir === 'reverse' ? 0 : T - 1]!.layers[k]![d]!;
      hN.push(rec.h);
      if (rec.c !== null) cN.push(rec.c);
    });
  }
  return { hN, cN: cellStateSize(net) > 0 ? cN : null };
}
