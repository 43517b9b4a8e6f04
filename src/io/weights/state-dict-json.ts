/**
 * A PyTorch state_dict saved as JSON: `{name: nested arrays}`, e.g.
 *   json.dump({k: v.tolist() for k, v in model.state_dict().items()}, f)
 */
import { InputError } from '../errors.js';
import { checkJson, tooDeepAt } from '../json-syntax.js';
import { MAX_RANK, tensorFromNested, type Tensor } from './tensor.js';

export function parseStateDictJson(text: string, source: string): Map<string, Tensor> {
  let doc: unknown;
  // A tensor nests at most MAX_RANK arrays inside the top object; deeper text is refused before
  // JSON.parse turns it into millions of nested arrays.
  if (tooDeepAt(text, MAX_RANK + 2) >= 0) checkJson(text, source, MAX_RANK + 2);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // Node 20's messages do not always give a position; the syntax checker names line and column.
    checkJson(text, source, MAX_RANK + 2);
    throw jsonSyntaxError(text, err, source);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError('expected a JSON object of tensors (a state_dict), got ' + (Array.isArray(doc) ? 'an array' : String(doc)), { source });
  }
  // Object.entries sees "__proto__" as an ordinary own key of a JSON.parse result; the Map is safe.
  const tensors = new Map<string, Tensor>();
  for (const [name, value] of Object.entries(doc)) tensors.set(name, tensorFromNested(value, name, source));
  return tensors;
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
