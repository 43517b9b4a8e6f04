/**
 * Headless commands never load Ink or React: run the built CLI (dist, made by `npm test`'s
 * pretest build) in a child process whose module resolution is logged by a loader hook, and look
 * at every module it resolved.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../helpers/build.js';
import { runLoggingImports, UI_PACKAGES } from '../helpers/import-log.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-headless-'));
const csv = join(dir, 'x.csv');
writeFileSync(csv, 'a,b\n1,2\n0.5,-1\n3,0.25\n');

function importsOf(args: string[]): string[] {
  const { result, urls } = runLoggingImports(args, { bundle: false });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return urls;
}

describe('headless commands', () => {
  beforeAll(requireBuild);

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
