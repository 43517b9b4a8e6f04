/** The help overlay in the body's place, generated from the key table (help-text.ts). */
import { helpLines } from '../help-text.js';
import type { FrameInput, FrameSection } from './shared.js';

export function helpBody(f: FrameInput): string[] {
  return helpLines(f.theme, f.layout.cols, f.layout.bodyRows, f.session.scrollTop, f.lang ?? 'en');
}

export const helpSection: FrameSection = { id: 'help', lines: helpBody, memoKey: (f) => `help|${f.session.scrollTop}|${f.lang ?? 'en'}` };
