/** A traced state of a step's record by name (h, c or a gate), as the trace store names them. */
import { GATE_NAMES, type Network, type NetworkStep } from '../../src/engine/index.js';

export function stateOf(net: Network, step: NetworkStep, name: string, k: number, d: number): Float64Array {
  const rec = step.layers[k]![d]!;
  if (name === 'h') return rec.h;
  if (name === 'c') return rec.c!;
  const H = net.hiddenSize;
  const gi = GATE_NAMES[net.kind].indexOf(name);
  if (gi < 0) throw new Error(`no state ${name} in a ${net.kind}`);
  return rec.gates.subarray(gi * H, (gi + 1) * H);
}
