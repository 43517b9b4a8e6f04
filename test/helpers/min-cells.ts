import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../src/io/weights/tensor.js';
import type { Network } from '../../src/engine/index.js';
import { ROOT } from './build.js';

/** fixtures/min-cells: minGRU/minLSTM cases from make_min_cells.py (torch 1.13). */
export const MIN_CELLS_DIR = join(ROOT, 'fixtures', 'min-cells');

export interface MinCellCase {
  name: string;
  cell: 'mingru' | 'minlstm';
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  names: 'paper' | 'lucidrains';
  state_dict: Record<string, unknown>;
  input: number[][];
  h0: number[][] | null;
  /** [layer][t]: z, n (minGRU) or f, i, n (minLSTM), and h */
  layers: Record<string, number[]>[][];
  output: number[][];
  h_n: number[][];
  wy: number[][];
  /** parameter gradients by their state_dict names, and `input`, `h0` */
  grads: Record<string, number[] | number[][]>;
  memory: { x: number[]; h: number[] };
}

export interface MinCellIndexEntry {
  name: string;
  cell: string;
  layers: number;
  T: number;
  files: string[];
}

export function minCellIndex(): MinCellIndexEntry[] {
  return (JSON.parse(readFileSync(join(MIN_CELLS_DIR, 'index.json'), 'utf8')) as { cases: MinCellIndexEntry[] }).cases;
}

export function minCellCase(name: string): MinCellCase {
  return { ...(JSON.parse(readFileSync(join(MIN_CELLS_DIR, `${name}.json`), 'utf8')) as Omit<MinCellCase, 'name'>), name };
}

/** The case's network through the state_dict loader (so its names are tested too). */
export function minCellNetwork(c: MinCellCase): Network {
  const tensors = new Map<string, Tensor>(Object.entries(c.state_dict).map(([k, v]) => [k, tensorFromNested(v, k, c.name)]));
  return networkFromStateDict(tensors, { source: `${c.name}.json` }).network;
}
