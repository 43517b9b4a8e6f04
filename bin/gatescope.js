#!/usr/bin/env node
// The published entry point; everything lives in dist/ (built by `npm install`).
//
// It loads the bundle, dist/bundle/gatescope.js (scripts/build-bundle.mjs): one file instead of
// some hundred modules (about 90 ms less start-up for every command), React in production mode,
// the viewer's Ink and React in a chunk loaded only when the viewer opens. GATESCOPE_BUNDLE=0 loads
// the modules as tsc built them, dist/cli/main.js (tests that watch which modules a command loads
// use it); both are built from the same sources.
import { existsSync } from 'node:fs';

const choice = process.env.GATESCOPE_BUNDLE;
const bundle = new URL('../dist/bundle/gatescope.js', import.meta.url);
const useBundle = choice !== '0' && existsSync(bundle);
const entry = useBundle ? bundle : new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('gatescope: not built yet: run `npm install` (or `npm run build`) in the gatescope folder\n');
  process.exitCode = 70;
} else {
  const mod = await import(entry.href);
  const { processEnv } = useBundle ? mod : await import(new URL('../dist/cli/env.js', import.meta.url).href);
  process.exitCode = await mod.main(process.argv.slice(2), processEnv());
}
