/** Shown instead of the frame until the terminal is big enough. */
import { fit, textWidth } from '../format.js';
import type { Layout } from '../layout.js';
import type { Theme } from '../theme.js';
import type { FrameSection } from './shared.js';

/** Words wrapped to `width` columns (a word longer than the width is cut). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const next = line === '' ? word : `${line} ${word}`;
    if (textWidth(next) <= width) line = next;
    else {
      if (line !== '') lines.push(line);
      line = textWidth(word) <= width ? word : fit(word, width);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function tooSmallLines(theme: Theme, layout: Layout): string[] {
  const width = Math.max(1, layout.cols - 1);
  const lines = [
    ...wrapWords(layout.tooSmall ?? '', width).map((l) => theme.style('warn', ` ${l}`)),
    ...wrapWords('enlarge the window (q quits)', width).map((l) => ` ${l}`),
  ];
  return lines.slice(0, Math.max(1, layout.height));
}

export const tooSmallSection: FrameSection = { id: 'tooSmall', lines: (f) => tooSmallLines(f.theme, f.layout), memoKey: (f) => f.layout.tooSmall ?? '' };
