/**
 * NDJSON (JSON Lines): one time step per line, each a number, an array of numbers, or an object of
 * named features (the first line's keys name the features, in its order). Blank lines are skipped.
 * Read incrementally: every complete line is a record as soon as it arrives, so a stream cut off
 * mid-object has yielded all the records before it and then fails naming the cut line.
 */
import { InputError, visible } from './errors.js';
import { defaultFeatureNames, DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_LINE_BYTES, type ChunkParser, type InputOptions, type InputRecord } from './input.js';
import { kindOf } from './json.js';
import { checkJson, lineColumn, locateJson, tooDeepAt } from './json-syntax.js';
import { createLineSplitter, type Line } from './lines.js';
import { listNames, RowShaper } from './rows.js';

/** Lines longer than this get the nesting check before JSON.parse (shorter ones cost nothing). */
const DEEP_CHECK_CHARS = 4096;

export function createNdjsonParser(source: string, opts: InputOptions = {}): ChunkParser {
  const splitter = createLineSplitter(source, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const maxDepth = opts.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  let shaper: RowShaper | null = null;
  let kind: 'number' | 'array' | 'object' | null = null;
  let names: string[] = [];
  let raw = new Float64Array(0);

  const record = (l: Line): InputRecord | null => {
    const text = l.text;
    if (text.trim() === '') return null;
    let v: unknown;
    // A short line cannot nest deeply enough to matter; a long one is checked before JSON.parse
    // turns a line of '[' into millions of nested arrays.
    if (text.length > DEEP_CHECK_CHARS && tooDeepAt(text, maxDepth) >= 0) checkJson(text, source, maxDepth, l.number);
    try {
      v = JSON.parse(text);
    } catch {
      // Only a failed line pays for the positioned check; nesting needs no limit on the happy path
      // since nothing below looks deeper than one level, and JSON.parse itself does not recurse.
      checkJson(text, source, maxDepth, l.number);
      throw new InputError('invalid JSON', { source, line: l.number });
    }
    const at = (path: readonly (number | string)[]) => ({ line: l.number, column: lineColumn(text, locateJson(text, path)).column });
    const fail = (message: string, path: readonly (number | string)[], hint?: string): never => {
      throw new InputError(message, { source, ...at(path), hint });
    };
    if (kind === null) {
      if (typeof v === 'number') {
        kind = 'number';
        names = defaultFeatureNames(1);
      } else if (Array.isArray(v)) {
        kind = 'array';
        names = defaultFeatureNames(v.length);
      } else if (v !== null && typeof v === 'object') {
        kind = 'object';
        names = Object.keys(v);
        if (names.length === 0) fail('expected an object of named features, got {}', []);
      } else {
        fail(`expected a time step (a number, an array or an object), got ${kindOf(v)}`, []);
      }
      shaper = new RowShaper(source, names, { ...opts, namesPlace: { line: l.number } });
      raw = new Float64Array(names.length);
    }
    const s = shaper!;
    if (kind === 'number') {
      if (typeof v !== 'number') fail(`expected a number like the first line, got ${kindOf(v)}`, []);
      raw[0] = v as number;
    } else if (kind === 'array') {
      if (!Array.isArray(v)) fail(`expected an array of numbers like the first line, got ${kindOf(v)}`, []);
      const row = v as unknown[];
      if (row.length !== names.length) throw new InputError(`expected ${names.length} fields, got ${row.length}`, { source, line: l.number });
      for (let i = 0; i < row.length; i++) {
        if (!s.uses(i)) continue;
        if (typeof row[i] !== 'number') fail(`expected a number, got ${kindOf(row[i])}`, [i]);
        raw[i] = row[i] as number;
      }
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`expected an object of named features like the first line, got ${kindOf(v)}`, []);
      const obj = v as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        if (!Object.hasOwn(obj, name)) fail(`missing feature "${visible(name)}"`, [], `features: ${listNames(names)}`);
        const x = obj[name];
        if (!s.uses(i)) continue;
        if (typeof x !== 'number') fail(`expected a number, got ${kindOf(x)}`, [name]);
        raw[i] = x as number;
      }
      const keys = Object.keys(obj);
      if (keys.length !== names.length) {
        const extra = keys.find((k) => !names.includes(k))!;
        fail(`unexpected feature "${visible(extra)}"`, [extra], `features: ${listNames(names)}`);
      }
    }
    return s.record(raw, null, l.number, (i) => (i < 0 ? { line: l.number } : kind === 'object' ? at([names[i]!]) : kind === 'array' ? at([i]) : at([])));
  };

  const all = (ls: readonly Line[]): InputRecord[] => {
    const out: InputRecord[] = [];
    for (const l of ls) {
      const r = record(l);
      if (r !== null) out.push(r);
    }
    return out;
  };

  return {
    push: (chunk) => all(splitter.push(chunk)),
    flush() {
      const last = splitter.flush();
      return last === null ? [] : all([last]);
    },
    get featureNames() {
      return shaper?.featureNames ?? null;
    },
  };
}
