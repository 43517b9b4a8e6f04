/**
 * How the CLI ends: exit codes and one-line messages.
 *
 *   0  success (also when the reader of our output went away: `gatescope run x | head -1`)
 *   1  bad data: an input, weights or state file that cannot be used
 *   2  bad usage: unknown flag, missing argument, invalid option value
 *   70 internal error (a bug: please report it)
 *   130 interrupted (Ctrl-C) / 143 terminated (SIGTERM)
 */
import { CapacityError, ShapeError } from '../engine/index.js';
import { InputError, visible } from '../io/errors.js';

export { withPath } from '../io/files.js';

export const EXIT = { ok: 0, data: 1, usage: 2, internal: 70, interrupted: 130, terminated: 143 } as const;

/** A flag or argument that is wrong in itself (not the data it points to). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** True for the error a write to a closed pipe raises. */
export function isBrokenPipe(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EPIPE';
}

/** The longest error line printed (the rest is cut with …): quoted text is already cut shorter. */
const LINE = 2000;

/** The one line printed for an error, and its exit code. */
export function describeError(err: unknown, debug: boolean): { message: string; code: number } {
  // Whoever built the message should have quoted input through visible() already; the line is
  // passed through it once more, so that one that did not still cannot reach the terminal raw.
  if (err instanceof InputError) return { message: visible(err.format(), LINE), code: EXIT.data };
  if (err instanceof ShapeError) return { message: visible(err.message, LINE), code: EXIT.data };
  // Too large for the engine is a property of the data, exit 1 like every other size limit.
  if (err instanceof CapacityError) return { message: visible(err.message, LINE), code: EXIT.data };
  if (err instanceof UsageError) return { message: `${visible(err.message, LINE)} (see gatescope --help)`, code: EXIT.usage };
  const sys = err as NodeJS.ErrnoException | null;
  if (sys && typeof sys === 'object' && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    const path = sys.path !== undefined ? `${visible(sys.path, 200)}: ` : '';
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory, expected a file',
      ENOSPC: 'no space left on device',
      EROFS: 'read-only file system',
      ENOTDIR: 'not a directory',
      EMFILE: 'too many open files',
      ENFILE: 'too many open files in the system',
      ELOOP: 'too many levels of symbolic links',
      ENAMETOOLONG: 'file name too long',
      EPERM: 'operation not permitted',
      ENXIO: 'no such device (nothing reads this pipe, or no terminal)',
      EFBIG: 'file too large',
      EDQUOT: 'disk quota exceeded',
      EIO: 'input/output error',
      EBUSY: 'resource busy',
      ETXTBSY: 'text file busy',
      EEXIST: 'file already exists',
      EXDEV: 'cannot rename across file systems',
    };
    return { message: `${path}${what[sys.code] ?? `${sys.code} (${sys.syscall})`}`, code: EXIT.data };
  }
  const message = err instanceof Error ? err.message : String(err);
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return { message: `internal error: ${visible(message, 300)}${stack} (set GATESCOPE_DEBUG=1 for details)`, code: EXIT.internal };
}
