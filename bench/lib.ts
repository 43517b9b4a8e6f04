/**
 * Shared pieces of the benchmark: timing, medians, child processes with their peak memory, test
 * data, and the section registry that run.ts walks. A new measurement (frame build, keypress
 * latency, cold start, 1M-step RSS, ...) is one more BenchSection in sections.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One figure: a number in `unit`, or null when it could not be measured (with a note why). */
export interface Figure {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly note?: string;
}

export interface BenchContext {
  /** Repetitions per figure (medians are reported). */
  readonly reps: number;
  /** Scratch folder for generated inputs. */
  readonly tmp: string;
  /** Repository root. */
  readonly root: string;
  /** Prints a progress line (stderr). */
  log(line: string): void;
}

/** A group of figures; `run` returns them in print order. */
export interface BenchSection {
  readonly name: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time (ms) of `reps` calls of fn, after one warm-up call. */
export async function timeMs(reps: number, fn: () => unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Median wall times (ms) of several functions measured in turns (a, b, c, a, b, c, ...), so that
 * a noisy neighbour on the machine slows every contestant alike rather than whichever ran then.
 * A null entry is skipped (null result).
 */
export async function timeTurns(reps: number, fns: readonly ((() => unknown) | null)[]): Promise<(number | null)[]> {
  for (const fn of fns) if (fn !== null) await fn();
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i];
      if (fn === null || fn === undefined) continue;
      const t0 = performance.now();
      await fn();
      times[i]!.push(performance.now() - t0);
    }
  }
  return times.map((t, i) => (fns[i] === null ? null : median(t)));
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatescope-bench-'));
}

/** A deterministic (T, D) float32 series: smooth waves with a little of everything. */
export function series(T: number, D: number, seed = 1): Float32Array {
  const xs = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < D; j++) xs[t * D + j] = Math.sin(0.013 * t * (j + 1) + seed * (j + 2)) + 0.3 * Math.cos(0.7 * t + j);
  }
  return xs;
}

/** `xs` (T, D) as a little-endian float32 .npy file. */
export function writeNpy(path: string, xs: Float32Array, T: number, D: number): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${T}, ${D}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(xs.buffer, xs.byteOffset, xs.byteLength)]));
}

export interface ProcessRun {
  /** Wall time from spawn to exit, ms. */
  readonly wallMs: number;
  /** Peak resident set of the child, MiB (VmHWM at exit, where /proc has it). */
  readonly maxRssMiB: number;
  readonly code: number | null;
  readonly stderr: string;
}

// Preloaded into the child: writes its peak RSS (KiB) where GS_BENCH_RSS says, at exit. Linux's
// VmHWM belongs to the process's own address space; getrusage's maxRSS would not do, as Linux
// carries it over from the parent through fork and exec (the bench itself is large).
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  let kib = process.resourceUsage().maxRSS;
  try { kib = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch {}
  writeFileSync(process.env.GS_BENCH_RSS, String(kib));
});`,
)}`;

/** Runs `node <args>` to completion, measuring its wall time and peak memory. */
export function runNode(args: readonly string[], opts: { cwd: string; tmp: string }): Promise<ProcessRun> {
  const rssFile = join(opts.tmp, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(rssFile, '0');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, GS_BENCH_RSS: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      resolve({ wallMs, maxRssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, code, stderr });
    });
  });
}

/** The vector extensions this CPU reports (Linux /proc/cpuinfo), among those that set what ORT or a C build can use; null elsewhere. */
export function cpuFlags(): string[] | null {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.startsWith('flags'));
  if (line === undefined) return null;
  const have = new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/));
  return ['sse4_2', 'avx', 'fma', 'avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'amx_tile'].filter((f) => have.has(f));
}
