/**
 * From flags to a ready model and an open input: the weights file (or seeded random weights sized
 * to the input), the initial state, the optional linear head and embedding, and the sequence. The
 * files are read by io (io/files.ts); this module assembles and checks that the parts fit.
 */
import { extname } from 'node:path';
import { cellLabel, randomNetwork, type CellKind, type InitialState, type Model } from '../engine/index.js';
import { InputError, visible } from '../io/errors.js';
import { DEFAULT_MAX_WEIGHTS_BYTES, openSequence, readInitialState, readNpyFile, readVocab, readWeightsFile } from '../io/files.js';
import type { InputOptions, InputRecord, InputStream } from '../io/input.js';
import { npyRows, type NpyRows } from '../io/npy-rows.js';
import type { WeightsFile } from '../io/weights/index.js';
import { checkVocabSize, findParts, recordToX, tokenInputError, type EmbeddingPart, type HeadPart } from '../io/weights/parts.js';
import { stdinHasData, type CliEnv } from './env.js';
import { stepBudget } from './step-budget.js';
import { UsageError } from './errors.js';
import { byteSize, cellKindFrom, checkRandomSize, checkWeightsFlags, headsFlag, inputOptionsFrom, randomSizeFlags, type InputFlags, type ModelFlags } from './options.js';

/** The engine's model as the flags made it, with where it came from. */
export interface LoadedModel extends Model {
  readonly head: HeadPart | null;
  readonly embedding: EmbeddingPart | null;
  readonly init: InitialState | undefined;
  /** The weights file, or null for seeded random weights. */
  readonly weightsSource: string | null;
  readonly weightsFormat: string | null;
  /** The seed of random weights, or null when they came from a file. */
  readonly seed: number | null;
  /** What was assumed about the file (which tensors are the head and the embedding), for stderr. */
  readonly notes: readonly string[];
}

export interface Prepared {
  readonly model: LoadedModel;
  readonly input: InputStream;
  /** The network input for a record: its values, or its token's embedding row. */
  readonly toX: (record: InputRecord) => Float64Array;
}

export type PrepareFlags = ModelFlags & InputFlags & { input?: string | undefined };

/** What the model is checked against: an opened input's name, features and vocabulary (an InputStream, an .npy's rows). */
export interface InputShape {
  readonly source: string;
  readonly featureNames: readonly string[];
  readonly vocab: readonly string[] | null;
  readonly notes?: readonly string[] | undefined;
  close?(): void;
}

/** Reads a weights file under the model flags (relative to the working directory). */
export async function readWeights(path: string, flags: ModelFlags, env: CliEnv): Promise<WeightsFile> {
  const maxBytes = byteSize('max-weights-bytes', flags.maxWeightsBytes) ?? DEFAULT_MAX_WEIGHTS_BYTES;
  // `--cell rnn` alone accepts either nonlinearity from a file that states it (ONNX, Keras)
  const anyRnn = flags.cell === 'rnn' && flags.nonlinearity === undefined;
  const { prefix, weightsFormat: format, node, layout, checkpointKey } = flags;
  const file = await readWeightsFile(path, env.cwd, { maxBytes, prefix, kind: anyRnn ? undefined : cellKindFrom(flags), format, node, layout, checkpointKey });
  if (anyRnn && file.network.kind !== 'rnn_tanh' && file.network.kind !== 'rnn_relu') {
    throw new InputError(`the weights are a ${cellLabel(file.network.kind)}, not an RNN as --cell says`, { source: path });
  }
  return file;
}

/**
 * Loads the model: the weights file with its head, embedding and initial state, or seeded random
 * weights sized to `widthHint` (the input's feature count, required without --weights; a weights
 * file brings its own input size, checked against the input when it is opened).
 */
export async function loadModel(flags: PrepareFlags, env: CliEnv, widthHint: number | undefined): Promise<LoadedModel> {
  const kindFlag = cellKindFrom(flags);
  const { hiddenSize, layers, seed } = randomSizeFlags(flags);
  const maxInputBytes = inputOptionsFrom(flags).maxInputBytes;
  checkWeightsFlags(flags);
  if (flags.weights !== undefined) {
    const file = await readWeights(flags.weights, flags, env);
    // What the reader assumed or chose (a Keras file's activation, the checkpoint key taken, tanh for an RNN), said once
    for (const note of file.notes) env.stderr.write(`gatescope: note: ${visible(flags.weights, 200)}: ${visible(note, 400)}\n`);
    const network = file.network;
    const parts = findParts(file.extra, network, { source: flags.weights, head: flags.head, embedding: flags.embedding, tokens: flags.vocab !== undefined });
    if (parts.ambiguity !== null) throw new InputError(parts.ambiguity.message, { source: flags.weights, hint: parts.ambiguity.hint });
    const init = (await readInitialState(flags.initialState, network, env.cwd, maxInputBytes)) ?? file.initialState ?? undefined;
    const { head, embedding, notes } = parts;
    return { network, init, head, embedding, weightsSource: flags.weights, weightsFormat: file.format, seed: null, notes };
  }
  if (widthHint === undefined) throw new UsageError('random weights are sized to the input: its feature count is needed');
  const kind: CellKind = kindFlag ?? 'lstm';
  const spec = { kind, inputSize: widthHint, hiddenSize: hiddenSize ?? 8, numLayers: layers ?? 1, bidirectional: flags.bidirectional ?? false };
  checkRandomSize(spec);
  const network = randomNetwork({ ...spec, ...headsFlag(flags, kind, spec.hiddenSize), seed: seed ?? 0 });
  const init = await readInitialState(flags.initialState, network, env.cwd, maxInputBytes);
  return { network, init, head: null, embedding: null, weightsSource: null, weightsFormat: null, seed: seed ?? 0, notes: [] };
}

/**
 * Loads the model and opens the input with `open` (given the options worked out: the vocabulary,
 * the width the weights expect), checking that they fit each other. Random weights are sized to
 * the opened input.
 */
export async function fitModel<I extends InputShape>(flags: PrepareFlags, env: CliEnv, open: (opts: InputOptions) => Promise<I>): Promise<{ model: LoadedModel; input: I }> {
  cellKindFrom(flags);
  const inputOpts: InputOptions = inputOptionsFrom(flags);
  const vocab = await readVocab(flags.vocab, env.cwd, inputOpts.maxInputBytes);
  if (vocab !== undefined) inputOpts.vocab = vocab;
  randomSizeFlags(flags);

  let model: LoadedModel;
  let input: I;
  if (flags.weights !== undefined) {
    model = await loadModel(flags, env, undefined);
    const { network, embedding } = model;
    if (embedding === null) inputOpts.expectedWidth = network.inputSize;
    if (embedding !== null && vocab !== undefined) checkVocabSize(vocab, flags.vocab!, embedding, flags.weights);
    input = await open(inputOpts);
    const misfit = embedding === null ? null : tokenInputError(embedding, input, vocab !== undefined);
    if (misfit !== null) {
      input.close?.();
      throw misfit;
    }
  } else {
    input = await open(inputOpts);
    const inputSize = input.featureNames.length;
    if (inputSize === 0) {
      input.close?.();
      throw new InputError('no features to feed the network', { source: input.source });
    }
    const opened = input;
    model = await loadModel(flags, env, inputSize).catch((err: unknown) => {
      opened.close?.();
      throw err;
    });
  }
  writeNotes(env, [...model.notes, ...(input.notes ?? [])]);
  return { model, input };
}

/** Loads the model and opens the sequence named by --input (or stdin), checking that they fit each other. */
export async function prepare(flags: PrepareFlags, env: CliEnv): Promise<Prepared> {
  // yargs reads a lone `-` as an empty string
  const inputPath = flags.input === undefined || flags.input === '' ? '-' : flags.input;
  if (inputPath === '-' && !stdinHasData(env)) {
    throw new UsageError('no input: name a sequence file, or pipe one in (cat x.csv | gatescope run -)');
  }
  const { model, input } = await fitModel(flags, env, (opts) => openSequence(inputPath, opts, env.stdin));
  return { model, input, toX: recordToX(model.embedding, input.source) };
}

/** What the loader assumed, one `gatescope: note:` line each on stderr (file text made visible where it was read). */
export function writeNotes(env: CliEnv, notes: readonly string[]): void {
  for (const n of notes) env.stderr.write(`gatescope: note: ${n}\n`);
}

/** An .npy input held as bytes, with the model checked against it (see openNpyModel). */
export interface NpyModel {
  readonly model: LoadedModel;
  /** The file's bytes, as `read` returned them. */
  readonly bytes: Uint8Array;
  /** Its rows, read under `options`. */
  readonly rows: NpyRows;
  readonly options: InputOptions;
}

/**
 * An .npy file without io's records, as the viewer and stats read long files: its bytes and rows
 * (io's readNpyFile), the model loaded and checked against the rows exactly as against any other
 * input (the width the weights expect, ...). Null when the input is not an .npy (by --input-format
 * or extension) or not a regular file within --max-input-bytes: the general path then reads it.
 */
export async function openNpyModel(path: string, flags: PrepareFlags, env: CliEnv, read: (file: string, size: number) => Uint8Array): Promise<NpyModel | null> {
  if (path === '' || path === '-') return null;
  if (flags.inputFormat !== undefined ? flags.inputFormat !== 'npy' : extname(path).toLowerCase() !== '.npy') return null;
  const options = inputOptionsFrom(flags);
  const file = readNpyFile(path, env.cwd, options, read);
  if (file === null) return null;
  const { bytes, rows } = file;
  const { model } = await fitModel({ ...flags, inputFormat: 'npy' }, env, async (opts): Promise<InputShape> => {
    return { source: path, featureNames: npyRows(bytes, path, opts).featureNames, vocab: null };
  });
  return { model, bytes, rows, options };
}

/** Every step of an input, held: the network inputs, the labels and (numeric input) the values as read. */
export interface HeldSteps {
  readonly xs: Float64Array[];
  readonly labels: string[];
  /** The records' values (numeric input only; empty for text). */
  readonly values: Float64Array[];
}

/**
 * Reads the whole input of a command that needs every step at once (memory, attribute, track),
 * bounded by --max-memory as the steps arrive; the input is closed on an error.
 */
export async function holdAllSteps(p: Prepared, maxMemory: string | undefined, what: 'run' | 'memory', reason: string): Promise<HeldSteps> {
  const { model, input, toX } = p;
  const held: HeldSteps = { xs: [], labels: [], values: [] };
  try {
    const budget = stepBudget([model.network], maxMemory, what, input.source, reason);
    for await (const record of input) {
      held.xs.push(toX(record));
      held.labels.push(record.label);
      if (input.vocab === null) held.values.push(Float64Array.from(record.values));
      budget.take(held.xs.length, record.line);
    }
  } catch (err) {
    input.close();
    throw err;
  }
  return held;
}
