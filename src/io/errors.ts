/**
 * The one error type for anything wrong with what the user gave us: a file, a stream, a tensor,
 * a flag value. The CLI prints `format()` as a single line and exits non-zero, never a stack.
 */

export interface InputErrorOptions {
  /** The file path, `<stdin>`, or a flag name such as `--initial-state`. */
  source: string;
  /** 1-based line in a text format. */
  line?: number;
  /** 1-based column (a field index for CSV, a character for JSON). */
  column?: number;
  /** A tensor or header field in a binary or weights format: `weight_hh_l1`, `header.shape`. */
  tensor?: string;
  /** What to do about it. */
  hint?: string;
}

export class InputError extends Error {
  readonly source: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly tensor: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, opts: InputErrorOptions) {
    super(message);
    this.name = 'InputError';
    this.source = opts.source;
    this.line = opts.line;
    this.column = opts.column;
    this.tensor = opts.tensor;
    this.hint = opts.hint;
  }

  /** `data.csv:4:2: expected a number, got "abc"`, or `m.json: weight_hh_l0: expected [12, 3], got [3, 12]`. */
  format(): string {
    let where = this.source;
    if (this.line !== undefined) {
      where += `:${this.line}`;
      if (this.column !== undefined) where += `:${this.column}`;
    }
    const tensor = this.tensor !== undefined && !this.message.startsWith(this.tensor) ? `${this.tensor}: ` : '';
    const hint = this.hint !== undefined ? ` (${this.hint})` : '';
    return `${where}: ${tensor}${this.message}${hint}`;
  }
}

/**
 * Characters that draw nothing but change what a name means or how it is laid out: zero-width
 * space/joiners and direction marks (U+200B-U+200F), the Arabic letter mark (U+061C), the Mongolian
 * vowel separator (U+180E), word joiner and invisible operators (U+2060-U+2064), the deprecated
 * format controls (U+206A-U+206F) and the byte-order mark / zero-width no-break space (U+FEFF).
 * Two header names that differ only by one of them must look different.
 */
function isInvisible(code: number): boolean {
  return (
    (code >= 0x200b && code <= 0x200f) ||
    code === 0x061c ||
    code === 0x180e ||
    (code >= 0x2060 && code <= 0x2064) ||
    (code >= 0x206a && code <= 0x206f) ||
    code === 0xfeff
  );
}

/**
 * Makes a value safe to quote in a one-line message: control characters become visible escapes,
 * and so do bidirectional overrides and invisible characters (`\u202e`, `\u200b`, `\ufeff`).
 */
export function visible(text: string, maxLength = 40): string {
  if (text.length <= maxLength && !NEEDS_ESCAPE.test(text)) return text;
  // Pieces joined once: `out += ch` would build a rope of one node per character (about 450 bytes
  // for a 25-character label, where the flat string takes 60), and the viewer keeps a label per step.
  const parts: string[] = [];
  let length = 0;
  for (const ch of text) {
    const piece = escapeOf(ch);
    if (length + piece.length > maxLength) {
      parts.push(piece.slice(0, maxLength - length), '…');
      return parts.join('');
    }
    parts.push(piece);
    length += piece.length;
  }
  return parts.join('');
}

/** What visible() shows for one character: itself, or an escape. */
function escapeOf(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
    return code === 0x1b ? '\\e' : code === 0x0a ? '\\n' : code === 0x09 ? '\\t' : code === 0x0d ? '\\r' : `\\x${code.toString(16).padStart(2, '0')}`;
  }
  if (code === 0x2028 || code === 0x2029 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || isInvisible(code)) {
    return `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return ch;
}

/** Any character that escapeOf changes. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
