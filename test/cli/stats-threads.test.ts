/**
 * `gatescope stats --threads`: the two directions of each bidirectional layer on two worker
 * threads give the same numbers as one thread. Runs the built CLI (the worker is a built file),
 * logging resolved modules to see that the worker really ran.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt } from '../helpers/build.js';
import { runLoggingImports } from '../helpers/import-log.js';
import { randomNetwork } from '../../src/engine/index.js';
import { shouldUseThreads, threadsWanted, THREADS_MIN_WORK } from '../../src/cli/stats-threads.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-threads-'));
const csv = join(dir, 'x.csv');
writeFileSync(csv, `a,b\n${Array.from({ length: 300 }, (_, t) => `${Math.sin(t / 7)},${Math.cos(t / 3)}`).join('\n')}\n`);

function stats(flag: string): { stdout: string; modules: string[] } {
  const args = ['stats', csv, '--bidirectional', '--layers', '3', '--hidden-size', '6', '--cell', 'gru', '-f', 'json', flag];
  const { result, urls } = runLoggingImports(args, { bundle: false });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return { stdout: result.stdout, modules: urls };
}

beforeAll(() => {
  requireBuilt('dist/cli/stats-worker.js');
});

describe('gatescope stats on two threads', () => {
  it('gives the same numbers as one thread', () => {
    const threads = stats('--threads');
    const one = stats('--no-threads');
    expect(threads.modules.some((m) => m.endsWith('/dist/cli/stats-worker.js'))).toBe(true);
    expect(one.modules.some((m) => m.endsWith('/dist/cli/stats-worker.js'))).toBe(false);
    expect(threads.stdout).toBe(one.stdout);
    expect(JSON.parse(threads.stdout).stats).toHaveLength(3 * 2 * 4);
  });

  it('is used by default only for long bidirectional sequences with an idle core', () => {
    const bidi = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 64, bidirectional: true });
    const forward = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 64 });
    const long = THREADS_MIN_WORK / 64;
    const table: [Parameters<typeof threadsWanted>, boolean][] = [
      [[bidi, long, undefined, 2, 0.3], true],
      [[bidi, long - 1, undefined, 2, 0.3], false],
      [[bidi, long, undefined, 2, 1.5], false],
      [[bidi, long, undefined, 1, 0], false],
      [[bidi, long, undefined, 8, 6.5], true],
      [[bidi, 10, true, 1, 9], true],
      [[bidi, long, false, 64, 0], false],
      [[forward, long, true, 64, 0], false],
    ];
    for (const [args, want] of table) expect(threadsWanted(...args), `T=${args[1]} flag=${args[2]} cores=${args[3]} load=${args[4]}`).toBe(want);
    // from the TypeScript sources there is no built worker to start
    expect(shouldUseThreads(bidi, long, true)).toBe(false);
  });
});
