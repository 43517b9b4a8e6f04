/**
 * Text input: each token becomes one time step, a one-hot vector over a vocabulary.
 *
 * - tokens 'chars' (default): every Unicode code point is a token, newlines included ('\r\n' counts
 *   as one '\n'); one final newline at the end of the text is dropped, as editors add it.
 * - tokens 'words': runs of non-whitespace separated by whitespace.
 * - The vocabulary is `opts.vocab` when given (index = one-hot position or embedding row). A token
 *   outside it becomes the vocabulary's unknown token (`<unk>`, `[UNK]`, `<UNK>`, `<oov>`, `<OOV>`)
 *   when it has one, counted in `unknown`; otherwise it is an error naming its line:column.
 *   Without one, the vocabulary is built from the text in first-seen order: the first token gets
 *   index 0. A model trained on some other ordering needs --vocab.
 */
import { InputError, visible } from './errors.js';
import { DEFAULT_MAX_VALUES, type InputOptions, type InputRecord } from './input.js';
import { tooDeepAt } from './json-syntax.js';

export interface ParsedText {
  readonly featureNames: readonly string[];
  readonly vocab: readonly string[];
  readonly records: InputRecord[];
  /** Tokens not in a given vocabulary, read as its unknown token (null when none were). */
  readonly unknown: UnknownTokens | null;
}

export interface UnknownTokens {
  /** How many steps were not in the vocabulary. */
  readonly count: number;
  /** The unknown token they became. */
  readonly as: string;
  /** The first one, as written, and where. */
  readonly first: { readonly text: string; readonly line: number; readonly column: number };
}

/** Names vocabularies give the token for everything else, in the order they are looked for. */
export const UNKNOWN_TOKENS: readonly string[] = ['<unk>', '[UNK]', '<UNK>', '<oov>', '<OOV>'];

/** The index of the vocabulary's unknown token, or -1 when it has none. */
export function unknownTokenIndex(vocab: readonly string[]): number {
  for (const u of UNKNOWN_TOKENS) {
    const i = vocab.indexOf(u);
    if (i >= 0) return i;
  }
  return -1;
}

/** "2 tokens not in the vocabulary were read as <unk> (the first: "twist" at 1:31)", for stderr. */
export function unknownTokensNote(u: UnknownTokens, source: string): string {
  const n = u.count === 1 ? '1 token' : `${u.count} tokens`;
  return `${visible(source)}: ${n} not in the vocabulary read as ${visible(u.as)} (the first: "${visible(u.first.text, 40)}" at ${u.first.line}:${u.first.column})`;
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
  const unk = given ? unknownTokenIndex(vocab) : -1;
  let unknown: { count: number; as: string; first: { text: string; line: number; column: number } } | null = null;
  const ids = new Int32Array(toks.length);
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    let id = index.get(tok.text);
    if (id === undefined && unk >= 0) {
      id = unk;
      if (unknown === null) unknown = { count: 0, as: vocab[unk]!, first: { text: tok.text, line: tok.line, column: tok.column } };
      unknown.count++;
    }
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
  if (toks.length === 0) return { featureNames: vocab, vocab, records: [], unknown };
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
  return { featureNames: vocab, vocab, records, unknown };
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
  if (/^\s*[[{]/.test(text) || text.charCodeAt(0) === 0xfeff) return `${JSON.stringify(tokens)}\n`;
  return text;
}

/**
 * A vocabulary file, as users save them; the result lists the tokens by index (one-hot position or
 * embedding row):
 *
 *   one token per line   a final newline optional, '\r\n' accepted; a line that is exactly \n, \t,
 *                        \r, \s or \\ stands for newline, tab, carriage return, space or backslash;
 *                        empty lines are skipped
 *   ["a", "b", ...]      a JSON list (json.dump(itos))
 *   {"a": 0, "b": 1}     a JSON {token: index} dict (json.dump(char2idx), a tokenizer's vocab.json):
 *                        the indices must be exactly 0..V-1, each once
 *   {"itos": [...], "stoi": {...}}   torchtext's fields (also idx2word / word2idx, as
 *                        pytorch/examples' Dictionary names them); either alone is enough, and
 *                        when both are given they must agree
 *
 * A file whose first non-blank character is '[' or '{' is JSON. Duplicates are an error naming
 * their line or entry.
 */
export function parseVocab(text: string, source: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/^\s*[[{]/.test(text)) return vocabFromJson(text, source);
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

const LIST_KEYS = ['itos', 'idx2word'] as const;
const DICT_KEYS = ['stoi', 'word2idx'] as const;

function vocabFromJson(text: string, source: string): string[] {
  const err = (message: string): InputError => new InputError(message, { source });
  const expected = 'expected a JSON list of tokens, a {token: index} dict or {"itos": [...], "stoi": {...}}';
  // A vocabulary nests two levels at most ({"itos": [...]}); refuse deeper text before JSON.parse builds it.
  if (tooDeepAt(text, 3) >= 0) throw err(`invalid JSON vocabulary: ${expected}, got deeper nesting`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw err(`invalid JSON vocabulary: ${expected}`);
  }
  if (Array.isArray(doc)) return vocabFromList(doc, source, '');
  if (doc === null || typeof doc !== 'object') throw err(expected);
  const obj = doc as Record<string, unknown>;
  const listKey = LIST_KEYS.find((k) => Object.hasOwn(obj, k));
  const dictKey = DICT_KEYS.find((k) => Object.hasOwn(obj, k));
  if (listKey === undefined && dictKey === undefined) return vocabFromDict(obj, source, '');
  const list = listKey !== undefined ? obj[listKey] : undefined;
  const dict = dictKey !== undefined ? obj[dictKey] : undefined;
  if (list !== undefined && !Array.isArray(list)) throw err(`"${listKey}": expected a list of tokens`);
  if (dict !== undefined && (dict === null || typeof dict !== 'object' || Array.isArray(dict))) throw err(`"${dictKey}": expected a {token: index} dict`);
  const fromList = list !== undefined ? vocabFromList(list as unknown[], source, `${listKey}`) : null;
  const fromDict = dict !== undefined ? vocabFromDict(dict as Record<string, unknown>, source, `${dictKey}`) : null;
  if (fromList !== null && fromDict !== null) {
    if (fromList.length !== fromDict.length) {
      throw err(`"${listKey}" has ${fromList.length} tokens but "${dictKey}" has ${fromDict.length}: they must agree`);
    }
    const i = fromList.findIndex((t, k) => fromDict[k] !== t);
    if (i >= 0) {
      throw err(`"${listKey}"[${i}] is "${visible(fromList[i]!)}" but "${dictKey}" gives index ${i} to "${visible(fromDict[i]!)}": they must agree`);
    }
  }
  return fromList ?? fromDict!;
}

function vocabFromList(doc: readonly unknown[], source: string, key: string): string[] {
  const at = (i: number): string => (key === '' ? `entry ${i}` : `"${key}"[${i}]`);
  const tokens: string[] = [];
  const seen = new Map<string, number>();
  doc.forEach((t: unknown, i) => {
    if (typeof t !== 'string' || t === '') throw new InputError(`vocabulary ${at(i)}: expected a non-empty string`, { source });
    const prev = seen.get(t);
    if (prev !== undefined) throw new InputError(`duplicate token "${visible(t)}" at ${at(i)} (first at ${at(prev)})`, { source });
    seen.set(t, i);
    tokens.push(t);
  });
  if (tokens.length === 0) throw new InputError('empty vocabulary', { source });
  return tokens;
}

/** A {token: index} dict as the list of tokens by index: the indices must be exactly 0..V-1. */
function vocabFromDict(doc: Readonly<Record<string, unknown>>, source: string, key: string): string[] {
  const where = key === '' ? '' : ` in "${key}"`;
  const entries = Object.entries(doc);
  if (entries.length === 0) throw new InputError('empty vocabulary', { source });
  const V = entries.length;
  const tokens: (string | undefined)[] = new Array<string | undefined>(V);
  for (const [t, i] of entries) {
    if (t === '') throw new InputError(`vocabulary${where}: the empty string is not a token`, { source });
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0) {
      const what = typeof i === 'number' ? String(i) : i === null ? 'null' : Array.isArray(i) ? 'a list' : typeof i === 'string' ? 'a string' : typeof i;
      throw new InputError(`token "${visible(t)}"${where}: expected an index 0, 1, ..., got ${what}`, { source, hint: 'a {token: index} dict' });
    }
    if (i >= V) {
      throw new InputError(`token "${visible(t)}"${where} has index ${i}, but ${V} tokens need the indices 0..${V - 1}`, {
        source,
        hint: 'a vocabulary with gaps in its indices cannot say which row the gaps are; save the full list',
      });
    }
    const prev = tokens[i];
    if (prev !== undefined) throw new InputError(`tokens "${visible(prev)}" and "${visible(t)}"${where} both have index ${i}`, { source });
    tokens[i] = t;
  }
  return tokens as string[];
}
