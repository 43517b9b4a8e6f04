/**
 * The trace as text for pipelines and notebooks: NDJSON (one object per step), one JSON document,
 * or CSV (one row per step). All three carry the same numbers in the same order.
 *
 *   {"t": 0, "x": [...], "layers": [{"forward": {"i": [...], ...}, "reverse": {...}}], "y": [...]}
 *
 * `layers[k]` has one key per direction the network has; LSTM states are i f g o c h, GRU r z n h,
 * RNN h; `y` is the last layer's output at t (PyTorch's output[t]); `pred` is the linear head's
 * raw output (PyTorch's logits) when the weights have one. For a classifier or language model
 * (see Readout) `probs` is softmax(pred) and `top` the k most probable outputs, highest first, each
 * `{index, p}` and its `token` when the head has one output per vocabulary token.
 */
import { numHeadsOf, outputSize, recordState, softmax, STATE_NAMES, stateWidth, topK, type Network, type NetworkStep, type StepRecord } from '../engine/index.js';

/** What is written beside the head's raw output. */
export interface Readout {
  /** Softmax probabilities and the top k (0: neither). */
  readonly topK: number;
  /** The name of each head output (the vocabulary of a next-token model), or null. */
  readonly classNames: readonly string[] | null;
}

export const NO_READOUT: Readout = { topK: 0, classNames: null };

export interface TopGuess {
  index: number;
  p: number;
  token?: string;
}

function guesses(probs: Float64Array, readout: Readout): TopGuess[] {
  return topK(probs, readout.topK).map(({ index, p }) =>
    readout.classNames !== null ? { index, p, token: readout.classNames[index]! } : { index, p },
  );
}

/** The values of one traced state of one direction at one step. */
export function stateValues(kind: Network['kind'], rec: StepRecord, name: string, H: number): Float64Array {
  return recordState(kind, rec, name, H);
}

export interface StepObject {
  t: number;
  x: number[];
  layers: Record<string, Record<string, number[]>>[];
  y: number[];
  pred?: number[];
  probs?: number[];
  top?: TopGuess[];
}

export function stepObject(
  net: Network,
  t: number,
  x: ArrayLike<number>,
  step: NetworkStep,
  pred: Float64Array | null,
  readout: Readout = NO_READOUT,
): StepObject {
  const H = net.hiddenSize;
  const names = STATE_NAMES[net.kind];
  const layers = step.layers.map((dirs) => {
    const layer: Record<string, Record<string, number[]>> = {};
    net.directions.forEach((dir, d) => {
      const states: Record<string, number[]> = {};
      for (const name of names) states[name] = Array.from(stateValues(net.kind, dirs[d]!, name, H));
      // an mLSTM's matrix memories C (NH x DH x DH, head by head, row-major) after its per-unit states
      const c = dirs[d]!.c;
      if (net.kind === 'mlstm' && c !== null) states['C'] = Array.from(c.subarray(H + numHeadsOf(net)));
      layer[dir] = states;
    });
    return layer;
  });
  const obj: StepObject = { t, x: Array.from(x), layers, y: Array.from(step.y) };
  if (pred !== null) {
    obj.pred = Array.from(pred);
    if (readout.topK > 0) {
      const probs = softmax(pred);
      obj.probs = Array.from(probs);
      obj.top = guesses(probs, readout);
    }
  }
  return obj;
}

/**
 * CSV header: t, x0.., l0.forward.i.0, ..., y.0.., pred.0.., then for a classifier prob.0..,
 * top1.index, top1.p[, top1.token], ... The x columns are the network's input (D values: an
 * embedding row for text, not the vocabulary), as every row writes them.
 */
export function csvHeader(net: Network, predSize: number, readout: Readout = NO_READOUT): string {
  const cols = ['t'];
  for (let j = 0; j < net.inputSize; j++) cols.push(`x${j}`);
  const names = STATE_NAMES[net.kind];
  for (let k = 0; k < net.numLayers; k++) {
    for (const dir of net.directions) {
      // h has P columns for a projected LSTM (proj_size), every other state H
      for (const name of names) for (let u = 0; u < stateWidth(net, name); u++) cols.push(`l${k}.${dir}.${name}.${u}`);
    }
  }
  for (let u = 0; u < outputSize(net) * net.directions.length; u++) cols.push(`y.${u}`);
  for (let u = 0; u < predSize; u++) cols.push(`pred.${u}`);
  if (predSize > 0 && readout.topK > 0) {
    for (let u = 0; u < predSize; u++) cols.push(`prob.${u}`);
    for (let r = 1; r <= Math.min(readout.topK, predSize); r++) {
      cols.push(`top${r}.index`, `top${r}.p`);
      if (readout.classNames !== null) cols.push(`top${r}.token`);
    }
  }
  return cols.join(',');
}

/** Control characters as \u escapes (inert on a screen), the field quoted when CSV needs it. */
const CSV_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function csvText(s: string): string {
  const inert = s.replace(CSV_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return /[",\r\n]|^\s|\s$/.test(inert) || inert === '' ? `"${inert.replace(/"/g, '""')}"` : inert;
}

export function csvRow(
  net: Network,
  t: number,
  x: ArrayLike<number>,
  step: NetworkStep,
  pred: Float64Array | null,
  readout: Readout = NO_READOUT,
): string {
  const parts: string[] = [String(t)];
  for (let j = 0; j < x.length; j++) parts.push(String(x[j]));
  const names = STATE_NAMES[net.kind];
  for (const dirs of step.layers) {
    net.directions.forEach((_, d) => {
      for (const name of names) for (const v of stateValues(net.kind, dirs[d]!, name, net.hiddenSize)) parts.push(String(v));
    });
  }
  for (const v of step.y) parts.push(String(v));
  if (pred !== null) {
    for (const v of pred) parts.push(String(v));
    if (readout.topK > 0) {
      const probs = softmax(pred);
      for (const v of probs) parts.push(String(v));
      for (const g of guesses(probs, readout)) {
        parts.push(String(g.index), String(g.p));
        if (g.token !== undefined) parts.push(csvText(g.token));
      }
    }
  }
  return parts.join(',');
}
