/**
 * The guided tour's progress between runs: the last chapter reached, in a small JSON file under
 * $XDG_STATE_HOME/gatescope (else ~/.local/state/gatescope), as the XDG base directory spec puts
 * state. Never required: a missing file starts at chapter 1, and a file that cannot be read,
 * parsed or written gives at most one note, never a failure.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CHAPTERS } from '../ui/tour.js';

export const PROGRESS_VERSION = 1;

/** The progress file's path, or null when neither XDG_STATE_HOME (absolute) nor HOME is set. */
export function progressPath(env: Readonly<Record<string, string | undefined>>): string | null {
  const xdg = env['XDG_STATE_HOME'];
  // the spec: a relative path in XDG_STATE_HOME is invalid and ignored
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'gatescope', 'learn.json');
  const home = env['HOME'];
  if (home === undefined || home === '') return null;
  return join(home, '.local', 'state', 'gatescope', 'learn.json');
}

export interface Progress {
  /** The last chapter reached, 1-based, or null for none yet. */
  readonly chapter: number | null;
  /** Why the file was not used (it exists but is unreadable or not a progress file), or null. */
  readonly note: string | null;
}

/** Parses a progress file's text: `{"version": 1, "chapter": 4}`. */
export function parseProgress(text: string): number | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { version, chapter } = v as { version?: unknown; chapter?: unknown };
  if (version !== PROGRESS_VERSION || typeof chapter !== 'number' || !Number.isInteger(chapter) || chapter < 1 || chapter > CHAPTERS) return null;
  return chapter;
}

export function readProgress(path: string | null): Progress {
  if (path === null) return { chapter: null, note: null };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // no file yet is the usual case, not worth a word
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { chapter: null, note: null };
    return { chapter: null, note: `${path}: the tour's progress cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); starting at chapter 1` };
  }
  const chapter = parseProgress(text);
  if (chapter === null) return { chapter: null, note: `${path} is not a tour progress file ({"version": 1, "chapter": 1-${CHAPTERS}}); starting at chapter 1, and it is rewritten as you go` };
  return { chapter, note: null };
}

/**
 * Writes the chapter reached (1-based); the reason it could not, or null. Written to a temporary
 * file and renamed, so a crash never leaves half a file.
 */
export function writeProgress(path: string | null, chapter: number): string | null {
  if (path === null) return null;
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: PROGRESS_VERSION, chapter })}\n`);
    renameSync(tmp, path);
    return null;
  } catch (err) {
    return `${path}: the tour's progress cannot be saved (${(err as NodeJS.ErrnoException).code ?? 'error'}); the tour works, it will start at chapter 1 next time`;
  }
}

/**
 * The tour's progress for one run: the chapter to start from (1-based, null for none yet), a call
 * that saves each chapter opened, and the notes to print once the screen is given back (a file
 * that could not be read or saved: at most one each).
 */
export interface TourProgress {
  readonly start: number | null;
  readonly onChapter: (chapter: number) => void;
  readonly notes: readonly string[];
}

export function tourProgress(env: Readonly<Record<string, string | undefined>>): TourProgress {
  const path = progressPath(env);
  const saved = readProgress(path);
  const notes: string[] = saved.note === null ? [] : [saved.note];
  let failed = false;
  let last = saved.chapter;
  return {
    start: saved.chapter,
    notes,
    onChapter: (k) => {
      // 0-based from the viewer; a chapter seen again is not written again
      if (failed || last === k + 1) return;
      last = k + 1;
      const why = writeProgress(path, k + 1);
      if (why !== null) {
        failed = true;
        notes.push(why);
      }
    },
  };
}
