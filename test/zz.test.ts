import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { backwardSequence, cellStateSize, memoryProfile, runSequence } from '../src/engine/index.js';
import { networkFromStateDict } from '../src/io/weights/pytorch.js';
import { tensorFromNested } from '../src/io/weights/tensor.js';
it('dbg', () => {
  const c = JSON.parse(readFileSync('fixtures/xlstm-cells/mlstm_net_d3_h6_nh2_t12.json', 'utf8'));
  const net = networkFromStateDict(new Map(Object.entries(c.state_dict).map(([k, v]) => [k, tensorFromNested(v, k, 'x')])), { source: 'x' }).network;
  const H = 6, NH = 2, S = cellStateSize(net), T = 12;
  const steps = runSequence(net, c.input);
  const t = 0;
  const after = steps[t]!.layers[0]![0]!.c!;
  const rest = c.input.slice(t + 1);
  const last = (state: Float64Array) => runSequence(net, rest, { c0: [state] })[rest.length - 1]!.y;
  console.log('direct check', Array.from(last(Float64Array.from(after))).slice(0,3), Array.from(steps[T-1]!.y).slice(0,3));
  const u = 0;
  const seed = new Float64Array(H); seed[u] = 1;
  const g = backwardSequence(net, c.input, steps, undefined, { dy: c.input.map((_: unknown, tt: number) => (tt === T - 1 ? seed : null)), params: false, stateGrads: true });
  const eps = 1e-5;
  for (let j = 0; j < S; j++) {
    const up = Float64Array.from(after); const down = Float64Array.from(after);
    up[j]! += eps; down[j]! -= eps;
    const fd = (last(up)[u]! - last(down)[u]!) / (2 * eps);
    console.log(j, fd.toExponential(4), g.dc![t]![0]![0]![j]!.toExponential(4));
  }
});
