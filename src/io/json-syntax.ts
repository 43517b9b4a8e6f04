/**
 * A JSON syntax check that runs before JSON.parse: iterative (an explicit stack, so nesting cannot
 * overflow the call stack), refusing nesting deeper than a limit, and naming the exact line and
 * column of the first error, which JSON.parse's messages do not always give. It also notes the line
 * where each top-level array element starts, which becomes each time step's line.
 */
import { InputError } from './errors.js';

export interface JsonLayout {
  /** 1-based line where each element of a top-level array starts (empty if the top is not an array). */
  readonly rowLines: number[];
}

const enum S {
  Value,
  ArrayFirst,
  ObjectFirst,
  Key,
  After,
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Where the first '[' or '{' deeper than `maxDepth` opens (outside strings), or -1: one cheap pass
 * before JSON.parse. JSON.parse copes with any depth, but a few megabytes of '[' become gigabytes
 * of nested arrays; run checkJson for the positioned error when this finds something.
 */
export function tooDeepAt(text: string, maxDepth: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x22) {
      // Skip the string: the next quote not escaped by an odd run of backslashes.
      for (i = text.indexOf('"', i + 1); i > 0; i = text.indexOf('"', i + 1)) {
        let k = i - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((i - 1 - k) % 2 === 0) break;
      }
      if (i < 0) return -1;
    }
  }
  return -1;
}

/** Throws an InputError at the first syntax error or at nesting deeper than `maxDepth`. */
export function checkJson(text: string, source: string, maxDepth: number, firstLine = 1): JsonLayout {
  const stack: number[] = []; // 0x5b '[' or 0x7b '{'
  const rowLines: number[] = [];
  let line = firstLine;
  let lineStart = 0;
  let i = 0;
  let state = S.Value;
  const n = text.length;

  const fail = (at: number, message: string, hint?: string): never => {
    // Count lines up to `at` from the last known position (i only moves forward).
    let l = line;
    let ls = lineStart;
    for (let k = i; k < at && k < n; k++) if (text.charCodeAt(k) === 0x0a) (l++, (ls = k + 1));
    throw new InputError(message, { source, line: l, column: at - ls + 1, hint });
  };
  const ws = (): void => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        line++;
        lineStart = i + 1;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return;
    }
  };
  const found = (at: number): string => (at >= n ? 'the end of input' : `"${text[at] === '"' ? '\\"' : describeChar(text, at)}"`);
  const str = (): void => {
    const open = i;
    i++;
    for (;;) {
      if (i >= n) fail(open, 'a string is not closed');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i, 'bad \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(i, 'bad escape in a string');
      } else if (c < 0x20) fail(i, c === 0x0a ? 'a string is not closed before the end of the line' : 'a control character inside a string');
      else i++;
    }
  };

  for (;;) {
    switch (state) {
      case S.Value: {
        ws();
        if (stack.length === 1 && stack[0] === 0x5b) rowLines.push(line);
        const c = text.charCodeAt(i);
        if (c === 0x5b || c === 0x7b) {
          if (stack.length >= maxDepth) fail(i, `JSON nested deeper than ${maxDepth} levels`);
          stack.push(c);
          i++;
          state = c === 0x5b ? S.ArrayFirst : S.ObjectFirst;
        } else if (c === 0x22) {
          str();
          state = S.After;
        } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(text);
          if (m === null || m[0] === '-') {
            if (text.startsWith('-Infinity', i)) fail(i, 'JSON has no -Infinity', 'non-finite values need CSV, NDJSON with numbers, or .npy');
            fail(i, `expected a number, got ${found(i + 1)}`);
          }
          i += m![0].length;
          state = S.After;
        } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
          i += 4;
          state = S.After;
        } else if (text.startsWith('false', i)) {
          i += 5;
          state = S.After;
        } else if (text.startsWith('NaN', i) || text.startsWith('Infinity', i)) {
          fail(i, `JSON has no ${text.startsWith('NaN', i) ? 'NaN' : 'Infinity'}`, 'non-finite values need CSV or .npy');
        } else {
          fail(i, `expected a value, got ${found(i)}`);
        }
        break;
      }
      case S.ArrayFirst:
        ws();
        if (text.charCodeAt(i) === 0x5d) {
          i++;
          stack.pop();
          state = S.After;
        } else state = S.Value;
        break;
      case S.ObjectFirst:
        ws();
        if (text.charCodeAt(i) === 0x7d) {
          i++;
          stack.pop();
          state = S.After;
        } else state = S.Key;
        break;
      case S.Key:
        ws();
        if (text.charCodeAt(i) !== 0x22) fail(i, `expected a "key", got ${found(i)}`);
        str();
        ws();
        if (text.charCodeAt(i) !== 0x3a) fail(i, `expected ":" after a key, got ${found(i)}`);
        i++;
        state = S.Value;
        break;
      case S.After: {
        ws();
        const top = stack[stack.length - 1];
        if (top === undefined) {
          if (i < n) fail(i, `unexpected ${found(i)} after the JSON value`);
          return { rowLines };
        }
        const c = text.charCodeAt(i);
        const close = top === 0x5b ? 0x5d : 0x7d;
        if (c === 0x2c) {
          i++;
          state = top === 0x5b ? S.Value : S.Key;
        } else if (c === close) {
          i++;
          stack.pop();
        } else {
          fail(i, `expected "," or "${top === 0x5b ? ']' : '}'}", got ${found(i)}`);
        }
        break;
      }
    }
  }
}

function describeChar(text: string, at: number): string {
  const cp = text.codePointAt(at)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  const ch = String.fromCodePoint(cp);
  return /[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(ch) ? `\\u${cp.toString(16)}` : ch;
}

/**
 * The offset where the value at `path` starts in valid JSON `text` (array indexes and object keys),
 * for messages about a value that parsed but is wrong. Iterative, like checkJson.
 */
export function locateJson(text: string, path: readonly (number | string)[]): number {
  let i = skipWs(text, 0);
  for (const step of path) {
    const c = text[i];
    if (c === '[' && typeof step === 'number') {
      i = skipWs(text, i + 1);
      for (let k = 0; k < step; k++) i = skipWs(text, skipWs(text, skipValue(text, i)) + 1);
    } else if (c === '{' && typeof step === 'string') {
      i = skipWs(text, i + 1);
      for (;;) {
        const keyEnd = skipValue(text, i);
        const key = JSON.parse(text.slice(i, keyEnd)) as string;
        i = skipWs(text, skipWs(text, keyEnd) + 1);
        if (key === step) break;
        i = skipWs(text, skipWs(text, skipValue(text, i)) + 1);
        if (i >= text.length) return i;
      }
    } else return i;
  }
  return i;
}

/** Line and column (1-based, in UTF-16 units) of an offset. */
export function lineColumn(text: string, offset: number, firstLine = 1): { line: number; column: number } {
  let line = firstLine;
  let start = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
}

function skipWs(text: string, i: number): number {
  while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  return i;
}

function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return i;
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '[' || c === '{') {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text[i];
      if (d === '"') i = skipString(text, i) - 1;
      else if (d === '[' || d === '{') depth++;
      else if (d === ']' || d === '}') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return i;
  }
  while (i < text.length && !',]} \t\r\n'.includes(text[i]!)) i++;
  return i;
}
