/**
 * runSequence with a nudge: the state of one layer, direction and step is moved by `delta` right
 * after that step computes it, and the rest of the run reacts. Finite differences over `delta`
 * give dL/dh_t and dL/dc_t as nodes of the graph, to check the backward pass and the memory measure.
 */
import { allocStepRecord, cellStep, layerInputSize } from '../../src/engine/index.js';
import type { InitialState, Network, NetworkStep, StepRecord } from '../../src/engine/index.js';

export interface Nudge {
  layer: number;
  dir: number;
  t: number;
  /** 'c' moves the LSTM cell state before h = o * tanh(c) reads it (no peepholes). */
  which: 'h' | 'c';
  unit: number;
  delta: number;
}

export function perturbedRun(net: Network, xs: readonly ArrayLike<number>[], init: InitialState, nudge: Nudge): NetworkStep[] {
  const T = xs.length;
  const H = net.hiddenSize;
  const dirs = net.directions.length;
  const steps: { layers: StepRecord[][]; y: Float64Array }[] = Array.from({ length: T }, () => ({
    layers: Array.from({ length: net.numLayers }, () => net.directions.map(() => allocStepRecord(net.kind, H))),
    y: new Float64Array(H * dirs),
  }));
  const scratch = new Float64Array(3 * H);
  for (let k = 0; k < net.numLayers; k++) {
    const input = new Float64Array(layerInputSize(net, k));
    for (let d = 0; d < dirs; d++) {
      const reverse = net.directions[d] === 'reverse';
      let hPrev: Float64Array = Float64Array.from(init.h0?.[k * dirs + d] ?? new Float64Array(H));
      let cPrev: Float64Array | null = net.kind === 'lstm' ? Float64Array.from(init.c0?.[k * dirs + d] ?? new Float64Array(H)) : null;
      for (let n = 0; n < T; n++) {
        const t = reverse ? T - 1 - n : n;
        if (k === 0) input.set(Array.from(xs[t]!));
        else for (let e = 0; e < dirs; e++) input.set(steps[t]!.layers[k - 1]![e]!.h, e * H);
        const rec = steps[t]!.layers[k]![d]!;
        cellStep(net, net.layers[k]![d]!, input, hPrev, cPrev, scratch, rec);
        if (nudge.layer === k && nudge.dir === d && nudge.t === t) {
          const u = nudge.unit;
          if (nudge.which === 'h') {
            rec.h[u] = rec.h[u]! + nudge.delta;
          } else {
            if (net.layers[k]![d]!.peephole != null) throw new Error('perturbedRun: peepholes not supported for c');
            rec.c![u] = rec.c![u]! + nudge.delta;
            rec.h[u] = rec.gates[3 * H + u]! * Math.tanh(rec.c![u]!);
          }
        }
        hPrev = rec.h;
        cPrev = rec.c;
      }
    }
  }
  for (const st of steps) st.layers[net.numLayers - 1]!.forEach((r, d) => st.y.set(r.h, d * H));
  return steps;
}
