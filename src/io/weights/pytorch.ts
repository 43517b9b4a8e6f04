/**
 * PyTorch state_dicts mapped onto the engine through an explicit name map:
 *
 *   {prefix}weight_ih_l{k}[_reverse]  (G*H, Din)   Din = D for k = 0, H*dirs for k > 0
 *   {prefix}weight_hh_l{k}[_reverse]  (G*H, H)
 *   {prefix}bias_ih_l{k}[_reverse]    (G*H)        all four biases present, or none
 *   {prefix}bias_hh_l{k}[_reverse]    (G*H)
 *
 * The cell kind comes from G = rows(weight_hh_l0) / H: 4 LSTM, 3 GRU, 1 RNN (tanh unless the
 * caller says relu, since the weights cannot tell). Everything else in the file (a linear head,
 * an embedding) is returned in `extra` and listed in `ignored` unless the caller uses it.
 */
import { cellLabel, expectedShapes, gateCount, type CellKind, type Direction, type DirectionParams, type Network } from '../../engine/index.js';
import { InputError } from '../errors.js';
import { shapeText, type Tensor } from './tensor.js';

const RECURRENT = /^(.*?)(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$/;

export interface StateDictOptions {
  /** File name for messages. */
  source: string;
  /** Module prefix such as `lstm.`; found automatically when exactly one recurrent module is present. */
  prefix?: string | undefined;
  /** Expected cell kind (from --cell / --nonlinearity); an RNN's nonlinearity can only come from here. */
  kind?: CellKind | undefined;
}

export interface LoadedWeights {
  readonly network: Network;
  /** The module prefix used ('' for a bare nn.LSTM state_dict). */
  readonly prefix: string;
  /** Tensors outside the recurrent module (head.weight, embedding.weight, ...), by full name. */
  readonly extra: ReadonlyMap<string, Tensor>;
  /** Names of the tensors the network did not use. */
  readonly ignored: readonly string[];
}

/** Recurrent module prefixes present in a set of names, in first-seen order. */
export function recurrentPrefixes(names: Iterable<string>): string[] {
  const found: string[] = [];
  for (const name of names) {
    const m = RECURRENT.exec(name);
    if (m && m[3] === '0' && m[2] === 'weight_ih' && m[4] === undefined && !found.includes(m[1]!)) found.push(m[1]!);
  }
  return found;
}

export function networkFromStateDict(tensors: ReadonlyMap<string, Tensor>, opts: StateDictOptions): LoadedWeights {
  const { source } = opts;
  const prefixes = recurrentPrefixes(tensors.keys());
  let prefix: string;
  if (opts.prefix !== undefined) {
    prefix = opts.prefix;
    if (!tensors.has(`${prefix}weight_ih_l0`)) {
      const found = prefixes.length ? `found: ${prefixes.map((p) => JSON.stringify(p)).join(', ')}` : 'the file has no recurrent weights';
      throw new InputError(`no tensor ${prefix}weight_ih_l0 for --prefix ${JSON.stringify(prefix)} (${found})`, {
        source,
        tensor: `${prefix}weight_ih_l0`,
      });
    }
  } else if (prefixes.length === 1) {
    prefix = prefixes[0]!;
  } else if (prefixes.length === 0) {
    throw new InputError('no recurrent weights found: expected weight_ih_l0, weight_hh_l0, ... (PyTorch names)', {
      source,
      tensor: 'weight_ih_l0',
    });
  } else {
    throw new InputError(
      `several recurrent modules found (${prefixes.map((p) => JSON.stringify(p)).join(', ')}); choose one with --prefix`,
      { source },
    );
  }

  const own = new Map<string, Tensor>();
  const extra = new Map<string, Tensor>();
  for (const [name, t] of tensors) {
    if (name.startsWith(prefix) && RECURRENT.test(name.slice(prefix.length)) && RECURRENT.exec(name.slice(prefix.length))![1] === '') {
      own.set(name.slice(prefix.length), t);
    } else {
      extra.set(name, t);
    }
  }

  const need = (name: string): Tensor => {
    const t = own.get(name);
    if (t === undefined) throw new InputError('missing tensor', { source, tensor: prefix + name });
    return t;
  };
  const wih0 = need('weight_ih_l0');
  const whh0 = need('weight_hh_l0');
  if (whh0.shape.length !== 2 || wih0.shape.length !== 2) {
    const bad = whh0.shape.length !== 2 ? ['weight_hh_l0', whh0] as const : ['weight_ih_l0', wih0] as const;
    throw new InputError(`expected a 2-d matrix, got ${shapeText(bad[1].shape)}`, { source, tensor: prefix + bad[0] });
  }
  const H = whh0.shape[1]!;
  const rows = whh0.shape[0]!;
  if (H === 0 || rows % H !== 0 || ![1, 3, 4].includes(rows / H)) {
    throw new InputError(
      `expected [G*H, H] with G = 4 (LSTM), 3 (GRU) or 1 (RNN), got ${shapeText(whh0.shape)}`,
      { source, tensor: `${prefix}weight_hh_l0` },
    );
  }
  const G = rows / H;
  let kind: CellKind = G === 4 ? 'lstm' : G === 3 ? 'gru' : 'rnn_tanh';
  if (opts.kind !== undefined) {
    if (gateCount(opts.kind) !== G) {
      throw new InputError(
        `the weights are a ${cellLabel(kind)} (${G} gate rows per unit), not a ${cellLabel(opts.kind)} as --cell says`,
        { source, tensor: `${prefix}weight_hh_l0` },
      );
    }
    kind = opts.kind;
  }
  let numLayers = 0;
  let reverse = false;
  for (const name of own.keys()) {
    const m = RECURRENT.exec(name)!;
    numLayers = Math.max(numLayers, Number(m[3]) + 1);
    if (m[4] !== undefined) reverse = true;
  }
  // A stray `weight_ih_l99999999` must fail by name, not make us list a hundred million shapes.
  for (let k = 0; k < numLayers; k++) {
    if (!own.has(`weight_ih_l${k}`)) {
      const last = [...own.keys()].find((n) => Number(RECURRENT.exec(n)![3]) === numLayers - 1)!;
      throw new InputError(`missing tensor (the file has ${prefix}${last}, so it needs every layer below it)`, {
        source,
        tensor: `${prefix}weight_ih_l${k}`,
      });
    }
  }
  const directions: Direction[] = reverse ? ['forward', 'reverse'] : ['forward'];
  const bias = own.has('bias_ih_l0') || own.has('bias_hh_l0');
  const spec = { kind, inputSize: wih0.shape[1]!, hiddenSize: H, numLayers, directions, bias };
  const shapes = expectedShapes(spec);
  for (const name of own.keys()) {
    if (!shapes.has(name)) {
      throw new InputError(
        `unexpected tensor for a ${numLayers}-layer ${reverse ? 'bidirectional ' : ''}${cellLabel(kind)}${bias ? '' : ' without bias'}`,
        { source, tensor: prefix + name },
      );
    }
  }
  for (const [name, shape] of shapes) {
    const t = need(name);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(`expected ${shapeText(shape)}, got ${shapeText(t.shape)}`, { source, tensor: prefix + name });
    }
  }
  const layers: DirectionParams[][] = [];
  for (let k = 0; k < numLayers; k++) {
    layers.push(
      directions.map((dir) => {
        const sfx = `_l${k}${dir === 'reverse' ? '_reverse' : ''}`;
        const wIh = own.get(`weight_ih${sfx}`)!;
        return {
          inputSize: wIh.shape[1]!,
          hiddenSize: H,
          wIh: wIh.data,
          wHh: own.get(`weight_hh${sfx}`)!.data,
          bIh: bias ? own.get(`bias_ih${sfx}`)!.data : null,
          bHh: bias ? own.get(`bias_hh${sfx}`)!.data : null,
        };
      }),
    );
  }
  return { network: { ...spec, layers }, prefix, extra, ignored: [...extra.keys()] };
}

/** The network as a PyTorch state_dict of plain nested arrays (what `gatescope init` writes). */
export function stateDictFromNetwork(net: Network, prefix = ''): Record<string, number[] | number[][]> {
  const out: Record<string, number[] | number[][]> = {};
  const matrix = (a: Float32Array, cols: number): number[][] => {
    const rows: number[][] = [];
    for (let r = 0; r < a.length / cols; r++) rows.push(Array.from(a.subarray(r * cols, (r + 1) * cols)));
    return rows;
  };
  net.layers.forEach((dirs, k) => {
    dirs.forEach((p, d) => {
      const sfx = `_l${k}${net.directions[d] === 'reverse' ? '_reverse' : ''}`;
      out[`${prefix}weight_ih${sfx}`] = matrix(p.wIh, p.inputSize);
      out[`${prefix}weight_hh${sfx}`] = matrix(p.wHh, p.hiddenSize);
      if (p.bIh !== null) out[`${prefix}bias_ih${sfx}`] = Array.from(p.bIh);
      if (p.bHh !== null) out[`${prefix}bias_hh${sfx}`] = Array.from(p.bHh);
    });
  });
  return out;
}
