import * as original from '@alcalzone/ansi-tokenize';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import {
  createFastStringWidth,
  createFastTokenize,
  createStyledCharsFromTokens,
  createStyledCharsToString,
  isSimpleChar,
} from '../../src/ui/fast-ink/text-fast-path.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { initialSession, reduce } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';

const tokenize = createFastTokenize(original.tokenize);
const width = createFastStringWidth(stringWidth as (t: string, o?: object) => number);
const fromTokens = createStyledCharsFromTokens(original.reduceAnsiCodesIncremental);
const toText = createStyledCharsToString(original.diffAnsiCodes, original.ansiCodesToString);

/** What Ink's Output does with a line: tokenize, style per char, and back to a string. */
const inkOriginal = (line: string): string => original.styledCharsToString(original.styledCharsFromTokens(original.tokenize(line)));
const inkFast = (line: string): string => toText(fromTokens(tokenize(line)));

function simpleChars(): string[] {
  const out: string[] = [];
  for (let c = 0; c <= 0x2fff; c++) if (isSimpleChar(c)) out.push(String.fromCharCode(c));
  return out;
}

describe('the fast text path for Ink', () => {
  it('treats as simple only characters that are one column and a grapheme of their own', () => {
    const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (const ch of simpleChars()) {
      const code = ch.charCodeAt(0).toString(16);
      expect(stringWidth(ch), code).toBe(1);
      expect(original.tokenize(ch), code).toEqual([{ type: 'char', value: ch, fullWidth: false }]);
      expect([...seg.segment(`a${ch}${ch}b`)].length, code).toBe(4);
    }
  });

  const sgr = fc.constantFrom('\u001b[0m', '\u001b[1m', '\u001b[22m', '\u001b[2m', '\u001b[7m', '\u001b[27m', '\u001b[39m', '\u001b[36m', '\u001b[38;5;208m', '\u001b[38;2;12;200;7m', '\u001b[1;36m', '\u001b[m', '\u001b[48;5;21m', '\u001b[49m');
  const simple = fc.constantFrom(...simpleChars().filter((_, i) => i % 7 === 0), 'a', ' ', '█', '▏', '│', '…', '·', 'σ', '▸');
  const other = fc.constantFrom('日', 'e\u0301', '😀', '\u001b[2J', '\u001b]0;x\u0007', '\u00ad', '\u200d', '\t', '◽', '\u0301');
  const piece = fc.oneof({ arbitrary: simple, weight: 8 }, { arbitrary: sgr, weight: 3 }, { arbitrary: other, weight: 1 });
  const line = fc.array(piece, { maxLength: 60 }).map((a) => a.join(''));

  it('tokenizes exactly as the original, whatever the text', () => {
    fc.assert(
      fc.property(line, fc.option(fc.integer({ min: 1, max: 70 }), { nil: undefined }), (text, endChar) => {
        expect(tokenize(text, endChar)).toEqual(original.tokenize(text, endChar));
      }),
      { numRuns: 2000 },
    );
  });

  it('measures exactly as string-width', () => {
    fc.assert(
      fc.property(line, (text) => {
        expect(width(text)).toBe(stringWidth(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes styled characters back exactly as the original', () => {
    fc.assert(
      fc.property(line, (text) => {
        expect(inkFast(text)).toBe(inkOriginal(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same output as the original on real frames, in every colour level', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 12, seed: 2 });
    const store = new TraceStore(net, { source: 'x.csv', featureNames: ['a', '日本', 'e\u0301'] });
    const rng = createRng(3);
    for (let t = 0; t < 50; t++) store.append([rng.normal(), rng.normal(), rng.normal()], `t${t}`);
    store.finish();
    for (const level of [0, 1, 2, 3] as const) {
      let s = initialSession({ H: 12, views: 1, panels: 6, T: 50, done: true });
      s = reduce(reduce(s, { type: 'step', delta: 20 }), { type: 'explain' });
      for (const l of composeFrame(frameInput({ stores: [store], session: s, cols: 180, rows: 60, theme: createTheme(level) }))) {
        expect(inkFast(l)).toBe(inkOriginal(l));
        expect(width(l)).toBe(stringWidth(l));
      }
    }
  });
});
