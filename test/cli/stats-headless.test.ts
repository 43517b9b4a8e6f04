/**
 * Headless commands never load Ink or React: run the built CLI (dist, made by `npm test`'s
 * pretest build) in a child process whose module resolution is logged by a loader hook, and look
 * at every module it resolved.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'gatescope.js');
const dir = mkdtempSync(join(tmpdir(), 'gs-headless-'));
const csv = join(dir, 'x.csv');
writeFileSync(csv, 'a,b\n1,2\n0.5,-1\n3,0.25\n');

// Runs in the loader thread: logs every URL a module import resolves to.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.GS_IMPORT_LOG, r.url + '\\n');
  return r;
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

function importsOf(args: string[]): string[] {
  const log = join(dir, `imports-${args[0]}.log`);
  writeFileSync(log, '');
  const res = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, BIN, ...args], {
    env: { ...process.env, GS_IMPORT_LOG: log, GATESCOPE_BUNDLE: '0' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
}

const UI_PACKAGES = /\/node_modules\/(ink|react|react-reconciler|react-dom|scheduler)\//;

describe('headless commands', () => {
  it('need the built CLI', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/cli/main.js is missing: run npm run build').toBe(true);
  });

  for (const args of [
    ['stats', csv, '--hidden-size', '4'],
    ['run', csv, '--cell', 'gru'],
  ]) {
    it(`${args[0]} never loads Ink or React`, () => {
      const urls = importsOf(args);
      // the log works: the command's own module and yargs were resolved through it
      expect(urls.some((u) => u.endsWith(`/dist/cli/commands/${args[0]}.js`))).toBe(true);
      expect(urls.some((u) => u.includes('/node_modules/yargs/'))).toBe(true);
      expect(urls.filter((u) => UI_PACKAGES.test(u))).toEqual([]);
    });
  }
});
