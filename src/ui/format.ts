/**
 * Numbers and text at a fixed width: every column of the frame is composed at a known width, so
 * nothing downstream has to measure or wrap it.
 */

/** Columns a value takes in a panel row. */
export const VALUE_WIDTH = 6;

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return null;
}

/**
 * A signed value in exactly `width` (>= 6) columns, sign always shown so it reads without colour:
 * `+0.734`, `-12.35`, `+123.4`, `-12345`, `+1.2e6`.
 */
export function fmtSigned(v: number, width = VALUE_WIDTH): string {
  const s = special(v);
  if (s !== null) return s.padStart(width);
  const sign = v < 0 || Object.is(v, -0) ? '-' : '+';
  const a = Math.abs(v);
  const room = width - 1;
  const intDigits = a < 1 ? 1 : Math.floor(Math.log10(a)) + 1;
  let body: string | null = null;
  for (let decimals = Math.max(0, room - intDigits - 1); decimals >= 0 && body === null; decimals--) {
    const t = a.toFixed(decimals);
    if (t.length <= room) body = t;
    if (decimals === 0) break;
  }
  if (body === null) body = expo(a, room);
  return `${sign}${body}`.padStart(width);
}

/** A value in 0..1 (a sigmoid gate): `0.734`, `1.000`, in `width` columns. */
export function fmtUnit(v: number, width = VALUE_WIDTH): string {
  const s = special(v);
  if (s !== null) return s.padStart(width);
  if (v >= 0 && v <= 1) return v.toFixed(Math.max(0, width - 2)).slice(0, width).padStart(width);
  return fmtSigned(v, width);
}

function expo(a: number, room: number): string {
  for (let d = Math.max(0, room - 4); d >= 0; d--) {
    const t = a.toExponential(d).replace('e+', 'e');
    if (t.length <= room) return t;
  }
  return a.toExponential(0).replace('e+', 'e');
}

/** A number for prose (explain panel): 4 significant figures, sign only when negative. */
export function fmtNum(v: number): string {
  const s = special(v);
  if (s !== null) return s;
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(3).replace('e+', 'e');
  const digits = Math.max(0, 3 - Math.floor(Math.log10(a)));
  return v.toFixed(Math.min(digits, 6));
}

/** fmtNum with an explicit sign: `+0.5012`, `-1.200`. */
export function fmtNumSigned(v: number): string {
  const s = fmtNum(v);
  return v > 0 || (v === 0 && !Object.is(v, -0)) ? `+${s}` : s;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    cp === 0x200b ||
    cp === 0x200c ||
    cp === 0x200d ||
    cp === 0xfeff
  );
}

/** The widest of some texts (at least `min`), by a loop: spreading 10^6 names into Math.max overflows the stack. */
export function widestText(texts: readonly string[], min = 0): number {
  let w = min;
  for (const t of texts) w = Math.max(w, textWidth(t));
  return w;
}

/** Terminal columns of plain text (no escapes): wide CJK/emoji count 2, combining marks 0. */
export function textWidth(text: string): number {
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x300) {
      w++;
      continue;
    }
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    w += isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
  }
  return w;
}

/**
 * Plain text cut or padded to exactly `width` columns; a cut ends with `…`. Combining marks stay
 * with their base character; a wide character that would straddle the edge becomes a space.
 */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const w = textWidth(text);
  if (w <= width) return align === 'left' ? text + ' '.repeat(width - w) : ' '.repeat(width - w) + text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const cw = textWidth(ch);
    if (used + cw > width - 1) break;
    out += ch;
    used += cw;
  }
  out += '…';
  used += 1;
  return out + ' '.repeat(Math.max(0, width - used));
}
