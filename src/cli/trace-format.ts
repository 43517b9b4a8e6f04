/**
 * The trace as text for pipelines and notebooks: NDJSON (one object per step), one JSON document,
 * or CSV (one row per step). All three carry the same numbers in the same order.
 *
 *   {"t": 0, "x": [...], "layers": [{"forward": {"i": [...], ...}, "reverse": {...}}], "y": [...]}
 *
 * `layers[k]` has one key per direction the network has; LSTM states are i f g o c h, GRU r z n h,
 * RNN h; `y` is the last layer's output at t (PyTorch's output[t]); `pred` is the linear head's
 * prediction when the weights have one.
 */
import { gateCount, STATE_NAMES, type Network, type NetworkStep, type StepRecord } from '../engine/index.js';

/** The values of one traced state of one direction at one step. */
export function stateValues(kind: Network['kind'], rec: StepRecord, name: string, H: number): Float64Array {
  if (name === 'h') return rec.h;
  if (name === 'c') return rec.c!;
  const gi = STATE_NAMES[kind].indexOf(name);
  if (gi < 0 || gi >= gateCount(kind)) throw new Error(`no state ${name} in ${kind}`);
  return rec.gates.subarray(gi * H, (gi + 1) * H);
}

export interface StepObject {
  t: number;
  x: number[];
  layers: Record<string, Record<string, number[]>>[];
  y: number[];
  pred?: number[];
}

export function stepObject(net: Network, t: number, x: ArrayLike<number>, step: NetworkStep, pred: Float64Array | null): StepObject {
  const H = net.hiddenSize;
  const names = STATE_NAMES[net.kind];
  const layers = step.layers.map((dirs) => {
    const layer: Record<string, Record<string, number[]>> = {};
    net.directions.forEach((dir, d) => {
      const states: Record<string, number[]> = {};
      for (const name of names) states[name] = Array.from(stateValues(net.kind, dirs[d]!, name, H));
      layer[dir] = states;
    });
    return layer;
  });
  const obj: StepObject = { t, x: Array.from(x), layers, y: Array.from(step.y) };
  if (pred !== null) obj.pred = Array.from(pred);
  return obj;
}

/** CSV header: t, x0.., l0.forward.i.0, ..., y.0.., pred.0.. */
export function csvHeader(net: Network, inputNames: readonly string[], predSize: number): string {
  const cols = ['t', ...inputNames.map((_, j) => `x${j}`)];
  const names = STATE_NAMES[net.kind];
  for (let k = 0; k < net.numLayers; k++) {
    for (const dir of net.directions) {
      for (const name of names) for (let u = 0; u < net.hiddenSize; u++) cols.push(`l${k}.${dir}.${name}.${u}`);
    }
  }
  for (let u = 0; u < net.hiddenSize * net.directions.length; u++) cols.push(`y.${u}`);
  for (let u = 0; u < predSize; u++) cols.push(`pred.${u}`);
  return cols.join(',');
}

export function csvRow(net: Network, t: number, x: ArrayLike<number>, step: NetworkStep, pred: Float64Array | null): string {
  const parts: string[] = [String(t)];
  for (let j = 0; j < x.length; j++) parts.push(String(x[j]));
  const names = STATE_NAMES[net.kind];
  for (const dirs of step.layers) {
    net.directions.forEach((_, d) => {
      for (const name of names) for (const v of stateValues(net.kind, dirs[d]!, name, net.hiddenSize)) parts.push(String(v));
    });
  }
  for (const v of step.y) parts.push(String(v));
  if (pred !== null) for (const v of pred) parts.push(String(v));
  return parts.join(',');
}
