import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWeights } from '../../../src/io/weights/index.js';
import { encodeSafetensors } from '../../../src/io/weights/safetensors.js';

const TORCH = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'weights', 'torch');

/** A fresh buffer of the file (readFileSync may hand out a slice of a shared pool). */
function fileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function lstmTensors(H: number, D: number): Map<string, { shape: number[]; data: Float32Array }> {
  const t = new Map<string, { shape: number[]; data: Float32Array }>();
  const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 0.5);
  t.set('weight_ih_l0', { shape: [4 * H, D], data: ramp(4 * H * D, 1) });
  t.set('weight_hh_l0', { shape: [4 * H, H], data: ramp(4 * H * H, 2) });
  t.set('bias_ih_l0', { shape: [4 * H], data: ramp(4 * H, 3) });
  t.set('bias_hh_l0', { shape: [4 * H], data: ramp(4 * H, 4) });
  return t;
}

describe('weights read in place', () => {
  it('safetensors float32 tensors are views of the file bytes with inPlace, copies without', () => {
    const bytes = encodeSafetensors(lstmTensors(6, 3));
    const viewed = loadWeights(bytes, { source: 'm.safetensors', inPlace: true }).network.layers[0]![0]!;
    const copied = loadWeights(bytes, { source: 'm.safetensors' }).network.layers[0]![0]!;
    expect(viewed.wHh.buffer).toBe(bytes.buffer);
    expect(copied.wHh.buffer).not.toBe(bytes.buffer);
    expect(Array.from(viewed.wHh)).toEqual(Array.from(copied.wHh));
    expect(Array.from(viewed.wIh)).toEqual(Array.from(copied.wIh));
  });

  it('a torch.save zip (proto 4) gives the same numbers in place as copied, from the file bytes', () => {
    const bytes = fileBytes(join(TORCH, 'proto4.pt'));
    const a = loadWeights(bytes, { source: 'proto4.pt', inPlace: true }).network;
    const b = loadWeights(bytes, { source: 'proto4.pt' }).network;
    expect(a.layers[0]![0]!.wHh.buffer).toBe(bytes.buffer);
    expect(a.layers.map((l) => l.map((p) => Array.from(p.wIh)))).toEqual(b.layers.map((l) => l.map((p) => Array.from(p.wIh))));
  });

  it('still refuses a non-finite value in place, naming the tensor', () => {
    const t = lstmTensors(2, 2);
    t.get('weight_hh_l0')!.data[5] = Number.NaN;
    expect(() => loadWeights(encodeSafetensors(t), { source: 'bad.safetensors', inPlace: true })).toThrow(/weight_hh_l0/);
  });

  it('copies what is not aligned float32 (float16, a misaligned offset)', () => {
    const half = encodeSafetensors(lstmTensors(2, 2), 'F16');
    const p = loadWeights(half, { source: 'h.safetensors', inPlace: true }).network.layers[0]![0]!;
    expect(p.wHh.buffer).not.toBe(half.buffer);
    const bytes = encodeSafetensors(lstmTensors(2, 2));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const q = loadWeights(shifted, { source: 's.safetensors', inPlace: true }).network.layers[0]![0]!;
    expect(q.wHh.buffer).not.toBe(shifted.buffer);
  });
});
