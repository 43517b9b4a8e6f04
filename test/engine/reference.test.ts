import { describe, it } from 'vitest';
import { finalStates, runSequence, STATE_NAMES, type CellKind } from '../../src/engine/index.js';
import { networkFromStateDict } from '../../src/io/weights/pytorch.js';
import { tensorFromNested, type Tensor } from '../../src/io/weights/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { referenceCases } from '../helpers/reference.js';

const TOL = 1e-5;

describe('PyTorch reference cases through the engine', () => {
  for (const ref of referenceCases()) {
    it(`matches ${ref.file}`, () => {
      const tensors = new Map<string, Tensor>(
        Object.entries(ref.state_dict).map(([k, v]) => [k, tensorFromNested(v, k, ref.file)]),
      );
      const { network } = networkFromStateDict(tensors, { source: ref.file, kind: ref.cell as CellKind });
      const steps = runSequence(network, ref.input, { h0: ref.h0 ?? null, c0: ref.c0 ?? null });
      const H = ref.hidden_size;
      ref.steps.forEach((expected, t) => {
        const rec = steps[t]!.layers[0]![0]!;
        const names = STATE_NAMES[network.kind];
        for (const name of names) {
          const gi = names.indexOf(name);
          const actual =
            name === 'h' ? rec.h : name === 'c' ? rec.c! : rec.gates.subarray(gi * H, (gi + 1) * H);
          expectClose(actual, expected[name]!, TOL, `${name}[t=${t}, unit={i}]`);
        }
      });
      ref.output.forEach((row, t) => expectClose(steps[t]!.y, row, TOL, `output[t=${t}, unit={i}]`));
      const { hN, cN } = finalStates(network, steps);
      ref.h_n.forEach((row, r) => expectClose(hN[r]!, row, TOL, `h_n[row=${r}, unit={i}]`));
      ref.c_n?.forEach((row, r) => expectClose(cN![r]!, row, TOL, `c_n[row=${r}, unit={i}]`));
    });
  }
});
