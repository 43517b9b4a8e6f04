import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build.js';


/**
 * The PyTorch reference cases. fixtures/reference is a verbatim copy of the workplace's
 * ../shared/reference (computed with PyTorch 1.13), kept in the repository so that a clone tests
 * the same numbers anywhere; test/engine/reference-copy.test.ts checks it still matches.
 */
export const REFERENCE_DIR = join(ROOT, 'fixtures', 'reference');
export const SHARED_REFERENCE_DIR = join(ROOT, '..', 'shared', 'reference');
export const hasSharedReference = existsSync(join(SHARED_REFERENCE_DIR, 'index.json'));

export interface ReferenceCase {
  file: string;
  name: string;
  cell: 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  bias: boolean;
  state_dict: Record<string, unknown>;
  input: number[][];
  h0?: number[][];
  c0?: number[][];
  output: number[][];
  h_n: number[][];
  c_n?: number[][];
  steps: Record<string, number[]>[];
}

export function referenceCases(dir = REFERENCE_DIR): ReferenceCase[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: { file: string }[] };
  return index.cases.map((c) => ({
    file: c.file,
    ...(JSON.parse(readFileSync(join(dir, c.file), 'utf8')) as Omit<ReferenceCase, 'file'>),
  }));
}
