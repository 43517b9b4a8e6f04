/**
 * A TensorFlow.js layers model: `model.json` beside its binary weight shards, as
 * `tensorflowjs_converter --input_format keras m.h5 out/` or tfjs's `model.save('file://out')`
 * write them (tfjs-converter python/tensorflowjs/write_weights.py; read as tfjs-core io's
 * decodeWeights does):
 *
 *   {
 *     "format": "layers-model",
 *     "modelTopology": {"model_config": {"class_name": "Sequential", ...}, ...}   (or the config itself)
 *     "weightsManifest": [
 *       {"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"],
 *        "weights": [{"name": "lstm/lstm_cell/kernel", "shape": [3, 32], "dtype": "float32",
 *                     "quantization": {"dtype": "uint8", "scale": 0.0078, "min": -1.0}}, ...]}
 *     ]
 *   }
 *
 * Each group's shards, concatenated in order, hold its weights back to back: count * 4 bytes for
 * float32/int32, count for bool, or the quantized size (1 uint8, 2 uint16 or float16 per value):
 * value = q * scale + min. Shard paths are file names relative to model.json's folder; absolute
 * paths, `..` and backslashes are refused before anything is read.
 */
import { InputError, visible } from '../errors.js';
import { halfToNumber } from '../float16.js';
import { checkShape, decodeFloats, indexPath, type Tensor, type TensorInfo } from './tensor.js';

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number } | undefined;
}

export interface TfjsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightSpec[];
}

export interface TfjsModel {
  readonly groups: readonly TfjsGroup[];
  /** modelTopology (a Keras model config), or undefined. */
  readonly topology: unknown;
  readonly metadata: Map<string, string>;
}

/** True when a parsed JSON document is a TF.js model.json (an object with a weightsManifest list of groups). */
export function looksLikeTfjs(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const m = (doc as Record<string, unknown>).weightsManifest;
  return Array.isArray(m) && m.every((g) => typeof g === 'object' && g !== null && !Array.isArray(g));
}

/** A cheap look at the text before it is parsed as a whole: may this be a model.json? */
export function mayBeTfjs(text: string): boolean {
  return /"weightsManifest"\s*:\s*\[/.test(text);
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/** The manifest, checked: every path safe, every weight's shape, dtype and quantization known. */
export function parseTfjsModel(doc: unknown, source: string): TfjsModel {
  const root = doc as Record<string, unknown>;
  const bad = (what: string, tensor?: string): never => {
    throw new InputError(what, { source, ...(tensor !== undefined ? { tensor } : {}) });
  };
  if (root.format === 'graph-model' || (typeof root.modelTopology === 'object' && root.modelTopology !== null && 'node' in root.modelTopology)) {
    bad('a TF.js graph model (a TensorFlow graph, not Keras layers): convert the Keras model with --output_format tfjs_layers_model');
  }
  const manifest = root.weightsManifest as Record<string, unknown>[];
  const groups: TfjsGroup[] = manifest.map((g, gi) => {
    const at = `weightsManifest[${gi}]`;
    if (!Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string')) return bad('expected paths, a list of file names', `${at}.paths`);
    for (const p of g.paths as string[]) checkShardPath(p, source, `${at}.paths`);
    if (!Array.isArray(g.weights)) return bad('expected weights, a list', `${at}.weights`);
    const weights = g.weights.map((w: unknown, wi: number): TfjsWeightSpec => {
      const wat = `${at}.weights[${wi}]`;
      if (typeof w !== 'object' || w === null) return bad('expected {name, shape, dtype}', wat);
      const o = w as Record<string, unknown>;
      if (typeof o.name !== 'string') return bad('expected a name', wat);
      checkShape(o.shape, 'shape', source, o.name);
      if (typeof o.dtype !== 'string' || !(o.dtype in DTYPE_BYTES || o.dtype === 'string')) {
        return bad(`dtype ${JSON.stringify(visible(String(o.dtype)))}: expected float32, int32, bool, complex64 or string`, o.name);
      }
      let quantization: TfjsWeightSpec['quantization'];
      if (o.quantization !== undefined) {
        const q = o.quantization as Record<string, unknown>;
        if (typeof q !== 'object' || q === null || typeof q.dtype !== 'string' || !(q.dtype in QUANT_BYTES)) {
          return bad('quantization: expected {dtype: uint8 | uint16 | float16, scale, min}', o.name);
        }
        if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number' || !Number.isFinite(q.scale) || !Number.isFinite(q.min))) {
          return bad(`quantization ${q.dtype}: expected finite numbers scale and min`, o.name);
        }
        quantization = { dtype: q.dtype, ...(typeof q.scale === 'number' ? { scale: q.scale } : {}), ...(typeof q.min === 'number' ? { min: q.min } : {}) };
      }
      return { name: o.name, shape: o.shape as number[], dtype: o.dtype, quantization };
    });
    return { paths: g.paths as string[], weights };
  });
  const metadata = new Map<string, string>();
  for (const key of ['format', 'generatedBy', 'convertedBy']) {
    if (typeof root[key] === 'string') metadata.set(key, root[key] as string);
  }
  return { groups, topology: root.modelTopology ?? undefined, metadata };
}

/** Refuses a shard path that could name a file outside model.json's folder. */
export function checkShardPath(p: string, source: string, tensor: string): void {
  const refuse = (why: string): never => {
    throw new InputError(`shard path ${JSON.stringify(visible(p, 80))} ${why}: expected a file name relative to the model's folder`, { source, tensor });
  };
  if (p === '') refuse('is empty');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) refuse('contains a control character');
  if (p.includes('\\')) refuse('contains a backslash');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) refuse('is absolute');
  if (/^[A-Za-z][\w+.-]*:/.test(p)) refuse('is a URL');
  if (p.split('/').some((s) => s === '..')) refuse('leaves the folder (..)');
}

/** Every shard path, in manifest order (each once). */
export function tfjsShardPaths(model: TfjsModel): string[] {
  return [...new Set(model.groups.flatMap((g) => g.paths))];
}

/** The weights, decoded from their groups' shards (`shards.get(path)`). */
export function tfjsTensors(model: TfjsModel, shards: ReadonlyMap<string, Uint8Array>, source: string) {
  const tensors = new Map<string, Tensor>();
  const infos: TensorInfo[] = [];
  const notes: string[] = [];
  for (const [gi, g] of model.groups.entries()) {
    const parts = g.paths.map((p) => {
      const b = shards.get(p);
      if (b === undefined) throw new InputError('missing shard', { source, tensor: p });
      return b;
    });
    const total = parts.reduce((n, b) => n + b.length, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const b of parts) {
      buf.set(b, o);
      o += b.length;
    }
    let at = 0;
    for (const w of g.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      let size: number;
      if (w.dtype === 'string') {
        // each string: a uint32 LE byte length, then its bytes
        let end = at;
        for (let k = 0; k < count; k++) {
          if (end + 4 > total) break;
          end += 4 + new DataView(buf.buffer, end, 4).getUint32(0, true);
        }
        size = end - at;
      } else {
        size = count * (w.quantization ? QUANT_BYTES[w.quantization.dtype]! : DTYPE_BYTES[w.dtype]!);
      }
      if (at + size > total) {
        const shardList = g.paths.map((p) => visible(p, 60)).join(', ');
        throw new InputError(`needs bytes ${at}..${at + size} of group ${gi}'s shards (${shardList}), which hold ${total} (a shard is missing bytes)`, {
          source,
          tensor: w.name,
        });
      }
      const bytes = buf.subarray(at, at + size);
      at += size;
      const stored = w.quantization ? w.quantization.dtype : w.dtype;
      infos.push({ name: w.name, shape: w.shape, dtype: stored });
      if (w.dtype !== 'float32') continue;
      if (tensors.has(w.name)) throw new InputError('two weights with this name in the manifest', { source, tensor: w.name });
      tensors.set(w.name, { shape: w.shape, data: decode(bytes, w, source), dtype: stored });
    }
    if (at < total) notes.push(`group ${gi}'s shards hold ${total - at} bytes after its last weight (not used)`);
  }
  return { tensors, infos, notes };
}

function decode(bytes: Uint8Array, w: TfjsWeightSpec, source: string): Float32Array {
  const q = w.quantization;
  if (q === undefined) return decodeFloats(bytes, 'F32', w.shape, w.name, source);
  const count = w.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    let v: number;
    if (q.dtype === 'float16') v = halfToNumber(view.getUint16(k * 2, true));
    else v = (q.dtype === 'uint8' ? view.getUint8(k) : view.getUint16(k * 2, true)) * q.scale! + q.min!;
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw new InputError(`${w.name}${indexPath(w.shape, k)} is ${v}, not a finite float32 number`, { source, tensor: w.name });
    out[k] = f;
  }
  return out;
}
