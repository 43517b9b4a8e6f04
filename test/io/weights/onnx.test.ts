import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import type { Network } from '../../../src/engine/index.js';
import { loadWeights, type LoadWeightsOptions } from '../../../src/io/weights/index.js';
import { ONNX_MAP } from '../../../src/io/weights/onnx.js';
import { errorOf } from '../../helpers/input-error.js';
import { fixtureBytes } from './fixtures.js';

const { onnx } = onnxProto;
type Model = onnxProto.onnx.ModelProto;
const AttrType = onnx.AttributeProto.AttributeType;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A fixture, changed by `fn`, encoded again. */
function mutate(file: string, fn: (m: Model) => void): Uint8Array {
  const m = onnx.ModelProto.decode(fixtureBytes(file));
  fn(m);
  return onnx.ModelProto.encode(m).finish();
}

function load(bytes: Uint8Array, opts: Partial<LoadWeightsOptions> = {}): ReturnType<typeof loadWeights> {
  return loadWeights(bytes, { source: 'm.onnx', ...opts });
}

function recurrentNode(m: Model): onnxProto.onnx.INodeProto {
  return m.graph!.node!.find((n) => ['LSTM', 'GRU', 'RNN'].includes(n.opType ?? ''))!;
}

function addAttribute(m: Model, attr: onnxProto.onnx.IAttributeProto): void {
  recurrentNode(m).attribute!.push(onnx.AttributeProto.create(attr));
}

function initializer(m: Model, name: string): onnxProto.onnx.ITensorProto {
  return m.graph!.initializer!.find((t) => t.name === name)!;
}

function sameParams(a: Network, b: Network, tol = 0): void {
  a.layers.forEach((dirs, k) =>
    dirs.forEach((p, d) => {
      const q = b.layers[k]![d]!;
      for (const key of ['wIh', 'wHh', 'bIh', 'bHh', 'peephole'] as const) {
        const x = p[key] ?? null;
        const y = q[key] ?? null;
        expect(x === null).toBe(y === null);
        if (x !== null && y !== null) x.forEach((v, i) => expect(Math.abs(v - y[i]!), `${key}[${i}] l${k} d${d}`).toBeLessThanOrEqual(tol));
      }
    }),
  );
}

describe('ONNX gate order map', () => {
  it('takes every PyTorch gate from the ONNX block of the same meaning', () => {
    // LSTM: ONNX rows i, o, f, c; ours i, f, g(=c), o.
    const lstm = ONNX_MAP.ops.LSTM;
    expect(['i', 'f', 'g', 'o'].map((g) => lstm.gates.indexOf(lstm.ours[g as 'i'] as 'i'))).toEqual([0, 2, 3, 1]);
    const gru = ONNX_MAP.ops.GRU;
    expect(['r', 'z', 'n'].map((g) => gru.gates.indexOf(gru.ours[g as 'r'] as 'r'))).toEqual([1, 0, 2]);
    expect(ONNX_MAP.peephole.ours.map((g) => (ONNX_MAP.peephole.gates as readonly string[]).indexOf(g))).toEqual([0, 2, 1]);
  });

  it('reorders W rows, splits B and reorders P as the map says', () => {
    const m = onnx.ModelProto.decode(fixtureBytes('onnx_lstm_peephole.onnx'));
    const f = load(fixtureBytes('onnx_lstm_peephole.onnx'));
    const H = 4;
    const D = 3;
    const raw = (name: string): Float32Array => {
      const t = initializer(m, name);
      return new Float32Array(t.rawData!.slice().buffer);
    };
    const W = raw('W');
    const B = raw('B');
    const P = raw('P');
    const p = f.network.layers[0]![0]!;
    // our f rows (block 1) are ONNX block 2; our o rows (block 3) are ONNX block 1
    expect([...p.wIh.subarray(1 * H * D, 2 * H * D)]).toEqual([...W.subarray(2 * H * D, 3 * H * D)]);
    expect([...p.wIh.subarray(3 * H * D, 4 * H * D)]).toEqual([...W.subarray(1 * H * D, 2 * H * D)]);
    expect([...p.bHh!.subarray(2 * H, 3 * H)]).toEqual([...B.subarray(4 * H + 3 * H, 4 * H + 4 * H)]);
    expect([...p.peephole!.subarray(H, 2 * H)]).toEqual([...P.subarray(2 * H, 3 * H)]);
  });
});

describe('ONNX attributes', () => {
  it('refuses activations other than the defaults, naming the attribute', () => {
    const bytes = mutate('onnx_lstm_peephole.onnx', (m) =>
      addAttribute(m, { name: 'activations', type: AttrType.STRINGS, strings: ['HardSigmoid', 'Tanh', 'Tanh'].map(enc) }),
    );
    const e = errorOf(() => load(bytes));
    expect(e.tensor).toBe('activations');
    expect(e.message).toBe(
      'LSTM "lstm0": attribute activations: ["HardSigmoid", "Tanh", "Tanh"] not supported; gatescope runs LSTM with Sigmoid, Tanh, Tanh per direction',
    );
  });

  it('accepts the default activations spelled out', () => {
    const bytes = mutate('onnx_gru_lbr0.onnx', (m) =>
      addAttribute(m, { name: 'activations', type: AttrType.STRINGS, strings: ['Sigmoid', 'Tanh'].map(enc) }),
    );
    sameParams(load(bytes).network, load(fixtureBytes('onnx_gru_lbr0.onnx')).network);
  });

  it('refuses a Relu RNN asked to be tanh by --cell', () => {
    expect(errorOf(() => load(fixtureBytes('onnx_rnn_relu_bidir.onnx'), { kind: 'rnn_tanh' })).message).toBe(
      'the ONNX node is RNN(relu), not RNN(tanh) as --cell says',
    );
  });

  it.each([
    [{ name: 'activation_alpha', type: AttrType.FLOATS, floats: [0.2] }, /attribute activation_alpha: not supported/],
    [{ name: 'activation_beta', type: AttrType.FLOATS, floats: [0.5] }, /attribute activation_beta: not supported/],
    [{ name: 'input_forget', type: AttrType.INT, i: 1 }, /attribute input_forget: input_forget = 1 \(coupled input and forget gates\) is not supported/],
    [{ name: 'linear_before_reset', type: AttrType.INT, i: 1 }, /attribute linear_before_reset: only GRU has it/],
    [{ name: 'zoneout', type: AttrType.FLOAT, f: 0.1 }, /attribute zoneout: unknown attribute for LSTM, not supported/],
    [{ name: 'clip', type: AttrType.FLOAT, f: -1 }, /attribute clip: expected a positive threshold, got -1/],
    [{ name: 'layout', type: AttrType.INT, i: 2 }, /attribute layout: expected 0 or 1, got 2/],
  ])('refuses %o', (attr, message) => {
    const e = errorOf(() => load(mutate('onnx_lstm_peephole.onnx', (m) => addAttribute(m, attr))));
    expect(e.message).toMatch(message);
    expect(e.tensor).toBe(attr.name);
  });

  it('refuses an unknown direction', () => {
    const bytes = mutate('onnx_lstm_peephole.onnx', (m) => {
      recurrentNode(m).attribute!.find((a) => a.name === 'direction')!.s = enc('sideways');
    });
    expect(errorOf(() => load(bytes)).message).toBe(
      'LSTM "lstm0": attribute direction: expected forward, reverse or bidirectional, got "sideways"',
    );
  });

  it('accepts input_forget = 0', () => {
    const bytes = mutate('onnx_lstm_peephole.onnx', (m) => addAttribute(m, { name: 'input_forget', type: AttrType.INT, i: 0 }));
    expect(load(bytes).network.kind).toBe('lstm');
  });

  it('checks --cell against the node', () => {
    expect(errorOf(() => load(fixtureBytes('gru.onnx'), { kind: 'lstm' })).message).toBe('the ONNX node is GRU, not LSTM as --cell says');
  });
});

describe('ONNX tensors', () => {
  it('names W when it is not stored in the file', () => {
    const bytes = mutate('onnx_gru_lbr1.onnx', (m) => {
      m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== 'W');
    });
    expect(errorOf(() => load(bytes)).format()).toBe(
      'm.onnx: W: GRU "gru0": W (W) is not stored in the file (not an initializer or Constant)',
    );
  });

  it('names a tensor with the wrong shape, with expected and actual', () => {
    const bytes = mutate('onnx_gru_lbr1.onnx', (m) => {
      const t = initializer(m, 'R');
      t.dims = [1, 12, 3];
      t.rawData = new Uint8Array(36 * 4);
    });
    expect(errorOf(() => load(bytes)).format()).toBe('m.onnx: R: expected [1, 12, 4], got [1, 12, 3]');
  });

  it('names a tensor whose dims do not match its data', () => {
    const bytes = mutate('onnx_gru_lbr1.onnx', (m) => {
      initializer(m, 'B').dims = [1, 25];
    });
    expect(errorOf(() => load(bytes)).format()).toBe('m.onnx: B: [1, 25] F32 needs 100 bytes, got 96');
  });

  it('names a bad initial state', () => {
    const bytes = mutate('onnx_gru_lbr1.onnx', (m) => {
      const t = initializer(m, 'initial_h');
      t.dims = [1, 4];
    });
    expect(errorOf(() => load(bytes)).format()).toBe('m.onnx: initial_h: expected [1, batch, 4] (layout 0), got [1, 4]');
  });

  it('reads float_data, double_data and FLOAT16 int32_data like raw_data', () => {
    const reference = load(fixtureBytes('onnx_lstm_peephole.onnx')).network;
    const asFloats = mutate('onnx_lstm_peephole.onnx', (m) => {
      for (const t of m.graph!.initializer!) {
        t.floatData = [...new Float32Array(t.rawData!.slice().buffer)];
        t.rawData = new Uint8Array(0);
      }
    });
    sameParams(load(asFloats).network, reference);
    const asDoubles = mutate('onnx_lstm_peephole.onnx', (m) => {
      for (const t of m.graph!.initializer!) {
        t.doubleData = [...new Float32Array(t.rawData!.slice().buffer)];
        t.rawData = new Uint8Array(0);
        t.dataType = onnx.TensorProto.DataType.DOUBLE;
      }
    });
    sameParams(load(asDoubles).network, reference);
    const asHalf = mutate('onnx_lstm_peephole.onnx', (m) => {
      for (const t of m.graph!.initializer!) {
        const v = new Float32Array(t.rawData!.slice().buffer);
        // float32 -> float16 by truncation is enough for a tolerance check
        t.int32Data = [...v].map((x) => {
          const bits = new Uint32Array(new Float32Array([x]).buffer)[0]!;
          const sign = (bits >>> 16) & 0x8000;
          const exp = ((bits >>> 23) & 0xff) - 127 + 15;
          return exp <= 0 ? sign : sign | (exp << 10) | ((bits >>> 13) & 0x3ff);
        });
        t.rawData = new Uint8Array(0);
        t.dataType = onnx.TensorProto.DataType.FLOAT16;
      }
    });
    const half = load(asHalf);
    sameParams(half.network, reference, 4e-3);
    expect(half.tensors.find((t) => t.name === 'W')!.dtype).toBe('FLOAT16');
  });

  it('refuses an unsupported data type and external data, by tensor', () => {
    const int = mutate('onnx_gru_lbr1.onnx', (m) => {
      initializer(m, 'W').dataType = onnx.TensorProto.DataType.INT64;
    });
    expect(errorOf(() => load(int)).format()).toBe('m.onnx: W: data type INT64: expected FLOAT, FLOAT16, BFLOAT16 or DOUBLE');
    const external = mutate('onnx_gru_lbr1.onnx', (m) => {
      initializer(m, 'R').dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    });
    expect(errorOf(() => load(external)).format()).toMatch(/^m\.onnx: R: stored as external data/);
  });

  it('rejects a weight that overflows float32, by name and index', () => {
    const bytes = mutate('onnx_gru_lbr1.onnx', (m) => {
      const t = initializer(m, 'B');
      t.doubleData = new Array(24).fill(0);
      t.doubleData[5] = 1e300;
      t.rawData = new Uint8Array(0);
      t.dataType = onnx.TensorProto.DataType.DOUBLE;
    });
    expect(errorOf(() => load(bytes)).format()).toBe('m.onnx: B[0][5] is 1e+300, not a finite float32 number');
  });

  it('lists an unreadable unrelated initializer instead of failing', () => {
    const bytes = mutate('onnx_gru_lbr1.onnx', (m) => {
      m.graph!.initializer!.push(onnx.TensorProto.create({ name: 'mask', dims: [1], dataType: 1, floatData: [-Infinity] }));
      m.graph!.initializer!.push(onnx.TensorProto.create({ name: 'shape', dims: [2], dataType: 7, int64Data: [1, 2] }));
      m.graph!.initializer!.push(onnx.TensorProto.create({ name: 'head.weight', dims: [1, 4], dataType: 1, floatData: [1, 2, 3, 4] }));
    });
    const f = load(bytes);
    expect(f.ignored).toEqual(['mask', 'shape', 'head.weight']);
    expect([...f.extra.keys()]).toEqual(['head.weight']);
    expect(f.tensors.find((t) => t.name === 'mask')!.role).toMatch(/^not read: mask\[0\] is -Infinity/);
    expect(f.tensors.find((t) => t.name === 'shape')).toMatchObject({ dtype: 'INT64', role: 'not used' });
  });
});

describe('ONNX graphs', () => {
  it('asks which node when several do not stack, and lists them', () => {
    const bytes = fixtureBytes('onnx_two_lstms.onnx');
    const e = errorOf(() => load(bytes));
    expect(e.message).toBe('several recurrent nodes that do not form one stack: LSTM "left", LSTM "right"; choose one with --node NAME');
    const right = load(bytes, { node: 'right' });
    expect(right.modules).toEqual(['right']);
    expect(right.ignored).toEqual(['W1', 'R1']);
    expect(errorOf(() => load(bytes, { node: 'middle' })).message).toBe(
      'no recurrent node named "middle"; the graph has LSTM "left", LSTM "right"',
    );
  });

  it('stacks chained nodes in order and may pick one of them', () => {
    const f = load(fixtureBytes('lstm_2l_bidir.onnx'));
    expect(f.network.numLayers).toBe(2);
    expect(f.network.layers[1]![0]!.inputSize).toBe(8);
    const top = load(fixtureBytes('lstm_2l_bidir.onnx'), { node: f.modules[1]! });
    expect(top.network.numLayers).toBe(1);
    expect(top.network.inputSize).toBe(8);
  });

  it('says when the graph has no recurrent node', () => {
    const bytes = mutate('onnx_gru_lbr0.onnx', (m) => {
      recurrentNode(m).opType = 'Gemm';
    });
    expect(errorOf(() => load(bytes)).message).toBe('no LSTM, GRU or RNN node in the graph (found Gemm)');
  });

  it('refuses corrupt and truncated bytes', () => {
    const good = fixtureBytes('gru.onnx');
    expect(errorOf(() => load(good.subarray(0, good.length >> 1), { format: 'onnx' })).message).toMatch(/^not a valid ONNX model \(protobuf: /);
    expect(errorOf(() => load(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).message).toMatch(
      /^not a valid ONNX model/,
    );
    expect(errorOf(() => load(new Uint8Array([0x08, 0x07]))).message).toBe('the ONNX model has no graph');
  });

  it('returns stored initial states and notes about the graph', () => {
    const rev = load(fixtureBytes('onnx_lstm_reverse_layout1.onnx'));
    expect(rev.network.directions).toEqual(['reverse']);
    expect(rev.initialState!.h0).toHaveLength(1);
    expect(rev.notes).toEqual(['LSTM "lstm0" has layout = 1 (batch-first X and Y); the weights read the same']);
    const exported = load(fixtureBytes('gru.onnx'));
    expect(exported.initialState).toBeNull();
    expect(exported.notes).toEqual([expect.stringMatching(/^initial_h of GRU ".*" is computed in the graph, not stored: starting from zeros$/)]);
    const lstm = load(fixtureBytes('lstm_2l_bidir.onnx'));
    expect(lstm.notes[0]).toMatch(/^initial_h and initial_c of LSTM ".*" are computed in the graph/);
    expect(exported.metadata.get('opset')).toBe('14');
    expect(exported.metadata.get('producer')).toMatch(/^pytorch /);
  });

  it('zero-fills a bias that only some stacked nodes have', () => {
    const bytes = mutate('lstm_2l_bidir.onnx', (m) => {
      const nodes = m.graph!.node!.filter((n) => n.opType === 'LSTM');
      nodes[1]!.input![3] = '';
    });
    const f = load(bytes);
    expect(f.network.bias).toBe(true);
    expect([...f.network.layers[1]![1]!.bHh!]).toEqual(new Array(16).fill(0));
  });
});
