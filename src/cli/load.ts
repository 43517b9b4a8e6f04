/**
 * From flags to a ready model and an open input: the weights file (or seeded random weights sized
 * to the input), the initial state, the optional linear head and embedding, and the sequence.
 */
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { cellLabel, gateCount, randomNetwork, type CellKind, type InitialState, type Network } from '../engine/index.js';
import { InputError, visible } from '../io/errors.js';
import { parseInitialState } from '../io/initial-state.js';
import { decodeWholeText, DEFAULT_MAX_INPUT_BYTES, formatBytes, type InputOptions, type InputRecord, type InputStream } from '../io/input.js';
import { concat, openInput } from '../io/read-input.js';
import { parseVocab } from '../io/text.js';
import { npyRows, type NpyRows } from '../trace/npy-rows.js';
import { detectWeightsFormat, loadWeightsAsync, type WeightsFile } from '../io/weights/index.js';
import { findParts, recordToX, type Embedding, type LinearHead } from '../io/weights/parts.js';
import { stdinHasData, type CliEnv } from './env.js';
import { UsageError, withPath } from './errors.js';
import { byteSize, cellKindFrom, inputOptionsFrom, nonNegativeInt, positiveInt, type InputFlags, type ModelFlags } from './options.js';

export type { Embedding, LinearHead } from '../io/weights/parts.js';
export { applyHead, recordToX } from '../io/weights/parts.js';

export interface Model {
  readonly network: Network;
  readonly init: InitialState | undefined;
  readonly head: LinearHead | null;
  readonly embedding: Embedding | null;
  /** The weights file, or null for seeded random weights. */
  readonly weightsSource: string | null;
  readonly weightsFormat: string | null;
  /** The seed of random weights, or null when they came from a file. */
  readonly seed: number | null;
  /** What was assumed about the file (which tensors are the head and the embedding), for stderr. */
  readonly notes: readonly string[];
}

export interface Prepared {
  readonly model: Model;
  readonly input: InputStream;
  /** The network input for a record: its values, or its token's embedding row. */
  readonly toX: (record: InputRecord) => Float64Array;
}

export type PrepareFlags = ModelFlags & InputFlags & { input?: string | undefined };

const RANDOM_ONLY = ['hiddenSize', 'layers', 'bidirectional', 'seed'] as const;
const FLAG_NAMES: Record<(typeof RANDOM_ONLY)[number], string> = {
  hiddenSize: '--hidden-size',
  layers: '--layers',
  bidirectional: '--bidirectional',
  seed: '--seed',
};

/** 1 GiB: far beyond any network the viewer can show; `--max-weights-bytes` raises it. */
export const DEFAULT_MAX_WEIGHTS_BYTES = 2 ** 30;

/** Bytes read before `early` may judge the head of a file. */
const HEAD_BYTES = 4096;
const CHUNK_BYTES = 1 << 20;

export interface ReadLimit {
  /** Most bytes accepted. */
  readonly maxBytes: number;
  /** The flag that raises the limit, for the message. */
  readonly flag: string;
  /** Checks the first bytes (or the whole file when shorter) and throws to stop reading at once. */
  readonly early?: (head: Uint8Array) => void;
}

/**
 * A whole file in memory, refused past `limit.maxBytes` without ever holding more: a regular file
 * by its size before a byte is read, anything else (a FIFO, /dev/zero, a process substitution) as
 * the bytes arrive. System errors name `path` as the user wrote it.
 */
export async function readWholeFile(path: string, env: CliEnv, limit: ReadLimit): Promise<Uint8Array> {
  const tooBig = (size: string): InputError =>
    new InputError(`the file is ${size}, more than the ${formatBytes(limit.maxBytes)} limit`, {
      source: path,
      hint: `raise it with ${limit.flag}`,
    });
  let fh;
  try {
    fh = await open(resolve(env.cwd, path), 'r');
  } catch (err) {
    throw withPath(err, path);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR', syscall: 'read', path });
    if (st.isFile() && st.size > limit.maxBytes) throw tooBig(formatBytes(st.size));
    const parts: Uint8Array[] = [];
    let total = 0;
    let judged = limit.early === undefined;
    for (;;) {
      // A regular file fills one buffer of its size; the + 1 notices a file that grew meanwhile.
      const want = st.isFile() && parts.length === 0 ? Math.min(st.size + 1, limit.maxBytes + 1) : CHUNK_BYTES;
      const buf = new Uint8Array(Math.max(1, want));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      parts.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit.maxBytes) throw tooBig(`more than ${formatBytes(limit.maxBytes)}`);
      if (!judged && total >= HEAD_BYTES) {
        judged = true;
        limit.early!(concat(parts, total));
      }
    }
    const bytes = concat(parts, total);
    if (!judged) limit.early!(bytes);
    return bytes;
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await fh.close().catch(() => {});
  }
}

/** A small text file (`what`: an initial state, a vocabulary) under --max-input-bytes. */
export async function readTextFile(path: string, env: CliEnv, maxBytes: number | undefined, what: string): Promise<string> {
  const bytes = await readWholeFile(path, env, { maxBytes: maxBytes ?? DEFAULT_MAX_INPUT_BYTES, flag: '--max-input-bytes' });
  return decodeWholeText(bytes, path, what);
}

/** Reads a weights file named by the user (relative to the working directory). */
export async function readWeightsFile(path: string, flags: ModelFlags, env: CliEnv): Promise<WeightsFile> {
  const maxBytes = byteSize('max-weights-bytes', flags.maxWeightsBytes) ?? DEFAULT_MAX_WEIGHTS_BYTES;
  // Unless the format is forced, bytes that cannot start any weights format (/dev/zero, a CSV given
  // as weights) are refused at the first few kilobytes instead of after the whole file.
  const early = flags.weightsFormat === undefined ? (head: Uint8Array) => void detectWeightsFormat(head, path) : undefined;
  const bytes = await readWholeFile(path, env, { maxBytes, flag: '--max-weights-bytes', ...(early ? { early } : {}) });
  // `--cell rnn` alone accepts either nonlinearity from a file that states it (ONNX, Keras)
  const anyRnn = flags.cell === 'rnn' && flags.nonlinearity === undefined;
  // TF.js shards: files beside the weights file, all of them together under the same limit
  let budget = maxBytes - bytes.length;
  const readSibling = async (name: string): Promise<Uint8Array> => {
    const folder = dirname(resolve(env.cwd, path));
    const full = resolve(folder, name);
    const rel = relative(folder, full);
    // io has refused `..` and absolute names already; this keeps the promise whatever it let by
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new InputError(`shard path ${JSON.stringify(name)} leaves the model's folder`, { source: path });
    }
    const shown = join(dirname(path), name);
    const shard = await readWholeFile(shown, env, { maxBytes: Math.max(0, budget), flag: '--max-weights-bytes (model.json and its shards together)' });
    budget -= shard.length;
    return shard;
  };
  const file = await loadWeightsAsync(bytes, {
    source: path,
    readSibling,
    prefix: flags.prefix,
    kind: anyRnn ? undefined : cellKindFrom(flags),
    format: flags.weightsFormat,
    node: flags.node,
    layout: flags.layout,
    checkpointKey: flags.checkpointKey,
    maxTensorBytes: maxBytes,
  });
  if (anyRnn && file.network.kind !== 'rnn_tanh' && file.network.kind !== 'rnn_relu') {
    throw new InputError(`the weights are a ${cellLabel(file.network.kind)}, not an RNN as --cell says`, { source: path });
  }
  return file;
}

async function readInitialState(path: string | undefined, network: Network, env: CliEnv, maxBytes: number | undefined): Promise<InitialState | undefined> {
  if (path === undefined) return undefined;
  return parseInitialState(await readTextFile(path, env, maxBytes, 'an initial state'), path, network);
}

async function readVocab(path: string | undefined, env: CliEnv, maxBytes: number | undefined): Promise<string[] | undefined> {
  if (path === undefined) return undefined;
  return parseVocab(await readTextFile(path, env, maxBytes, 'a vocabulary'), path);
}

/** Opens the sequence; a read error without a path (EISDIR) gets the one the user wrote. */
async function openSequence(path: string, opts: InputOptions, env: CliEnv): Promise<InputStream> {
  try {
    return await openInput(path, opts, env.stdin);
  } catch (err) {
    throw withPath(err, path === '-' ? '<stdin>' : path);
  }
}

/** 2^27 parameters (1 GiB as float64): the most a random network may hold, as a weights tensor may. */
export const MAX_RANDOM_PARAMETERS = 2 ** 27;

/**
 * Refuses random-weight sizes whose product is absurd before anything is allocated: each flag has
 * its own range (--hidden-size 4096, --layers 64), but together, or with a very wide input, they
 * can ask for tens of gigabytes.
 */
export function checkRandomSize(
  spec: { kind: CellKind; inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean },
  max = MAX_RANDOM_PARAMETERS,
): void {
  const G = gateCount(spec.kind);
  const H = spec.hiddenSize;
  const dirs = spec.bidirectional ? 2 : 1;
  let count = 0;
  for (let k = 0; k < spec.numLayers; k++) {
    const din = k === 0 ? spec.inputSize : H * dirs;
    count += dirs * G * H * (din + H + 2);
  }
  if (count > max) {
    const what = `--hidden-size ${H}, --layers ${spec.numLayers}${spec.bidirectional ? ', --bidirectional' : ''} and ${spec.inputSize} input features`;
    throw new UsageError(`${what} make ${count} parameters, more than ${max}`);
  }
}

/** The random-weight size flags, checked (before any file is read). */
function randomSizeFlags(flags: ModelFlags): { hiddenSize: number | undefined; layers: number | undefined; seed: number | undefined } {
  return {
    hiddenSize: positiveInt('hidden-size', flags.hiddenSize, 4096),
    layers: positiveInt('layers', flags.layers, 64),
    seed: nonNegativeInt('seed', flags.seed),
  };
}

/**
 * Loads the model: the weights file with its head, embedding and initial state, or seeded random
 * weights sized to `widthHint` (the input's feature count, required without --weights; a weights
 * file brings its own input size, checked against the input when it is opened).
 */
export async function loadModel(flags: PrepareFlags, env: CliEnv, widthHint: number | undefined): Promise<Model> {
  const kindFlag = cellKindFrom(flags);
  const { hiddenSize, layers, seed } = randomSizeFlags(flags);
  const maxInputBytes = inputOptionsFrom(flags).maxInputBytes;
  if (flags.weights !== undefined) {
    for (const key of RANDOM_ONLY) {
      if (flags[key] !== undefined) throw new UsageError(`${FLAG_NAMES[key]} sets up random weights; it cannot be used with --weights`);
    }
    const file = await readWeightsFile(flags.weights, flags, env);
    // What the reader assumed or chose (a Keras file's activation, the checkpoint key taken, tanh for an RNN), said once
    for (const note of file.notes) env.stderr.write(`gatescope: note: ${visible(flags.weights, 200)}: ${visible(note, 400)}\n`);
    const network = file.network;
    const parts = findParts(file.extra, network, { source: flags.weights, head: flags.head, embedding: flags.embedding, tokens: flags.vocab !== undefined });
    if (parts.ambiguity !== null) throw new InputError(parts.ambiguity.message, { source: flags.weights, hint: parts.ambiguity.hint });
    const init = (await readInitialState(flags.initialState, network, env, maxInputBytes)) ?? file.initialState ?? undefined;
    const { head, embedding, notes } = parts;
    return { network, init, head, embedding, weightsSource: flags.weights, weightsFormat: file.format, seed: null, notes };
  }
  for (const [flag, v] of [['--head', flags.head], ['--embedding', flags.embedding]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} names a tensor of a weights file; it needs --weights`);
  }
  if (widthHint === undefined) throw new UsageError('random weights are sized to the input: its feature count is needed');
  const kind: CellKind = kindFlag ?? 'lstm';
  const spec = { kind, inputSize: widthHint, hiddenSize: hiddenSize ?? 8, numLayers: layers ?? 1, bidirectional: flags.bidirectional ?? false };
  checkRandomSize(spec);
  const network = randomNetwork({ ...spec, seed: seed ?? 0 });
  const init = await readInitialState(flags.initialState, network, env, maxInputBytes);
  return { network, init, head: null, embedding: null, weightsSource: null, weightsFormat: null, seed: seed ?? 0, notes: [] };
}

/**
 * Opens the sequence with the options prepare worked out (the vocabulary, and the width the weights
 * expect). The default reads the file or stdin named by --input; a caller that holds the rows
 * already (the viewer's .npy path) passes its own, so they get the same checks.
 */
export type InputOpener = (opts: InputOptions) => Promise<InputStream>;

/** Loads the model and opens the input, checking that they fit each other. */
export async function prepare(flags: PrepareFlags, env: CliEnv, opener?: InputOpener): Promise<Prepared> {
  let openIt: InputOpener;
  if (opener !== undefined) {
    openIt = opener;
  } else {
    // yargs reads a lone `-` as an empty string
    const inputPath = flags.input === undefined || flags.input === '' ? '-' : flags.input;
    if (inputPath === '-' && !stdinHasData(env)) {
      throw new UsageError('no input: name a sequence file, or pipe one in (cat x.csv | gatescope run -)');
    }
    openIt = (opts) => openSequence(inputPath, opts, env);
  }
  cellKindFrom(flags);
  const inputOpts: InputOptions = inputOptionsFrom(flags);
  const vocab = await readVocab(flags.vocab, env, inputOpts.maxInputBytes);
  if (vocab !== undefined) inputOpts.vocab = vocab;
  randomSizeFlags(flags);

  let model: Model;
  let input: InputStream;
  if (flags.weights !== undefined) {
    model = await loadModel(flags, env, undefined);
    const { network, embedding } = model;
    if (embedding === null) inputOpts.expectedWidth = network.inputSize;
    if (embedding !== null && vocab !== undefined) checkVocabSize(vocab, flags.vocab!, embedding, flags.weights);
    input = await openIt(inputOpts);
    if (embedding !== null && input.vocab === null) {
      input.close();
      throw new InputError(`the weights have an embedding (${visible(embedding.name)}); expected text input (--input-format text)`, {
        source: input.source,
        hint: 'if that tensor is not an embedding, pass --embedding none',
      });
    }
    if (embedding !== null && vocab === undefined) {
      input.close();
      throw new InputError(
        `text input into a model with an embedding (${visible(embedding.name)}, ${embedding.vocabSize} rows) needs the vocabulary it was trained with: a vocabulary built from the text's first-seen order would map tokens to the wrong rows`,
        { source: input.source, hint: 'pass --vocab FILE: a JSON list, a {token: index} dict, {"itos": [...]}, or one token per line' },
      );
    }
  } else {
    input = await openIt(inputOpts);
    const inputSize = input.featureNames.length;
    if (inputSize === 0) {
      input.close();
      throw new InputError('no features to feed the network', { source: input.source });
    }
    const opened = input;
    model = await loadModel(flags, env, inputSize).catch((err: unknown) => {
      opened.close();
      throw err;
    });
  }

  writeNotes(env, [...model.notes, ...(input.notes ?? [])]);
  return { model, input, toX: recordToX(model.embedding, input.source, model.network.inputSize) };
}

/** What the loader assumed, one `gatescope: note:` line each on stderr (file text made visible where it was read). */
export function writeNotes(env: CliEnv, notes: readonly string[]): void {
  for (const n of notes) env.stderr.write(`gatescope: note: ${n}\n`);
}

/** A vocabulary must have one token per embedding row: any other size maps tokens to the wrong rows. */
function checkVocabSize(vocab: readonly string[], vocabPath: string, embedding: Embedding, weightsPath: string): void {
  if (vocab.length === embedding.vocabSize) return;
  throw new InputError(
    `the vocabulary has ${vocab.length} tokens but the embedding ${visible(embedding.name)} in ${visible(weightsPath)} has ${embedding.vocabSize} rows`,
    { source: vocabPath, hint: 'pass the vocabulary the model was trained with' },
  );
}

/** An .npy input held as bytes, with the model checked against it (see openNpyModel). */
export interface NpyModel {
  readonly model: Model;
  /** The file's bytes, as `read` returned them. */
  readonly bytes: Uint8Array;
  /** Its rows, read under `options`. */
  readonly rows: NpyRows;
  readonly options: InputOptions;
}

/**
 * An .npy file without io's records, as the viewer and stats read long files (trace/npy-rows.ts):
 * the rows straight from the file's bytes, with io's checks and messages. `read` gets the resolved
 * path and the size of a regular file and returns its bytes (the viewer's are shared with a worker).
 * The model is loaded and checked against the input exactly as for any other input: prepare()
 * opens it as the file's rows under the options it worked out (the width the weights expect, ...).
 * Null, before anything is read, when the input is not an .npy (by --input-format or extension),
 * not a regular file (missing, a FIFO, a directory), or over --max-input-bytes: the general path
 * then reads it and reports what is wrong.
 */
export async function openNpyModel(
  path: string,
  flags: PrepareFlags,
  env: CliEnv,
  read: (file: string, size: number) => Uint8Array,
): Promise<NpyModel | null> {
  if (path === '' || path === '-') return null;
  if (flags.inputFormat !== undefined ? flags.inputFormat !== 'npy' : extname(path).toLowerCase() !== '.npy') return null;
  const options = inputOptionsFrom(flags);
  let bytes: Uint8Array;
  try {
    const full = resolve(env.cwd, path);
    const st = statSync(full);
    if (!st.isFile() || st.size > (options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES)) return null;
    bytes = read(full, st.size);
  } catch {
    return null;
  }
  const rows = npyRows(bytes, path, options);
  const { model, input } = await prepare({ ...flags, inputFormat: 'npy' }, env, async (opts): Promise<InputStream> => {
    const checked = npyRows(bytes, path, opts);
    return { source: path, format: 'npy', featureNames: checked.featureNames, vocab: null, close() {}, async *[Symbol.asyncIterator]() {} };
  });
  input.close();
  return { model, bytes, rows, options };
}
