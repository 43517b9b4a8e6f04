import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './build.js';

export { BIN, ROOT };

/** Packages only the viewer may load. */
export const UI_PACKAGES = /\/node_modules\/(ink|react|react-reconciler|react-dom|scheduler)\//;

// Runs in the loader thread of the child: logs every URL a module import resolves to.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.GS_IMPORT_LOG, r.url + '\\n');
  return r;
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** Node flags that make a child log every module URL it resolves to the file named by GS_IMPORT_LOG. */
export const IMPORT_LOG_ARGS: readonly string[] = ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`];

export interface LoggedRun {
  readonly result: SpawnSyncReturns<string>;
  /** Every module URL the child resolved, in order. */
  readonly urls: string[];
}

/**
 * Runs `node bin/gatescope.js ...args` in a child whose module resolution is logged, from the
 * tsc-built modules (`bundle: false`, GATESCOPE_BUNDLE=0) or from the esbuild bundle.
 */
export function runLoggingImports(args: readonly string[], opts: { bundle: boolean; cwd?: string; timeout?: number }): LoggedRun {
  const log = join(mkdtempSync(join(tmpdir(), 'gs-imports-')), 'imports.log');
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, [...IMPORT_LOG_ARGS, BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, GS_IMPORT_LOG: log, GATESCOPE_BUNDLE: opts.bundle ? '1' : '0' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: opts.timeout ?? 30000,
  });
  return { result, urls: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') };
}
