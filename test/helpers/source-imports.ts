/** The import graph of src/, read from the import lines, for the architecture tests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Every .ts/.tsx file under `dir`, recursively. */
export function sources(dir: string = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

/** The specifiers a file imports or re-exports: static, `import type`, side-effect and dynamic `import()`. */
export function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  return found;
}

/** The source files a file imports (relative specifiers, `.js` resolved to the `.ts`/`.tsx` beside it). */
export function localImports(file: string, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const spec of imports(file)) {
    if (!spec.startsWith('.')) continue;
    const base = resolve(dirname(file), spec).replace(/\.js$/, '');
    const hit = [`${base}.ts`, `${base}.tsx`].find((p) => known.has(p));
    if (hit !== undefined) out.push(hit);
  }
  return out;
}

/** A path under src/ as the tests print it (`io/lines.ts`). */
export const srcPath = (file: string): string => relative(SRC, file).split(/[\\/]/).join('/');
