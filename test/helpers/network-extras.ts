/** Test networks with the extra features the random initialiser does not make (ONNX's clip and peepholes, GRU's form). */
import type { Network } from '../../src/engine/index.js';

/** `net` with clip, linear_before_reset and (LSTM) seeded peepholes. */
export function withExtras(net: Network, opts: { clip: number | null; peephole: boolean; lbr: boolean; seed: number }): Network {
  let s = opts.seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  return {
    ...net,
    clip: opts.clip,
    linearBeforeReset: opts.lbr,
    layers: net.layers.map((dirs) =>
      dirs.map((p) => ({
        ...p,
        peephole: opts.peephole && net.kind === 'lstm' ? Float32Array.from({ length: 3 * net.hiddenSize }, rand) : null,
      })),
    ),
  };
}
