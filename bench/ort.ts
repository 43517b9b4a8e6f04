/**
 * ONNX Runtime (onnxruntime-node, a dev dependency) as the benchmark's yardstick: one thread, all
 * graph optimisations, the same weights as gatescope's engine (onnx-model.ts).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Network } from '../src/engine/index.js';
import { onnxModelOf } from './onnx-model.js';

type Ort = typeof import('onnxruntime-node');

/** onnxruntime-node, or the reason it could not be loaded. */
export async function loadOrt(): Promise<{ ort: Ort } | { error: string }> {
  try {
    return { ort: await import('onnxruntime-node') };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

export async function ortSession(ort: Ort, net: Network, stateful = false): Promise<InferenceSession> {
  return ort.InferenceSession.create(onnxModelOf(net, { stateful }), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

/** X (T, 1, D) as a tensor. */
export function inputTensor(ort: Ort, xs: Float32Array, T: number, D: number): Tensor {
  return new ort.Tensor('float32', xs, [T, 1, D]);
}

/** Y (T, dirs*H) of one whole-sequence call. */
export async function ortRun(session: InferenceSession, x: Tensor): Promise<Float32Array> {
  const out = await session.run({ X: x });
  return out['Y']!.data as Float32Array;
}

/**
 * One call per step, as a viewer stepping through a sequence would: each call gets the previous
 * call's final state. Returns the last step's h.
 */
export async function ortSteps(ort: Ort, session: InferenceSession, net: Network, xs: Float32Array, T: number): Promise<Float32Array> {
  const D = net.inputSize;
  const rows = net.numLayers * net.directions.length;
  const H = net.hiddenSize;
  const lstm = net.kind === 'lstm';
  let h: Tensor = new ort.Tensor('float32', new Float32Array(rows * H), [rows, 1, H]);
  let c: Tensor = new ort.Tensor('float32', new Float32Array(rows * H), [rows, 1, H]);
  let y: Float32Array = new Float32Array(0);
  for (let t = 0; t < T; t++) {
    const feeds: Record<string, Tensor> = {
      X: new ort.Tensor('float32', xs.subarray(t * D, (t + 1) * D), [1, 1, D]),
      initial_h: h,
    };
    if (lstm) feeds['initial_c'] = c;
    const out = await session.run(feeds);
    h = out['Y_h'] as Tensor;
    if (lstm) c = out['Y_c'] as Tensor;
    y = out['Y']!.data as Float32Array;
  }
  return y;
}
