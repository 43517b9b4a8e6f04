/**
 * Memory bounds (docs/hardening.md, "Resource limits"): the peak resident set of the built binary
 * where it once grew without bound. `memory` on a long file and on an endless pipe (was 2.9 GiB
 * and 1.1 GiB in 14 s), `run --bidirectional` over 150,000 steps at H=256 (was 3.9 GiB and more)
 * and, at the most --max-memory allows, the same just under the budget; the viewer on an endless
 * fast pipe over 60 s (grew 238 -> 445 MiB in 55 s: a label per step took 450 bytes as a rope).
 * Peak RSS is VmHWM from /proc; each figure is one run (they are bounds, not timings).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadPty } from '../test/helpers/pty.js';
import { runNode, type BenchContext, type BenchSection, type Figure } from './lib.js';
import { PtyViewer } from './viewer-pty.js';

const rows = (n: number, from = 0): string => {
  let s = '';
  for (let t = from; t < from + n; t++) s += `${Math.sin(t * 0.01).toFixed(6)},${Math.cos(t * 0.013).toFixed(6)}\n`;
  return s;
};

/** `node BIN args` with an endless generated stdin, until it exits: its peak RSS (MiB), exit code and last stderr line. */
function endlessStdin(ctx: BenchContext, args: string[]): Promise<{ rssMiB: number; code: number | null; line: string; seconds: number }> {
  const rssFile = join(ctx.tmp, `rss-endless-${Math.random().toString(36).slice(2)}`);
  writeFileSync(rssFile, '0');
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => { try { writeFileSync(process.env.GS_BENCH_RSS, /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} });`,
  )}`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', hook, join(ctx.root, 'bin', 'gatescope.js'), ...args], {
      cwd: ctx.root,
      env: { ...process.env, GS_BENCH_RSS: rssFile },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let t = 0;
    let open = true;
    const pump = (): void => {
      while (open) {
        const chunk = rows(2000, t);
        t += 2000;
        if (!child.stdin.write(chunk)) {
          child.stdin.once('drain', pump);
          return;
        }
      }
    };
    child.stdin.on('error', () => (open = false)); // EPIPE once it has refused the input
    pump();
    child.on('error', reject);
    child.on('close', (code) => {
      open = false;
      resolve({
        rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024,
        code,
        line: stderr.trim().split('\n').at(-1) ?? '',
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
}

async function viewerOnEndlessPipe(ctx: BenchContext, seconds: number): Promise<Figure[]> {
  const mods = loadPty();
  if ('reason' in mods) return [{ name: 'viewer on an endless pipe', value: null, unit: 'MiB', note: mods.reason }];
  const fifo = join(ctx.tmp, `endless-${process.pid}.csv`);
  execFileSync('mkfifo', [fifo]);
  const v = new PtyViewer(mods, [join(ctx.root, 'bin', 'gatescope.js'), fifo, '--input-format', 'csv', '--hidden-size', '8'], { cols: 120, rows: 40, cwd: ctx.root });
  const out = createWriteStream(fifo);
  let open = true;
  let t = 0;
  out.on('error', () => (open = false));
  const pump = (): void => {
    while (open) {
      const chunk = rows(2000, t);
      t += 2000;
      if (!out.write(chunk)) {
        out.once('drain', pump);
        return;
      }
    }
  };
  pump();
  const samples: [number, number | null][] = [];
  for (const at of [10, 30, seconds, seconds + 30]) {
    await new Promise((r) => setTimeout(r, (at - (samples.at(-1)?.[0] ?? 0)) * 1000));
    samples.push([at, v.peakRssMiB()]);
  }
  const steps = t;
  open = false;
  out.destroy();
  await v.quit();
  return samples.map(([at, rss]) => ({
    name: `viewer, endless pipe: peak RSS after ${at} s`,
    value: rss,
    unit: 'MiB',
    ...(at === seconds + 30 ? { note: `${(steps / 1e6).toFixed(1)}M steps sent by then; the history holds 256 MiB` } : {}),
  }));
}

export const boundsSection: BenchSection = {
  name: 'memory bounds: peak RSS (one run each)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    const long = join(ctx.tmp, 'bounds-300k.csv');
    writeFileSync(long, rows(300_000)); // 6.9 MB
    const just = join(ctx.tmp, 'bounds-15k.csv');
    writeFileSync(just, rows(15_000));
    const bin = join(ctx.root, 'bin', 'gatescope.js');

    ctx.log('memory on a 6.9 MB CSV, H=256');
    const m = await runNode([bin, 'memory', long, '--hidden-size', '256'], { cwd: ctx.root, tmp: ctx.tmp });
    figures.push({ name: 'memory, 300k-line CSV, H=256', value: m.maxRssMiB, unit: 'MiB', note: `exit ${m.code}: refused at --max-memory 1G (was 2.9 GiB)` });

    ctx.log('memory on an endless pipe, H=256');
    const e = await endlessStdin(ctx, ['memory', '-', '--input-format', 'csv', '--hidden-size', '256']);
    figures.push({ name: 'memory, endless pipe, H=256', value: e.rssMiB, unit: 'MiB', note: `exit ${e.code} after ${e.seconds.toFixed(1)} s (was 1.1 GiB in 14 s)` });

    ctx.log('run --bidirectional, 150k steps, H=256');
    const b = await runNode([bin, 'run', long, '--bidirectional', '--hidden-size', '256'], { cwd: ctx.root, tmp: ctx.tmp });
    figures.push({ name: 'run --bidirectional, 300k steps, H=256', value: b.maxRssMiB, unit: 'MiB', note: `exit ${b.code}: refused at --max-memory 1G (was 3.9 GiB at 150k)` });

    ctx.log('run --bidirectional, 15k steps, H=256 (just under the budget)');
    const j = await runNode([bin, 'run', just, '--bidirectional', '--hidden-size', '256'], { cwd: ctx.root, tmp: ctx.tmp });
    figures.push({ name: 'run --bidirectional, 15k steps, H=256', value: j.maxRssMiB, unit: 'MiB', note: `exit ${j.code}: the most the 1 GiB budget holds` });

    ctx.log('viewer on an endless fast pipe, 60 s');
    figures.push(...(await viewerOnEndlessPipe(ctx, 60)));
    return figures;
  },
};
