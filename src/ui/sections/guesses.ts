/** A classifier head's top guesses per step, under the x strip (drawn by guess-strip.ts). */
import { guessStrip } from '../guess-strip.js';
import { inputStore, stepKey, type FrameInput, type FrameSection } from './shared.js';

/** The focused network's top guesses per step (a head with several outputs). */
export function guessLines(f: FrameInput): string[] {
  const { layout: L } = f;
  if (L.guessRows === 0) return [];
  return guessStrip({ store: f.store, input: inputStore(f), session: f.session, theme: f.theme, cols: L.cols, rows: L.guessRows });
}

export const guessesSection: FrameSection = { id: 'guesses', lines: guessLines, memoKey: stepKey };
