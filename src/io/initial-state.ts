/**
 * --initial-state FILE.json: `{"h0": [[...], ...], "c0": [[...], ...]}`, one row of H numbers per
 * layer and direction in PyTorch's order (l0 fwd, l0 rev, l1 fwd, ...), so (L*dirs, H). PyTorch's
 * own (L*dirs, 1, H) with a batch of one is accepted too, e.g. json.dump({"h0": h0.tolist()}).
 * Either key may be left out (zeros); c0 is for LSTM only. A projected LSTM (proj_size P) has h0
 * rows of P numbers and c0 rows of H, as PyTorch's. An sLSTM's c0 rows are its c, n and m
 * concatenated (3H numbers; the xlstm package's state holds h, c, n, m).
 */
import { cellLabel, cellStateSize, outputSize } from '../engine/shapes.js';
import type { InitialState, NetworkSpec } from '../engine/types.js';
import { InputError, visible } from './errors.js';
import { DEFAULT_MAX_JSON_DEPTH } from './input.js';
import { kindOf } from './json.js';
import { checkJson, lineColumn, locateJson } from './json-syntax.js';

export function parseInitialState(text: string, source: string, spec: NetworkSpec): InitialState {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  checkJson(text, source, DEFAULT_MAX_JSON_DEPTH);
  const doc = JSON.parse(text) as unknown;
  const fail = (message: string, path: readonly (number | string)[], tensor?: string, hint?: string): never => {
    throw new InputError(message, { source, ...lineColumn(text, locateJson(text, path)), tensor, hint });
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail(`expected an object {"h0": [[...]], "c0": [[...]]}, got ${kindOf(doc)}`, []);
  const obj = doc as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'h0' && key !== 'c0') fail(`unexpected key "${visible(key)}"`, [key], undefined, 'expected "h0" and, for LSTM, sLSTM or mLSTM, "c0"');
  }
  if (Object.hasOwn(obj, 'c0') && cellStateSize(spec) === 0) {
    fail(`c0 is only for LSTM, sLSTM and mLSTM, this network is a${/^[aeiouAEIOUR]/.test(cellLabel(spec.kind)) ? 'n' : ''} ${cellLabel(spec.kind)}`, ['c0'], 'c0');
  }
  const rows = spec.numLayers * spec.directions.length;
  const read = (key: 'h0' | 'c0'): Float64Array[] | null => {
    if (!Object.hasOwn(obj, key)) return null;
    const H = key === 'h0' ? outputSize(spec) : cellStateSize(spec);
    const NH = spec.numHeads ?? 1;
    const what =
      key === 'h0' && H !== spec.hiddenSize
        ? 'the proj_size'
        : spec.kind === 'slstm' && key === 'c0'
          ? `an sLSTM's c, n, m: 3 x ${spec.hiddenSize}`
          : spec.kind === 'mlstm' && key === 'c0'
            ? `an mLSTM's n (${spec.hiddenSize}), m (${NH}) and C (${NH} x ${spec.hiddenSize / NH} x ${spec.hiddenSize / NH})`
            : 'the hidden size';
    const v = obj[key];
    if (!Array.isArray(v)) return fail(`expected ${rows} rows of ${H} numbers, got ${kindOf(v)}`, [key], key);
    if (v.length !== rows) {
      return fail(`expected ${rows} rows (layers ${spec.numLayers} x directions ${spec.directions.length}), got ${v.length}`, [key], key);
    }
    return v.map((row: unknown, r) => {
      let path: (number | string)[] = [key, r];
      let items = row;
      // (L*dirs, 1, H): PyTorch's batch dimension of one.
      if (Array.isArray(row) && row.length === 1 && Array.isArray(row[0])) {
        items = row[0];
        path = [key, r, 0];
      }
      const name = `${key}[${r}]`;
      if (!Array.isArray(items)) return fail(`expected ${H} numbers, got ${kindOf(items)}`, path, name);
      if (items.length !== H) return fail(`expected ${H} numbers (${what}), got ${items.length}`, path, name);
      const out = new Float64Array(H);
      items.forEach((x: unknown, i) => {
        if (typeof x !== 'number') fail(`expected a number, got ${kindOf(x)}`, [...path, i], `${name}[${i}]`);
        if (!Number.isFinite(x)) fail('expected a finite number', [...path, i], `${name}[${i}]`);
        out[i] = x as number;
      });
      return out;
    });
  };
  return { h0: read('h0'), c0: read('c0') };
}
