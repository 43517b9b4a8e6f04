import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imports, sources, SRC } from '../helpers/source-imports.js';

/**
 * Dependencies point toward the math only: cli -> ui -> trace -> io -> engine. Nothing imports
 * cli; ui never imports io; the engine imports nothing outside itself (no node:*, no packages).
 */
const RANK: Record<string, number> = { engine: 0, io: 1, trace: 2, ui: 3, cli: 4 };

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
