/**
 * One process of the viewer's frame figures (bench/viewer.ts runs it with NODE_ENV=production, as
 * the viewer runs): the bundled viewer (dist/bundle, what users run) on fake terminal streams of
 * COLS x ROWS, an LSTM with H units over 500 steps, → pressed N times. For each press: Ink's render
 * time (its onRender: from the state change to the frame written), the bytes written for it, and
 * the time from the key reaching the viewer to the frame written. Prints them as JSON.
 *
 *   node viewer-frames.mjs H COLS ROWS N
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { randomNetwork } from '../src/engine/index.js';
import { TraceStore } from '../src/trace/trace-store.js';
import type { startViewer as StartViewer } from '../src/ui/run-viewer.js';
import { series } from './lib.js';

const [H, COLS, ROWS, N] = process.argv.slice(2).map(Number) as [number, number, number, number];
const D = 16;
const T = 500;
const root = process.env['GATESCOPE_ROOT'] ?? process.cwd();

class Screen extends Writable {
  readonly isTTY = true;
  readonly columns = COLS;
  readonly rows = ROWS;
  bytes = 0;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    cb();
  }
}

class Keys extends PassThrough {
  readonly isTTY = true;
  isRaw = false;
  setRawMode(on: boolean): this {
    this.isRaw = on;
    return this;
  }
  // a TTY stream's handle, which Ink refs while it reads keys
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = join(root, 'dist', 'bundle');
  // the chunk the current bundle loads (earlier builds' chunks may still be beside it)
  const chunk = /run-viewer-\w+\.js/.exec(readFileSync(join(dir, 'gatescope.js'), 'utf8'))?.[0];
  if (chunk === undefined) throw new Error('no viewer chunk in dist/bundle: run npm run build');
  const { startViewer } = (await import(pathToFileURL(join(dir, chunk)).href)) as { startViewer: typeof StartViewer };

  const net = randomNetwork({ kind: 'lstm', inputSize: D, hiddenSize: H, seed: 1 });
  const store = new TraceStore(net, { source: 'bench' });
  const xs = series(T, D, 5);
  for (let t = 0; t < T; t++) store.append(xs.subarray(t * D, (t + 1) * D), `t${t}`);
  store.finish();

  const stdout = new Screen();
  const keys = new Keys();
  const stderr = new Screen();
  let frames = 0;
  let lastRender = 0;
  let frameAt = 0;
  const viewer = startViewer(
    { stdout: stdout as unknown as NodeJS.WriteStream, keys: keys as unknown as NodeJS.ReadStream, stderr: stderr as unknown as NodeJS.WriteStream },
    {
      store,
      colorLevel: 3,
      patchConsole: false,
      onFrame: (ms) => {
        frames++;
        lastRender = ms;
        frameAt = performance.now();
      },
    },
  );
  const waitFrame = async (n: number): Promise<void> => {
    const start = performance.now();
    while (frames < n) {
      if (performance.now() - start > 10000) throw new Error('no frame within 10 s');
      await sleep(1);
    }
  };
  await waitFrame(1);
  await sleep(200);
  const renderMs: number[] = [];
  const bytes: number[] = [];
  const keyMs: number[] = [];
  for (let i = 0; i < N; i++) {
    const before = stdout.bytes;
    const seen = frames;
    const t0 = performance.now();
    keys.write('\u001b[C');
    await waitFrame(seen + 1);
    keyMs.push(frameAt - t0);
    renderMs.push(lastRender);
    // Ink's throttle (60 fps for keys) lets the next press render at once
    await sleep(40);
    bytes.push(stdout.bytes - before);
  }
  viewer.stop();
  await viewer.done.catch(() => undefined);
  process.stdout.write(`${JSON.stringify({ renderMs, bytes, keyMs })}\n`);
  process.exit(0);
}

await main();
