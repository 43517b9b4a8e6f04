#!/usr/bin/env node
/**
 * `npm run bench`: bundles bench/run.ts (TypeScript, importing src/ directly) with esbuild into
 * node_modules/.cache and runs it; packages stay external (onnxruntime-node is native).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(ROOT, 'node_modules', '.cache', 'gatescope-bench', 'run.mjs');
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(ROOT, 'bench', 'run.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: out,
  logLevel: 'warning',
});
const res = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, GATESCOPE_ROOT: ROOT } });
process.exitCode = res.status ?? 1;
