import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** fixtures/weights, made by fixtures/weights/make_weights.py. */
export const WEIGHTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'weights');

export interface WeightsCase {
  file: string;
  expected: string;
  format: 'pytorch-json' | 'safetensors' | 'onnx' | 'keras-json';
  cell: 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
  tol: number;
  layers: number;
  directions: ('forward' | 'reverse')[];
  prefix?: string;
  kind?: 'rnn_relu';
  linearBeforeReset?: boolean;
  initialState?: boolean;
  peephole?: boolean;
  clip?: number | null;
  /** LSTM proj_size, when the network projects h. */
  projSize?: number;
  /** A JSON file of h0 (and c0) rows the expected trace started from. */
  init?: string;
}

export interface ExpectedTrace {
  input: number[][];
  output: number[][];
  h_n: number[][];
  c_n: number[][] | null;
  head?: number[][];
}

export function weightsCases(): WeightsCase[] {
  return (JSON.parse(readFileSync(join(WEIGHTS_DIR, 'index.json'), 'utf8')) as { cases: WeightsCase[] }).cases;
}

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(WEIGHTS_DIR, file)));
}

export function expectedTrace(file: string): ExpectedTrace {
  return JSON.parse(readFileSync(join(WEIGHTS_DIR, file), 'utf8')) as ExpectedTrace;
}
