/**
 * The bundled demos: their data, their training runs and the figures that show what they learned.
 * Everything here is seeded, so `npm run demos` (scripts/make-demos.ts) rebuilds fixtures/demos/
 * bit for bit, and a test retrains `sine` from its seed and compares every weight.
 *
 *   remember  a value shown at step 0 (flagged in a second column) must come out at the last step,
 *             after 30-60 steps of random distractors. An LSTM and a plain RNN of the same size get
 *             the same data and budget; the LSTM holds the value in its cell, the RNN forgets it.
 *             A minGRU and an sLSTM of the same size are trained the same way, to show which of
 *             the newer cells remember.
 *   sine      next-value prediction on noisy sine waves of random period and phase.
 *   brackets  next-character prediction over nested brackets: after a ')' the model must say
 *             whether the expression is closed ('.' comes next), which needs the nesting depth,
 *             so some unit ends up counting it.
 */
import { memoryProfile, memorySpan } from '../memory.js';
import { runSequence } from '../network.js';
import { createRng, type Rng } from '../random.js';
import type { CellKind } from '../types.js';
import { nextTokenExamples, nextValueExamples, oneHot, type Example } from './examples.js';
import { headForward } from '../model.js';
import { argmax } from './loss.js';
import { predictSequence, type TrainedModel } from './model.js';
import { createTrainer, type EpochReport, type Evaluation, type TrainerOptions } from './trainer.js';

export type DemoName = 'remember' | 'remember-gru' | 'sine' | 'brackets';
export const DEMO_NAMES: readonly DemoName[] = ['remember', 'remember-gru', 'sine', 'brackets'];

/** One trained model of a demo. */
export interface DemoModel {
  /** File stem: `lstm`, `rnn`. */
  readonly id: string;
  readonly model: TrainedModel;
  readonly options: TrainerOptions;
  readonly epochs: number;
  readonly bestEpoch: number;
  /** The best epoch's score on the validation set. */
  readonly eval: Evaluation;
  /** What the demo measures on it (accuracy, memory span, depth correlation, ...). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** The sequence the viewer opens the demo on. */
export type DemoDisplay =
  | { readonly kind: 'csv'; readonly header: readonly string[]; readonly rows: readonly (readonly number[])[] }
  | { readonly kind: 'text'; readonly text: string; readonly vocab: readonly string[] };

export interface DemoBuild {
  readonly name: DemoName;
  readonly description: string;
  /** The first model is the demo's main one; a second one is its comparison twin. */
  readonly models: readonly DemoModel[];
  readonly display: DemoDisplay;
  /**
   * A twin from another demo's files (relative to fixtures/demos/), when the demo has no second
   * model of its own: remember-gru is shown beside remember's LSTM, not a retrained copy of it.
   */
  readonly compareFile?: string;
  /** Further networks from other demos' files, compared after the twin (remember: remember-gru's GRU, trained on the same data). */
  readonly moreFiles?: readonly string[];
}

/** Called after every epoch of every model, for progress output. */
export type DemoProgress = (model: string, report: EpochReport, epochs: number) => void;

function train(
  id: string,
  examples: readonly Example[],
  options: TrainerOptions,
  epochs: number,
  progress: DemoProgress | undefined,
  measure: (m: TrainedModel) => Record<string, number>,
): DemoModel {
  const trainer = createTrainer(examples, options);
  for (let e = 0; e < epochs; e++) progress?.(id, trainer.runEpoch(), epochs);
  const best = trainer.best()!;
  return { id, model: best.model, options, epochs, bestEpoch: best.epoch, eval: best.eval, metrics: measure(best.model) };
}

// ---------------------------------------------------------------- remember

/**
 * Sequences of length T in [tMin, tMax]: x_0 = (v, 1) with v ~ U(-1, 1), then x_t = (noise, 0);
 * the target, at the last step only, is v.
 */
export function rememberExamples(rng: Rng, n: number, tMin: number, tMax: number): Example[] {
  return Array.from({ length: n }, () => {
    const T = tMin + rng.int(tMax - tMin + 1);
    const v = rng.uniform(-1, 1);
    const inputs = Array.from({ length: T }, (_, t) => (t === 0 ? Float64Array.of(v, 1) : Float64Array.of(rng.uniform(-1, 1), 0)));
    return { inputs, targets: inputs.map((_, t) => (t === T - 1 ? Float64Array.of(v) : null)) };
  });
}

/** Share of examples whose last-step prediction is within `tol` of the target. */
export function rememberAccuracy(model: TrainedModel, examples: readonly Example[], tol = 0.1): number {
  let ok = 0;
  for (const ex of examples) {
    const pred = predictSequence(model, ex.inputs).at(-1)![0]!;
    if (Math.abs(pred - ex.targets!.at(-1)![0]!) < tol) ok++;
  }
  return ok / examples.length;
}

export const REMEMBER = {
  hiddenSize: 8,
  /** Training mixes short and long gaps, so that a gradient reaches step 0 from the start. */
  train: { n: 512, tMin: 2, tMax: 60, seed: 101 },
  /** Scored on long gaps only. */
  validation: { n: 256, tMin: 30, tMax: 60, seed: 102 },
  displayLength: 50,
  epochs: 30,
  seed: 7,
} as const;

/** remember's data (shared by the LSTM/RNN build and the GRU one, so all three see the same). */
function rememberSetup() {
  const c = REMEMBER;
  const examples = rememberExamples(createRng(c.train.seed), c.train.n, c.train.tMin, c.train.tMax);
  const validation = rememberExamples(createRng(c.validation.seed), c.validation.n, c.validation.tMin, c.validation.tMax);
  const display = rememberExamples(createRng(103), 1, c.displayLength, c.displayLength)[0]!;
  const options = (kind: CellKind): TrainerOptions => ({
    kind,
    hiddenSize: c.hiddenSize,
    loss: 'mse',
    outputSize: 1,
    lr: 1e-2,
    batchSize: 16,
    seed: c.seed,
    forgetBias: 1,
    validation,
  });
  const displayRows: DemoDisplay = { kind: 'csv', header: ['value', 'marker'], rows: display.inputs.map((x) => Array.from(x)) };
  return { examples, validation, display, options, displayRows };
}

export function buildRemember(progress?: DemoProgress): DemoBuild {
  const c = REMEMBER;
  const { examples, validation, display, options } = rememberSetup();
  const measure = (m: TrainedModel): Record<string, number> => {
    const prof = memoryProfile(m.network, display.inputs);
    const first = prof.sensitivity[0]!;
    const last = prof.sensitivity.at(-1)!;
    const out: Record<string, number> = {
      accuracy: rememberAccuracy(m, validation),
      memorySpanX: memorySpan(prof, 'x'),
      memorySpanH: memorySpan(prof, 'h'),
      /** ||d h_{T-1} / d x_0|| relative to ||d h_{T-1} / d x_{T-1}||: how much the first value still counts. */
      firstStepSensitivity: first.x / last.x,
      displayPrediction: predictSequence(m, display.inputs).at(-1)![0]!,
    };
    if (first.c !== undefined) out['memorySpanC'] = memorySpan(prof, 'c');
    return out;
  };
  const ids = { lstm: 'lstm', rnn_tanh: 'rnn', mingru: 'mingru', slstm: 'slstm' } as const;
  const models = (['lstm', 'rnn_tanh', 'mingru', 'slstm'] as const).map((kind) => {
    const id = ids[kind];
    const dm = train(id, examples, options(kind), c.epochs, progress, measure);
    return { ...dm, metrics: { ...dm.metrics, mse: dm.eval.loss } };
  });
  return {
    name: 'remember',
    description: `report at the last step the value shown at the first (t=0) after ${c.validation.tMin}-${c.validation.tMax} steps of distractors: an LSTM remembers, a plain RNN of the same size (H=${c.hiddenSize}) forgets`,
    models,
    display: rememberSetup().displayRows,
    // c's cycle beyond the RNN: the GRU trained on the same examples and display sequence
    // (remember-gru), then this demo's own minGRU and sLSTM, so a student sees which new cells remember
    moreFiles: ['remember-gru/gru.json', 'remember/mingru.json', 'remember/slstm.json'],
  };
}

/**
 * The GRU unit that holds remember's value: the one whose h at the last step follows the value
 * shown at step 0 best over the validation set (Pearson r), and its update gate z over the display
 * sequence's distractor steps (z near 1 keeps h_prev: the GRU's way of holding on).
 */
export function gruHold(model: TrainedModel, validation: readonly Example[], display: Example['inputs']): { holdUnit: number; holdCorrelation: number; holdZMean: number; holdZMin: number } {
  const H = model.network.hiddenSize;
  const L = model.network.numLayers;
  const finals = validation.map((ex) => runSequence(model.network, ex.inputs).at(-1)!.layers[L - 1]![0]!.h);
  const values = validation.map((ex) => ex.targets!.at(-1)![0]!);
  let holdUnit = 0;
  let holdCorrelation = 0;
  for (let u = 0; u < H; u++) {
    const r = pearson(finals.map((h) => h[u]!), values);
    if (Math.abs(r) > Math.abs(holdCorrelation)) {
      holdCorrelation = r;
      holdUnit = u;
    }
  }
  const zs = runSequence(model.network, display)
    .slice(1)
    .map((s) => s.layers[L - 1]![0]!.gates[H + holdUnit]!); // gate order r z n: z is rows H..2H
  return { holdUnit, holdCorrelation, holdZMean: zs.reduce((a, b) => a + b, 0) / zs.length, holdZMin: Math.min(...zs) };
}

/** remember with a GRU (same data, options and budget): its update gate z holds the value. */
export function buildRememberGru(progress?: DemoProgress): DemoBuild {
  const c = REMEMBER;
  const { examples, validation, display, options, displayRows } = rememberSetup();
  const dm = train('gru', examples, options('gru'), c.epochs, progress, (m) => {
    const prof = memoryProfile(m.network, display.inputs);
    return {
      accuracy: rememberAccuracy(m, validation),
      memorySpanX: memorySpan(prof, 'x'),
      memorySpanH: memorySpan(prof, 'h'),
      displayPrediction: predictSequence(m, display.inputs).at(-1)![0]!,
      ...gruHold(m, validation, display.inputs),
    };
  });
  return {
    name: 'remember-gru',
    description: `remember with a GRU of the same size (H=${c.hiddenSize}), same data and budget: its update gate z stays near 1 on the unit that holds the value`,
    models: [{ ...dm, metrics: { ...dm.metrics, mse: dm.eval.loss } }],
    display: displayRows,
    compareFile: 'remember/lstm.json',
  };
}

// ---------------------------------------------------------------- sine

/** A noisy sine with a random period in [12, 30] steps and a random phase.   -> (T, 1) */
export function sineSeries(rng: Rng, T: number, noise = 0.05): Float64Array[] {
  const period = rng.uniform(12, 30);
  const phase = rng.uniform(0, 2 * Math.PI);
  return Array.from({ length: T }, (_, t) => Float64Array.of(Math.sin((2 * Math.PI * t) / period + phase) + noise * rng.normal()));
}

export const SINE = { hiddenSize: 8, sequences: 64, length: 60, validation: 32, displayLength: 200, epochs: 30, seed: 3 } as const;

/** Mean squared error of predicting x_{t+1} = x_t, the baseline a model must beat. */
export function persistenceMse(examples: readonly Example[]): number {
  let s = 0;
  let n = 0;
  for (const ex of examples) {
    ex.inputs.forEach((x, t) => {
      const d = x[0]! - ex.targets![t]![0]!;
      s += d * d;
      n++;
    });
  }
  return s / n;
}

/** The sine demo's data and options, shared by the build and the reproduction test. */
export function sineSetup(): { examples: Example[]; validation: Example[]; options: TrainerOptions; display: Float64Array[] } {
  const rng = createRng(SINE.seed);
  const examples = Array.from({ length: SINE.sequences }, () => nextValueExamples(sineSeries(rng, SINE.length + 1))[0]!);
  const validation = Array.from({ length: SINE.validation }, () => nextValueExamples(sineSeries(rng, SINE.length + 1))[0]!);
  const display = sineSeries(rng, SINE.displayLength);
  const options: TrainerOptions = {
    kind: 'lstm',
    hiddenSize: SINE.hiddenSize,
    loss: 'mse',
    outputSize: 1,
    lr: 1e-2,
    batchSize: 8,
    seed: SINE.seed,
    validation,
  };
  return { examples, validation, options, display };
}

export function buildSine(progress?: DemoProgress): DemoBuild {
  const { examples, validation, options, display } = sineSetup();
  const model = train('lstm', examples, options, SINE.epochs, progress, (m) => ({ persistenceMse: persistenceMse(validation) }));
  return {
    name: 'sine',
    description: 'predict the next value of a noisy sine wave (random period 12-30 steps), like a sensor stream',
    models: [{ ...model, metrics: { mse: model.eval.loss, ...model.metrics } }],
    display: { kind: 'csv', header: ['y'], rows: display.map((x) => Array.from(x)) },
  };
}

// ---------------------------------------------------------------- brackets

/** The brackets vocabulary, in one-hot order. */
export const BRACKETS_VOCAB: readonly string[] = ['(', ')', 'a', 'b', 'c', '.'];

/**
 * Text of bracket expressions, each closed and followed by '.': inside, '(' (up to `maxDepth`
 * deep), ')' and letters come with probabilities 0.3, 0.3, 0.4.
 */
export function bracketsText(rng: Rng, chars: number, maxDepth = 5): string {
  let s = '';
  while (s.length < chars) {
    let depth = 1;
    s += '(';
    while (depth > 0) {
      const r = rng.next();
      if (r < 0.3 && depth < maxDepth) {
        s += '(';
        depth++;
      } else if (r < 0.6) {
        s += ')';
        depth--;
      } else {
        s += 'abc'[rng.int(3)]!;
      }
    }
    s += '.';
  }
  return s;
}

/** Nesting depth after each character. */
export function bracketDepths(text: string): number[] {
  let depth = 0;
  return Array.from(text, (ch) => (depth += ch === '(' ? 1 : ch === ')' ? -1 : 0));
}

export const BRACKETS = { hiddenSize: 16, trainChars: 4000, validationChars: 1000, window: 60, displayChars: 160, epochs: 40, seed: 2 } as const;

/**
 * What the brackets model learned, on `text`:
 *   closeAccuracy  after each ')', whether the model's top guess is '.' exactly when depth is 0
 *   closeBaseline  the same score for a model that never guesses '.'
 *   depthUnit, depthCorrelation  the hidden unit (h, or c for an LSTM) whose value best follows the
 *                  nesting depth, and the Pearson correlation (its sign is the unit's own)
 */
export function bracketsMetrics(model: TrainedModel, text: string): Record<string, number> {
  const V = BRACKETS_VOCAB.length;
  const tokens = Array.from(text, (ch) => BRACKETS_VOCAB.indexOf(ch));
  const steps = runSequence(model.network, tokens.map((t) => oneHot(t, V)));
  const depths = bracketDepths(text);
  const pred = new Float64Array(V);
  let ok = 0;
  let base = 0;
  let n = 0;
  tokens.forEach((tok, t) => {
    if (tok !== 1) return;
    headForward(model.head, steps[t]!.y, pred);
    const closed = depths[t] === 0;
    if ((argmax(pred) === V - 1) === closed) ok++;
    if (!closed) base++;
    n++;
  });
  let bestR = 0;
  let bestUnit = -1;
  const H = model.network.hiddenSize;
  const L = model.network.numLayers;
  for (let u = 0; u < H; u++) {
    const series = [steps.map((s) => s.layers[L - 1]![0]!.h[u]!)];
    if (model.network.kind === 'lstm') series.push(steps.map((s) => s.layers[L - 1]![0]!.c![u]!));
    for (const v of series) {
      const r = pearson(v, depths);
      if (Math.abs(r) > Math.abs(bestR)) {
        bestR = r;
        bestUnit = u;
      }
    }
  }
  return { closeAccuracy: ok / n, closeBaseline: base / n, depthUnit: bestUnit, depthCorrelation: bestR };
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

export function buildBrackets(progress?: DemoProgress): DemoBuild {
  const c = BRACKETS;
  const rng = createRng(c.seed);
  const toTokens = (s: string): number[] => Array.from(s, (ch) => BRACKETS_VOCAB.indexOf(ch));
  const V = BRACKETS_VOCAB.length;
  const trainText = bracketsText(rng, c.trainChars);
  const validationText = bracketsText(rng, c.validationChars);
  const displayText = bracketsText(rng, c.displayChars);
  const examples = nextTokenExamples(toTokens(trainText), V, { window: c.window });
  const validation = nextTokenExamples(toTokens(validationText), V, { window: c.window });
  const options: TrainerOptions = {
    kind: 'lstm',
    hiddenSize: c.hiddenSize,
    loss: 'cross_entropy',
    outputSize: V,
    lr: 1e-2,
    batchSize: 8,
    seed: c.seed,
    validation,
  };
  const model = train('lstm', examples, options, c.epochs, progress, (m) => bracketsMetrics(m, validationText));
  return {
    name: 'brackets',
    description: "predict the next character of nested brackets: after ')' only the nesting depth says whether '.' comes next",
    models: [{ ...model, metrics: { crossEntropy: model.eval.loss, accuracy: model.eval.accuracy!, ...model.metrics } }],
    display: { kind: 'text', text: displayText, vocab: BRACKETS_VOCAB },
  };
}

export const DEMO_BUILDERS: Readonly<Record<DemoName, (progress?: DemoProgress) => DemoBuild>> = {
  remember: buildRemember,
  'remember-gru': buildRememberGru,
  sine: buildSine,
  brackets: buildBrackets,
};
