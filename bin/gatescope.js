#!/usr/bin/env node
// The published entry point: everything lives in dist/cli/main.js (built by `npm install`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('gatescope: not built yet: run `npm install` (or `npm run build`) in the gatescope folder\n');
  process.exitCode = 70;
} else {
  const { main } = await import(entry.href);
  const { processEnv } = await import(new URL('../dist/cli/env.js', import.meta.url).href);
  process.exitCode = await main(process.argv.slice(2), processEnv());
}
