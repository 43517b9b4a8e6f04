/**
 * `gatescope init`: seeded random weights as a PyTorch state_dict in JSON, the same numbers the
 * viewer and `run` use when no --weights is given (same cell, sizes and seed).
 */
import type { Argv } from 'yargs';
import { randomNetwork } from '../../engine/index.js';
import { stateDictFromNetwork } from '../../io/weights/pytorch.js';
import type { CliEnv } from '../env.js';
import { EXIT, UsageError } from '../errors.js';
import { cellKindFrom, checkRandomSize, headsFlag, nonNegativeInt, positiveInt, withCellOptions, withSizeOptions, type CellFlags, type SizeFlags } from '../options.js';
import { fileSink, stdoutSink } from '../output.js';

export interface InitArgs extends CellFlags, SizeFlags {
  inputSize: number;
  bias?: boolean | undefined;
  seed?: number | undefined;
  output?: string | undefined;
}

/** Most numbers `init` writes (2^24): beyond this the JSON text runs to gigabytes. */
export const MAX_INIT_PARAMETERS = 2 ** 24;

export const command = 'init';
export const describe = 'write seeded random weights as a PyTorch state_dict (JSON)';

export function builder<T>(y: Argv<T>) {
  return withSizeOptions(withCellOptions(y, 'default: lstm'), 8)
    .option('input-size', { alias: 'D', type: 'number', demandOption: true, describe: 'features per time step (D)' })
    .option('bias', { type: 'boolean', describe: 'include bias vectors [default: true]' })
    .option('seed', { type: 'number', describe: 'random seed [default: 0]' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .example('$0 init --input-size 3 --hidden-size 16 > weights.json', 'an LSTM for 3 features');
}

export async function handler(args: InitArgs, env: CliEnv): Promise<number> {
  const inputSize = positiveInt('input-size', args.inputSize, 1 << 16);
  if (inputSize === undefined) throw new UsageError('--input-size is required');
  const spec = {
    kind: cellKindFrom(args) ?? 'lstm',
    inputSize,
    hiddenSize: positiveInt('hidden-size', args.hiddenSize, 4096) ?? 8,
    numLayers: positiveInt('layers', args.layers, 64) ?? 1,
    bidirectional: args.bidirectional ?? false,
  };
  // The whole state_dict becomes JSON text: 2^24 numbers is already some 400 MB of it.
  checkRandomSize(spec, MAX_INIT_PARAMETERS);
  const network = randomNetwork({
    ...spec,
    ...headsFlag(args, spec.kind, spec.hiddenSize),
    bias: args.bias ?? true,
    seed: nonNegativeInt('seed', args.seed) ?? 0,
  });
  const dict = stateDictFromNetwork(network);
  const sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    // One tensor at a time: the whole document as one string could pass V8's string limit.
    const entries = Object.entries(dict);
    await sink.write('{\n');
    for (let k = 0; k < entries.length; k++) {
      const [name, value] = entries[k]!;
      await sink.write(`  ${JSON.stringify(name)}: ${JSON.stringify(value)}${k < entries.length - 1 ? ',' : ''}\n`);
      if (sink.closed) break;
    }
    await sink.write('}\n');
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return EXIT.ok;
}
