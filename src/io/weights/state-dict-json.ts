/**
 * A PyTorch state_dict saved as JSON, in the shapes people write it:
 *
 *   {name: nested arrays}                       json.dump({k: v.tolist() for k, v in sd.items()}, f)
 *   {name: [shape, flat or nested values]}      (list(v.shape), v.flatten().tolist()); only where the
 *                                               nested reading is ragged ([[2, 1], [a, b]] stays a matrix)
 *   {name: {"shape": [...], "data": [...]}}     also "values", an optional "dtype"; flat or nested
 *   {"epoch": 3, "model_state_dict": {...}}     a checkpoint dict: the one entry holding the model
 *   {"lstm": {"weight_ih_l0": [...]}, ...}      nested by module: names joined with "."
 */
import { InputError } from '../errors.js';
import { checkJson, tooDeepAt } from '../json-syntax.js';
import { checkShape, describeValue, MAX_RANK, tensorFromNested, type Tensor } from './tensor.js';

/** Keys a checkpoint dict keeps its model under (torch.save's habits, dumped to JSON). */
export const CHECKPOINT_KEYS = ['model_state_dict', 'state_dict', 'model', 'net', 'model_state', 'network', 'weights', 'params'] as const;

/** Module nesting the JSON may add above a tensor's own arrays. */
const MAX_NESTING = 6;

const RECURRENT_NAME = /(^|\.)(weight_ih|weight_hh)(_l\d+)?(_reverse)?$/;

/**
 * The named tensors of a JSON weights file. `notes` gets what was chosen (a checkpoint key) so the
 * caller can say it.
 */
export function parseStateDictJson(text: string, source: string, notes?: string[]): Map<string, Tensor> {
  let doc: unknown;
  // A tensor nests at most MAX_RANK arrays inside the top object (plus module nesting); deeper text
  // is refused before JSON.parse turns it into millions of nested arrays.
  const maxDepth = MAX_RANK + 2 + MAX_NESTING;
  if (tooDeepAt(text, maxDepth) >= 0) checkJson(text, source, maxDepth);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // Node 20's messages do not always give a position; the syntax checker names line and column.
    checkJson(text, source, maxDepth);
    throw jsonSyntaxError(text, err, source);
  }
  if (!isObject(doc)) {
    throw new InputError('expected a JSON object of tensors (a state_dict), got ' + (Array.isArray(doc) ? 'an array' : String(doc)), { source });
  }
  let root: Record<string, unknown> = doc;
  // A checkpoint dict: the model is under one of the usual keys; the rest (epoch, loss) is not ours.
  const held = CHECKPOINT_KEYS.filter((k) => Object.hasOwn(doc as object, k) && isObject((doc as Record<string, unknown>)[k]) && !isRecord((doc as Record<string, unknown>)[k]));
  if (held.length > 0) {
    const recurrent = held.filter((k) => [...flatNames((doc as Record<string, unknown>)[k] as Record<string, unknown>, '')].some((n) => RECURRENT_NAME.test(n)));
    if (recurrent.length > 1) {
      throw new InputError(`the JSON holds recurrent weights under ${recurrent.map((k) => `"${k}"`).join(', ')}; keep one`, { source });
    }
    const key = recurrent[0] ?? held[0]!;
    root = doc[key] as Record<string, unknown>;
    const others = Object.keys(doc).filter((k) => k !== key);
    notes?.push(`took the model from the JSON's "${key}"${others.length ? ` (not used: ${others.slice(0, 8).map((k) => `"${k}"`).join(', ')})` : ''}`);
  }
  // Object.entries sees "__proto__" as an ordinary own key of a JSON.parse result; the Map is safe.
  const tensors = new Map<string, Tensor>();
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [key, value] of Object.entries(obj)) {
      const name = prefix + key;
      if (isObject(value) && !isRecord(value)) {
        if (depth >= MAX_NESTING) throw new InputError(`objects nested more than ${MAX_NESTING} deep`, { source, tensor: name });
        walk(value, `${name}.`, depth + 1);
      } else {
        tensors.set(name, tensorFromJson(value, name, source));
      }
    }
  };
  walk(root, '', 0);
  return tensors;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `{"shape": [...], "data" | "values": [...]}`: one tensor, not a module. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return isObject(v) && Array.isArray(v['shape']) && (Object.hasOwn(v, 'data') || Object.hasOwn(v, 'values'));
}

function* flatNames(obj: Record<string, unknown>, prefix: string, depth = 0): Generator<string> {
  for (const [k, v] of Object.entries(obj)) {
    if (isObject(v) && !isRecord(v) && depth < MAX_NESTING) yield* flatNames(v, `${prefix}${k}.`, depth + 1);
    else yield prefix + k;
  }
}

/** One tensor in any of the forms above. */
function tensorFromJson(value: unknown, name: string, source: string): Tensor {
  if (isRecord(value)) {
    const values = Object.hasOwn(value, 'data') ? value['data'] : value['values'];
    return withShape(value['shape'], values, name, source, `${name}.shape`);
  }
  // [shape, values]: only when reading it as nested arrays would be ragged (a real [2, N] matrix is not).
  if (Array.isArray(value) && value.length === 2 && Array.isArray(value[0]) && Array.isArray(value[1])) {
    const [shape, values] = value as [unknown[], unknown[]];
    const ragged = shape.length !== values.length || Array.isArray(values[0]) !== Array.isArray(shape[0]);
    if (ragged && shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) return withShape(shape, values, name, source, `${name}[0]`);
  }
  return tensorFromNested(value, name, source);
}

/** Values (flat, or nested as the shape says) reshaped to `shape`, the count checked first. */
function withShape(shape: unknown, values: unknown, name: string, source: string, what: string): Tensor {
  const count = checkShape(shape, what, source, name);
  const t = tensorFromNested(values, name, source);
  if (t.data.length !== count) {
    throw new InputError(`shape [${(shape as number[]).join(', ')}] needs ${count} values, got ${t.data.length} (${describeValue(values)})`, {
      source,
      tensor: name,
    });
  }
  if (t.shape.length > 1 && (t.shape.length !== (shape as number[]).length || t.shape.some((d, i) => d !== (shape as number[])[i]))) {
    throw new InputError(`shape [${(shape as number[]).join(', ')}], but the values nest as [${t.shape.join(', ')}]`, { source, tensor: name });
  }
  return { shape: [...(shape as number[])], data: t.data, dtype: 'json' };
}

/** A JSON.parse failure as an InputError with line and column. */
export function jsonSyntaxError(text: string, err: unknown, source: string): InputError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  if (m) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    return new InputError(`invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '')}`, { source, line, column });
  }
  return new InputError(`invalid JSON: ${message}`, { source });
}
