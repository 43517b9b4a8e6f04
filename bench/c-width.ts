/**
 * What the instruction width is worth on this CPU: the fast engine's whole-sequence LSTM written
 * in C (bench/c/lstm-width.c, the same algorithm and layout as kernels.wat) with 128-bit vectors
 * (WebAssembly SIMD's width), 256-bit (AVX2) and 512-bit (AVX-512), against the fast engine and
 * ONNX Runtime in the same turns. Needs gcc (`gcc -O3 -march=native`); the section says so and
 * skips otherwise. A measurement only: the product never builds or runs C.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchNetwork, fastWhole, lengths, SIZES } from './engine.js';
import { median, series, type BenchContext, type BenchSection, type Figure } from './lib.js';
import { inputTensor, loadOrt, ortRun, ortSession } from './ort.js';

const D = 16;
const WIDTHS = [4, 8, 16] as const;

/** Compiles one binary per vector width; null (and why) when gcc is missing or fails. */
function compile(ctx: BenchContext): Map<number, string> | string {
  const source = join(ctx.root, 'bench', 'c', 'lstm-width.c');
  const out = new Map<number, string>();
  for (const vw of WIDTHS) {
    const bin = join(ctx.tmp, `lstm-width-${vw * 32}`);
    const res = spawnSync('gcc', ['-O3', '-march=native', `-DVW=${vw}`, '-o', bin, source, '-lm'], { encoding: 'utf8' });
    if (res.error !== undefined) return `gcc not found (${res.error.message})`;
    if (res.status !== 0) return `gcc failed: ${res.stderr.split('\n')[0]}`;
    out.set(vw, bin);
  }
  return out;
}

/** One run of a binary: its best us/step over `reps` passes. */
function runC(bin: string, H: number, T: number, reps: number): number {
  const text = execFileSync(bin, [String(H), String(D), String(T), String(reps)], { encoding: 'utf8' });
  return Number(text.trim().split(/\s+/)[1]);
}

export const cWidthSection: BenchSection = {
  name: 'instruction width: the fast engine LSTM in C at 128/256/512 bits (D=16, batch 1, whole sequence)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const bins = compile(ctx);
    if (typeof bins === 'string') return [{ name: 'C prototype', value: null, unit: '', note: bins }];
    const loaded = await loadOrt();
    const ort = 'ort' in loaded ? loaded.ort : null;
    const figures: Figure[] = [];
    for (const H of SIZES) {
      ctx.log(`C prototype H=${H}`);
      const T = lengths(H).whole;
      const net = benchNetwork(H);
      const xs = series(T, D);
      const fast = fastWhole(net, xs, T);
      const session = ort === null ? null : await ortSession(ort, net);
      const x = ort === null ? null : inputTensor(ort, xs, T, D);
      const times = { fast: [] as number[], ort: [] as number[], c: new Map<number, number[]>(WIDTHS.map((w) => [w, []])) };
      fast();
      if (session !== null) await ortRun(session, x!);
      // in turns, as timeTurns does: the machine may be shared
      for (let r = 0; r < ctx.reps * 2; r++) {
        let t0 = performance.now();
        fast();
        times.fast.push(((performance.now() - t0) * 1000) / T);
        if (session !== null) {
          t0 = performance.now();
          await ortRun(session, x!);
          times.ort.push(((performance.now() - t0) * 1000) / T);
        }
        for (const vw of WIDTHS) times.c.get(vw)!.push(runC(bins.get(vw)!, H, T, 2));
      }
      const f = median(times.fast);
      const o = times.ort.length > 0 ? median(times.ort) : null;
      const c = new Map(WIDTHS.map((w) => [w, median(times.c.get(w)!)]));
      const c128 = c.get(4)!;
      for (const vw of WIDTHS) {
        const v = c.get(vw)!;
        figures.push({ name: `H=${H} C, ${vw * 32}-bit vectors`, value: v, unit: 'us/step', note: `${(c128 / v).toFixed(2)}x the 128-bit C${o === null ? '' : `, ${(v / o).toFixed(2)}x ORT`}` });
      }
      figures.push(
        { name: `H=${H} fast engine (WebAssembly, 128-bit)`, value: f, unit: 'us/step', note: `${(f / c128).toFixed(2)}x the 128-bit C` },
        { name: `H=${H} ONNX Runtime`, value: o, unit: 'us/step', note: o === null ? 'not loaded' : `fast / ORT ${(f / o).toFixed(2)}x` },
      );
    }
    return figures;
  },
};
