/**
 * The viewer's figures (issue 6): what a user feels, measured on the built binary in a real
 * pseudo-terminal at 200x60 (viewer-pty.ts), plus the cost of one frame inside the process
 * (viewer-frames.ts, run in a child with React in production mode as the viewer runs it):
 *
 * - cold start: spawn to the first frame on screen (a 500-step CSV, LSTM H=64);
 * - keypress to screen: → pressed, to the new step number on screen, p50 and p95 (H=64);
 * - frame build time (Ink's render, from state change to write) and bytes per frame, H=64, 512 and 2048;
 * - the 1,000,000-step .npy (LSTM H=64, D=16): first frame, time until every step is computed,
 *   jump latency (a step number typed, Enter to the step on screen) and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, series, writeNpy, type BenchContext, type BenchSection, type Figure } from './lib.js';
import { loadPty, type PtyModules } from '../test/helpers/pty.js';
import { PtyViewer } from './viewer-pty.js';

const COLS = 200;
const ROWS = 60;
const D = 16;
const BIG_T = 1_000_000;

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function writeCsv(path: string, T: number): void {
  const xs = series(T, D, 2);
  const lines = [Array.from({ length: D }, (_, j) => `f${j}`).join(',')];
  for (let t = 0; t < T; t++) lines.push(Array.from(xs.subarray(t * D, (t + 1) * D), (v) => v.toFixed(4)).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function viewer(mods: PtyModules, ctx: BenchContext, args: string[], env: Record<string, string> = {}): PtyViewer {
  return new PtyViewer(mods, [join(ctx.root, 'bin', 'gatescope.js'), ...args], { cols: COLS, rows: ROWS, cwd: ctx.root, env });
}

/**
 * Bytes the terminal gets per key: → (a new step: nearly every line changes) and ↓ (another unit:
 * two rows of the grid and the sparkline), median of n presses each. `bundle` '0' runs the
 * unbundled CLI, whose Ink writes whole frames; the bundle writes changed lines only.
 */
async function keyBytes(mods: PtyModules, ctx: BenchContext, csv: string, bundle: '0' | '1', n: number): Promise<{ right: number; down: number }> {
  const v = viewer(mods, ctx, [csv, '--hidden-size', '64'], { GATESCOPE_BUNDLE: bundle });
  const per = async (key: string): Promise<number> => {
    const sizes: number[] = [];
    for (let i = 0; i < n; i++) {
      const before = v.bytes;
      v.write(key);
      // until nothing more arrives for a while
      let last = -1;
      while (v.bytes !== last) {
        last = v.bytes;
        await sleep(60);
      }
      sizes.push(v.bytes - before);
    }
    return median(sizes);
  };
  try {
    await v.status(/step 1\/500 /);
    await sleep(300);
    return { right: await per('\u001b[C'), down: await per('\u001b[B') };
  } finally {
    await v.quit();
  }
}

/** Spawn to the first frame (the status line with the step), median of reps. */
async function coldStart(mods: PtyModules, ctx: BenchContext, csv: string): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < Math.max(3, ctx.reps); r++) {
    const v = viewer(mods, ctx, [csv, '--hidden-size', '64']);
    try {
      const at = await v.status(/step \d+\/\d+/);
      times.push(at - v.started);
    } finally {
      await v.quit();
    }
  }
  return median(times);
}

/** → pressed `n` times, each time to the new step number on screen (keyBytes measures the bytes). */
async function keyLatency(mods: PtyModules, ctx: BenchContext, csv: string, n: number): Promise<number[]> {
  const v = viewer(mods, ctx, [csv, '--hidden-size', '64']);
  const times: number[] = [];
  try {
    await v.status(/step 1\/500 /);
    await sleep(300);
    for (let i = 0; i < n; i++) {
      const pattern = new RegExp(`step ${i + 2}/500 `);
      const t0 = performance.now();
      v.write('\u001b[C');
      const at = await v.status(pattern, 5000);
      times.push(at - t0);
      // past Ink's key throttle (60 fps): the next press is a fresh one
      await sleep(40);
    }
  } finally {
    await v.quit();
  }
  return times;
}

interface BigRun {
  firstFrameMs: number;
  allStepsMs: number;
  jumps: number[];
  jumpsWhileComputing: number[];
  rssMiB: number | null;
}

/** The 1M-step .npy: first frame, the whole pass, jumps (while computing and after), peak RSS. */
async function bigSequence(mods: PtyModules, ctx: BenchContext, npy: string): Promise<BigRun> {
  const v = viewer(mods, ctx, [npy, '--hidden-size', '64']);
  try {
    return await measureBig(v);
  } finally {
    await v.quit();
  }
}

async function measureBig(v: PtyViewer): Promise<BigRun> {
  const first = await v.status(/step 1\//, 60000);
  const jumpTo = async (step: number): Promise<number> => {
    v.write(`:${step}`);
    // the footer (the frame is a row shorter than the terminal) shows the number as typed
    await v.until(() => v.screen().includes(`: ${step}▏`), 5000, `entry ${step}`);
    const t0 = performance.now();
    v.write('\r');
    const at = await v.status(new RegExp(`step ${step}/`), 5000);
    return at - t0;
  };
  // while the worker computes: jump into what it has done so far
  const jumpsWhileComputing: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(150);
    const m = /step \d+\/(\d+)\+/.exec(v.line(0));
    if (m === null) break;
    const held = Number(m[1]);
    jumpsWhileComputing.push(await jumpTo(1 + Math.floor(((i * 0.37 + 0.1) % 1) * (held - 1))));
  }
  const all = await v.status(new RegExp(`/${BIG_T}(?!\\+)`), 300000);
  const jumps: number[] = [];
  for (let i = 0; i < 12; i++) jumps.push(await jumpTo(1 + Math.floor(((i * 0.618 + 0.05) % 1) * (BIG_T - 1))));
  const rssMiB = v.peakRssMiB();
  return { firstFrameMs: first - v.started, allStepsMs: all - v.started, jumps, jumpsWhileComputing, rssMiB };
}

/** viewer-frames.ts as a script to run in a child: scripts/bench.mjs builds it beside this bundle. */
const framesScript = (): string => fileURLToPath(new URL('./viewer-frames.mjs', import.meta.url));

/** Frame build time and bytes per frame inside the process (viewer-frames.ts in a child). */
function frames(ctx: BenchContext, script: string, H: number): { renderMs: number[]; bytes: number[]; keyMs: number[] } | { error: string } {
  const res = spawnSync(process.execPath, [script, String(H), String(COLS), String(ROWS), '40'], {
    cwd: ctx.root,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production', GATESCOPE_ROOT: ctx.root },
    timeout: 120000,
  });
  if (res.status !== 0) return { error: (res.stderr || res.error?.message || `exit ${res.status}`).split('\n')[0]! };
  return JSON.parse(res.stdout) as { renderMs: number[]; bytes: number[]; keyMs: number[] };
}

export const viewerSection: BenchSection = {
  name: `viewer (built binary in a pty, ${COLS}x${ROWS}; LSTM D=${D})`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    const script = framesScript();
    for (const H of [64, 512, 2048]) {
      ctx.log(`frames in process, H=${H}`);
      const f = frames(ctx, script, H);
      if ('error' in f) {
        figures.push({ name: `H=${H} frame build (Ink render)`, value: null, unit: 'ms', note: f.error });
        continue;
      }
      figures.push({ name: `H=${H} frame build (Ink render) p50`, value: median(f.renderMs), unit: 'ms', note: `p95 ${percentile(f.renderMs, 95).toFixed(1)} ms` });
      figures.push({ name: `H=${H} bytes per frame (→ key)`, value: median(f.bytes), unit: 'bytes', note: `${(median(f.bytes) / 1024).toFixed(1)} KiB` });
      figures.push({ name: `H=${H} key to frame written, in process p50`, value: median(f.keyMs), unit: 'ms', note: `p95 ${percentile(f.keyMs, 95).toFixed(1)} ms` });
    }

    const mods = loadPty();
    if ('reason' in mods) {
      figures.push({ name: 'pty figures', value: null, unit: '', note: mods.reason });
      return figures;
    }
    const csv = join(ctx.tmp, 'viewer-500.csv');
    writeCsv(csv, 500);
    ctx.log('cold start');
    const cold = await coldStart(mods, ctx, csv);
    figures.push({ name: 'cold start to first frame', value: cold, unit: 'ms', note: 'target <= 500' });
    ctx.log('keypress latency');
    const keys = await keyLatency(mods, ctx, csv, 60);
    figures.push({ name: 'keypress to screen p50 (H=64)', value: median(keys), unit: 'ms' });
    figures.push({ name: 'keypress to screen p95 (H=64)', value: percentile(keys, 95), unit: 'ms', note: 'target <= 30' });
    ctx.log('bytes per key, changed lines (bundle) and whole frames (unbundled)');
    const lines = await keyBytes(mods, ctx, csv, '1', 10);
    const whole = await keyBytes(mods, ctx, csv, '0', 10);
    figures.push({ name: 'bytes per → (new step), changed lines only', value: lines.right, unit: 'bytes', note: `whole frames: ${whole.right}` });
    figures.push({ name: 'bytes per ↓ (new unit), changed lines only', value: lines.down, unit: 'bytes', note: `whole frames: ${whole.down}` });

    ctx.log(`${BIG_T}-step .npy (writing it)`);
    const npy = join(ctx.tmp, 'viewer-1m.npy');
    writeNpy(npy, series(BIG_T, D, 4), BIG_T, D);
    ctx.log(`${BIG_T}-step .npy (viewer)`);
    const big = await bigSequence(mods, ctx, npy);
    figures.push({ name: '1M steps H=64: first frame', value: big.firstFrameMs, unit: 'ms' });
    figures.push({ name: '1M steps H=64: every step computed (worker)', value: big.allStepsMs, unit: 'ms', note: `${((big.allStepsMs * 1000) / BIG_T).toFixed(2)} us/step, keys answered meanwhile` });
    figures.push({
      name: '1M steps H=64: jump while computing p50',
      value: big.jumpsWhileComputing.length > 0 ? median(big.jumpsWhileComputing) : null,
      unit: 'ms',
      note: big.jumpsWhileComputing.length > 0 ? `max ${Math.max(...big.jumpsWhileComputing).toFixed(1)} ms, ${big.jumpsWhileComputing.length} jumps` : 'the pass ended first',
    });
    figures.push({ name: '1M steps H=64: jump anywhere p50', value: median(big.jumps), unit: 'ms', note: `max ${Math.max(...big.jumps).toFixed(1)} ms of ${big.jumps.length}; target <= 50` });
    figures.push({ name: '1M steps H=64: peak RSS', value: big.rssMiB, unit: 'MiB', note: big.rssMiB === null ? 'no /proc here' : 'target < 300' });
    return figures;
  },
};
