/**
 * The model around the recurrent network: an optional token embedding before it and an optional
 * linear head after it, PyTorch's nn.Embedding and nn.Linear:
 *
 *   x_t    = E[token_t]          E: (V, D)   when the input is tokens; else x_t is the input's values
 *   y_t    = network(x_1..x_t)   y_t: (Y)    Y = Hout * dirs (Hout = P for a projected LSTM, else H)
 *   pred_t = W y_t + b           W: (O, Y)   b: (O), or no bias
 *
 * The math of both parts lives here, once: the trainer, the trace and the CLI use it.
 */
import { ShapeError } from './network.js';
import type { Rng } from './random.js';
import { outputSize } from './shapes.js';
import type { Network, NetworkSpec } from './types.js';

/** A linear read-out on the last layer's output y_t: pred = W y + b. */
export interface LinearHead {
  /** Y: the last layer's output width (headInputSize of the network). */
  readonly inSize: number;
  /** O */
  readonly outSize: number;
  /** (O, Y) row-major */
  readonly weight: Float32Array;
  /** (O), or null for a Linear without bias */
  readonly bias: Float32Array | null;
}

/** A token embedding for text input: x_t = weight[token]. */
export interface Embedding {
  /** (V, D) row-major, D the network's input size */
  readonly weight: Float32Array;
  /** V */
  readonly vocabSize: number;
}

/** The network with what comes before and after it. */
export interface Model {
  readonly network: Network;
  /** Null when x_t is the input's values. */
  readonly embedding: Embedding | null;
  /** Null when nothing reads the network's output. */
  readonly head: LinearHead | null;
}

/** Y, what a head reads: the last layer's output width, Hout * dirs (never H * dirs: a projected LSTM's h is P wide). */
export function headInputSize(spec: NetworkSpec): number {
  return outputSize(spec) * spec.directions.length;
}

/** Refuses a head that does not read this network's output. */
export function checkHead(spec: NetworkSpec, head: LinearHead): void {
  const Y = headInputSize(spec);
  if (head.inSize !== Y) throw new ShapeError(`the head takes ${head.inSize} values but the network gives ${Y}`);
  if (head.weight.length !== head.outSize * Y) throw new ShapeError(`the head's weight has ${head.weight.length} values, expected ${head.outSize} x ${Y}`);
  if (head.bias !== null && head.bias.length !== head.outSize) throw new ShapeError(`the head's bias has ${head.bias.length} values, expected ${head.outSize}`);
}

/** PyTorch's nn.Linear initialisation: weight and bias from U(-1/sqrt(in), 1/sqrt(in)). */
export function randomHead(inSize: number, outSize: number, rng: Rng): LinearHead & { readonly bias: Float32Array } {
  const bound = 1 / Math.sqrt(inSize);
  const weight = new Float32Array(outSize * inSize);
  for (let i = 0; i < weight.length; i++) weight[i] = rng.uniform(-bound, bound);
  const bias = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) bias[i] = rng.uniform(-bound, bound);
  return { inSize, outSize, weight, bias };
}

/** (W y + b)[o]: one output of the head.   y: (Y) */
export function headOutput(head: LinearHead, y: ArrayLike<number>, o: number): number {
  const n = head.inSize;
  const off = o * n;
  let s = head.bias === null ? 0 : head.bias[o]!;
  for (let j = 0; j < n; j++) s += head.weight[off + j]! * y[j]!;
  return s;
}

/** out = W y + b, into the caller's buffer (each output summed as headOutput sums it).   y: (Y)  out: (O) */
export function headForward(head: LinearHead, y: ArrayLike<number>, out: Float64Array): void {
  const n = head.inSize;
  const { weight, bias } = head;
  for (let o = 0; o < head.outSize; o++) {
    const off = o * n;
    let s = bias === null ? 0 : bias[o]!;
    for (let j = 0; j < n; j++) s += weight[off + j]! * y[j]!;
    out[o] = s;
  }
}

/**
 * Given dL/dpred: gW += dpred y^T, gB += dpred (accumulated; null without a bias), dy = W^T dpred
 * (overwritten).   y: (Y)  dPred: (O)  gW: (O, Y)  gB: (O)  dy: (Y)
 */
export function headBackward(
  head: LinearHead,
  y: ArrayLike<number>,
  dPred: Float64Array,
  gW: Float64Array,
  gB: Float64Array | null,
  dy: Float64Array,
): void {
  const n = head.inSize;
  dy.fill(0);
  for (let o = 0; o < head.outSize; o++) {
    const g = dPred[o]!;
    if (gB !== null) gB[o] = gB[o]! + g;
    const off = o * n;
    for (let j = 0; j < n; j++) {
      gW[off + j] = gW[off + j]! + g * y[j]!;
      dy[j] = dy[j]! + head.weight[off + j]! * g;
    }
  }
}

/** Whether `token` has a row in the embedding. */
export function hasToken(emb: Embedding, token: number): boolean {
  return Number.isInteger(token) && token >= 0 && token < emb.vocabSize;
}

/** E[token]: the token's row (a view of the table, not a copy).   -> (D) */
export function embeddingRow(emb: Embedding, token: number): Float32Array {
  if (!hasToken(emb, token)) throw new ShapeError(`token ${token} is outside the embedding's ${emb.vocabSize} rows`);
  const D = emb.weight.length / emb.vocabSize;
  return emb.weight.subarray(token * D, (token + 1) * D);
}
