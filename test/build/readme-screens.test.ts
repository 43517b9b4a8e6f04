/** The README's screens are what the built CLI prints today (`npm run readme` captures them again). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireBuild, ROOT } from '../helpers/build.js';

beforeAll(requireBuild);

describe('README screens', () => {
  it('are what the built CLI prints today (npm run readme)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const captures = [...readme.matchAll(/<!-- capture: (.*?) -->\n```\n([\s\S]*?)\n```\n<!-- capture:end -->/g)];
    expect(captures.length).toBeGreaterThanOrEqual(2);
    for (const [, args, shown] of captures) {
      const now = execFileSync(process.execPath, [BIN, ...args!.split(/\s+/)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(shown, `README capture of gatescope ${args}`).toBe(now.replace(/\s+$/, ''));
    }
  });
});
