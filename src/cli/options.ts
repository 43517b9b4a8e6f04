/**
 * Option groups shared by the commands, declared once so that every command spells and validates
 * them the same way. Values are checked here (choices, integer ranges) before anything runs.
 */
import type { Argv } from 'yargs';
import { aCell, gateCount, type CellKind } from '../engine/index.js';
import type { InputFormat, InputOptions } from '../io/input.js';
import { WEIGHTS_FORMATS, type WeightsFormat } from '../io/weights/index.js';
import { UsageError } from './errors.js';
import { visible } from '../io/errors.js';

export const CELL_CHOICES = ['lstm', 'gru', 'rnn', 'mingru', 'minlstm', 'slstm', 'mlstm'] as const;
export const INPUT_FORMATS = ['csv', 'tsv', 'ws', 'json', 'ndjson', 'npy', 'text'] as const;

/** --cell and --nonlinearity; `purpose` ends each description, e.g. 'checked against a weights file'. */
export function withCellOptions<T>(y: Argv<T>, purpose: string) {
  return y
    .option('cell', { type: 'string', choices: CELL_CHOICES, describe: `cell kind (${purpose})` })
    .option('nonlinearity', { type: 'string', choices: ['tanh', 'relu'] as const, describe: 'RNN nonlinearity (weights files cannot tell)' });
}

/** The shape of a network made here: --hidden-size, --layers, --heads, --bidirectional. */
export function withSizeOptions<T>(y: Argv<T>, hiddenDefault: number, what = '') {
  return y
    .option('hidden-size', { type: 'number', describe: `hidden size H${what} [default: ${hiddenDefault}]` })
    .option('layers', { type: 'number', describe: `stacked layers${what} [default: 1]` })
    .option('heads', { type: 'number', describe: `sLSTM, mLSTM: heads NH, dividing H${what} [default: 1]` })
    .option('bidirectional', { type: 'boolean', describe: `bidirectional layers${what}` });
}

/** The flags that say how to read a weights file (shared by run, view, stats, inspect, ...). */
export function withWeightsOptions<T>(y: Argv<T>) {
  return withCellOptions(y, 'random weights; checked against a weights file')
    .option('weights-format', { type: 'string', choices: WEIGHTS_FORMATS, describe: 'force the weights format instead of detecting it' })
    .option('prefix', { type: 'string', describe: 'module prefix in a whole-model state_dict, e.g. "lstm."' })
    .option('checkpoint-key', { type: 'string', describe: 'which entry of a torch checkpoint dict holds the model, e.g. "model_state_dict"' })
    .option('layout', { type: 'string', choices: ['pytorch', 'keras'] as const, describe: 'read tensor names as PyTorch\'s or Keras\'s (default: detected)' })
    .option('node', { type: 'string', describe: 'ONNX node name when the graph has several recurrent nodes' })
    .option('head', { type: 'string', describe: 'the Linear after the recurrent module, by module or tensor name (fc, decoder.weight), or none [default: found from the shapes]' })
    .option('embedding', { type: 'string', describe: 'the token embedding, by module or tensor name (embed, encoder.embedding), or none [default: found from the shapes]' })
    .option('max-weights-bytes', { type: 'string', describe: 'refuse a weights file larger than this (e.g. 2G) [default: 1G]' });
}

export function withModelOptions<T>(y: Argv<T>) {
  return withSizeOptions(withWeightsOptions(y), 8, ' for random weights')
    .option('weights', { alias: 'w', type: 'string', describe: 'weights file (PyTorch .pt/.pth/.bin or state_dict JSON, safetensors, ONNX, Keras JSON)' })
    .option('seed', { type: 'number', describe: 'seed of the random weights [default: 0]' })
    .option('initial-state', { type: 'string', describe: 'JSON {"h0": [[...]], "c0": [[...]]}, rows l0 fwd, l0 rev, l1 fwd, ...' });
}

export function withInputOptions<T>(y: Argv<T>) {
  return y
    .option('input-format', { type: 'string', choices: INPUT_FORMATS, describe: 'input format (default: from the extension, then the content)' })
    .option('columns', { type: 'string', describe: 'features to use, by header name or 0-based index: a,c or 0,2' })
    .option('header', { type: 'boolean', describe: 'the first CSV row is a header (default: detected)' })
    .option('batch-index', { type: 'number', describe: 'which sequence of a batched .npy [T,B,D] / [B,T,D] to show [default: 0]' })
    .option('batch-first', { type: 'boolean', describe: 'a 3-d .npy is [B, T, D]; --no-batch-first: [T, B, D] (needed when both dimensions exceed 1)' })
    .option('tokens', { type: 'string', choices: ['chars', 'words'] as const, describe: 'text input: one step per character or per word' })
    .option('vocab', { type: 'string', describe: 'text input: vocabulary file, one token per line' })
    .option('allow-nan', { type: 'boolean', describe: 'accept NaN and Inf in the input instead of stopping' })
    .option('max-line-bytes', { type: 'string', describe: 'refuse a CSV/NDJSON line longer than this (e.g. 64M) [default: 16M]' })
    .option('max-input-bytes', { type: 'string', describe: 'refuse a JSON/NPY/text input, state or vocabulary file larger than this [default: 1G]' });
}

/** The flags of withCellOptions. */
export interface CellFlags {
  cell?: (typeof CELL_CHOICES)[number] | undefined;
  nonlinearity?: 'tanh' | 'relu' | undefined;
}

/** The flags of withSizeOptions. */
export interface SizeFlags {
  hiddenSize?: number | undefined;
  layers?: number | undefined;
  heads?: number | undefined;
  bidirectional?: boolean | undefined;
}

/** The model flags after validation. */
export interface ModelFlags extends CellFlags, SizeFlags {
  weights?: string | undefined;
  weightsFormat?: WeightsFormat | undefined;
  prefix?: string | undefined;
  checkpointKey?: string | undefined;
  node?: string | undefined;
  layout?: 'pytorch' | 'keras' | undefined;
  /** --head: the Linear head by module or tensor name, or 'none'. */
  head?: string | undefined;
  /** --embedding: the token embedding by module or tensor name, or 'none'. */
  embedding?: string | undefined;
  seed?: number | undefined;
  initialState?: string | undefined;
  maxWeightsBytes?: string | undefined;
}

/** The input flags after validation. */
export interface InputFlags {
  inputFormat?: InputFormat | undefined;
  columns?: string | undefined;
  header?: boolean | undefined;
  batchIndex?: number | undefined;
  batchFirst?: boolean | undefined;
  tokens?: 'chars' | 'words' | undefined;
  vocab?: string | undefined;
  allowNan?: boolean | undefined;
  maxLineBytes?: string | undefined;
  maxInputBytes?: string | undefined;
}

export function positiveInt(name: string, value: number | undefined, max = 1 << 20): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}

export function nonNegativeInt(name: string, value: number | undefined, max = 2 ** 32 - 1): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new UsageError(`--${name} must be a whole number from 0 to ${max}, got ${value}`);
  }
  return value;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** 2^53 - 1 bytes: beyond any disk, still an exact number. */
const MAX_BYTE_LIMIT = Number.MAX_SAFE_INTEGER;

/** A size flag such as `--max-line-bytes 64M`: a whole number of bytes, or K, M, G (powers of 1024). */
export function byteSize(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*([KMG]?)(?:i?B)?\s*$/i.exec(String(value));
  const n = m ? Number(m[1]) * UNITS[m[2]!.toUpperCase()]! : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BYTE_LIMIT) {
    throw new UsageError(`--${name} must be a size in bytes such as 65536, 64K, 16M or 2G, got "${visible(String(value), 40)}"`);
  }
  return n;
}

/** --cell and --nonlinearity as the engine's CellKind, or undefined when neither was given. */
export function cellKindFrom(flags: ModelFlags): CellKind | undefined {
  if (flags.nonlinearity !== undefined && flags.cell !== undefined && flags.cell !== 'rnn') {
    throw new UsageError(`--nonlinearity applies to --cell rnn, not --cell ${flags.cell}`);
  }
  if (flags.cell === 'lstm' || flags.cell === 'gru' || flags.cell === 'mingru' || flags.cell === 'minlstm' || flags.cell === 'slstm' || flags.cell === 'mlstm') return flags.cell;
  if (flags.cell === 'rnn' || flags.nonlinearity !== undefined) return flags.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh';
  return undefined;
}

/** Input flags as io's InputOptions (the vocabulary file is read by the loader). */
export function inputOptionsFrom(flags: InputFlags): InputOptions {
  const opts: InputOptions = {};
  if (flags.inputFormat !== undefined) opts.format = flags.inputFormat;
  if (flags.columns !== undefined) {
    const cols = flags.columns.split(',').map((c) => c.trim());
    if (cols.some((c) => c === '')) throw new UsageError(`--columns has an empty name: "${visible(flags.columns, 80)}"`);
    opts.columns = cols;
  }
  if (flags.header !== undefined) opts.header = flags.header;
  const bi = nonNegativeInt('batch-index', flags.batchIndex);
  if (bi !== undefined) opts.batchIndex = bi;
  if (flags.batchFirst !== undefined) opts.batchFirst = flags.batchFirst;
  if (flags.tokens !== undefined) opts.tokens = flags.tokens;
  if (flags.allowNan !== undefined) opts.allowNonFinite = flags.allowNan;
  const maxLine = byteSize('max-line-bytes', flags.maxLineBytes);
  if (maxLine !== undefined) opts.maxLineBytes = maxLine;
  const maxInput = byteSize('max-input-bytes', flags.maxInputBytes);
  if (maxInput !== undefined) opts.maxInputBytes = maxInput;
  return opts;
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
  if ((spec.kind === 'mingru' || spec.kind === 'minlstm') && spec.bidirectional) {
    throw new UsageError(`--bidirectional: a ${spec.kind === 'mingru' ? 'minGRU' : 'minLSTM'} runs forward only (the paper's cell)`);
  }
  if (spec.kind === 'mlstm' && spec.bidirectional) throw new UsageError("--bidirectional: an mLSTM runs forward only here (its reference module names no reverse direction)");
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
export function randomSizeFlags(flags: ModelFlags): { hiddenSize: number | undefined; layers: number | undefined; seed: number | undefined } {
  return {
    hiddenSize: positiveInt('hidden-size', flags.hiddenSize, 4096),
    layers: positiveInt('layers', flags.layers, 64),
    seed: nonNegativeInt('seed', flags.seed),
  };
}

const RANDOM_ONLY = { hiddenSize: '--hidden-size', layers: '--layers', heads: '--heads', bidirectional: '--bidirectional', seed: '--seed' } as const;

/**
 * --heads for a network made here: NH of an sLSTM or mLSTM (a positive integer dividing H), else
 * refused; {} when not given (one head), so the result spreads into a network spec.
 */
export function headsFlag(flags: SizeFlags, kind: CellKind, hiddenSize: number): { numHeads?: number } {
  const NH = positiveInt('heads', flags.heads, 4096);
  if (NH === undefined) return {};
  if (kind !== 'slstm' && kind !== 'mlstm') throw new UsageError(`--heads is for an sLSTM or mLSTM (${aCell(kind)} has no heads)`);
  if (hiddenSize % NH !== 0) throw new UsageError(`--heads ${NH} does not divide --hidden-size ${hiddenSize}`);
  return { numHeads: NH };
}

/** The size flags set up random weights, --head and --embedding name tensors of a weights file: each only on its side. */
export function checkWeightsFlags(flags: ModelFlags): void {
  if (flags.weights !== undefined) {
    for (const [key, flag] of Object.entries(RANDOM_ONLY)) {
      if (flags[key as keyof typeof RANDOM_ONLY] !== undefined) throw new UsageError(`${flag} sets up random weights; it cannot be used with --weights`);
    }
    return;
  }
  for (const [flag, v] of [['--head', flags.head], ['--embedding', flags.embedding]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} names a tensor of a weights file; it needs --weights`);
  }
}
