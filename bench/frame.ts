/**
 * Frame composition with the viewer's own composers (src/ui), through renderSnapshot: the static
 * view of one step, every unit shown, no colour. It is the text half of a frame; the live view's
 * cost through Ink (colour, diffing, the terminal) is for a pty measurement to add (sections.ts).
 */
import { randomNetwork } from '../src/engine/index.js';
import { ingest, type TraceRecord } from '../src/trace/ingest.js';
import { TraceStore } from '../src/trace/trace-store.js';
import { renderSnapshot } from '../src/ui/snapshot.js';
import { series, timeMs, type BenchContext, type BenchSection, type Figure } from './lib.js';

const D = 16;
const T = 500;

async function storeFor(H: number): Promise<TraceStore> {
  const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
  const store = new TraceStore(net, { source: 'bench' });
  const xs = series(T, D, 5);
  async function* records(): AsyncGenerator<TraceRecord> {
    for (let t = 0; t < T; t++) yield { values: Float64Array.from(xs.subarray(t * D, (t + 1) * D)), label: String(t), line: t + 1 };
  }
  await ingest(store, records());
  return store;
}

export const frameSection: BenchSection = {
  name: 'frame composition (renderSnapshot, 200 columns, every unit)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const figures: Figure[] = [];
    for (const H of [64, 512]) {
      ctx.log(`frame H=${H}`);
      const store = await storeFor(H);
      let step = 0;
      let bytes = 0;
      const ms = await timeMs(Math.max(20, ctx.reps * 4), () => {
        const text = renderSnapshot(store, { cols: 200, step: step++ % T });
        bytes = Buffer.byteLength(text);
      });
      figures.push({ name: `H=${H} frame build`, value: ms, unit: 'ms', note: `${bytes} bytes, ${(bytes / 1024).toFixed(0)} KiB` });
    }
    return figures;
  },
};
