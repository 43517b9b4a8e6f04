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
import { expectedShapes, MIN_CELL_LEAVES, tensorName } from '../shapes.js';
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
  /** Row-major float32 values (shared with the model, not copied). */
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
    const row = (a: Float32Array): string => `[${Array.from(a, float32Text).join(',')}]`;
    let value: string;
    if (t.shape.length === 1) {
      value = row(t.data);
    } else {
      const cols = t.shape[1]!;
      const rows: string[] = [];
      for (let r = 0; r < t.shape[0]!; r++) rows.push(row(t.data.subarray(r * cols, (r + 1) * cols)));
      value = `[${rows.join(',')}]`;
    }
    return `  ${JSON.stringify(t.name)}: ${value}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}
