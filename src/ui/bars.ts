/**
 * Horizontal bars at 1/8-cell resolution, and sparklines, as pre-coloured strings.
 *
 * Sequential bars (0..1) grow from the left edge. Diverging bars grow left or right from a centred
 * zero axis, so the sign is a position, readable without colour. Unicode has left-anchored eighth
 * blocks (▏▎▍▌▋▊▉) but right-anchored only at 1/8 and 1/2 (▕ ▐): with ANSI, a right-anchored k/8
 * is drawn as the left-anchored (8-k)/8 block in inverse video (the glyph takes the background,
 * the rest of the cell the bar's colour), exact in colour and in monochrome alike; plain text
 * (the snapshot) rounds that one cell to the nearest of ▕ ▐ █.
 */
import type { Theme } from './theme.js';

/** Left-anchored partial blocks: index k is k/8 of a cell. */
export const LEFT_EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;
export const FULL = '█';
/** Lower partial blocks for sparklines: index k is k/8 of a cell's height. */
export const LOWER_EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
export const AXIS = '│';

/** Eighths of `cells` cells that `fraction` (clamped to 0..1) fills, rounded to the nearest. */
export function eighths(fraction: number, cells: number): number {
  if (!(fraction > 0)) return 0;
  return Math.round(Math.min(1, fraction) * cells * 8);
}

/** n eighths as a left-anchored bar exactly `cells` wide (plain glyphs). */
export function leftBar(n: number, cells: number): string {
  const full = Math.min(cells, n >> 3);
  const rem = full === cells ? 0 : n & 7;
  return FULL.repeat(full) + LEFT_EIGHTHS[rem] + ' '.repeat(cells - full - (rem > 0 ? 1 : 0));
}

/** The plain glyph nearest to a right-anchored rem/8 block. */
function plainRightPartial(rem: number): string {
  return rem <= 2 ? '▕' : rem <= 6 ? '▐' : FULL;
}

/**
 * n eighths as a right-anchored bar exactly `cells` wide. The partial cell is inverse video when
 * the theme allows escapes; `colour` is re-applied after it because inverse-off keeps colours.
 */
export function rightBar(n: number, cells: number, theme: Theme): string {
  const full = Math.min(cells, n >> 3);
  const rem = full === cells ? 0 : n & 7;
  const pad = ' '.repeat(cells - full - (rem > 0 ? 1 : 0));
  if (rem === 0) return pad + FULL.repeat(full);
  const partial = theme.ansi ? `${theme.inverseOn}${LEFT_EIGHTHS[8 - rem]}${theme.inverseOff}` : plainRightPartial(rem);
  return pad + partial + FULL.repeat(full);
}

/** A sequential bar for v in 0..1, `cells` wide, coloured by value. */
export function seqBar(theme: Theme, v: number, cells: number): string {
  if (Number.isNaN(v)) return '?'.padEnd(cells);
  const n = eighths(v, cells);
  const glyphs = leftBar(n, cells);
  if (n === 0) return glyphs;
  return `${theme.seq(v)}${glyphs}${theme.fgReset}`;
}

/**
 * A diverging bar for a signed v scaled by `scale` (|v| = scale fills one side): `half` cells each
 * side of a one-cell zero axis, 2*half+1 wide. A value beyond the scale fills its side and the
 * axis turns into an arrow pointing that way, so an overflow is never mistaken for the maximum.
 */
export function divBar(theme: Theme, v: number, scale: number, half: number): string {
  const blank = ' '.repeat(half);
  if (Number.isNaN(v)) return `${blank}?${blank}`;
  const f = scale > 0 ? Math.abs(v) / scale : v === 0 ? 0 : Infinity;
  const n = eighths(f, half);
  const over = f > 1 + 1e-9;
  // Unstyled: every escape sequence costs the terminal renderer time, and the axis needs none.
  const axis = over ? (v < 0 ? '◂' : '▸') : AXIS;
  if (n === 0) return blank + axis + blank;
  const colour = theme.div(v / (scale > 0 ? scale : 1));
  if (v < 0) return `${colour}${rightBar(n, half, theme)}${theme.fgReset}${axis}${blank}`;
  return `${blank}${axis}${colour}${leftBar(n, half)}${theme.fgReset}`;
}

/** One sparkline cell for v in 0..1: a lower block of height round(8v). */
export function sparkCell(v: number): string {
  if (Number.isNaN(v)) return ' ';
  return LOWER_EIGHTHS[Math.round(Math.min(1, Math.max(0, v)) * 8)]!;
}

/**
 * Builds a line of cells where neighbours of the same colour share one escape sequence: the
 * terminal renderer's cost grows with every escape, and a heatmap or sparkline has hundreds.
 */
export class ColourRuns {
  private out = '';
  private current: string | null = null;

  constructor(private readonly theme: Theme) {}

  /** Text in a colour prefix ('' = the default colour). */
  add(colour: string, text: string): this {
    if (colour === '') return this.plain(text);
    if (colour !== this.current) {
      this.out += colour;
      this.current = colour;
    }
    this.out += text;
    return this;
  }

  /** Text in the default colour. */
  plain(text: string): this {
    if (this.current !== null) {
      this.out += this.theme.fgReset;
      this.current = null;
    }
    this.out += text;
    return this;
  }

  done(): string {
    this.plain('');
    return this.out;
  }
}

/**
 * A two-row sparkline for signed values around a zero line between the rows: positive values grow
 * up from it in the top row, negative ones down from it in the bottom row (an upper k/8 block is
 * the lower (8-k)/8 in inverse video; plain text rounds to ▔ ▀ █). Returns [top, bottom].
 */
export function divSpark(theme: Theme, values: ArrayLike<number>, scale: number): [string, string] {
  const top = new ColourRuns(theme);
  const bottom = new ColourRuns(theme);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      top.plain(' ');
      bottom.plain(' ');
      continue;
    }
    const n = scale > 0 ? Math.round(Math.min(1, Math.abs(v) / scale) * 8) : 0;
    const colour = theme.div(scale > 0 ? v / scale : 0);
    if (v >= 0) {
      if (n > 0) top.add(colour, LOWER_EIGHTHS[n]!);
      else top.plain(' ');
      bottom.plain(' ');
    } else {
      top.plain(' ');
      if (n === 0) bottom.plain(' ');
      else if (n === 8) bottom.add(colour, FULL);
      else if (theme.ansi) bottom.add(colour, `${theme.inverseOn}${LOWER_EIGHTHS[8 - n]}${theme.inverseOff}`);
      else bottom.plain(n <= 2 ? '▔' : n <= 6 ? '▀' : FULL);
    }
  }
  return [top.done(), bottom.done()];
}

/** A one-row sparkline for values in 0..1 (sigmoid gates). */
export function seqSpark(theme: Theme, values: ArrayLike<number>): string {
  const runs = new ColourRuns(theme);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const cell = sparkCell(v);
    if (cell === ' ') runs.plain(cell);
    else runs.add(theme.seq(v), cell);
  }
  return runs.done();
}
