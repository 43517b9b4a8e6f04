/**
 * The test files that run what `npm run build` makes (dist/, the bundle, bin/gatescope.js, a pty
 * on the built viewer). `npm test` builds, then runs them with the rest; `npm run test:unit` (the
 * vitest project "unit") runs everything else, from src/ only, in seconds. A folder ends in `/`.
 * test/architecture/needs-build.test.ts keeps this list true both ways.
 */
export const NEEDS_BUILD: readonly string[] = [
  'test/build/',
  'test/e2e/',
  'test/cli/bin.test.ts',
  'test/cli/stats-headless.test.ts',
  'test/cli/stats-threads.test.ts',
  'test/cli/streaming.test.ts',
  'test/hardening/limits.test.ts',
  'test/hardening/pipes-files.test.ts',
  'test/hardening/terminal-safety.test.ts',
  'test/hardening/train-signals.test.ts',
  'test/hardening/viewer.test.ts',
  'test/io/weights/keras-files.test.ts',
  'test/io/weights/keras-fuzz.test.ts',
  'test/trace/memory-worker.test.ts',
  'test/trace/pass-host.test.ts',
];

/** NEEDS_BUILD as vitest globs. */
export const NEEDS_BUILD_GLOBS: string[] = NEEDS_BUILD.map((p) => (p.endsWith('/') ? `${p}**/*.test.{ts,tsx}` : p));
