/**
 * Seeded random networks with PyTorch's initialisation: every weight and bias drawn from
 * U(-1/sqrt(H), 1/sqrt(H)). The draw order is PyTorch's parameter order (layer by layer, forward
 * then reverse, weight_ih, weight_hh, bias_ih, bias_hh, each row-major) from one mulberry32 stream
 * seeded with `seed`, so a (spec, seed) pair always gives the same numbers. The values are not
 * PyTorch's own random numbers (its generator is different), only the same distribution.
 */
import { createRng } from './random.js';
import { gateCount, isMinCell, layerInputSize, mlstmInputRows } from './shapes.js';
import type { CellKind, Direction, DirectionParams, Network } from './types.js';

export interface RandomNetworkOptions {
  kind: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  bias?: boolean;
  seed?: number;
  /** sLSTM and mLSTM only: NH heads (dividing hiddenSize). @default 1 */
  numHeads?: number;
}

export function randomNetwork(opts: RandomNetworkOptions): Network {
  const numLayers = opts.numLayers ?? 1;
  const bias = opts.bias ?? true;
  const directions: Direction[] = opts.bidirectional ? ['forward', 'reverse'] : ['forward'];
  const H = opts.hiddenSize;
  const G = gateCount(opts.kind);
  const bound = 1 / Math.sqrt(H);
  const rng = createRng(opts.seed ?? 0);
  const fill = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform(-bound, bound);
    return a;
  };
  const heads = opts.kind === 'slstm' || opts.kind === 'mlstm';
  const NH = heads ? opts.numHeads ?? 1 : 1;
  const spec = { kind: opts.kind, inputSize: opts.inputSize, hiddenSize: H, numLayers, directions, bias, ...(heads ? { numHeads: NH } : {}) };
  const layers: DirectionParams[][] = [];
  for (let k = 0; k < numLayers; k++) {
    const din = layerInputSize(spec, k);
    layers.push(
      directions.map(() => {
        // mLSTM: one nn.Linear per projection and gate (bound 1/sqrt(Din)), no recurrent weights
        if (opts.kind === 'mlstm') {
          const rows = mlstmInputRows(H, NH);
          const b = 1 / Math.sqrt(din);
          const wIh = fill(rows * din);
          for (let i = 0; i < wIh.length; i++) wIh[i] = wIh[i]! * b / bound;
          return { inputSize: din, hiddenSize: H, wIh, wHh: new Float32Array(0), bIh: bias ? fill(rows) : null, bHh: null };
        }
        const wIh = fill(G * H * din);
        // minGRU/minLSTM: no recurrent weights (bound 1/sqrt(Din), nn.Linear's, for their W_ih)
        if (isMinCell(opts.kind)) {
          const b = 1 / Math.sqrt(din);
          for (let i = 0; i < wIh.length; i++) wIh[i] = wIh[i]! * b / bound;
          return { inputSize: din, hiddenSize: H, wIh, wHh: new Float32Array(0), bIh: bias ? fill(G * H) : null, bHh: null };
        }
        // sLSTM: its heads' blocks (4H, DH) and one bias
        if (opts.kind === 'slstm') return { inputSize: din, hiddenSize: H, wIh, wHh: fill(G * H * (H / NH)), bIh: bias ? fill(G * H) : null, bHh: null };
        const wHh = fill(G * H * H);
        const bIh = bias ? fill(G * H) : null;
        const bHh = bias ? fill(G * H) : null;
        return { inputSize: din, hiddenSize: H, wIh, wHh, bIh, bHh };
      }),
    );
  }
  return { ...spec, layers };
}
