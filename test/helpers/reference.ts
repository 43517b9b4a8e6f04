import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/reference next to the repository (laid out by the workplace and by CI). */
export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'reference');

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

export function referenceCases(): ReferenceCase[] {
  const index = JSON.parse(readFileSync(join(REFERENCE_DIR, 'index.json'), 'utf8')) as { cases: { file: string }[] };
  return index.cases.map((c) => ({
    file: c.file,
    ...(JSON.parse(readFileSync(join(REFERENCE_DIR, c.file), 'utf8')) as Omit<ReferenceCase, 'file'>),
  }));
}
