/**
 * A trained model: the recurrent network plus its linear head, with prediction and export under
 * PyTorch's names. The names are those of a module
 *
 *   class Model(nn.Module):
 *       def __init__(self): self.rnn = nn.LSTM(...); self.head = nn.Linear(H * dirs, O)
 *
 * so `model.load_state_dict(...)` takes the export as it is: `rnn.weight_ih_l0` ... and
 * `head.weight` (O, H*dirs), `head.bias` (O).
 */
import { runSequence } from '../network.js';
import { expectedShapes, MIN_CELL_LEAVES, MLSTM_LEAVES, numHeadsOf, tensorName } from '../shapes.js';
import { slstmBias, slstmRecurrentKernel } from '../cells/xlstm.js';
import type { DirectionParams, InitialState, Network } from '../types.js';
import { headForward, type LinearHead } from '../model.js';

/** The head training makes and exports: always with a bias (`head.bias`). */
export type TrainedHead = LinearHead & { readonly bias: Float32Array };

export interface TrainedModel {
  readonly network: Network;
  readonly head: TrainedHead;
}

/** The recurrent module's name prefix in exports. */
export const RNN_PREFIX = 'rnn.';

/** A deep copy (training keeps changing the arrays of the live model). */
export function cloneModel(model: TrainedModel): TrainedModel {
  const net = model.network;
  return {
    network: {
      ...net,
      layers: net.layers.map((dirs) =>
        dirs.map(
          (p): DirectionParams => ({
            ...p,
            wIh: p.wIh.slice(),
            wHh: p.wHh.slice(),
            bIh: p.bIh?.slice() ?? null,
            bHh: p.bHh?.slice() ?? null,
            peephole: p.peephole?.slice() ?? null,
          }),
        ),
      ),
    },
    head: { ...model.head, weight: model.head.weight.slice(), bias: model.head.bias.slice() },
  };
}

/** The head's output at every step.   xs: (T, D) -> (T, O) */
export function predictSequence(model: TrainedModel, xs: readonly ArrayLike<number>[], init?: InitialState): Float64Array[] {
  return runSequence(model.network, xs, init).map((st) => {
    const out = new Float64Array(model.head.outSize);
    headForward(model.head, st.y, out);
    return out;
  });
}

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** Row-major float32 values (shared with the model, not copied; an sLSTM's recurrence and bias are permuted copies). */
  readonly data: Float32Array;
}

/** Every tensor of the model under its PyTorch name, in PyTorch's parameter order, head last. */
export function modelTensors(model: TrainedModel, prefix = RNN_PREFIX): NamedTensor[] {
  const net = model.network;
  const shapes = expectedShapes(net);
  const out: NamedTensor[] = [];
  if (net.kind === 'mingru' || net.kind === 'minlstm') {
    // the paper's names: one (H, Din) matrix and (H) bias per gate row block
    const H = net.hiddenSize;
    net.layers.forEach((dirs, k) => {
      const p = dirs[0]!;
      MIN_CELL_LEAVES[net.kind as 'mingru' | 'minlstm'].forEach((leaf, gate) => {
        out.push({ name: `${prefix}layers.${k}.${leaf}.weight`, shape: [H, p.inputSize], data: p.wIh.subarray(gate * H * p.inputSize, (gate + 1) * H * p.inputSize) });
        if (p.bIh !== null) out.push({ name: `${prefix}layers.${k}.${leaf}.bias`, shape: [H], data: p.bIh.subarray(gate * H, (gate + 1) * H) });
      });
    });
  } else if (net.kind === 'slstm') {
    // the reference module's names (fixtures/xlstm-cells): weight_ih, recurrent_kernel, bias per layer
    const H = net.hiddenSize;
    const NH = numHeadsOf(net);
    net.layers.forEach((dirs, k) => {
      const p = dirs[0]!;
      out.push({ name: `${prefix}layers.${k}.weight_ih`, shape: [4 * H, p.inputSize], data: p.wIh });
      out.push({ name: `${prefix}layers.${k}.recurrent_kernel`, shape: [NH, H / NH, 4, H / NH], data: slstmRecurrentKernel(p.wHh, H, NH) });
      if (p.bIh !== null) out.push({ name: `${prefix}layers.${k}.bias`, shape: [NH, 4, H / NH], data: slstmBias(p.bIh, H, NH) });
    });
  } else if (net.kind === 'mlstm') {
    // the reference module's names (fixtures/xlstm-cells): one nn.Linear per projection and gate
    const H = net.hiddenSize;
    const NH = numHeadsOf(net);
    net.layers.forEach((dirs, k) => {
      const p = dirs[0]!;
      let at = 0;
      for (const leaf of MLSTM_LEAVES) {
        const n = leaf === 'igate' || leaf === 'fgate' ? NH : H;
        out.push({ name: `${prefix}layers.${k}.${leaf}.weight`, shape: [n, p.inputSize], data: p.wIh.subarray(at * p.inputSize, (at + n) * p.inputSize) });
        if (p.bIh !== null) out.push({ name: `${prefix}layers.${k}.${leaf}.bias`, shape: [n], data: p.bIh.subarray(at, at + n) });
        at += n;
      }
    });
  } else net.layers.forEach((dirs, k) =>
    dirs.forEach((p, d) => {
      const dir = net.directions[d]!;
      const add = (base: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', data: Float32Array | null): void => {
        if (data === null) return;
        const name = tensorName(base, k, dir);
        out.push({ name: prefix + name, shape: shapes.get(name)!, data });
      };
      add('weight_ih', p.wIh);
      add('weight_hh', p.wHh);
      add('bias_ih', p.bIh);
      add('bias_hh', p.bHh);
    }),
  );
  out.push({ name: 'head.weight', shape: [model.head.outSize, model.head.inSize], data: model.head.weight });
  out.push({ name: 'head.bias', shape: [model.head.outSize], data: model.head.bias });
  return out;
}

/**
 * The shortest decimal that reads back as exactly this float32 (through Math.fround), so a JSON
 * export is small and still bit-exact: 0.1f is written `0.1`, not `0.10000000149011612`.
 */
export function float32Text(v: number): string {
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/**
 * The model as a PyTorch state_dict in JSON: `{"rnn.weight_ih_l0": [[...], ...], ..., "head.bias": [...]}`,
 * one tensor per line, values bit-exact in float32. Loads in Python with
 * `{k: torch.tensor(v) for k, v in json.load(f).items()}`.
 */
export function stateDictJson(model: TrainedModel, prefix = RNN_PREFIX): string {
  const lines = modelTensors(model, prefix).map((t) => {
    // nested to the tensor's rank (an sLSTM's recurrent_kernel is 4-d)
    const nest = (a: Float32Array, shape: readonly number[]): string => {
      if (shape.length <= 1) return `[${Array.from(a, float32Text).join(',')}]`;
      const size = a.length / shape[0]!;
      const parts: string[] = [];
      for (let r = 0; r < shape[0]!; r++) parts.push(nest(a.subarray(r * size, (r + 1) * size), shape.slice(1)));
      return `[${parts.join(',')}]`;
    };
    const value = nest(t.data, t.shape);
    return `  ${JSON.stringify(t.name)}: ${value}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}
