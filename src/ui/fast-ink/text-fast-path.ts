/**
 * A fast path for the two per-character costs of Ink's output stage, for text whose width is
 * known at a glance: every character single-width and standing alone as a grapheme, escapes only
 * SGR (colour/style) sequences. That is every line gatescope composes (labels from input that are
 * not, CJK or emoji, take the original path for that line).
 *
 * Measured with Ink 6.8 on a 200x60 frame of 6 panels x 64 units: ~100 ms per frame, 44% of it in
 * @alcalzone/ansi-tokenize's tokenize (an Intl.Segmenter step per character and a string slice
 * per escape) and 18% in string-width via widest-line (the same per character). These functions
 * give exactly the originals' results on that text and fall back to the originals otherwise.
 */
import type { AnsiCode, Char, StyledChar, Token } from '@alcalzone/ansi-tokenize';

/**
 * Characters that are one column wide and never join a neighbour into one grapheme: printable
 * ASCII, Latin-1 and Latin Extended (no soft hyphen), Greek, general punctuation (no zero-width,
 * separator or bidi controls), arrows, mathematical operators, control pictures (␣), box drawing, block elements and
 * geometric shapes without the two with emoji presentation (◽ ◾). A test checks every one of them
 * against Intl.Segmenter, string-width and the original tokenizer.
 */
export function isSimpleChar(c: number): boolean {
  if (c >= 0x20 && c <= 0x7e) return true;
  if (c < 0xa0) return false;
  if (c <= 0x24f) return c !== 0xad;
  if (c >= 0x370 && c <= 0x3ff) return c !== 0x378 && c !== 0x379 && !(c >= 0x380 && c <= 0x383) && c !== 0x38b && c !== 0x38d && c !== 0x3a2;
  if (c >= 0x2010 && c <= 0x2027) return true;
  if (c >= 0x2030 && c <= 0x205e) return true;
  if (c >= 0x2190 && c <= 0x22ff) return true;
  if (c >= 0x2400 && c <= 0x2426) return true;
  if (c >= 0x2500 && c <= 0x25fc) return true;
  return c === 0x25ff;
}

const ESC = 0x1b;
const OPEN_BRACKET = 0x5b;
const LETTER_M = 0x6d;

/** Index just past an SGR sequence starting at i (ESC [ digits/; m), or -1 if it is not one. */
function sgrEnd(str: string, i: number): number {
  if (str.charCodeAt(i + 1) !== OPEN_BRACKET) return -1;
  let j = i + 2;
  for (; j < str.length; j++) {
    const c = str.charCodeAt(j);
    if (c === LETTER_M) return j + 1;
    if (c !== 0x3b && (c < 0x30 || c > 0x39)) return -1;
  }
  return -1;
}

export type Tokenize = (str: string, endChar?: number) => Token[];

/** One tokenizer with caches: an SGR sequence's tokens (computed once by the original) and char tokens. */
export function createFastTokenize(original: Tokenize): Tokenize {
  const sgr = new Map<string, readonly Token[]>();
  const chars = new Map<number, Char>();
  return (str, endChar = Number.POSITIVE_INFINITY) => {
    const ret: Token[] = [];
    let visible = 0;
    for (let i = 0; i < str.length; ) {
      const c = str.charCodeAt(i);
      if (c === ESC) {
        const end = sgrEnd(str, i);
        if (end < 0) return original(str, endChar);
        const code = str.slice(i, end);
        let tokens = sgr.get(code);
        if (tokens === undefined) {
          tokens = original(code);
          sgr.set(code, tokens);
        }
        for (const t of tokens) ret.push(t);
        i = end;
        continue;
      }
      if (!isSimpleChar(c)) return original(str, endChar);
      let token = chars.get(c);
      if (token === undefined) {
        token = { type: 'char', value: String.fromCharCode(c), fullWidth: false };
        chars.set(c, token);
      }
      ret.push(token);
      i++;
      visible++;
      if (visible >= endChar) {
        // The original stops after a whole grapheme: if what follows could join this character, ask it.
        if (i < str.length && str.charCodeAt(i) !== ESC && !isSimpleChar(str.charCodeAt(i))) return original(str, endChar);
        break;
      }
    }
    return ret;
  };
}

export type StringWidth = (text: string, options?: object) => number;

/** string-width, counting simple text directly (SGR sequences are zero-width). */
export function createFastStringWidth(original: StringWidth): StringWidth {
  return (text, options) => {
    if (options !== undefined || typeof text !== 'string') return original(text, options);
    let width = 0;
    for (let i = 0; i < text.length; ) {
      const c = text.charCodeAt(i);
      if (c === ESC) {
        const end = sgrEnd(text, i);
        if (end < 0) return original(text);
        i = end;
        continue;
      }
      if (!isSimpleChar(c)) return original(text);
      width++;
      i++;
    }
    return width;
  };
}

export type ReduceCodes = (codes: AnsiCode[], newCodes: AnsiCode[]) => AnsiCode[];

/**
 * styledCharsFromTokens, but characters in the same style share one styles array instead of a
 * copy each (nothing downstream mutates them: Ink only reads styles to diff them).
 */
export function createStyledCharsFromTokens(reduce: ReduceCodes): (tokens: Token[]) => StyledChar[] {
  return (tokens) => {
    let codes: AnsiCode[] = [];
    const ret: StyledChar[] = [];
    for (const token of tokens) {
      if (token.type === 'ansi') codes = reduce(codes, [token]);
      else ret.push({ type: 'char', value: token.value, fullWidth: token.fullWidth, styles: codes });
    }
    return ret;
  };
}

export type DiffCodes = (from: AnsiCode[], to: AnsiCode[]) => AnsiCode[];
export type CodesToString = (codes: AnsiCode[]) => string;

/** styledCharsToString, skipping the style diff between characters that share their styles. */
export function createStyledCharsToString(diff: DiffCodes, toString: CodesToString): (chars: StyledChar[]) => string {
  return (chars) => {
    let ret = '';
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i]!;
      if (i === 0) ret += toString(char.styles);
      else {
        const prev = chars[i - 1]!.styles;
        if (prev !== char.styles && (prev.length > 0 || char.styles.length > 0)) ret += toString(diff(prev, char.styles));
      }
      ret += char.value;
      if (i === chars.length - 1 && char.styles.length > 0) ret += toString(diff(char.styles, []));
    }
    return ret;
  };
}
