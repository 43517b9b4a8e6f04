#!/usr/bin/env node
/**
 * `npm run bench`: bundles bench/run.ts (TypeScript, importing src/ directly) with esbuild into
 * node_modules/.cache and runs it; packages stay external (onnxruntime-node is native). The same
 * build writes viewer-frames.mjs beside run.mjs: bench/viewer.ts runs it in a child.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(ROOT, 'node_modules', '.cache', 'gatescope-bench');
await build({
  entryPoints: { run: join(ROOT, 'bench', 'run.ts'), 'viewer-frames': join(ROOT, 'bench', 'viewer-frames.ts') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir,
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
const res = spawnSync(process.execPath, [join(outdir, 'run.mjs'), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, GATESCOPE_ROOT: ROOT } });
process.exitCode = res.status ?? 1;
