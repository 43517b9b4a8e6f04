import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point toward the math only: cli -> ui -> trace -> io -> engine. Nothing imports
 * cli; ui never imports io; the engine imports nothing outside itself (no node:*, no packages).
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const RANK: Record<string, number> = { engine: 0, io: 1, trace: 2, ui: 3, cli: 4 };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  return found;
}

const layerOf = (file: string): string => relative(SRC, file).split(/[\\/]/)[0]!;

describe('layering', () => {
  const files = sources(SRC).filter((f) => layerOf(f) in RANK);

  it('finds the layers', () => {
    expect(new Set(files.map(layerOf))).toEqual(new Set(Object.keys(RANK)));
  });

  it('points dependencies toward the engine only', () => {
    const bad: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(file), spec)).split(/[\\/]/)[0]!;
        if (!(target in RANK) || target === from) continue;
        const allowed = RANK[target]! < RANK[from]! && !(from === 'ui' && target === 'io');
        if (!allowed) bad.push(`${relative(SRC, file)} imports ${spec} (${from} -> ${target})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps the engine free of Node and npm imports', () => {
    const bad: string[] = [];
    for (const file of files.filter((f) => layerOf(f) === 'engine')) {
      for (const spec of imports(file)) if (!spec.startsWith('.')) bad.push(`${relative(SRC, file)} imports ${spec}`);
    }
    expect(bad).toEqual([]);
  });

  it('keeps the library surface free of ui and cli', () => {
    const index = imports(join(SRC, 'index.ts'));
    expect(index.filter((s) => /\/(ui|cli)\//.test(s))).toEqual([]);
  });
});
