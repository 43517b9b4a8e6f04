/**
 * `gatescope memory [input] --weights W`: how far back the network's memory reaches. For the last
 * layer's forward direction and its final hidden state h_{T-1}, per step t, the Frobenius norms of
 * d h_{T-1}/d x_t, d h_{T-1}/d h_t and (LSTM) d h_{T-1}/d c_t or (mLSTM) d h_{T-1}/d C_t, exact by backpropagation
 * (engine/memory.ts). `--compare OTHER` adds a second network's figures on the same input, such
 * as the remember demo's RNN twin.
 */
import type { Argv } from 'yargs';
import { memoryProfile, type MemoryProfile } from '../../engine/memory.js';
import { InputError } from '../../io/errors.js';
import type { CliEnv } from '../env.js';
import { EXIT } from '../errors.js';
import { holdAllSteps, prepare, readWeights, type PrepareFlags } from '../load.js';
import { byteSize, withInputOptions, withModelOptions } from '../options.js';
import { MAX_MEMORY_OPTION } from '../step-budget.js';
import { fileSink, stdoutSink, type Sink } from '../output.js';

export const MEMORY_FORMATS = ['json', 'csv'] as const;
export type MemoryFormat = (typeof MEMORY_FORMATS)[number];

export interface MemoryArgs extends PrepareFlags {
  format: MemoryFormat;
  output?: string | undefined;
  compare?: string | undefined;
  maxMemory?: string | undefined;
}

export const command = 'memory [input]';
export const describe = "how far back the final state depends on each step: ||dh_T/dx_t||, ||dh_T/dh_t||, ||dh_T/dc_t||";

export function builder<T>(y: Argv<T>) {
  return withInputOptions(withModelOptions(y))
    .positional('input', { type: 'string', describe: 'sequence file, or - for stdin (default: stdin)' })
    .option('format', { alias: 'f', type: 'string', choices: MEMORY_FORMATS, default: 'json' as MemoryFormat, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .option('compare', { type: 'string', describe: 'a second weights file measured on the same input (same input size)' })
    .option('max-memory', MAX_MEMORY_OPTION)
    .example('$0 memory fixtures/demos/remember/input.csv --weights fixtures/demos/remember/lstm.json', 'JSON, one step per line')
    .example('$0 memory seq.csv -w lstm.json --compare rnn.json --format csv', 'two networks side by side');
}

function round(v: number): number {
  return Number(v.toPrecision(8));
}

function stepsJson(p: MemoryProfile): string {
  return p.sensitivity
    .map((s) => JSON.stringify({ t: s.t, x: round(s.x), h: round(s.h), ...(s.c === undefined ? {} : { c: round(s.c) }), ...(s.C === undefined ? {} : { C: round(s.C) }) }))
    .join(',\n');
}

export function formatMemory(format: MemoryFormat, main: MemoryProfile, compare: { weights: string; profile: MemoryProfile } | null): string {
  if (format === 'csv') {
    const cols = (p: MemoryProfile, prefix: string): string[] => [`${prefix}x`, `${prefix}h`, ...(p.cell === 'lstm' ? [`${prefix}c`] : p.cell === 'mlstm' ? [`${prefix}C`] : [])];
    const vals = (p: MemoryProfile, t: number): string[] => {
      const s = p.sensitivity[t]!;
      return [s.x, s.h, ...(s.c === undefined ? [] : [s.c]), ...(s.C === undefined ? [] : [s.C])].map((v) => String(round(v)));
    };
    const header = ['t', ...cols(main, ''), ...(compare === null ? [] : cols(compare.profile, 'compare.'))];
    const rows = main.sensitivity.map((_, t) => [String(t), ...vals(main, t), ...(compare === null ? [] : vals(compare.profile, t))].join(','));
    return `${header.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
  }
  const head = `{"cell":${JSON.stringify(main.cell)},"T":${main.T},"sensitivity":[\n${stepsJson(main)}\n]`;
  if (compare === null) return `${head}}\n`;
  const c = compare.profile;
  return `${head},\n"compare":{"weights":${JSON.stringify(compare.weights)},"cell":${JSON.stringify(c.cell)},"T":${c.T},"sensitivity":[\n${stepsJson(c)}\n]}}\n`;
}

export async function handler(args: MemoryArgs, env: CliEnv): Promise<number> {
  byteSize('max-memory', args.maxMemory); // a bad size is a usage error before anything is read
  const prepared = await prepare(args, env);
  const { model } = prepared;
  // Every step is held for the backward pass: bounded by --max-memory, checked as the steps arrive.
  const { xs } = await holdAllSteps(prepared, args.maxMemory, 'memory', 'memory holds every step');
  const main = memoryProfile(model.network, xs, model.init);
  let compare: { weights: string; profile: MemoryProfile } | null = null;
  if (args.compare !== undefined) {
    const other = await readWeights(args.compare, {}, env);
    if (other.network.inputSize !== model.network.inputSize) {
      throw new InputError(`takes ${other.network.inputSize} inputs per step, the main network ${model.network.inputSize}: --compare needs the same input`, {
        source: args.compare,
      });
    }
    compare = { weights: args.compare, profile: memoryProfile(other.network, xs, other.initialState ?? undefined) };
  }
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    await sink.write(formatMemory(args.format, main, compare));
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return EXIT.ok;
}
