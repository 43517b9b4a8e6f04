/**
 * `gatescope learn [chapter]`: the guided tour, nine chapters of the LSTM story on the remember
 * demo (an LSTM, its RNN twin and a GRU trained on the same data), each a screen on the live
 * networks with one thing to look at and a key to try (src/ui/tour.ts). With no chapter it opens
 * where the last run left off (tour-state.ts); `> <` move between chapters, t closes the tour.
 * With stdout not a terminal, or --snapshot, it prints the chapter as plain text.
 */
import type { Argv } from 'yargs';
import { LANGS, type Lang } from '../../ui/i18n/index.js';
import { CHAPTERS } from '../../ui/tour.js';
import { DEFAULT_DEMO, findDemo } from '../demos.js';
import type { CliEnv } from '../env.js';
import { UsageError } from '../errors.js';
import { tourProgress } from '../tour-state.js';
import { demoFlags, handler as viewHandler } from './view.js';

export interface LearnArgs {
  chapter?: number | undefined;
  lang?: Lang | undefined;
  snapshot?: boolean | undefined;
  width?: number | undefined;
  color?: boolean | undefined;
}

export const command = 'learn [chapter]';
export const describe = `the guided tour: how an LSTM remembers, in ${CHAPTERS} chapters on a live trained network (learn 4 opens chapter 4)`;

export function builder<T>(y: Argv<T>) {
  return y
    .positional('chapter', { type: 'number', describe: `the chapter to open, 1-${CHAPTERS} [default: where you left off, else 1]` })
    .option('lang', { type: 'string', choices: LANGS, describe: 'language of the tour: en or ko [default: from LC_ALL / LC_MESSAGES / LANG]' })
    .option('snapshot', { type: 'boolean', describe: 'print the chapter as plain text and exit (the default when stdout is not a terminal)' })
    .option('width', { type: 'number', describe: 'columns of the plain-text view [default: the terminal width, or 120]' })
    .option('color', { type: 'boolean', describe: 'colour; --no-color (or NO_COLOR=1) for monochrome' })
    .example('$0 learn', 'start the tour (or go on where you left off)')
    .example('$0 learn 4', 'chapter 4: the forget gate')
    .example('$0 learn 8 --lang ko --snapshot', 'chapter 8 in Korean, as text');
}

/** The chapter asked for (1-based), or a usage error naming the range. */
export function checkChapter(chapter: number | undefined): number | undefined {
  if (chapter === undefined) return undefined;
  if (!Number.isInteger(chapter) || chapter < 1 || chapter > CHAPTERS) throw new UsageError(`learn: the chapter must be a whole number from 1 to ${CHAPTERS}, got ${chapter}`);
  return chapter;
}

export async function handler(args: LearnArgs, env: CliEnv): Promise<number> {
  const asked = checkChapter(args.chapter);
  const interactive = env.stdout.isTTY === true && args.snapshot !== true;
  const progress = tourProgress(env.env);
  // the note of a file that cannot be read goes first, before the screen takes the terminal
  const read = progress.notes.length;
  // (with a chapter asked for, what the file holds does not matter)
  if (asked === undefined) for (const n of progress.notes) env.stderr.write(`gatescope: note: ${n}\n`);
  const start = asked ?? progress.start ?? 1;
  const demo = findDemo(DEFAULT_DEMO);
  const code = await viewHandler(
    { ...demoFlags(demo), snapshot: args.snapshot, width: args.width, color: args.color, lang: args.lang },
    env,
    // a plain-text chapter is not a visit: only the viewer saves progress
    { demo, live: null, tour: { chapter: start - 1, ...(interactive ? { onChapter: progress.onChapter } : {}) } },
  );
  // a save that failed, once the viewer has given the terminal back
  for (const n of progress.notes.slice(read)) env.stderr.write(`gatescope: note: ${n}\n`);
  return code;
}
