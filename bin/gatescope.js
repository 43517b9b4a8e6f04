#!/usr/bin/env node
// The published entry point; everything lives in dist/ (built by `npm install`).
//
// In a terminal it loads the bundle, dist/bundle/gatescope.js (scripts/build-bundle.mjs): one file
// instead of some hundred modules, React in production mode, so the viewer's first frame comes
// sooner. With stdout going to a pipe or a file (scripts, the plain-text view, the test suite, which
// looks at which modules a command loads) it loads the modules as tsc built them, dist/cli/main.js.
// Both are built from the same sources; GATESCOPE_BUNDLE=1 or 0 chooses explicitly.
import { existsSync } from 'node:fs';

const choice = process.env.GATESCOPE_BUNDLE;
const bundle = new URL('../dist/bundle/gatescope.js', import.meta.url);
const useBundle = choice === '1' || (choice !== '0' && process.stdout.isTTY === true && existsSync(bundle));
const entry = useBundle ? bundle : new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('gatescope: not built yet: run `npm install` (or `npm run build`) in the gatescope folder\n');
  process.exitCode = 70;
} else {
  const mod = await import(entry.href);
  const { processEnv } = useBundle ? mod : await import(new URL('../dist/cli/env.js', import.meta.url).href);
  process.exitCode = await mod.main(process.argv.slice(2), processEnv());
}
