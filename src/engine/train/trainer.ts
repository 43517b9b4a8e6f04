/**
 * The training loop as a step-wise, seeded API: the caller asks for one batch (or one epoch) at a
 * time and decides when to stop, so a CLI can draw progress and stop on Ctrl-C with the best
 * weights so far.
 *
 * One batch: its examples are walked in windows of `bptt` steps (truncated backpropagation through
 * time). For each window every example of the batch runs forward from the state the previous
 * window left (carried as a value, not differentiated through), the head scores the steps that
 * have targets, gradients flow back within the window, and Adam takes one step on the mean loss of
 * the window after global-norm clipping. Without `bptt` a window is the whole sequence.
 *
 * Reproducible: the network and head come from `seed`, the epoch order from a second stream of the
 * same seed, and the arithmetic is sequential float64, so the same data, options and seed give
 * bit-for-bit the same weights. `engine: 'fast'` trades that for speed: the window's forward on the
 * fast engine and the batch's BPTT in one SIMD block pass (float32 products, whose fused
 * multiply-adds differ between machines).
 */
import { paramGradientsFast } from '../fast/backward.js';
import { runSequenceFast } from '../fast/sequence.js';
import { allocParamGrads, backwardSequence, backwardSequenceSteps } from '../grad/network.js';
import { randomNetwork } from '../init.js';
import { finalStates, runSequenceSteps, toEnd, validateNetwork } from '../network.js';
import { createRng } from '../random.js';
import { gateCount, tensorName } from '../shapes.js';
import type { CellKind, InitialState, NetworkStep } from '../types.js';
import type { Example, LossKind } from './examples.js';
import { headBackward, headForward, headInputSize, randomHead } from '../model.js';
import { argmax, mseLoss, softmaxCrossEntropy } from './loss.js';
import { cloneModel, RNN_PREFIX, type TrainedModel } from './model.js';
import { clipGradNorm, createAdam, gradNorm, makeParam, scaleGrads, zeroGrads, type Param } from './optim.js';

/** A training option that cannot work; `option` names it (`bptt`, `hiddenSize`, ...). */
export class TrainConfigError extends Error {
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message);
    this.name = 'TrainConfigError';
  }
}

export interface TrainerOptions {
  readonly kind: CellKind;
  /** H */
  readonly hiddenSize: number;
  /** L @default 1 */
  readonly numLayers?: number;
  /** @default false */
  readonly bidirectional?: boolean;
  /** @default true */
  readonly bias?: boolean;
  /** NH of an sLSTM or mLSTM (DH = H / NH units per head). @default 1 */
  readonly numHeads?: number;
  readonly loss: LossKind;
  /** O: values predicted per step (`mse`) or classes (`cross_entropy`). */
  readonly outputSize: number;
  /** Adam's learning rate. @default 1e-2 */
  readonly lr?: number;
  /** Global gradient-norm limit; null turns clipping off. @default 1 */
  readonly clipNorm?: number | null;
  /** Truncated BPTT window in steps; null backpropagates through whole sequences. @default null */
  readonly bptt?: number | null;
  /** Examples per batch. @default 16 */
  readonly batchSize?: number;
  /** @default 0 */
  readonly seed?: number;
  /** Shuffle the examples every epoch. @default true */
  readonly shuffle?: boolean;
  /**
   * Added to the LSTM forget gate's input bias after initialisation: a positive value starts the
   * cell remembering (Jozefowicz et al. 2015 use 1). @default 0 (PyTorch's initialisation)
   */
  readonly forgetBias?: number;
  /** Scored after every epoch to choose the best weights; the training examples when absent. */
  readonly validation?: readonly Example[];
  /** Start from these weights instead of a seeded initialisation (copied, never modified). */
  readonly initial?: TrainedModel;
  /**
   * 'reference': sequential float64, bit for bit reproducible. 'fast': each window's forward on
   * the fast engine and the batch's backward in one SIMD block pass (fast/backward.ts
   * paramGradientsFast: float32 products, gradients within 1e-4 of float64), where the kernels
   * cover the network (else, and for a window whose examples differ in length, the reference's
   * backward). Yields once per window instead of once per step. @default 'reference'
   */
  readonly engine?: 'reference' | 'fast';
}

export interface Evaluation {
  /** Mean loss over the scored steps. */
  readonly loss: number;
  /** Cross-entropy only: fraction of scored steps whose largest logit is the label. */
  readonly accuracy: number | null;
  /** Scored steps. */
  readonly count: number;
}

export interface EpochReport {
  /** Epochs completed, counting this one (1 for the first). */
  readonly epoch: number;
  /** Mean of the batch losses during the epoch (the weights changed as it went). */
  readonly trainLoss: number;
  /** The score of the weights at the end of the epoch (on `validation`, or the training examples). */
  readonly eval: Evaluation;
  /** Whether these weights are now the best. */
  readonly best: boolean;
}

export interface BatchReport {
  /** 0-based epoch this batch belongs to. */
  readonly epoch: number;
  /** 0-based batch within the epoch. */
  readonly batch: number;
  readonly batches: number;
  /** Mean loss over the batch's scored steps (before its updates took effect). */
  readonly loss: number;
  /** The global gradient norm of the batch's last update, before clipping. */
  readonly gradNorm: number;
  /** Optimiser updates this batch made (one per bptt window with a scored step). */
  readonly updates: number;
  /** Set when this batch finished an epoch. */
  readonly epochEnd: EpochReport | null;
}

export interface Trainer {
  /** The live model: its arrays change with every update. */
  readonly model: TrainedModel;
  /** Every trained parameter with its float64 master copy and gradient, PyTorch-named. */
  readonly params: readonly Param[];
  /** Epochs completed. */
  readonly epoch: number;
  readonly batchesPerEpoch: number;
  /** Trains on the next batch. */
  step(): BatchReport;
  /**
   * The next batch as a generator that yields after every time step (forward, backward and the
   * end-of-epoch evaluation) and returns its report: a caller can pause between steps to hear a
   * signal, or stop for good by not resuming it. Weights change only at an update, so a batch
   * left unfinished leaves the model as of its last whole update; the trainer is then done.
   */
  stepSliced(): Generator<void, BatchReport>;
  /** Trains on the rest of the current epoch (a whole epoch when called between epochs). */
  runEpoch(): EpochReport;
  /** Scores the current weights (on the validation set by default). */
  evaluate(examples?: readonly Example[]): Evaluation;
  /** A copy of the weights with the lowest end-of-epoch score, or null before the first epoch ends. */
  best(): { model: TrainedModel; epoch: number; eval: Evaluation } | null;
  /** A copy of the current weights. */
  current(): TrainedModel;
}

function checkExamples(examples: readonly Example[], D: number, loss: LossKind, O: number, what: string): void {
  examples.forEach((ex, e) => {
    const T = ex.inputs.length;
    ex.inputs.forEach((x, t) => {
      if (x.length !== D) throw new TrainConfigError(`${what} ${e}, step ${t}: expected ${D} inputs, got ${x.length}`, 'inputs');
    });
    if (loss === 'mse') {
      if (ex.targets === undefined || ex.targets.length !== T) {
        throw new TrainConfigError(`${what} ${e}: expected ${T} target rows, got ${ex.targets?.length ?? 'none'}`, 'targets');
      }
      ex.targets.forEach((row, t) => {
        if (row !== null && row.length !== O) {
          throw new TrainConfigError(`${what} ${e}, step ${t}: expected ${O} target values, got ${row.length}`, 'targets');
        }
      });
    } else {
      if (ex.labels === undefined || ex.labels.length !== T) {
        throw new TrainConfigError(`${what} ${e}: expected ${T} labels, got ${ex.labels?.length ?? 'none'}`, 'labels');
      }
      for (let t = 0; t < T; t++) {
        const l = ex.labels[t]!;
        if (l !== -1 && !(Number.isInteger(l) && l >= 0 && l < O)) {
          throw new TrainConfigError(`${what} ${e}, step ${t}: label ${l} is not a class in [0, ${O}) or -1`, 'labels');
        }
      }
    }
  });
}

function positiveInt(v: number, option: string): number {
  if (!Number.isInteger(v) || v < 1) throw new TrainConfigError(`${option} must be a positive integer, got ${v}`, option);
  return v;
}

/** The network's and head's parameters as the optimiser sees them, sharing the gradient buffers. */
function collectParams(model: TrainedModel, netGrads: ReturnType<typeof allocParamGrads>, headW: Float64Array, headB: Float64Array): Param[] {
  const net = model.network;
  const G = gateCount(net.kind);
  const H = net.hiddenSize;
  const params: Param[] = [];
  net.layers.forEach((dirs, k) =>
    dirs.forEach((p, d) => {
      const dir = net.directions[d]!;
      const g = netGrads[k]![d]!;
      // an mLSTM's W_ih holds [q; k; v; o] (H rows each) and [i; f] (NH each)
      const rows = p.wIh.length / p.inputSize;
      params.push(makeParam(RNN_PREFIX + tensorName('weight_ih', k, dir), [rows, p.inputSize], p.wIh, g.wIh));
      // minGRU/minLSTM have no W_hh (an empty array)
      // an sLSTM's W_hh is its heads' blocks (G*H, DH)
      if (p.wHh.length > 0) params.push(makeParam(RNN_PREFIX + tensorName('weight_hh', k, dir), [G * H, p.wHh.length / (G * H)], p.wHh, g.wHh));
      if (p.bIh !== null) params.push(makeParam(RNN_PREFIX + tensorName('bias_ih', k, dir), [rows], p.bIh, g.bIh!));
      if (p.bHh !== null) params.push(makeParam(RNN_PREFIX + tensorName('bias_hh', k, dir), [G * H], p.bHh, g.bHh!));
    }),
  );
  params.push(makeParam('head.weight', [model.head.outSize, model.head.inSize], model.head.weight, headW));
  params.push(makeParam('head.bias', [model.head.outSize], model.head.bias, headB));
  return params;
}

/** NH for an sLSTM or mLSTM: a positive integer dividing H. */
function headsFor(opts: TrainerOptions): number {
  const NH = positiveInt(opts.numHeads ?? 1, 'numHeads');
  if (opts.hiddenSize % NH !== 0) throw new TrainConfigError(`numHeads ${NH} does not divide the hidden size ${opts.hiddenSize}`, 'numHeads');
  return NH;
}

function initialModel(D: number, opts: TrainerOptions, seed: number): TrainedModel {
  if (opts.initial !== undefined) {
    const m = cloneModel(opts.initial);
    validateNetwork(m.network);
    if (m.network.inputSize !== D) throw new TrainConfigError(`the initial network takes ${m.network.inputSize} inputs, the data has ${D}`, 'initial');
    if (m.network.clip != null || m.network.layers.some((dirs) => dirs.some((p) => p.peephole != null))) {
      throw new TrainConfigError('the initial network has ONNX peepholes or clip, which PyTorch-named training cannot export', 'initial');
    }
    if ((m.network.projSize ?? 0) > 0) {
      // The optimizer and the exported state_dict know W_ih, W_hh and the biases; W_hr would stay untrained.
      throw new TrainConfigError(`the initial network is a projected LSTM (proj_size ${m.network.projSize}), which training does not support yet: W_hr would not be trained`, 'initial');
    }
    if (m.head.outSize !== opts.outputSize || m.head.inSize !== headInputSize(m.network)) {
      throw new TrainConfigError(`the initial head is [${m.head.outSize}, ${m.head.inSize}], expected [${opts.outputSize}, ${headInputSize(m.network)}]`, 'initial');
    }
    return m;
  }
  const network = randomNetwork({
    kind: opts.kind,
    inputSize: D,
    hiddenSize: positiveInt(opts.hiddenSize, 'hiddenSize'),
    numLayers: positiveInt(opts.numLayers ?? 1, 'numLayers'),
    bidirectional: opts.bidirectional ?? false,
    bias: opts.bias ?? true,
    ...(opts.kind === 'slstm' || opts.kind === 'mlstm' ? { numHeads: headsFor(opts) } : {}),
    seed,
  });
  const fb = opts.forgetBias ?? 0;
  if (fb !== 0 && network.kind === 'lstm' && network.bias) {
    const H = network.hiddenSize;
    for (const dirs of network.layers) for (const p of dirs) for (let k = H; k < 2 * H; k++) p.bIh![k] = Math.fround(p.bIh![k]! + fb);
  }
  const headRng = createRng((seed ^ 0x9e3779b9) >>> 0);
  const head = randomHead(headInputSize(network), opts.outputSize, headRng);
  return { network, head };
}

export function createTrainer(examples: readonly Example[], opts: TrainerOptions): Trainer {
  if (examples.length === 0) throw new TrainConfigError('no training examples', 'inputs');
  const D = examples[0]!.inputs[0]?.length ?? 0;
  if (D === 0) throw new TrainConfigError('the first example has no steps or no input columns', 'inputs');
  const O = positiveInt(opts.outputSize, 'outputSize');
  const lossKind = opts.loss;
  checkExamples(examples, D, lossKind, O, 'example');
  const validation = opts.validation ?? null;
  if (validation !== null) checkExamples(validation, D, lossKind, O, 'validation example');
  const seed = (opts.seed ?? 0) >>> 0;
  const bptt = opts.bptt == null ? null : positiveInt(opts.bptt, 'bptt');
  const batchSize = positiveInt(opts.batchSize ?? 16, 'batchSize');
  const clipNorm = opts.clipNorm === undefined ? 1 : opts.clipNorm;
  if (clipNorm !== null && !(clipNorm > 0)) throw new TrainConfigError(`clipNorm must be positive, got ${clipNorm}`, 'clipNorm');

  const model = initialModel(D, opts, seed);
  const net = model.network;
  const head = model.head;
  if (net.kind === 'slstm' && net.directions.includes('reverse')) {
    throw new TrainConfigError('an sLSTM runs forward only here (the reference module and the xlstm package name no reverse direction): no bidirectional', 'bidirectional');
  }
  if ((net.kind === 'mingru' || net.kind === 'minlstm') && net.directions.includes('reverse')) {
    throw new TrainConfigError(`a ${net.kind === 'mingru' ? 'minGRU' : 'minLSTM'} runs forward only (the paper's cell): no bidirectional`, 'bidirectional');
  }
  if (bptt !== null && net.directions.includes('reverse') && examples.some((ex) => ex.inputs.length > bptt)) {
    throw new TrainConfigError(
      `truncated BPTT (window ${bptt}) needs a forward-only network: a reverse direction must see the whole sequence`,
      'bptt',
    );
  }
  const netGrads = allocParamGrads(net);
  const fast = opts.engine === 'fast';
  const headW = new Float64Array(head.weight.length);
  const headB = new Float64Array(head.bias.length);
  const params = collectParams(model, netGrads, headW, headB);
  const adam = createAdam(params, { lr: opts.lr ?? 1e-2 });
  const orderRng = createRng((seed + 0x6a09e667) >>> 0);
  const shuffle = opts.shuffle ?? true;

  const batches = Math.ceil(examples.length / batchSize);
  let order: number[] = [];
  let epoch = 0;
  let batch = 0;
  let epochLossSum = 0;
  let epochBatches = 0;
  let bestSoFar: { model: TrainedModel; epoch: number; eval: Evaluation } | null = null;

  const pred = new Float64Array(O);
  const dPred = new Float64Array(O);

  /** Loss and (optionally) gradient for the scored steps of one run. Returns [loss sum, scored, correct]. */
  const scoreRun = (
    ex: Example,
    start: number,
    ys: readonly Float64Array[],
    dy: Float64Array[] | null,
  ): [number, number, number] => {
    let sum = 0;
    let n = 0;
    let correct = 0;
    ys.forEach((y, i) => {
      const t = start + i;
      let l: number;
      const grad = dy === null ? null : dPred;
      headForward(head, y, pred);
      if (lossKind === 'mse') {
        const target = ex.targets![t];
        if (target == null) return;
        l = mseLoss(pred, target, grad);
      } else {
        const label = ex.labels![t]!;
        if (label < 0) return;
        l = softmaxCrossEntropy(pred, label, grad);
        if (argmax(pred) === label) correct++;
      }
      sum += l;
      n++;
      if (dy !== null) {
        const row = new Float64Array(y.length);
        headBackward(head, y, dPred, headW, headB, row);
        dy[i] = row;
      }
    });
    return [sum, n, correct];
  };

  function* evaluateSteps(set: readonly Example[] = validation ?? examples): Generator<void, Evaluation> {
    let sum = 0;
    let count = 0;
    let correct = 0;
    for (const ex of set) {
      const steps = yield* runSequenceSteps(net, ex.inputs);
      const [s, n, c] = scoreRun(ex, 0, steps.map((st) => st.y), null);
      sum += s;
      count += n;
      correct += c;
    }
    return { loss: count === 0 ? NaN : sum / count, accuracy: lossKind === 'cross_entropy' && count > 0 ? correct / count : null, count };
  }

  // One batch, yielding after every time step of the forward and backward passes (and of the
  // end-of-epoch evaluation): stepSliced() hands this to a caller that pauses it for signals.
  function* stepSteps(): Generator<void, BatchReport> {
    if (batch === 0) {
      order = examples.map((_, i) => i);
      if (shuffle) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = orderRng.int(i + 1);
          const tmp = order[i]!;
          order[i] = order[j]!;
          order[j] = tmp;
        }
      }
    }
    const members = order.slice(batch * batchSize, (batch + 1) * batchSize).map((i) => examples[i]!);
    const longest = Math.max(...members.map((ex) => ex.inputs.length));
    const win = bptt ?? longest;
    const carried: (InitialState | undefined)[] = members.map(() => undefined);
    let lossSum = 0;
    let scored = 0;
    let updates = 0;
    let lastNorm = 0;
    for (let start = 0; start < longest; start += win) {
      zeroGrads(params);
      let wSum = 0;
      let wScored = 0;
      // engine 'fast': the window's scored runs, taken back together after the forward passes
      const pending: { xs: readonly ArrayLike<number>[]; init: InitialState | undefined; steps: NetworkStep[]; dy: Float64Array[] }[] = [];
      for (let m = 0; m < members.length; m++) {
        const ex = members[m]!;
        if (ex.inputs.length <= start) continue;
        const xs = ex.inputs.slice(start, start + win);
        const init = carried[m];
        const steps = fast ? runSequenceFast(net, xs, init) : yield* runSequenceSteps(net, xs, init);
        const dy: Float64Array[] = new Array<Float64Array>(xs.length);
        const [s, n] = scoreRun(ex, start, steps.map((st) => st.y), dy);
        if (n > 0 && fast) pending.push({ xs, init, steps, dy });
        else if (n > 0) yield* backwardSequenceSteps(net, xs, steps, init, { dy, params: netGrads });
        wSum += s;
        wScored += n;
        if (start + win < ex.inputs.length) {
          const { hN, cN } = finalStates(net, steps);
          carried[m] = { h0: hN, c0: cN };
        }
      }
      if (pending.length > 0) {
        // one block pass per length (a batch's last window may be shorter for some examples)
        for (const len of new Set(pending.map((r) => r.xs.length))) {
          const rows = pending.filter((r) => r.xs.length === len);
          const done = paramGradientsFast(net, rows.map((r) => r.steps), rows.map((r) => r.xs), rows.map((r) => r.init), (s, t) => rows[s]!.dy[t] ?? null, netGrads);
          if (!done) for (const r of rows) backwardSequence(net, r.xs, r.steps, r.init, { dy: r.dy, params: netGrads });
        }
        yield;
      }
      if (wScored === 0) continue;
      // Mean loss over the window's scored steps: scale the summed gradients to match.
      scaleGrads(params, 1 / wScored);
      lastNorm = clipNorm === null ? gradNorm(params) : clipGradNorm(params, clipNorm);
      adam.step();
      updates++;
      lossSum += wSum;
      scored += wScored;
    }
    const loss = scored === 0 ? NaN : lossSum / scored;
    const report = { epoch, batch, batches, loss, gradNorm: lastNorm, updates };
    if (scored > 0) {
      epochLossSum += loss;
      epochBatches++;
    }
    batch++;
    let epochEnd: EpochReport | null = null;
    if (batch === batches) {
      epoch++;
      batch = 0;
      const ev = yield* evaluateSteps();
      const isBest = bestSoFar === null || ev.loss < bestSoFar.eval.loss;
      if (isBest) bestSoFar = { model: cloneModel(model), epoch, eval: ev };
      epochEnd = { epoch, trainLoss: epochBatches === 0 ? NaN : epochLossSum / epochBatches, eval: ev, best: isBest };
      epochLossSum = 0;
      epochBatches = 0;
    }
    return { ...report, epochEnd };
  }
  const step = (): BatchReport => toEnd(stepSteps());

  return {
    model,
    params,
    get epoch() {
      return epoch;
    },
    batchesPerEpoch: batches,
    step,
    runEpoch() {
      for (;;) {
        const r = step();
        if (r.epochEnd !== null) return r.epochEnd;
      }
    },
    stepSliced: stepSteps,
    evaluate: (set?: readonly Example[]) => toEnd(evaluateSteps(set)),
    best: () => (bestSoFar === null ? null : { ...bestSoFar, model: cloneModel(bestSoFar.model) }),
    current: () => cloneModel(model),
  };
}
