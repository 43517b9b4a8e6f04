import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './import-log.js';

/** Runs the built CLI (`node bin/gatescope.js ...`) as a user does, from the repository root. */
export function gatescope(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'gatescope.js'), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
