/**
 * From flags to a ready model and an open input: the weights file (or seeded random weights sized
 * to the input), the initial state, the optional linear head and embedding, and the sequence.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cellLabel, randomNetwork, type CellKind, type InitialState, type Network } from '../engine/index.js';
import { InputError } from '../io/errors.js';
import { parseInitialState } from '../io/initial-state.js';
import type { InputOptions, InputRecord, InputStream } from '../io/input.js';
import { openInput } from '../io/read-input.js';
import { parseVocab } from '../io/text.js';
import { loadWeights, type WeightsFile } from '../io/weights/index.js';
import type { Tensor } from '../io/weights/tensor.js';
import type { CliEnv } from './env.js';
import { UsageError } from './errors.js';
import { cellKindFrom, inputOptionsFrom, nonNegativeInt, positiveInt, type InputFlags, type ModelFlags } from './options.js';

/** A linear read-out on the last layer's output y_t: pred = W y + b. */
export interface LinearHead {
  /** (O, H*dirs) */
  readonly weight: Float32Array;
  /** (O) */
  readonly bias: Float32Array | null;
  readonly outSize: number;
}

/** A token embedding for text input: x_t = weight[token]. */
export interface Embedding {
  /** (V, D) */
  readonly weight: Float32Array;
  readonly vocabSize: number;
  readonly name: string;
}

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

/** Reads a weights file named by the user (relative to the working directory). */
export async function readWeightsFile(path: string, flags: ModelFlags, env: CliEnv): Promise<WeightsFile> {
  const bytes = await readFile(resolve(env.cwd, path));
  // `--cell rnn` alone accepts either nonlinearity from a file that states it (ONNX, Keras)
  const anyRnn = flags.cell === 'rnn' && flags.nonlinearity === undefined;
  const file = loadWeights(bytes, {
    source: path,
    prefix: flags.prefix,
    kind: anyRnn ? undefined : cellKindFrom(flags),
    format: flags.weightsFormat,
    node: flags.node,
    layout: flags.layout,
  });
  if (anyRnn && file.network.kind !== 'rnn_tanh' && file.network.kind !== 'rnn_relu') {
    throw new InputError(`the weights are a ${cellLabel(file.network.kind)}, not an RNN as --cell says`, { source: path });
  }
  return file;
}

function tensorHead(file: WeightsFile, source: string, yWidth: number): LinearHead | null {
  const w = file.extra.get('head.weight');
  if (w === undefined) return null;
  const b = file.extra.get('head.bias') ?? null;
  if (w.shape.length !== 2 || w.shape[1] !== yWidth) {
    throw new InputError(`expected [outputs, ${yWidth}] (outputs x H*directions), got [${w.shape.join(', ')}]`, {
      source,
      tensor: 'head.weight',
    });
  }
  if (b !== null && (b.shape.length !== 1 || b.shape[0] !== w.shape[0])) {
    throw new InputError(`expected [${w.shape[0]}], got [${b.shape.join(', ')}]`, { source, tensor: 'head.bias' });
  }
  return { weight: w.data, bias: b?.data ?? null, outSize: w.shape[0]! };
}

function tensorEmbedding(file: WeightsFile, source: string, inputSize: number): Embedding | null {
  for (const name of ['embedding.weight', 'encoder.weight', 'embed.weight']) {
    const t: Tensor | undefined = file.extra.get(name);
    if (t === undefined) continue;
    if (t.shape.length !== 2 || t.shape[1] !== inputSize) {
      throw new InputError(`expected [vocabulary, ${inputSize}] (the network's input size), got [${t.shape.join(', ')}]`, {
        source,
        tensor: name,
      });
    }
    return { weight: t.data, vocabSize: t.shape[0]!, name };
  }
  return null;
}

async function readInitialState(path: string | undefined, network: Network, env: CliEnv): Promise<InitialState | undefined> {
  if (path === undefined) return undefined;
  const text = await readFile(resolve(env.cwd, path), 'utf8');
  return parseInitialState(text, path, network);
}

async function readVocab(path: string | undefined, env: CliEnv): Promise<string[] | undefined> {
  if (path === undefined) return undefined;
  return parseVocab(await readFile(resolve(env.cwd, path), 'utf8'), path);
}

/** Loads the model and opens the input, checking that they fit each other. */
export async function prepare(flags: PrepareFlags, env: CliEnv): Promise<Prepared> {
  // yargs reads a lone `-` as an empty string
  const inputPath = flags.input === undefined || flags.input === '' ? '-' : flags.input;
  if (inputPath === '-' && env.stdin.isTTY === true) {
    throw new UsageError('no input: name a sequence file, or pipe one in (cat x.csv | gatescope run -)');
  }
  const kindFlag = cellKindFrom(flags);
  const inputOpts: InputOptions = inputOptionsFrom(flags);
  const vocab = await readVocab(flags.vocab, env);
  if (vocab !== undefined) inputOpts.vocab = vocab;
  const hiddenSize = positiveInt('hidden-size', flags.hiddenSize, 4096);
  const layers = positiveInt('layers', flags.layers, 64);
  const seed = nonNegativeInt('seed', flags.seed);

  let model: Model;
  let input: InputStream;
  if (flags.weights !== undefined) {
    for (const key of RANDOM_ONLY) {
      if (flags[key] !== undefined) throw new UsageError(`${FLAG_NAMES[key]} sets up random weights; it cannot be used with --weights`);
    }
    const file = await readWeightsFile(flags.weights, flags, env);
    const network = file.network;
    const embedding = tensorEmbedding(file, flags.weights, network.inputSize);
    const head = tensorHead(file, flags.weights, network.hiddenSize * network.directions.length);
    const init = (await readInitialState(flags.initialState, network, env)) ?? file.initialState ?? undefined;
    if (embedding === null) inputOpts.expectedWidth = network.inputSize;
    input = await openInput(inputPath, inputOpts, env.stdin);
    model = {
      network,
      init,
      head,
      embedding,
      weightsSource: flags.weights,
      weightsFormat: file.format,
      seed: null,
    };
    if (embedding !== null && input.vocab === null) {
      input.close();
      throw new InputError(`the weights have an embedding (${embedding.name}); expected text input (--input-format text)`, {
        source: input.source,
      });
    }
  } else {
    input = await openInput(inputPath, inputOpts, env.stdin);
    const kind: CellKind = kindFlag ?? 'lstm';
    const inputSize = input.featureNames.length;
    if (inputSize === 0) {
      input.close();
      throw new InputError('no features to feed the network', { source: input.source });
    }
    const network = randomNetwork({
      kind,
      inputSize,
      hiddenSize: hiddenSize ?? 8,
      numLayers: layers ?? 1,
      bidirectional: flags.bidirectional ?? false,
      seed: seed ?? 0,
    });
    const init = await readInitialState(flags.initialState, network, env).catch((err: unknown) => {
      input.close();
      throw err;
    });
    model = { network, init, head: null, embedding: null, weightsSource: null, weightsFormat: null, seed: seed ?? 0 };
  }

  const { embedding } = model;
  const D = model.network.inputSize;
  const toX =
    embedding === null
      ? (r: InputRecord) => r.values
      : (r: InputRecord) => {
          const token = r.token ?? -1;
          if (token < 0 || token >= embedding.vocabSize) {
            throw new InputError(`token ${JSON.stringify(r.label)} (index ${token}) is outside the embedding's ${embedding.vocabSize} rows`, {
              source: input.source,
              line: r.line,
            });
          }
          return Float64Array.from(embedding.weight.subarray(token * D, (token + 1) * D));
        };
  return { model, input, toX };
}

/** head(y): the prediction at one step. */
export function applyHead(head: LinearHead, y: Float64Array): Float64Array {
  const out = new Float64Array(head.outSize);
  const n = y.length;
  for (let o = 0; o < head.outSize; o++) {
    let s = head.bias === null ? 0 : head.bias[o]!;
    for (let j = 0; j < n; j++) s += head.weight[o * n + j]! * y[j]!;
    out[o] = s;
  }
  return out;
}
