/**
 * Text tinted by units' values (Karpathy's "quote cell" pictures), as one self-contained HTML page
 * for a notebook or an issue: no script, no external file. Each unit gets a paragraph of the input
 * text, every token's background blue for negative values and red for positive ones (white at 0,
 * full colour at the unit's largest |value|), and the exact value in the token's title (hover).
 */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** A token as it shows in the page: whitespace and control characters made visible but unobtrusive. */
function shown(token: string): string {
  if (token === '\n' || token === '\r\n') return '↵\n';
  if (token === '\t') return '→\t';
  return escape(token.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** White at 0, to red (positive) or blue (negative) at |v| = scale. */
export function tint(v: number, scale: number): string {
  if (!Number.isFinite(v) || scale <= 0) return 'rgb(255,255,255)';
  const a = Math.min(1, Math.abs(v) / scale);
  const fade = Math.round(255 * (1 - a));
  return v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

export interface TintedUnit {
  readonly name: string;
  readonly r: number;
  readonly values: Float64Array;
}

/** The page: a heading, then each unit's paragraph of tinted tokens. */
export function tintedHtml(title: string, tokens: readonly string[], units: readonly TintedUnit[], words: boolean): string {
  const parts = units.map((u) => {
    let scale = 0;
    for (const v of u.values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    const spans = tokens
      .map((tok, t) => `<span style="background:${tint(u.values[t]!, scale)}" title="t=${t} ${escape(u.name)}=${u.values[t]}">${shown(tok)}</span>`)
      .join(words ? ' ' : '');
    return `<h2>${escape(u.name)} <small>r = ${Number.isFinite(u.r) ? u.r.toFixed(3) : 'NaN'}, |value| up to ${Number(scale.toPrecision(4))}</small></h2>\n<pre>${spans}</pre>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}pre{font:14px/1.6 ui-monospace,monospace;white-space:pre-wrap}h2{font-size:1em;margin-top:2em}small{color:#666;font-weight:normal}</style>
</head><body>
<h1>${escape(title)}</h1>
<p>Each token's background: blue below 0, red above, white at 0, full colour at the unit's largest |value|; hover a token for its value.</p>
${parts.join('\n')}
</body></html>
`;
}
