/**
 * The bundle (scripts/build-bundle.mjs, made by `npm test`'s pretest build) as users run it: in a
 * terminal bin/gatescope.js loads it, opens the viewer, computes a long .npy in its worker; the
 * headless commands and the plain-text view never load its viewer chunk (Ink, React).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEYS, loadPty, spawnInPty } from '../helpers/pty.js';
import { BIN, IMPORT_LOG_ARGS, ROOT, runLoggingImports, UI_PACKAGES } from '../helpers/import-log.js';
import { requireBuilt } from '../helpers/build.js';
import { f32, npyBytes } from '../io/npy-bytes.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');
const WEIGHTS = join(ROOT, 'fixtures', 'demos', 'remember', 'lstm.json');
const dir = mkdtempSync(join(tmpdir(), 'gs-bundle-'));
const csv = join(dir, 'x.csv');
writeFileSync(csv, 'a,b\n1,2\n0.5,-1\n3,0.25\n');
writeFileSync(join(dir, 'x3.csv'), 'a,b,c\n1,2,3\n0.5,-1,0\n');

/** Runs the bundled CLI with output to a pipe, logging every module it resolves. */
function bundledImports(args: string[]): { urls: string[]; stdout: string } {
  const { result, urls } = runLoggingImports(args, { bundle: true });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return { urls, stdout: result.stdout };
}

describe('the bundle', () => {
  // The files the current build loads, from gatescope.js through its imports (earlier builds'
  // chunks may still be beside them for a few minutes).
  const files = new Set<string>();
  const visit = (name: string): void => {
    if (files.has(name)) return;
    files.add(name);
    for (const m of readFileSync(join(BUNDLE, name), 'utf8').matchAll(/(?:from\s*|import\s*\(\s*)["']\.\/([\w-]+\.js)["']/g)) visit(m[1]!);
  };
  beforeAll(() => {
    requireBuilt('dist/bundle/gatescope.js');
    visit('gatescope.js');
  });

  it('has the viewer in a chunk of its own, React in production mode and no more of es-toolkit than Ink’s throttle', () => {
    expect([...files].find((f) => f.startsWith('run-viewer-'))).toBeDefined();
    const text = [...files].map((f) => readFileSync(join(BUNDLE, f), 'utf8')).join('\n');
    expect(text).not.toContain('react.development');
    expect(text).toContain('react.production');
    // esbuild names every inlined file in a comment: es-toolkit's are the throttle and what it calls
    const esToolkit = [...new Set(text.match(/^\/\/ node_modules\/es-toolkit\/\S+/gm) ?? [])].sort();
    expect(esToolkit).toEqual([
      '// node_modules/es-toolkit/dist/compat/function/debounce.mjs',
      '// node_modules/es-toolkit/dist/compat/function/throttle.mjs',
      '// node_modules/es-toolkit/dist/function/debounce.mjs',
    ]);
    // Ink measures text through the fast path, chosen at run time
    expect(text).toContain('GATESCOPE_FAST_TEXT');
  });

  const headless: [string, string[]][] = [
    ['run', ['run', csv, '--cell', 'gru']],
    ['stats', ['stats', csv, '--hidden-size', '4']],
    ['inspect', ['inspect', WEIGHTS]],
    // the HDF5 reader (h5wasm) runs in its worker thread, from dist/io beside the bundle
    ['inspect of a Keras .h5', ['inspect', join(ROOT, 'fixtures', 'weights', 'keras', 'lstm_dense.h5')]],
    ['run on a .keras file', ['run', csv.replace('x.csv', 'x3.csv'), '--weights', join(ROOT, 'fixtures', 'weights', 'keras', 'simple_rnn_relu.keras')]],
    ['snapshot', [csv, '--hidden-size', '3']],
  ];
  for (const [name, args] of headless) {
    it(`${name} runs from the bundle without loading the viewer chunk, Ink or React`, () => {
      const { urls, stdout } = bundledImports(args);
      expect(stdout.length).toBeGreaterThan(0);
      expect(urls.some((u) => u.endsWith('/dist/bundle/gatescope.js'))).toBe(true);
      expect(urls.filter((u) => /\/dist\/cli\//.test(u))).toEqual([]);
      expect(urls.filter((u) => u.includes('/run-viewer-') || UI_PACKAGES.test(u))).toEqual([]);
    });
  }

  const mods = loadPty();
  it.skipIf('reason' in mods)('opens the viewer in a terminal, computes a long .npy in its worker and jumps to the end', async () => {
    if ('reason' in mods) return;
    const T = 20000;
    const npy = join(dir, 'long.npy');
    writeFileSync(npy, npyBytes('<f4', [T, 2], f32(Array.from({ length: 2 * T }, (_, i) => Math.sin(i / 50)))));
    const log = join(dir, 'imports-viewer.log');
    writeFileSync(log, '');
    const s = spawnInPty(mods, process.execPath, [...IMPORT_LOG_ARGS, BIN, npy, '--hidden-size', '8'], {
      cols: 120,
      rows: 40,
      cwd: ROOT,
      env: { GS_IMPORT_LOG: log },
    });
    try {
      await s.waitFor('step 1/');
      // every step computed (no "+": the input is complete)
      await s.waitFor(new RegExp(`step 1/${T}(?!\\+)`), 30000);
      s.write('G');
      await s.waitFor(`step ${T}/${T}`);
      s.write(':12345');
      s.write(KEYS.enter);
      await s.waitFor(`step 12345/${T}`);
      s.write('q');
      const { exitCode } = await s.waitExit();
      expect(exitCode).toBe(0);
      const urls = readFileSync(log, 'utf8').split('\n');
      expect(urls.some((u) => u.endsWith('/dist/bundle/gatescope.js'))).toBe(true);
      expect(urls.some((u) => u.includes('/dist/bundle/run-viewer-'))).toBe(true);
      // the pass ran in the bundled worker, not in slices on the main thread
      expect(urls.some((u) => u.endsWith('/dist/bundle/pass-worker.js'))).toBe(true);
    } finally {
      s.kill();
    }
  });

  it.skipIf('reason' in mods)('draws changed lines only, giving exactly the screens whole frames give', async () => {
    if ('reason' in mods) return;
    const input = join(ROOT, 'fixtures', 'demos', 'remember', 'input.csv');
    // a frame shorter than the screen (as the viewer's always is), 30 units to scroll through
    const args = [BIN, input, '--hidden-size', '30', '--seed', '3'];
    const keys = [KEYS.right, KEYS.right, KEYS.right, KEYS.down, KEYS.down, 'j', 'J', '3', 'e', KEYS.right, 'e', KEYS.up, 'G', '?', KEYS.escape, KEYS.left, 'g'];
    const screens = async (bundle: '0' | '1'): Promise<string[]> => {
      const s = spawnInPty(mods, process.execPath, args, { cols: 150, rows: 40, cwd: ROOT, env: { GATESCOPE_BUNDLE: bundle } });
      const settle = async (): Promise<string> => {
        // until nothing more arrives for a while: the frame for the last key is complete
        let last = -1;
        while (s.raw().length !== last) {
          last = s.raw().length;
          // 300 ms: on a loaded machine a resize's redraw (80 ms after the last event) and its frame can come 150 ms apart
          await new Promise((r) => setTimeout(r, 300));
        }
        return s.screen();
      };
      try {
        await s.waitFor('step 1/');
        const out = [await settle()];
        for (const k of keys) {
          s.write(k);
          out.push(await settle());
        }
        s.resize(120, 34);
        out.push(await settle());
        s.write(KEYS.right);
        out.push(await settle());
        s.write('q');
        await s.waitExit();
        return out;
      } finally {
        s.kill();
      }
    };
    const lines = await screens('1');
    const whole = await screens('0');
    expect(lines.length).toBe(keys.length + 3);
    lines.forEach((screen, i) => expect(screen, `after ${i === 0 ? 'start' : `key ${i}`}`).toBe(whole[i]));
    // the symptom of the bug this guards against: the footer twice
    for (const screen of lines) expect(screen.split('\n').filter((l) => l.includes('? help')).length).toBeLessThanOrEqual(1);
  }, 60000);
});
