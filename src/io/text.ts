/**
 * Text input: each token becomes one time step, a one-hot vector over a vocabulary.
 *
 * - tokens 'chars' (default): every Unicode code point is a token, newlines included ('\r\n' counts
 *   as one '\n'); one final newline at the end of the text is dropped, as editors add it.
 * - tokens 'words': runs of non-whitespace separated by whitespace.
 * - The vocabulary is `opts.vocab` when given (index = one-hot position; a token outside it is an
 *   error naming its line:column), else it is built from the text in first-seen order: the first
 *   token gets index 0. A model trained on some other ordering needs --vocab.
 */
import { InputError, visible } from './errors.js';
import { DEFAULT_MAX_VALUES, type InputOptions, type InputRecord } from './input.js';
import { tooDeepAt } from './json-syntax.js';

export interface ParsedText {
  readonly featureNames: readonly string[];
  readonly vocab: readonly string[];
  readonly records: InputRecord[];
}

interface Token {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

export function tokenize(text: string, tokens: 'chars' | 'words' = 'chars'): Token[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n/g, '\n');
  const out: Token[] = [];
  let line = 1;
  let column = 1;
  if (tokens === 'chars') {
    if (text.endsWith('\n')) text = text.slice(0, -1);
    for (const ch of text) {
      out.push({ text: ch, line, column });
      if (ch === '\n') {
        line++;
        column = 1;
      } else column += ch.length;
    }
    return out;
  }
  const word = /\S+/gu;
  let lineStart = 0;
  let scanned = 0;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) {
    for (let k = text.indexOf('\n', scanned); k >= 0 && k < m.index; k = text.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    scanned = m.index;
    out.push({ text: m[0], line, column: m.index - lineStart + 1 });
  }
  return out;
}

export function parseTextInput(text: string, source: string, opts: InputOptions = {}): ParsedText {
  if (opts.columns !== undefined && opts.columns.length > 0) {
    throw new InputError('--columns does not apply to text input (its features are the vocabulary)', { source });
  }
  const toks = tokenize(text, opts.tokens ?? 'chars');
  const given = opts.vocab !== undefined;
  const vocab: string[] = given ? [...opts.vocab!] : [];
  const index = new Map<string, number>();
  vocab.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  const ids = new Int32Array(toks.length);
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    let id = index.get(tok.text);
    if (id === undefined) {
      if (given) {
        throw new InputError(`token "${visible(tok.text)}" is not in the vocabulary (${vocab.length} tokens)`, {
          source,
          line: tok.line,
          column: tok.column,
        });
      }
      id = vocab.length;
      vocab.push(tok.text);
      index.set(tok.text, id);
    }
    ids[k] = id;
  }
  if (toks.length === 0) return { featureNames: vocab, vocab, records: [] };
  const V = vocab.length;
  if (opts.expectedWidth !== undefined && V !== opts.expectedWidth) {
    throw new InputError(`expected ${opts.expectedWidth} features (the weights' input size), got a vocabulary of ${V} tokens`, {
      source,
      line: toks[0]!.line,
      hint: given ? undefined : 'the vocabulary was built from the text; pass --vocab',
    });
  }
  const maxValues = opts.maxValues ?? DEFAULT_MAX_VALUES;
  if (toks.length * V > maxValues) {
    throw new InputError(`${toks.length} tokens x ${V} vocabulary is more than ${maxValues} one-hot values`, { source, hint: 'the limit protects memory' });
  }
  const records: InputRecord[] = [];
  for (let k = 0; k < toks.length; k++) {
    const values = new Float64Array(V);
    values[ids[k]!] = 1;
    records.push({ values, label: toks[k]!.text, line: toks[k]!.line, token: ids[k]! });
  }
  return { featureNames: vocab, vocab, records };
}

const ESCAPES: Readonly<Record<string, string>> = { '\\n': '\n', '\\t': '\t', '\\r': '\r', '\\s': ' ', '\\\\': '\\' };

const SPELLED: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', ' ': '\\s', '\\': '\\\\' };

/**
 * A vocabulary as parseVocab reads it back, token for token: one per line with newline, tab,
 * carriage return, space and backslash spelled as escapes; a JSON array when some token cannot be
 * a line of its own (one that contains a newline, ends in '\r', or is itself spelled like an escape).
 */
export function formatVocab(tokens: readonly string[]): string {
  const lines: string[] = [];
  for (const t of tokens) {
    const line = Object.hasOwn(SPELLED, t) ? SPELLED[t]! : t;
    const ambiguous = line === t && Object.hasOwn(ESCAPES, t);
    if (line === '' || ambiguous || line.includes('\n') || line.endsWith('\r')) return `${JSON.stringify(tokens)}\n`;
    lines.push(line);
  }
  const text = `${lines.join('\n')}\n`;
  if (text.trimStart().startsWith('[') || text.charCodeAt(0) === 0xfeff) return `${JSON.stringify(tokens)}\n`;
  return text;
}

/**
 * A vocabulary file: one token per line (a final newline is optional, '\r\n' accepted); a line that
 * is exactly \n, \t, \r, \s or \\ stands for newline, tab, carriage return, space or backslash, and
 * empty lines are skipped. A file starting with '[' is read as a JSON array of strings instead.
 * Duplicates are an error naming their line.
 */
export function parseVocab(text: string, source: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trimStart().startsWith('[')) {
    let doc: unknown;
    // An array of strings nests one level; refuse deeper text before JSON.parse builds it.
    if (tooDeepAt(text, 2) >= 0) throw new InputError('invalid JSON vocabulary: expected an array of strings, got nested arrays', { source });
    try {
      doc = JSON.parse(text);
    } catch {
      throw new InputError('invalid JSON vocabulary: expected an array of strings', { source });
    }
    if (!Array.isArray(doc)) throw new InputError('expected an array of strings', { source });
    const tokens: string[] = [];
    const seen = new Set<string>();
    doc.forEach((t: unknown, i) => {
      if (typeof t !== 'string' || t === '') throw new InputError(`vocabulary entry ${i}: expected a non-empty string`, { source });
      if (seen.has(t)) throw new InputError(`duplicate token "${visible(t)}" at entry ${i}`, { source });
      seen.add(t);
      tokens.push(t);
    });
    if (tokens.length === 0) throw new InputError('empty vocabulary', { source });
    return tokens;
  }
  const tokens: string[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let t = lines[i]!;
    if (t.endsWith('\r')) t = t.slice(0, -1);
    if (t === '') continue;
    // hasOwn: a vocabulary line such as `constructor` or `toString` is a token, not Object's method.
    if (Object.hasOwn(ESCAPES, t)) t = ESCAPES[t]!;
    const prev = firstLine.get(t);
    if (prev !== undefined) {
      throw new InputError(`duplicate token "${visible(t)}" (first on line ${prev})`, { source, line: i + 1 });
    }
    firstLine.set(t, i + 1);
    tokens.push(t);
  }
  if (tokens.length === 0) throw new InputError('empty vocabulary: expected one token per line', { source });
  return tokens;
}
