/**
 * Weights files in, a Network out. The format is detected from the content (never only the name).
 */
import type { CellKind } from '../../engine/index.js';
import { InputError } from '../errors.js';
import { networkFromStateDict, type LoadedWeights } from './pytorch.js';
import { parseStateDictJson } from './state-dict-json.js';

export type WeightsFormat = 'pytorch-json';

export interface LoadWeightsOptions {
  /** File name for messages. */
  source: string;
  /** --prefix */
  prefix?: string | undefined;
  /** --cell / --nonlinearity, when given. */
  kind?: CellKind | undefined;
  /** --weights-format, to skip detection. */
  format?: WeightsFormat | undefined;
}

export interface WeightsFile extends LoadedWeights {
  readonly format: WeightsFormat;
}

export function detectWeightsFormat(bytes: Uint8Array, source: string): WeightsFormat {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b /* { */) return 'pytorch-json';
  throw new InputError('unrecognised weights format: expected a PyTorch state_dict as JSON', { source });
}

export function loadWeights(bytes: Uint8Array, opts: LoadWeightsOptions): WeightsFile {
  const format = opts.format ?? detectWeightsFormat(bytes, opts.source);
  switch (format) {
    case 'pytorch-json': {
      const tensors = parseStateDictJson(new TextDecoder().decode(bytes), opts.source);
      return { format, ...networkFromStateDict(tensors, opts) };
    }
  }
}
