/** The built binary, `node bin/gatescope.js`, as a user runs it (needs `npm run build`). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireBuild, ROOT } from '../helpers/build.js';

beforeAll(requireBuild);

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });

describe('bare gatescope', () => {
  it('opens the remember demo with its RNN twin, the same way `gatescope demo remember` does', () => {
    const bare = run(['--width', '160']);
    expect(bare.status).toBe(0);
    expect(bare.stdout).toContain('demo: remember');
    expect(bare.stdout).toMatch(/RNN\(tanh\)( 2→8)? · rnn\.json/);
    expect(bare.stdout).toBe(run(['demo', 'remember', '--width', '160']).stdout);
  });
});

describe('the real binary', () => {
  it('exits quietly when the reader closes the pipe', () => {
    const rows = Array.from({ length: 20000 }, (_, t) => `${Math.sin(t)},${Math.cos(t)}`).join('\n');
    const csv = join(mkdtempSync(join(tmpdir(), 'gs-bin-')), 'long.csv');
    writeFileSync(csv, `${rows}\n`);
    const res = spawnSync('sh', ['-c', `node bin/gatescope.js run '${csv}' | head -1`], { cwd: ROOT, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(res.stdout).t).toBe(0);
  });
});
