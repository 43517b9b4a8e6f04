/** The banner under the status line: a demo's task, or a hint about the input's range (guess-strip.ts). */
import { bannerLine, bannerText } from '../guess-strip.js';
import { NO_TASK } from '../task.js';
import { inputStore, type FrameInput, type FrameSection } from './shared.js';

export function bannerLines(f: FrameInput): string[] {
  if (f.layout.bannerRows === 0) return [];
  const text = bannerText(f.task ?? NO_TASK, inputStore(f));
  return [text === null ? '' : bannerLine(f.theme, text, f.layout.cols)];
}

export const bannerSection: FrameSection = {
  id: 'banner',
  lines: bannerLines,
  memoKey: (f) => bannerText(f.task ?? NO_TASK, inputStore(f)) ?? '',
};
