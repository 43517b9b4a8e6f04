/**
 * Colour scales and text styles, for an injected colour level, as raw SGR strings: the frame is
 * composed as pre-coloured text, so a colour is a prefix string looked up in a small table, never
 * a chalk call per cell.
 *
 * Scales are quantised (16 sequential levels, 8 per side diverging) so that neighbouring cells of
 * similar value share one escape sequence; the terminal renderer's cost grows with every escape.
 *
 * - Sequential (sigmoid gates, 0..1): viridis, perceptually uniform and readable with every common
 *   colour-vision deficiency; dark = closed, bright yellow = open.
 * - Diverging (signed values): blue for negative, orange for positive, a neutral dim grey at zero
 *   (|v| under half a level, 1/16 of the scale, is neutral): the blue/orange axis stays distinct
 *   for protan, deutan and tritan viewers alike, and lightness alone says how large.
 *
 * Level 0 keeps styles (bold, inverse, dim) but no colour (NO_COLOR); a theme without ANSI emits
 * nothing at all (the static snapshot).
 */

/** 0 none, 1 = 16 colours, 2 = 256 colours, 3 = truecolor (chalk's numbering). */
export type ColorLevel = 0 | 1 | 2 | 3;

export const SEQ_LEVELS = 16;
export const DIV_LEVELS = 8;

type Rgb = readonly [number, number, number];

const VIRIDIS: readonly Rgb[] = [
  [0x44, 0x01, 0x54],
  [0x48, 0x28, 0x78],
  [0x3e, 0x49, 0x89],
  [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e],
  [0x1f, 0x9e, 0x89],
  [0x35, 0xb7, 0x79],
  [0x6e, 0xce, 0x58],
  [0xb5, 0xde, 0x2b],
  [0xfd, 0xe7, 0x25],
];

/**
 * From zero outwards; index 0 is the shared neutral: a dim grey, so that a quiet unit fades into
 * the background instead of looking as loud as real signal. Each side keeps one hue (blue, orange:
 * apart for protan, deutan and tritan viewers) and only grows in lightness with |v|, so that
 * brighter always means larger (a perceptual ramp, like ColorBrewer's PuOr read outwards).
 */
const NEGATIVE: readonly Rgb[] = [
  [0x44, 0x44, 0x44],
  [0x2f, 0x55, 0x85],
  [0x3f, 0x7f, 0xc8],
  [0x86, 0xb6, 0xf0],
  [0xcf, 0xe4, 0xff],
];
const POSITIVE: readonly Rgb[] = [
  [0x44, 0x44, 0x44],
  [0x85, 0x55, 0x2f],
  [0xc8, 0x7f, 0x3f],
  [0xf0, 0xb6, 0x86],
  [0xff, 0xe4, 0xcf],
];

function lerp(anchors: readonly Rgb[], f: number): Rgb {
  const x = Math.min(1, Math.max(0, f)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(x));
  const u = x - i;
  const a = anchors[i]!;
  const b = anchors[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * u), Math.round(a[1] + (b[1] - a[1]) * u), Math.round(a[2] + (b[2] - a[2]) * u)];
}

const CUBE = [0, 95, 135, 175, 215, 255];

function nearestCube(v: number): number {
  let best = 0;
  for (let i = 1; i < 6; i++) if (Math.abs(CUBE[i]! - v) < Math.abs(CUBE[best]! - v)) best = i;
  return best;
}

/** The xterm-256 index closest to an RGB colour (6x6x6 cube or the grey ramp). */
export function rgbTo256([r, g, b]: Rgb): number {
  const ri = nearestCube(r);
  const gi = nearestCube(g);
  const bi = nearestCube(b);
  const cube = 16 + 36 * ri + 6 * gi + bi;
  const cubeErr = (CUBE[ri]! - r) ** 2 + (CUBE[gi]! - g) ** 2 + (CUBE[bi]! - b) ** 2;
  const grey = Math.round((r + g + b) / 3);
  const gIdx = Math.min(23, Math.max(0, Math.round((grey - 8) / 10)));
  const gv = 8 + 10 * gIdx;
  const greyErr = (gv - r) ** 2 + (gv - g) ** 2 + (gv - b) ** 2;
  return greyErr < cubeErr ? 232 + gIdx : cube;
}

function fgCode(rgb: Rgb, level: ColorLevel, basic: number): string {
  if (level === 3) return `\u001b[38;2;${rgb[0]};${rgb[1]};${rgb[2]}m`;
  if (level === 2) return `\u001b[38;5;${rgbTo256(rgb)}m`;
  if (level === 1) return `\u001b[${basic}m`;
  return '';
}

/** 16-colour fallbacks: blue-cyan-green-yellow for the sequential scale, blue/yellow diverging. */
function basicSeq(i: number): number {
  const f = i / (SEQ_LEVELS - 1);
  return f < 0.25 ? 34 : f < 0.5 ? 36 : f < 0.75 ? 32 : 93;
}
function basicDiv(side: -1 | 1, i: number): number {
  if (i === 0) return 90;
  if (side < 0) return i <= DIV_LEVELS / 2 ? 34 : 94;
  return i <= DIV_LEVELS / 2 ? 33 : 93;
}

/** Text styles used around the frame. */
export type StyleName = 'title' | 'dim' | 'accent' | 'warn' | 'selected' | 'key';

export interface Theme {
  readonly level: ColorLevel;
  /** False for plain text: no escape sequence of any kind. */
  readonly ansi: boolean;
  /** Foreground prefix for v in 0..1 on the sequential scale ('' without colour). */
  seq(v: number): string;
  /** Foreground prefix for v in -1..1 on the diverging scale ('' without colour). */
  div(v: number): string;
  /** Ends a seq/div colour. */
  readonly fgReset: string;
  readonly inverseOn: string;
  readonly inverseOff: string;
  /** Wraps text in a style (nothing without ANSI). */
  style(name: StyleName, text: string): string;
}

/** Which quantised step of the sequential scale v falls in. */
export function seqLevel(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return SEQ_LEVELS - 1;
  return Math.round(v * (SEQ_LEVELS - 1));
}

/** Signed step of the diverging scale: -DIV_LEVELS..DIV_LEVELS; 0 (the neutral grey) for |v| < 1/(2 DIV_LEVELS) or NaN. */
export function divLevel(v: number): number {
  if (!(v === v) || v === 0) return 0;
  const a = Math.min(1, Math.abs(v));
  // A neutral zero: ±0.001 of a ±1 scale is grey, not the colour of its sign.
  const i = Math.round(a * DIV_LEVELS);
  return i === 0 ? 0 : v < 0 ? -i : i;
}

const STYLE_CODES: Record<StyleName, readonly [string, string, string]> = {
  // [on, off, colour (level >= 1) or '']
  title: ['\u001b[1m', '\u001b[22m', ''],
  dim: ['\u001b[2m', '\u001b[22m', ''],
  accent: ['\u001b[1m', '\u001b[22m', '\u001b[36m'],
  warn: ['\u001b[1m', '\u001b[22m', '\u001b[33m'],
  selected: ['\u001b[1m', '\u001b[22m', ''],
  key: ['\u001b[1m', '\u001b[22m', '\u001b[36m'],
};

export function createTheme(level: ColorLevel, ansi = true): Theme {
  const lv: ColorLevel = ansi ? level : 0;
  const seqCodes = Array.from({ length: SEQ_LEVELS }, (_, i) => fgCode(lerp(VIRIDIS, i / (SEQ_LEVELS - 1)), lv, basicSeq(i)));
  const neg = Array.from({ length: DIV_LEVELS + 1 }, (_, i) => fgCode(lerp(NEGATIVE, i / DIV_LEVELS), lv, basicDiv(-1, i)));
  const pos = Array.from({ length: DIV_LEVELS + 1 }, (_, i) => fgCode(lerp(POSITIVE, i / DIV_LEVELS), lv, basicDiv(1, i)));
  const fgReset = lv > 0 ? '\u001b[39m' : '';
  return {
    level: lv,
    ansi,
    seq: (v) => seqCodes[seqLevel(v)]!,
    div: (v) => {
      const i = divLevel(v);
      return i < 0 ? neg[-i]! : pos[i]!;
    },
    fgReset,
    inverseOn: ansi ? '\u001b[7m' : '',
    inverseOff: ansi ? '\u001b[27m' : '',
    style: (name, text) => {
      if (!ansi || text === '') return text;
      const [on, off, colour] = STYLE_CODES[name];
      if (lv > 0 && colour !== '') return `${on}${colour}${text}\u001b[39m${off}`;
      return `${on}${text}${off}`;
    },
  };
}

/**
 * The colour level from the environment and flags, following the usual conventions: --no-color
 * and NO_COLOR (any non-empty value) win, FORCE_COLOR=0..3 next, then COLORTERM and TERM.
 */
export function detectColorLevel(env: Readonly<Record<string, string | undefined>>, isTTY: boolean, noColorFlag = false): ColorLevel {
  if (noColorFlag) return 0;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') {
    if (force === 'false' || force === '0') return 0;
    if (force === '1' || force === 'true') return 1;
    if (force === '2') return 2;
    if (force === '3') return 3;
  }
  if (!isTTY) return 0;
  const term = env['TERM'] ?? '';
  if (term === 'dumb') return 0;
  const colorterm = (env['COLORTERM'] ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 3;
  if (/-256(color)?$/i.test(term) || term.includes('256')) return 2;
  return 1;
}
