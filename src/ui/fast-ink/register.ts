/**
 * Installs the fast text path for Ink's output stage (see text-fast-path.ts and hooks.ts). Must
 * run before Ink is first imported; a no-op where module hooks are unavailable.
 */
import { register } from 'node:module';

let done = false;

/** Returns whether the hooks are in place. */
export function registerFastInkText(): boolean {
  if (done) return true;
  if (typeof register !== 'function') return false;
  register(new URL('./hooks.js', import.meta.url));
  done = true;
  return true;
}
