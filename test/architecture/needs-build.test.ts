import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/build.js';
import { NEEDS_BUILD } from '../needs-build.js';

/**
 * test/needs-build.ts splits the suite: the files there run the build's output (`npm test`), the
 * rest run from src/ alone (`npm run test:unit`). A file that starts the built CLI, loads a built
 * worker or opens a pty must be listed, must fail (not skip) when the build is missing, and a listed
 * file must really need the build.
 */
const SELF = relative(ROOT, fileURLToPath(import.meta.url));

/** What a test file uses of the build: dist/ paths, bin/gatescope.js, the helpers that run them. */
const USES_BUILD = [
  /\bdist\/|['"]dist['"]/,
  /bin\/gatescope|\bBIN\b/,
  /helpers\/(gatescope-bin|pty|pty-shell)\.js/,
  /\brunLoggingImports\b/,
  /import \{[^}]*\b(gatescope|sh|runChild)\b[^}]*\} from '\.\/harness\.js'/,
];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return testFiles(p);
    return /\.test\.tsx?$/.test(name) ? [relative(ROOT, p).split(/[\\/]/).join('/')] : [];
  });
}

const listed = (file: string): boolean => NEEDS_BUILD.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
const files = testFiles(join(ROOT, 'test')).filter((f) => f !== SELF);
const text = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
const usesBuild = (f: string): boolean => USES_BUILD.some((re) => re.test(text.get(f)!));

describe('the tests that need the build (test/needs-build.ts)', () => {
  it('lists every file that runs the build, and only those', () => {
    expect(files.filter((f) => usesBuild(f) && !listed(f)), 'run the build but are not listed').toEqual([]);
    expect(files.filter((f) => listed(f) && !usesBuild(f)), 'listed but run from src/ alone').toEqual([]);
  });

  it('lists files and folders that exist', () => {
    expect(NEEDS_BUILD.filter((p) => (p.endsWith('/') ? !files.some((f) => f.startsWith(p)) : !files.includes(p)))).toEqual([]);
  });

  it('has each of them fail with "run npm run build" when the build is missing, never skip', () => {
    expect(files.filter((f) => listed(f) && !/\brequireBuil[dt]\b/.test(text.get(f)!))).toEqual([]);
    expect(files.filter((f) => /\.(skipIf|runIf)\([^)]*(existsSync|dist|built)/.test(text.get(f)!))).toEqual([]);
  });
});
