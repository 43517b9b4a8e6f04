import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AXIS, divBar, divSpark, eighths, leftBar, rightBar, seqBar, seqSpark } from '../../src/ui/bars.js';
import { textWidth } from '../../src/ui/format.js';
import { createTheme, detectColorLevel, divLevel, rgbTo256, seqLevel } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

const plain = createTheme(0, false);
const mono = createTheme(0, true);
const truecolor = createTheme(3, true);

describe('eighth-block bars', () => {
  it('rounds to the nearest eighth of a cell', () => {
    expect(eighths(0.5, 4)).toBe(16);
    expect(eighths(1 / 64, 1)).toBe(0); // 0.125 eighths
    expect(eighths(1 / 16 + 0.001, 1)).toBe(1); // just over half an eighth
    expect(eighths(2, 3)).toBe(24);
    expect(eighths(-1, 3)).toBe(0);
    expect(eighths(NaN, 3)).toBe(0);
  });

  it('draws n eighths from the left in exactly the given cells', () => {
    expect(leftBar(0, 3)).toBe('   ');
    expect(leftBar(1, 3)).toBe('▏  ');
    expect(leftBar(12, 3)).toBe('█▌ ');
    expect(leftBar(24, 3)).toBe('███');
  });

  it('draws right-anchored partial cells in inverse video, or the nearest plain glyph', () => {
    expect(rightBar(10, 3, mono)).toBe(' \u001b[7m▊\u001b[27m█'); // 2/8 on the right = inverse of 6/8 on the left
    expect(rightBar(10, 3, plain)).toBe(' ▕█');
    expect(rightBar(12, 3, plain)).toBe(' ▐█');
    expect(rightBar(16, 3, plain)).toBe(' ██');
  });

  it('keeps every bar exactly its width, for any value', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), fc.integer({ min: 1, max: 30 }), (v, half) => {
        for (const theme of [plain, mono, truecolor]) {
          expect(textWidth(stripAnsi(divBar(theme, v, 1, half)))).toBe(2 * half + 1);
          expect(textWidth(stripAnsi(seqBar(theme, v, half)))).toBe(half);
        }
      }),
    );
  });

  it('puts positive values right of the zero axis and negative ones left of it, without colour', () => {
    const pos = divBar(plain, 0.5, 1, 4);
    const neg = divBar(plain, -0.5, 1, 4);
    expect(pos).toBe(`    ${AXIS}██  `);
    expect(neg).toBe(`  ██${AXIS}    `);
    expect(divBar(plain, 0, 1, 4)).toBe(`    ${AXIS}    `);
  });

  it('gives the diverging map a neutral zero: a tiny value is grey, a visible one keeps its sign, a big one its arrow', () => {
    expect(divLevel(-1e-3)).toBe(0);
    expect(divLevel(1e-3)).toBe(0);
    expect(truecolor.div(-1e-3)).toBe(truecolor.div(1e-3));
    expect(truecolor.div(0)).toBe(truecolor.div(1e-3));
    expect(divLevel(-0.07)).toBe(-1);
    expect(divLevel(0.07)).toBe(1);
    expect(truecolor.div(-0.07)).not.toBe(truecolor.div(0.07));
    expect(divBar(plain, -3, 1, 2)).toBe('██◂  ');
    expect(divBar(plain, 3, 1, 2)).toBe('  ▸██');
  });

  it('makes each side of the diverging map lighter with |value| (brighter is always larger)', () => {
    const lum = (code: string): number => {
      const [r, g, b] = /38;2;(\d+);(\d+);(\d+)/.exec(code)!.slice(1).map(Number) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const sign of [-1, 1]) {
      const levels = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => lum(truecolor.div((sign * i) / 8)));
      for (let i = 1; i < levels.length; i++) expect(levels[i]!, `level ${sign * i}`).toBeGreaterThan(levels[i - 1]!);
    }
  });

  it('scales by the given maximum', () => {
    expect(divBar(plain, -2, 4, 4)).toBe(`  ██${AXIS}    `);
    expect(divBar(plain, 4, 4, 4)).toBe(`    ${AXIS}████`);
  });

  it('draws sequential bars from the left, coloured by value only with colour', () => {
    expect(seqBar(plain, 0.25, 4)).toBe('█   ');
    expect(seqBar(plain, 1, 4)).toBe('████');
    expect(seqBar(mono, 0.25, 4)).toBe('█   ');
    expect(seqBar(truecolor, 0.25, 4)).toMatch(/^\u001b\[38;2;\d+;\d+;\d+m█   \u001b\[39m$/);
  });

  it('marks NaN instead of drawing a bar', () => {
    expect(divBar(plain, NaN, 1, 2)).toBe('  ?  ');
    expect(seqBar(plain, NaN, 3)).toBe('?  ');
  });
});

describe('sparklines', () => {
  it('draws gates as lower blocks', () => {
    expect(seqSpark(plain, [0, 0.5, 1, NaN])).toBe(' ▄█ ');
  });

  it('splits signed values around a zero line: up above, down below', () => {
    const [top, bottom] = divSpark(plain, [1, -1, 0.5, -0.5, 0], 1);
    expect(top).toBe('█ ▄  ');
    expect(bottom).toBe(' █ ▀ ');
    const [, monoBottom] = divSpark(mono, [-0.25], 1);
    expect(monoBottom).toBe('\u001b[7m▆\u001b[27m');
  });
});

describe('theme', () => {
  it('quantises the scales', () => {
    expect(seqLevel(0)).toBe(0);
    expect(seqLevel(1)).toBe(15);
    expect(seqLevel(0.5)).toBe(8);
    expect(seqLevel(NaN)).toBe(0);
    expect(divLevel(0)).toBe(0);
    expect(divLevel(-1)).toBe(-8);
    expect(divLevel(5)).toBe(8);
  });

  it('emits colour per level and none without colour', () => {
    expect(createTheme(3).seq(1)).toBe('\u001b[38;2;253;231;37m');
    expect(createTheme(2).seq(1)).toMatch(/^\u001b\[38;5;\d+m$/);
    expect(createTheme(1).seq(1)).toBe('\u001b[93m');
    expect(createTheme(1).div(-1)).toBe('\u001b[94m');
    expect(createTheme(1).div(1)).toBe('\u001b[93m');
    expect(mono.seq(1)).toBe('');
    expect(mono.style('title', 'x')).toBe('\u001b[1mx\u001b[22m');
    expect(plain.style('title', 'x')).toBe('x');
    expect(createTheme(3, false).div(1)).toBe('');
  });

  it('maps RGB to the nearest xterm-256 colour', () => {
    expect(rgbTo256([0, 0, 0])).toBe(16);
    expect(rgbTo256([255, 255, 255])).toBe(231);
    expect(rgbTo256([128, 128, 128])).toBe(244);
    expect(rgbTo256([255, 0, 0])).toBe(196);
  });

  it('detects the colour level from flags and the environment', () => {
    expect(detectColorLevel({ COLORTERM: 'truecolor' }, true)).toBe(3);
    expect(detectColorLevel({ COLORTERM: 'truecolor' }, true, true)).toBe(0);
    expect(detectColorLevel({ NO_COLOR: '1', COLORTERM: 'truecolor' }, true)).toBe(0);
    expect(detectColorLevel({ NO_COLOR: '', TERM: 'xterm-256color' }, true)).toBe(2);
    expect(detectColorLevel({ TERM: 'xterm' }, true)).toBe(1);
    expect(detectColorLevel({ TERM: 'dumb' }, true)).toBe(0);
    expect(detectColorLevel({ TERM: 'xterm-256color' }, false)).toBe(0);
    expect(detectColorLevel({ FORCE_COLOR: '3' }, false)).toBe(3);
    expect(detectColorLevel({ FORCE_COLOR: '0', COLORTERM: 'truecolor' }, true)).toBe(0);
  });
});
