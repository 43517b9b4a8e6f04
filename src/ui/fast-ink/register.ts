/**
 * Installs the fast text path for Ink's output stage (see text-fast-path.ts and hooks.ts). Must
 * run before Ink is first imported. A no-op, leaving Ink as it is, where module hooks are
 * unavailable or the two packages it wraps cannot be found next to us.
 */
import { register } from 'node:module';

let done = false;

/** Returns whether the hooks are in place. */
export async function registerFastInkText(): Promise<boolean> {
  if (done) return true;
  if (typeof register !== 'function') return false;
  try {
    // The replacements wrap these packages: load them now, so a missing one disables the fast
    // path here instead of breaking Ink's own import later.
    await import('@alcalzone/ansi-tokenize');
    await import('string-width');
  } catch {
    return false;
  }
  register(new URL('./hooks.js', import.meta.url));
  done = true;
  return true;
}
