/**
 * JSON input, read whole. The top level is an array of time steps, each one of:
 *   - a number: one feature per step (`[0.1, 0.5, -1]`, T steps of D = 1);
 *   - an array of numbers: one row (`[[0.1, 2], [0.3, 4]]`);
 *   - an object of named features (`[{"a": 0.1, "b": 2}, ...]`): the first object's key order
 *     names the features, and every later one must have exactly those keys.
 * Numbers as strings, nulls and deeper nesting are errors naming line:column.
 */
import { InputError, visible } from './errors.js';
import { defaultFeatureNames, DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_VALUES, type InputOptions, type InputRecord } from './input.js';
import { checkJson, lineColumn, locateJson } from './json-syntax.js';
import { listNames, RowShaper } from './rows.js';

export interface ParsedRows {
  readonly featureNames: readonly string[];
  readonly records: InputRecord[];
}

export function parseJsonInput(text: string, source: string, opts: InputOptions = {}): ParsedRows {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const { rowLines } = checkJson(text, source, opts.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  const doc = JSON.parse(text) as unknown;
  const at = (path: readonly (number | string)[]) => lineColumn(text, locateJson(text, path));
  const fail = (message: string, path: readonly (number | string)[], hint?: string): never => {
    throw new InputError(message, { source, ...at(path), hint });
  };

  if (!Array.isArray(doc)) fail(`expected an array of time steps, got ${kindOf(doc)}`, []);
  const steps = doc as unknown[];
  if (steps.length === 0) return { featureNames: [], records: [] };
  const maxValues = opts.maxValues ?? DEFAULT_MAX_VALUES;
  const first = steps[0];
  const records: InputRecord[] = [];
  const lineOf = (t: number): number => rowLines[t] ?? 1;

  if (typeof first === 'number' || Array.isArray(first)) {
    const width = typeof first === 'number' ? 1 : first.length;
    if (steps.length * width > maxValues) fail(`too many values: ${steps.length} x ${width} > ${maxValues}`, []);
    const shaper = new RowShaper(source, defaultFeatureNames(width), opts);
    for (let t = 0; t < steps.length; t++) {
      const s = steps[t];
      const line = lineOf(t);
      if (typeof first === 'number') {
        if (typeof s !== 'number') fail(`expected a number like step 0, got ${kindOf(s)}`, [t]);
        records.push(shaper.record([s as number], null, line, () => ({ ...at([t]) })));
        continue;
      }
      if (!Array.isArray(s)) fail(`expected an array of numbers like step 0, got ${kindOf(s)}`, [t]);
      const row = s as unknown[];
      if (row.length !== width) fail(`expected ${width} fields, got ${row.length}`, [t]);
      for (let i = 0; i < width; i++) if (typeof row[i] !== 'number') fail(`expected a number, got ${kindOf(row[i])}`, [t, i]);
      records.push(shaper.record(row as number[], null, line, (i) => at(i < 0 ? [t] : [t, i])));
    }
    return { featureNames: shaper.featureNames, records };
  }

  if (first !== null && typeof first === 'object') {
    const names = Object.keys(first);
    if (names.length === 0) fail('expected an object of named features, got {}', [0]);
    if (steps.length * names.length > maxValues) fail(`too many values: ${steps.length} x ${names.length} > ${maxValues}`, []);
    const shaper = new RowShaper(source, names, { ...opts, namesPlace: { line: lineOf(0) } });
    const raw = new Float64Array(names.length);
    for (let t = 0; t < steps.length; t++) {
      const s = steps[t];
      if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(`expected an object of named features like step 0, got ${kindOf(s)}`, [t]);
      const obj = s as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        if (!Object.hasOwn(obj, name)) fail(`missing feature "${visible(name)}"`, [t], `features: ${listNames(names)}`);
        const v = obj[name];
        if (typeof v !== 'number') fail(`expected a number, got ${kindOf(v)}`, [t, name]);
        raw[i] = v as number;
      }
      if (keys.length !== names.length) {
        const extra = keys.find((k) => !names.includes(k))!;
        fail(`unexpected feature "${visible(extra)}"`, [t, extra], `features: ${listNames(names)}`);
      }
      records.push(shaper.record(raw, null, lineOf(t), (i) => at(i < 0 ? [t] : [t, names[i]!])));
    }
    return { featureNames: shaper.featureNames, records };
  }
  return fail(`expected a time step (a number, an array or an object), got ${kindOf(first)}`, [0]);
}

/** "a string", "null", "an array": for "expected X, got Y". */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string "${visible(v)}"`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return 'a number';
  return typeof v;
}
