/**
 * What `npm run build` makes, for the tests that run it: dist/ (tsc), dist/bundle (esbuild) and
 * bin/gatescope.js, which loads them. Those test files are listed in test/needs-build.ts: `npm test`
 * builds and runs them, `npm run test:unit` leaves them out. Missing output fails them (with what
 * to do), never skips them: a test of the build must not pass by not running.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'gatescope.js');
/** `node "…/bin/gatescope.js"`: the binary as the start of a shell command. */
export const gatescopeShell = `node ${JSON.stringify(BIN)}`;

/** The absolute path of a built file (`dist/trace/pass-worker.js`); throws when the build has not made it. */
export function requireBuilt(file: string): string {
  const path = join(ROOT, file);
  if (!existsSync(path)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  return path;
}

/** Throws unless the CLI is built (dist/cli/main.js, what bin/gatescope.js loads); fits `beforeAll(requireBuild)`. */
export function requireBuild(): void {
  requireBuilt('dist/cli/main.js');
}
