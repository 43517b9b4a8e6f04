/**
 * `npm run bench`: runs every section (sections.ts), prints median figures, and writes them to
 * bench/results.json to compare across commits. Not part of `npm test`.
 *
 *   npm run bench                    all sections, 5 repetitions each (15 short turns for the engine)
 *   npm run bench -- --reps 3        fewer repetitions
 *   npm run bench -- --only engine   sections whose name contains "engine" (written to the
 *                                    untracked bench/results.local.json instead)
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelVariant } from '../src/engine/fast/index.js';
import { enableRelaxedSimd } from '../src/cli/wasm-features.js';
import { cpuFlags, scratchDir, type BenchContext, type Figure } from './lib.js';
import { SECTIONS } from './sections.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fmt(f: Figure): string {
  if (f.value === null) return 'n/a';
  const v = f.value;
  const text = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${text} ${f.unit}`;
}

function gitCommit(root: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  // run from the bundled copy or from source: the repository is where package.json is
  const here = dirname(fileURLToPath(import.meta.url));
  const root = process.env['GATESCOPE_ROOT'] ?? join(here, '..');
  const reps = Number(arg('--reps') ?? 5);
  const only = arg('--only');
  const ctx: BenchContext = { reps, tmp: scratchDir(), root, log: (line) => process.stderr.write(`  ... ${line}\n`) };
  const results: Record<string, Figure[]> = {};
  // as the CLI does: the fast engine's kernels with fused multiply-add where V8 can
  enableRelaxedSimd();
  const variant = kernelVariant();
  const flags = cpuFlags();
  console.log(`gatescope bench: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ${variant ?? 'no WebAssembly SIMD'} kernels, medians of ${reps}`);
  console.log(`cpu flags: ${flags === null ? 'unknown (no /proc/cpuinfo)' : flags.join(' ') || 'none of sse4_2 avx avx2 avx512f'}`);
  for (const section of SECTIONS) {
    if (only !== undefined && !section.name.includes(only)) continue;
    console.log(`\n${section.name}`);
    let figures: Figure[];
    try {
      figures = await section.run(ctx);
    } catch (err) {
      // one broken section must not cost the others' figures
      const why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      console.log(`  failed: ${why}`);
      figures = [{ name: 'failed', value: null, unit: '', note: why }];
    }
    results[section.name] = figures;
    const width = Math.max(...figures.map((f) => f.name.length));
    for (const f of figures) console.log(`  ${f.name.padEnd(width)}  ${fmt(f).padStart(14)}${f.note ? `  (${f.note})` : ''}`);
  }
  const doc = {
    date: new Date().toISOString(),
    commit: gitCommit(root),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    cpuFlags: flags,
    cores: cpus().length,
    kernels: variant,
    reps,
    sections: results,
  };
  // a partial run must not replace the full figures kept in the repository
  const out = join(root, 'bench', only === undefined ? 'results.json' : 'results.local.json');
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

await main();
