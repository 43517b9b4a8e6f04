/**
 * `gatescope inspect WEIGHTS`: what a weights file holds (format, cell, sizes, every tensor with its
 * dtype, shape and role, which tensors run/stats/view take as the head and the embedding and why,
 * what is not used, metadata), without running anything.
 */
import type { Argv } from 'yargs';
import { describeWeights, formatWeightsDescription } from '../../io/weights/index.js';
import type { CliEnv } from '../env.js';
import { EXIT } from '../errors.js';
import { readWeights } from '../load.js';
import { cellKindFrom, withWeightsOptions, type CellFlags, type ModelFlags } from '../options.js';
import { inertJson, stdoutSink, writeWhole } from '../output.js';

export interface InspectArgs extends CellFlags {
  weights: string;
  weightsFormat?: ModelFlags['weightsFormat'];
  prefix?: string | undefined;
  checkpointKey?: string | undefined;
  layout?: ModelFlags['layout'];
  node?: string | undefined;
  head?: string | undefined;
  embedding?: string | undefined;
  json?: boolean | undefined;
  maxWeightsBytes?: string | undefined;
}

export const command = 'inspect <weights>';
export const describe = 'describe a weights file: format, cell, sizes, tensors, which are the head and the embedding, what is not used';

export function builder<T>(y: Argv<T>) {
  return withWeightsOptions(y)
    .positional('weights', { type: 'string', demandOption: true, describe: 'weights file (PyTorch .pt/.pth/.bin or state_dict JSON, safetensors, ONNX, Keras JSON)' })
    .option('json', { type: 'boolean', describe: 'print the description as JSON' })
    .example('$0 inspect model.safetensors', 'cell, sizes and every tensor')
    .example('$0 inspect model.onnx --node lstm_2', 'one of several recurrent nodes');
}

export async function handler(args: InspectArgs, env: CliEnv): Promise<number> {
  const flags: ModelFlags = {
    weightsFormat: args.weightsFormat,
    prefix: args.prefix,
    checkpointKey: args.checkpointKey,
    layout: args.layout,
    node: args.node,
    cell: args.cell,
    nonlinearity: args.nonlinearity,
    maxWeightsBytes: args.maxWeightsBytes,
  };
  cellKindFrom(flags); // validates --nonlinearity against --cell before reading anything
  const file = await readWeights(args.weights, flags, env);
  const desc = describeWeights(file, { source: args.weights, prefixGiven: args.prefix !== undefined, head: args.head, embedding: args.embedding });
  const text = args.json === true ? `${inertJson(desc, 2)}\n` : `${formatWeightsDescription(desc)}\n`;
  await writeWhole(stdoutSink(env), text);
  return EXIT.ok;
}
