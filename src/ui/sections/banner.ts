/** The banner under the status line: a demo's task, or a hint about the input's range (guess-strip.ts). */
import { bannerLine, bannerText } from '../guess-strip.js';
import { NO_TASK } from '../task.js';
import { textWidth } from '../format.js';
import { inputStore, type FrameInput, type FrameSection } from './shared.js';

export function bannerLines(f: FrameInput): string[] {
  if (f.layout.bannerRows === 0) return [];
  const text = bannerText(f.task ?? NO_TASK, inputStore(f));
  if (text === null) return [''];
  // where the tour can open and there is room, the banner says so (the help always does)
  const offer = `${text}   · new here? t: the guided tour (gatescope learn)`;
  const room = f.session.chapters.length > 0 && textWidth(offer) + 1 <= f.layout.cols;
  return [bannerLine(f.theme, room ? offer : text, f.layout.cols)];
}

export const bannerSection: FrameSection = {
  id: 'banner',
  lines: bannerLines,
  memoKey: (f) => `${bannerText(f.task ?? NO_TASK, inputStore(f)) ?? ''}|${f.session.chapters.length > 0}`,
};
