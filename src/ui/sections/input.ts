/** The input x_t: one name, value and diverging bar per feature, the largest first when not all fit. */
import { divBar } from '../bars.js';
import { fit, fmtSigned, textWidth } from '../format.js';
import { inputStore, stepKey, type FrameInput, type FrameSection } from './shared.js';

export function xStrip(f: FrameInput): string[] {
  const { session: s, theme, layout: L } = f;
  const store = inputStore(f);
  if (L.xRows === 0) return [];
  const D = store.network.inputSize;
  const gutter = fit('x', L.gutter);
  if (s.T === 0) return [theme.style('dim', `${gutter}waiting for data…`), ...Array<string>(L.xRows - 1).fill('')];
  const x = store.x(s.cursor);
  const scale = store.inputRange().maxAbs || 1;
  const capacity = L.xRows * L.xPerRow;
  let order = Array.from({ length: D }, (_, j) => j);
  let hidden = 0;
  if (D > capacity) {
    // Not all fit: the features that matter most right now, by |x|, and how many are left out
    // (in the last cell's place, or after it when there is only one).
    order = order.sort((a, b) => Math.abs(x[b]!) - Math.abs(x[a]!) || a - b).slice(0, Math.max(1, capacity - 1));
    hidden = D - order.length;
  }
  const cells = order.map((j) => {
    const name = fit(store.featureNames[j]!, L.xNameWidth);
    return `${name} ${fmtSigned(x[j]!)} ${divBar(theme, x[j]!, scale, L.xHalf)}  `;
  });
  const lines: string[] = [];
  for (let r = 0; r < L.xRows; r++) {
    const row = cells.slice(r * L.xPerRow, (r + 1) * L.xPerRow);
    lines.push((r === 0 ? gutter : ' '.repeat(L.gutter)) + row.join(''));
  }
  if (hidden > 0) {
    const last = lines.length - 1;
    // (cells are xCellWidth columns each, escapes aside)
    const inLast = Math.max(0, Math.min(L.xPerRow, cells.length - last * L.xPerRow));
    const room = L.cols - L.gutter - inLast * L.xCellWidth;
    const note = [`+${hidden} more, top |x| shown`, `+${hidden} more`, `+${hidden}`].find((t) => textWidth(t) <= room);
    if (note !== undefined) lines[last] += theme.style('dim', note);
  }
  return lines;
}

export const inputSection: FrameSection = { id: 'input', lines: xStrip, memoKey: stepKey };
