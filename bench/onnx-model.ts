/**
 * ONNX models of a gatescope Network, so that ONNX Runtime runs exactly the same weights.
 *
 * ONNX's recurrent ops keep PyTorch's tensors but order the gates differently: LSTM i, o, f, c
 * (PyTorch i, f, g, o), GRU z, r, h (PyTorch r, z, n; PyTorch's form is linear_before_reset=1).
 * One node per layer; a layer's Y (T, dirs, 1, H) is transposed and reshaped into the next
 * layer's X (T, 1, dirs*H), as torch.onnx.export does.
 */
import onnxProto from 'onnx-proto';
import type { Network } from '../src/engine/index.js';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** PyTorch gate block -> ONNX gate block order. */
const GATE_ORDER: Record<Exclude<Network['kind'], 'mingru' | 'minlstm' | 'slstm' | 'mlstm'>, number[]> = {
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
  rnn_tanh: [0],
  rnn_relu: [0],
};

const OP: Record<Exclude<Network['kind'], 'mingru' | 'minlstm' | 'slstm' | 'mlstm'>, string> = { lstm: 'LSTM', gru: 'GRU', rnn_tanh: 'RNN', rnn_relu: 'RNN' };

/** Rows of a (G*H, cols) matrix reordered gate block by gate block. */
function reorder(w: Float32Array, H: number, cols: number, order: number[]): Float32Array {
  const out = new Float32Array(w.length);
  order.forEach((src, dst) => out.set(w.subarray(src * H * cols, (src + 1) * H * cols), dst * H * cols));
  return out;
}

function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface OnnxModelOptions {
  /**
   * Also take initial_h / initial_c (L*dirs, 1, H) as inputs and give the final Y_h / Y_c, so that
   * a caller can run one step per call, feeding each call's final state to the next.
   */
  readonly stateful?: boolean;
}

/** Serialized ONNX ModelProto (opset 14) computing `net` over X (T, 1, D) -> Y (T, 1, dirs*H). */
export function onnxModelOf(net: Network, opts: OnnxModelOptions = {}): Uint8Array {
  const H = net.hiddenSize;
  const dirs = net.directions.length;
  const kind = net.kind;
  if (kind === 'mingru' || kind === 'minlstm' || kind === 'slstm' || kind === 'mlstm') throw new Error(`ONNX has no ${kind} operator`);
  const order = GATE_ORDER[kind];
  const G = order.length;
  const lstm = net.kind === 'lstm';
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const inits: onnxProto.onnx.ITensorProto[] = [];
  const inputs = [valueInfo('X', ['T', 1, net.inputSize])];
  const outputs: onnxProto.onnx.IValueInfoProto[] = [];
  if (opts.stateful) {
    inputs.push(valueInfo('initial_h', [net.numLayers * dirs, 1, H]));
    if (lstm) inputs.push(valueInfo('initial_c', [net.numLayers * dirs, 1, H]));
  }
  inits.push(int64Tensor('y_shape', [0, 0, -1]));
  let x = 'X';
  for (let k = 0; k < net.numLayers; k++) {
    const params = net.layers[k]!;
    const din = params[0]!.inputSize;
    const W = new Float32Array(dirs * G * H * din);
    const R = new Float32Array(dirs * G * H * H);
    const B = new Float32Array(dirs * 2 * G * H);
    params.forEach((p, d) => {
      W.set(reorder(p.wIh, H, din, order), d * G * H * din);
      R.set(reorder(p.wHh, H, H, order), d * G * H * H);
      if (p.bIh !== null) B.set(reorder(p.bIh, H, 1, order), d * 2 * G * H);
      if (p.bHh !== null) B.set(reorder(p.bHh, H, 1, order), d * 2 * G * H + G * H);
    });
    inits.push(floatTensor(`W${k}`, [dirs, G * H, din], W), floatTensor(`R${k}`, [dirs, G * H, H], R), floatTensor(`B${k}`, [dirs, 2 * G * H], B));
    const nodeInputs = [x, `W${k}`, `R${k}`, `B${k}`, ''];
    if (opts.stateful) {
      // rows k*dirs .. (k+1)*dirs of the stacked initial state
      inits.push(int64Tensor(`s${k}`, [k * dirs]), int64Tensor(`e${k}`, [(k + 1) * dirs]), int64Tensor(`ax${k}`, [0]));
      nodes.push({ opType: 'Slice', input: ['initial_h', `s${k}`, `e${k}`, `ax${k}`], output: [`h0_${k}`] });
      nodeInputs.push(`h0_${k}`);
      if (lstm) {
        nodes.push({ opType: 'Slice', input: ['initial_c', `s${k}`, `e${k}`, `ax${k}`], output: [`c0_${k}`] });
        nodeInputs.push(`c0_${k}`);
      }
    }
    const attrs: onnxProto.onnx.IAttributeProto[] = [
      { name: 'hidden_size', type: AttrType.INT, i: H },
      { name: 'direction', type: AttrType.STRING, s: new TextEncoder().encode(dirs === 2 ? 'bidirectional' : net.directions[0]!) },
    ];
    if (net.kind === 'gru') attrs.push({ name: 'linear_before_reset', type: AttrType.INT, i: (net.linearBeforeReset ?? true) ? 1 : 0 });
    if (net.kind === 'rnn_relu') attrs.push({ name: 'activations', type: AttrType.STRINGS, strings: [new TextEncoder().encode('Relu')] });
    nodes.push({
      opType: OP[kind],
      input: nodeInputs,
      output: [`Y${k}`, `Yh${k}`, ...(lstm ? [`Yc${k}`] : [])],
      attribute: attrs,
    });
    // (T, dirs, 1, H) -> (T, 1, dirs, H) -> (T, 1, dirs*H)
    nodes.push({ opType: 'Transpose', input: [`Y${k}`], output: [`Yt${k}`], attribute: [{ name: 'perm', type: AttrType.INTS, ints: [0, 2, 1, 3] }] });
    nodes.push({ opType: 'Reshape', input: [`Yt${k}`, 'y_shape'], output: [`X${k + 1}`] });
    x = `X${k + 1}`;
  }
  nodes.push({ opType: 'Identity', input: [x], output: ['Y'] });
  outputs.push(valueInfo('Y', ['T', 1, dirs * H]));
  if (opts.stateful) {
    const hs = Array.from({ length: net.numLayers }, (_, k) => `Yh${k}`);
    nodes.push({ opType: 'Concat', input: hs, output: ['Y_h'], attribute: [{ name: 'axis', type: AttrType.INT, i: 0 }] });
    outputs.push(valueInfo('Y_h', [net.numLayers * dirs, 1, H]));
    if (lstm) {
      const cs = Array.from({ length: net.numLayers }, (_, k) => `Yc${k}`);
      nodes.push({ opType: 'Concat', input: cs, output: ['Y_c'], attribute: [{ name: 'axis', type: AttrType.INT, i: 0 }] });
      outputs.push(valueInfo('Y_c', [net.numLayers * dirs, 1, H]));
    }
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gatescope-bench',
    opsetImport: [{ domain: '', version: 14 }],
    graph: { name: 'rnn', node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}
