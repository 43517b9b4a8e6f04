/**
 * `gatescope train INPUT -o OUT`: trains a network and a linear head on one sequence file with the
 * engine's trainer (exact BPTT, truncated with --bptt; Adam; global-norm clipping; seeded).
 *
 *   --task next    predict the next step: every column (or --target-column) with MSE, or for text
 *                  the next token over the vocabulary with cross-entropy
 *   --task target  predict --target-column from the other columns, at every step or only the last
 *
 * Progress goes to stderr. Ctrl-C stops within a fraction of a second, wherever the training is
 * (the trainer yields after every time step, and the loop lets signals in every 50 ms), and writes
 * the best weights so far; a second Ctrl-C quits at once;
 * the file is always written atomically (a temporary file renamed into place), also when a new best
 * epoch is checkpointed during a long run, so a crash never leaves half a file.
 */
import type { Argv } from 'yargs';
import {
  createTrainer,
  modelTensors,
  nextTokenExamples,
  nextValueExamples,
  stateDictJson,
  targetExamples,
  TrainConfigError,
  type EpochReport,
  type Example,
  type LossKind,
  type TrainedModel,
  type Trainer,
} from '../../engine/train/index.js';
import { aCell, cellLabel } from '../../engine/index.js';
import { fastAvailable, fastCovers } from '../../engine/fast/index.js';
import { InputError, visible } from '../../io/errors.js';
import { readTextFile } from '../../io/files.js';
import type { InputOptions, InputSeries } from '../../io/input.js';
import { readInput } from '../../io/read-input.js';
import { listNames } from '../../io/rows.js';
import { formatVocab, parseVocab } from '../../io/text.js';
import { encodeSafetensors } from '../../io/weights/index.js';
import type { CliEnv } from '../env.js';
import { EXIT, UsageError } from '../errors.js';
import { writeFileAtomic } from '../output.js';
import { cellKindFrom, checkRandomSize, headsFlag, inputOptionsFrom, nonNegativeInt, positiveInt, withCellOptions, withInputOptions, withSizeOptions, type CellFlags, type InputFlags, type SizeFlags } from '../options.js';

export interface TrainArgs extends InputFlags, CellFlags, SizeFlags {
  input: string;
  output: string;
  bias?: boolean | undefined;
  task: 'next' | 'target';
  targetColumn?: string | undefined;
  targetAt: 'every' | 'last';
  loss?: 'mse' | 'cross-entropy' | undefined;
  epochs?: number | undefined;
  lr?: number | undefined;
  batchSize?: number | undefined;
  bptt?: number | undefined;
  window?: number | undefined;
  clip?: number | undefined;
  forgetBias?: number | undefined;
  valSplit?: number | undefined;
  seed?: number | undefined;
  plot?: boolean | undefined;
  fast?: boolean | undefined;
}

export const command = 'train <input>';
export const describe = 'train a network and a linear head on a sequence (BPTT, Adam) and write PyTorch-named weights';

export function builder<T>(y: Argv<T>) {
  return withSizeOptions(withCellOptions(withInputOptions(y), 'default: lstm'), 16)
    .positional('input', { type: 'string', demandOption: true, describe: 'sequence file (CSV, JSON, NDJSON, npy, text), or - for stdin' })
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'weights to write: OUT.json (state_dict JSON) or OUT.safetensors' })
    .option('bias', { type: 'boolean', describe: 'bias vectors [default: true]' })
    .option('task', { type: 'string', choices: ['next', 'target'] as const, default: 'next' as const, describe: 'predict the next step, or a target column' })
    .option('target-column', { type: 'string', describe: 'the column to predict (name or 0-based index); required for --task target' })
    .option('target-at', { type: 'string', choices: ['every', 'last'] as const, default: 'every' as const, describe: '--task target: score every step, or only the last step of each window' })
    .option('loss', { type: 'string', choices: ['mse', 'cross-entropy'] as const, describe: 'mse for values; cross-entropy for text or integer class targets [default: by input]' })
    .option('epochs', { type: 'number', describe: 'passes over the data [default: 20]' })
    .option('lr', { type: 'number', describe: "Adam's learning rate [default: 0.01]" })
    .option('batch-size', { type: 'number', describe: 'windows per batch [default: 16]' })
    .option('bptt', { type: 'number', describe: 'truncated BPTT: backpropagate through at most N steps; 0 = whole sequences [default: 64, 0 when bidirectional, which needs whole sequences]' })
    .option('window', { type: 'number', describe: 'cut the sequence into independent windows of N steps (each starts from a zero state)' })
    .option('clip', { type: 'number', describe: 'clip the global gradient norm to this; 0 = off [default: 1]' })
    .option('forget-bias', { type: 'number', describe: "LSTM: add this to the forget gate's bias at initialisation [default: 0]" })
    .option('val-split', { type: 'number', describe: 'hold out this fraction of the windows (the last ones) to choose the best epoch [default: 0]' })
    .option('seed', { type: 'number', describe: 'seed of the initial weights and the shuffling [default: 0]' })
    .option('plot', { type: 'boolean', describe: 'draw the loss curve at the end' })
    .option('fast', { type: 'boolean', describe: 'the forward and BPTT in the WebAssembly SIMD kernels: several times faster, float32 products (not bit for bit reproducible across machines) [default: float64]' })
    .example('$0 train sine.csv -o sine.json --epochs 30', 'next-value prediction, every column')
    .example('$0 train data.csv --task target --target-column label -o m.safetensors', 'predict one column from the others')
    .example('$0 train book.txt --input-format text --hidden-size 64 --window 100 -o char.json', 'a char-level model');
}

const OPTION_FLAGS: Readonly<Record<string, string>> = {
  bptt: '--bptt',
  hiddenSize: '--hidden-size',
  numLayers: '--layers',
  batchSize: '--batch-size',
  outputSize: '--target-column',
  clipNorm: '--clip',
  targets: '--target-column',
  labels: '--target-column',
  inputs: 'input',
};

/** What the trainer needs, from the file and the flags. */
interface TrainingData {
  examples: Example[];
  validation: Example[] | undefined;
  loss: LossKind;
  outputSize: number;
  /** Text input: the vocabulary (one-hot order), written beside the weights. */
  vocab: readonly string[] | null;
  description: string;
}

function resolveIndex(name: string, names: readonly string[], source: string): number {
  const byName = names.indexOf(name);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(name) && Number(name) < names.length) return Number(name);
  throw new InputError(`no column "${visible(name)}" for --target-column; available: ${listNames(names)}`, { source });
}

/** The same vocabulary format `run` and the viewer read (and `formatVocab` writes), size-limited. */
async function readVocabFile(path: string | undefined, env: CliEnv, maxBytes: number | undefined): Promise<string[] | undefined> {
  if (path === undefined) return undefined;
  return parseVocab(await readTextFile(path, env.cwd, maxBytes, 'a vocabulary'), path);
}

/** Most weights trained at once (2^24, some 600 MB with the optimiser's state). */
const MAX_TRAIN_PARAMETERS = 2 ** 24;

/** Most classes a cross-entropy target may name: a class index of 10^9 would ask for a 10^9-row head. */
const MAX_CLASSES = 1 << 16;

async function loadData(args: TrainArgs, env: CliEnv): Promise<TrainingData> {
  const opts: InputOptions = inputOptionsFrom(args);
  const vocab = await readVocabFile(args.vocab, env, opts.maxInputBytes);
  if (vocab !== undefined) opts.vocab = vocab;
  const window = positiveInt('window', args.window);
  const isTarget = args.task === 'target';
  if (isTarget && args.targetColumn === undefined) throw new UsageError('--task target needs --target-column NAME');
  // With --columns, the target column is read as one more column after the features.
  const featureCount = opts.columns?.length ?? null;
  if (isTarget && opts.columns !== undefined) opts.columns = [...opts.columns, args.targetColumn!];
  const series: InputSeries = await readInput(args.input, opts, env.stdin);
  const source = series.source;
  const rows = series.records.map((r) => r.values);
  if (rows.length < 2) throw new InputError(`expected at least 2 time steps to train on, got ${rows.length}`, { source });

  if (series.vocab !== null) {
    if (isTarget) throw new UsageError('--task target needs numeric columns; text input trains --task next (the next token)');
    if (args.loss === 'mse') throw new UsageError('text input is trained with --loss cross-entropy over its vocabulary');
    const tokens = series.records.map((r) => r.token!);
    return {
      examples: nextTokenExamples(tokens, series.vocab.length, { window }),
      validation: undefined,
      loss: 'cross_entropy',
      outputSize: series.vocab.length,
      vocab: series.vocab,
      description: `next token over ${series.vocab.length} tokens`,
    };
  }

  const names = series.featureNames;
  if (!isTarget) {
    if (args.loss === 'cross-entropy') throw new UsageError('--task next on numbers is trained with --loss mse; use --task target for class labels');
    const columns = args.targetColumn === undefined ? undefined : [resolveIndex(args.targetColumn, names, source)];
    return {
      examples: nextValueExamples(rows, { ...(columns !== undefined ? { columns } : {}), window }),
      validation: undefined,
      loss: 'mse',
      outputSize: columns?.length ?? names.length,
      vocab: null,
      description: `next value of ${columns === undefined ? `${names.length} column${names.length === 1 ? '' : 's'}` : visible(names[columns[0]!]!)}`,
    };
  }

  const target = featureCount !== null ? names.length - 1 : resolveIndex(args.targetColumn!, names, source);
  const featureIdx = names.map((_, i) => i).filter((i) => i !== target);
  if (featureIdx.length === 0) throw new InputError('the target is the only column: no features left to learn from', { source });
  const inputs = rows.map((r) => Float64Array.from(featureIdx, (i) => r[i]!));
  const values = rows.map((r) => r[target]!);
  const targetName = visible(names[target]!);
  if (args.loss === 'cross-entropy') {
    let classes = 0;
    values.forEach((v, t) => {
      if (!Number.isInteger(v) || v < 0 || v >= MAX_CLASSES) {
        const why = Number.isInteger(v) && v >= MAX_CLASSES ? ` (at most ${MAX_CLASSES} classes)` : '';
        throw new InputError(`--loss cross-entropy needs class indices 0, 1, 2, ... in ${targetName}, got ${v}${why}`, {
          source,
          line: series.records[t]!.line,
        });
      }
      // A loop, not Math.max(...values): a long series would overflow the call stack.
      if (v + 1 > classes) classes = v + 1;
    });
    const pieces = targetExamples(inputs, values.map((v) => [v]), { at: args.targetAt, window });
    const examples = pieces.map((ex) => ({
      inputs: ex.inputs,
      labels: Int32Array.from(ex.targets!, (row) => (row === null ? -1 : row[0]!)),
    }));
    return { examples, validation: undefined, loss: 'cross_entropy', outputSize: classes, vocab: null, description: `${targetName} (${classes} classes)` };
  }
  return {
    examples: targetExamples(inputs, values.map((v) => [v]), { at: args.targetAt, window }),
    validation: undefined,
    loss: 'mse',
    outputSize: 1,
    vocab: null,
    description: `${targetName} from ${featureIdx.length} column${featureIdx.length === 1 ? '' : 's'}${args.targetAt === 'last' ? ', at the last step' : ''}`,
  };
}

/**
 * Writes bytes next to the target and renames them into place: never half a file (a link is
 * written through, a device or FIFO in place: see output.ts).
 */
export async function writeAtomic(path: string, data: string | Uint8Array, env: CliEnv): Promise<void> {
  await writeFileAtomic(path, data, env);
}

function encodeModel(model: TrainedModel, path: string): string | Uint8Array {
  if (path.endsWith('.safetensors')) {
    const tensors = new Map(modelTensors(model).map((t) => [t.name, { shape: t.shape, data: t.data }]));
    return encodeSafetensors(tensors, 'F32', new Map([['format', 'pt'], ['gatescope.cell', model.network.kind]]));
  }
  return stateDictJson(model);
}

/**
 * The loss per epoch on a log scale, `height` rows by one column per epoch (squeezed to `width`):
 * an exponential decay reads as a straight line.
 */
export function lossPlot(losses: readonly number[], width = 60, height = 8): string {
  const finite = losses.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0) return '(no loss to plot)';
  const lo = Math.log10(Math.min(...finite));
  const hi = Math.log10(Math.max(...finite));
  const span = hi - lo || 1;
  const cols = Math.min(width, losses.length);
  const grid = Array.from({ length: height }, () => Array<string>(cols).fill(' '));
  for (let c = 0; c < cols; c++) {
    const v = losses[Math.min(losses.length - 1, Math.round((c * (losses.length - 1)) / Math.max(1, cols - 1)))]!;
    if (!(Number.isFinite(v) && v > 0)) continue;
    const row = Math.round(((hi - Math.log10(v)) / span) * (height - 1));
    grid[row]![c] = '•';
  }
  const label = (v: number): string => v.toPrecision(3).padStart(9);
  const lines = grid.map((r, i) => `${i === 0 ? label(10 ** hi) : i === height - 1 ? label(10 ** lo) : ' '.repeat(9)} │${r.join('')}`);
  lines.push(`${' '.repeat(9)} └${'─'.repeat(cols)}`);
  lines.push(`${' '.repeat(11)}epochs 1-${losses.length}, log scale`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export async function handler(args: TrainArgs, env: CliEnv): Promise<number> {
  const out = args.output;
  if (!out.endsWith('.json') && !out.endsWith('.safetensors')) {
    throw new UsageError(`--output must end in .json (state_dict JSON) or .safetensors, got "${visible(out, 200)}"`);
  }
  const kind = cellKindFrom(args) ?? 'lstm';
  const hiddenSize = positiveInt('hidden-size', args.hiddenSize, 4096) ?? 16;
  const numLayers = positiveInt('layers', args.layers, 64) ?? 1;
  const heads = headsFlag(args, kind, hiddenSize);
  const epochs = positiveInt('epochs', args.epochs, 1_000_000) ?? 20;
  const batchSize = positiveInt('batch-size', args.batchSize, 1 << 20) ?? 16;
  const seed = nonNegativeInt('seed', args.seed) ?? 0;
  const bpttFlag = nonNegativeInt('bptt', args.bptt, 1 << 20);
  const bidirectional = args.bidirectional ?? false;
  const bptt = bpttFlag === undefined ? (bidirectional ? null : 64) : bpttFlag === 0 ? null : bpttFlag;
  const lr = args.lr ?? 0.01;
  if (!(lr > 0 && lr < 10)) throw new UsageError(`--lr must be a positive number below 10, got ${args.lr}`);
  const clip = args.clip ?? 1;
  if (!(clip >= 0)) throw new UsageError(`--clip must be 0 (off) or positive, got ${args.clip}`);
  const valSplit = args.valSplit ?? 0;
  if (!(valSplit >= 0 && valSplit < 1)) throw new UsageError(`--val-split must be in [0, 1), got ${args.valSplit}`);

  const data = await loadData(args, env);
  // The trainer keeps float64 masters, gradients and two Adam moments per weight.
  const inputSize = data.examples[0]?.inputs[0]?.length ?? 0;
  checkRandomSize({ kind, inputSize, hiddenSize, numLayers, bidirectional }, MAX_TRAIN_PARAMETERS);
  let examples = data.examples;
  let validation: Example[] | undefined;
  if (valSplit > 0) {
    const n = Math.round(examples.length * valSplit);
    if (n < 1 || n >= examples.length) {
      throw new UsageError(`--val-split ${valSplit} leaves no windows for ${n < 1 ? 'validation' : 'training'} (${examples.length} windows; cut the sequence with --window)`);
    }
    validation = examples.slice(examples.length - n);
    examples = examples.slice(0, examples.length - n);
  }

  let trainer: Trainer;
  try {
    trainer = createTrainer(examples, {
      kind,
      hiddenSize,
      numLayers,
      ...heads,
      bidirectional,
      bias: args.bias ?? true,
      loss: data.loss,
      outputSize: data.outputSize,
      lr,
      clipNorm: clip === 0 ? null : clip,
      bptt,
      batchSize,
      seed,
      forgetBias: args.forgetBias ?? 0,
      ...(validation !== undefined ? { validation } : {}),
      ...(args.fast === true ? { engine: 'fast' as const } : {}),
    });
  } catch (err) {
    if (err instanceof TrainConfigError) {
      const flag = OPTION_FLAGS[err.option];
      throw new UsageError(flag !== undefined && flag !== 'input' ? `${flag}: ${err.message}` : err.message);
    }
    throw err;
  }

  const stderr = env.stderr;
  const tty = stderr.isTTY === true;
  // --fast where the kernels do not reach: said, not silently ignored
  if (args.fast === true && !fastCovers(trainer.model.network)) {
    const why = !fastAvailable() ? 'this runtime has no WebAssembly SIMD' : `the WebAssembly kernels do not cover ${aCell(kind)}${(trainer.model.network.projSize ?? 0) > 0 ? ' with proj_size' : ''}`;
    stderr.write(`gatescope: note: --fast: ${why}; it trains on the float64 reference engine\n`);
  }
  stderr.write(
    `training ${cellLabel(kind)} H=${hiddenSize}${numLayers > 1 ? ` L=${numLayers}` : ''}${heads.numHeads !== undefined ? ` NH=${heads.numHeads}` : ''}${bidirectional ? ' bidirectional' : ''} on ${data.description}: ` +
      `${examples.length} window${examples.length === 1 ? '' : 's'}, ${trainer.batchesPerEpoch} batch${trainer.batchesPerEpoch === 1 ? '' : 'es'}/epoch, ` +
      `${trainer.params.reduce((a, p) => a + p.value.length, 0)} parameters, seed ${seed}\n`,
  );

  let stop = false;
  const onSigint = (): void => {
    stop = true;
    if (tty) stderr.write('\nstopping: writing the best weights so far (Ctrl-C again to quit at once)\n');
  };
  env.process?.once('SIGINT', onSigint);

  const started = performance.now();
  let lastDraw = 0;
  let lastSave = started;
  const losses: number[] = [];
  let savedEpoch = 0;
  const total = epochs * trainer.batchesPerEpoch;
  let done = 0;
  const save = async (): Promise<void> => {
    const best = trainer.best();
    await writeAtomic(out, encodeModel(best?.model ?? trainer.current(), out), env);
    savedEpoch = best?.epoch ?? 0;
  };
  try {
    let lastYield = performance.now();
    while (trainer.epoch < epochs && !stop) {
      // One batch, paused every 50 ms so that a SIGINT reaches its handler mid-batch: a batch of
      // one long window at H=1024 is a minute of work.
      const batch = trainer.stepSliced();
      let next = batch.next();
      while (next.done !== true && !stop) {
        if (performance.now() - lastYield > 50) {
          await new Promise<void>((res) => setImmediate(res));
          lastYield = performance.now();
          if (stop) break;
        }
        next = batch.next();
      }
      if (next.done !== true) break; // stopped mid-batch: the model is as of its last update
      const r = next.value;
      done++;
      const now = performance.now();
      if (tty && (now - lastDraw > 100 || r.epochEnd !== null)) {
        lastDraw = now;
        const width = 20;
        const filled = Math.round((done / total) * width);
        const eta = ((now - started) / done) * (total - done);
        const best = trainer.best();
        stderr.write(
          `\r\x1b[Kepoch ${r.epoch + 1}/${epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
            `batch ${r.batch + 1}/${r.batches} loss ${r.loss.toPrecision(4)}` +
            `${best !== null ? ` best ${best.eval.loss.toPrecision(4)}` : ''} ${seconds(eta)} left`,
        );
      }
      if (r.epochEnd !== null) {
        const e: EpochReport = r.epochEnd;
        losses.push(e.eval.loss);
        if (!tty) {
          const acc = e.eval.accuracy === null ? '' : ` accuracy ${e.eval.accuracy.toFixed(3)}`;
          stderr.write(`epoch ${e.epoch}/${epochs} loss ${e.eval.loss.toPrecision(4)}${acc}${e.best ? ' (best)' : ''}\n`);
        }
        // Checkpoint a new best now and then, so a long run that crashes keeps most of its work.
        if (e.best && now - lastSave > 5000) {
          await save();
          lastSave = performance.now();
        }
      }
      // Let a pending SIGINT reach its handler between batches.
      await new Promise<void>((res) => setImmediate(res));
    }
  } finally {
    env.process?.off('SIGINT', onSigint);
  }
  if (tty) stderr.write('\r\x1b[K');

  const best = trainer.best();
  if (savedEpoch !== best?.epoch || best === null) await save();
  let vocabNote = '';
  if (data.vocab !== null && args.vocab === undefined) {
    const vocabPath = out.replace(/\.(json|safetensors)$/, '.vocab.txt');
    await writeAtomic(vocabPath, formatVocab(data.vocab), env);
    vocabNote = `; vocabulary in ${visible(vocabPath, 200)} (view with --vocab ${visible(vocabPath, 200)})`;
  }
  const elapsed = seconds(performance.now() - started);
  if (best === null) {
    stderr.write(`stopped before the first epoch ended (${elapsed}): wrote the current weights to ${visible(out, 200)}${vocabNote}\n`);
  } else {
    const acc = best.eval.accuracy === null ? '' : `, accuracy ${best.eval.accuracy.toFixed(3)}`;
    stderr.write(
      `${stop ? `stopped after ${trainer.epoch} of ${epochs} epochs` : `trained ${epochs} epochs`} in ${elapsed}: ` +
        `best loss ${best.eval.loss.toPrecision(4)}${acc} at epoch ${best.epoch}; wrote ${visible(out, 200)}${vocabNote}\n`,
    );
  }
  if (args.plot === true && losses.length > 0) stderr.write(`${lossPlot(losses)}\n`);
  return stop ? EXIT.interrupted : EXIT.ok;
}
