import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder (`gs-<prefix>-XXXXXX`) and a writer of files in it that returns their paths. */
export function scratch(prefix: string): { dir: string; file: (name: string, data: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), `gs-${prefix}-`));
  return {
    dir,
    file(name, data) {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
  };
}
