#!/usr/bin/env node
/**
 * Bundles the CLI with esbuild into dist/bundle/ (run by `npm run build` after tsc): one file to
 * load at start-up instead of some hundred modules, with Ink, React and yargs inlined. Cold start
 * to the viewer's first frame is what it buys: Node resolves and compiles one file, React runs in
 * production mode, and Ink's es-toolkit/compat import (283 ms of modules for one throttle) shrinks
 * to the two functions it uses (es-toolkit declares no side effects, so the rest is dropped).
 *
 *   dist/bundle/gatescope.js     main(argv, env) and processEnv(), what bin/gatescope.js loads
 *   dist/bundle/viewer-*.js      the interactive viewer (Ink, React), loaded only when it opens:
 *                                headless commands and the plain-text view never load it
 *   dist/bundle/pass-worker.js   the worker thread of the trace's full pass
 *   dist/bundle/memory-worker.js the worker thread of the memory view
 *
 * What differs from the tsc output:
 * - `process.env.NODE_ENV` is "production" (React reads it when first imported).
 * - Ink's (and widest-line's) imports of @alcalzone/ansi-tokenize and string-width get the fast
 *   text path of src/ui/fast-ink at build time, which the unbundled CLI installs with module hooks
 *   at run time (those cost a loader thread at start-up); GATESCOPE_FAST_TEXT=0 still turns it off.
 * - Ink's line-by-line (incremental) rendering is fixed (its first line landed a row low) and on.
 * - `import.meta.url` in a module means the URL its tsc output has in dist/ (files beside it,
 *   fixtures/ above it), except in the pass and memory workers' hosts, whose workers are the bundled ones beside them.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist', 'bundle');

/** Modules whose `import.meta.url` must stay the bundle's own: they start a bundled sibling. */
const OWN_URL = new Set([join(SRC, 'trace', 'pass-host.ts'), join(SRC, 'trace', 'memory-host.ts')]);

const FAST_TEXT = join(SRC, 'ui', 'fast-ink');
const INK_IMPORTER = /[\\/]node_modules[\\/](ink|widest-line)[\\/]/;

/** The packages Ink measures text with, as seen from Ink: the fast path unless GATESCOPE_FAST_TEXT=0. */
const FAST_TEXT_MODULES = {
  '@alcalzone/ansi-tokenize': `
import * as fast from ${JSON.stringify(join(FAST_TEXT, 'ansi-tokenize.ts'))};
import * as original from '@alcalzone/ansi-tokenize';
export * from '@alcalzone/ansi-tokenize';
const on = process.env.GATESCOPE_FAST_TEXT !== '0';
export const tokenize = on ? fast.tokenize : original.tokenize;
export const styledCharsFromTokens = on ? fast.styledCharsFromTokens : original.styledCharsFromTokens;
export const styledCharsToString = on ? fast.styledCharsToString : original.styledCharsToString;
`,
  'string-width': `
import fast from ${JSON.stringify(join(FAST_TEXT, 'string-width.ts'))};
import original from 'string-width';
export default process.env.GATESCOPE_FAST_TEXT !== '0' ? fast : original;
`,
};

const gatescopePlugin = {
  name: 'gatescope',
  setup(b) {
    b.onResolve({ filter: /^gatescope:entry$/ }, () => ({ path: 'entry', namespace: 'gatescope' }));
    b.onLoad({ filter: /^entry$/, namespace: 'gatescope' }, () => ({
      contents: `export { main } from ${JSON.stringify(join(SRC, 'cli', 'main.ts'))};\nexport { processEnv } from ${JSON.stringify(join(SRC, 'cli', 'env.ts'))};\n`,
      resolveDir: ROOT,
      loader: 'ts',
    }));

    b.onResolve({ filter: /^(@alcalzone\/ansi-tokenize|string-width)$/ }, (args) =>
      INK_IMPORTER.test(args.importer) ? { path: args.path, namespace: 'gatescope-fast-text' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'gatescope-fast-text' }, (args) => ({ contents: FAST_TEXT_MODULES[args.path], resolveDir: ROOT, loader: 'js' }));

    // Ink 6.8's incremental renderer (log-update.js) moves up one row too few before rewriting a
    // frame that ended with a newline (any frame shorter than the screen), so every line lands a
    // row low and the last one scrolls the screen: the footer shows twice. From the line after the
    // frame, the first line is previousVisible rows up.
    b.onLoad({ filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]log-update\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const bug = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
      if (!text.includes(bug)) throw new Error(`${args.path}: Ink's incremental renderer changed; check the fix in scripts/build-bundle.mjs`);
      return { contents: text.replace(bug, "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));"), loader: 'js' };
    });

    // The hooks are not needed: the bundle has the fast path built in (above).
    b.onLoad({ filter: /[\\/]src[\\/]ui[\\/]fast-ink[\\/]register\.ts$/ }, () => ({
      contents: '/** The bundle has the fast text path built in (scripts/build-bundle.mjs). */\nexport async function registerFastInkText(): Promise<boolean> {\n  return true;\n}\n',
      loader: 'ts',
    }));

    b.onLoad({ filter: /[\\/]src[\\/].*\.tsx?$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const loader = args.path.endsWith('x') ? 'tsx' : 'ts';
      if (!text.includes('import.meta.url') || OWN_URL.has(args.path)) return { contents: text, loader };
      const asBuilt = `../${relative(SRC, args.path).split(/[\\/]/).join('/').replace(/\.tsx?$/, '.js')}`;
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(asBuilt)}, import.meta.url).href`), loader };
    });
  },
};

/**
 * Writes the output without ever showing a half-written or missing file to a gatescope that runs
 * meanwhile (another build while a viewer opens): unchanged files are left alone, changed ones
 * replaced by a rename, and files of earlier builds removed only once they are a few minutes old
 * (a viewer started before may still load its chunk).
 */
function writeOutput(files) {
  mkdirSync(OUT, { recursive: true });
  const fresh = new Set();
  for (const f of files) {
    fresh.add(f.path);
    let same = false;
    try {
      same = Buffer.compare(readFileSync(f.path), Buffer.from(f.contents)) === 0;
    } catch {
      same = false;
    }
    if (same) continue;
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  const old = Date.now() - 5 * 60 * 1000;
  for (const name of readdirSync(OUT)) {
    const path = join(OUT, name);
    if (fresh.has(path)) continue;
    try {
      if (statSync(path).mtimeMs < old) unlinkSync(path);
    } catch {
      // removed by another build
    }
  }
}

/** Builds the bundle into dist/bundle/. */
async function bundle() {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { gatescope: 'gatescope:entry', 'pass-worker': join(SRC, 'trace', 'pass-worker.ts'), 'memory-worker': join(SRC, 'trace', 'memory-worker.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: OUT,
    entryNames: '[name]',
    // chunks beside the entries, so that a sibling's URL is the same from any of them
    chunkNames: '[name]-[hash]',
    // __GATESCOPE_INK_LINES__: Ink here renders changed lines correctly (see the log-update fix)
    define: { 'process.env.NODE_ENV': '"production"', __GATESCOPE_INK_LINES__: 'true' },
    // Ink loads React's devtools only with DEV=true, and they are not installed.
    external: ['react-devtools-core'],
    // CommonJS packages inlined in an ES module still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __gsCreateRequire } from 'node:module'; const require = __gsCreateRequire(import.meta.url);" },
    plugins: [gatescopePlugin],
    write: false,
    logLevel: 'warning',
    legalComments: 'none',
  });
  writeOutput(result.outputFiles);
}

await bundle();
