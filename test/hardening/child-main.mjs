// A child process that runs the built CLI like bin/gatescope.js does, then reports what the tests
// need and a plain exit cannot carry: its peak resident memory (VmHWM) and, when it generated its
// own stdin, the heap after garbage collection at two points of the stream. The report goes to
// file descriptor 3 as one JSON line.
//
//   GATESCOPE_GEN=csv:200000   stdin is a generated series of that many lines (csv or ndjson)
//   GATESCOPE_GEN=line:0       stdin is one endless line with no newline (counts bytes pulled)
//   run with --expose-gc for the heap samples
import { readFileSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';

const root = new URL('../../', import.meta.url);
const { main } = await import(new URL('dist/cli/main.js', root).href);
const { processEnv } = await import(new URL('dist/cli/env.js', root).href);

const report = { heap: [], pulled: 0 };
const gc = globalThis.gc;
function sampleHeap() {
  if (gc) gc();
  report.heap.push(process.memoryUsage().heapUsed);
}

function* series(kind, n) {
  const sampleAt = new Set([Math.floor(n / 10), n - 1]);
  let batch = '';
  for (let t = 0; t < n; t++) {
    const a = Math.sin(t * 0.01).toFixed(6);
    const b = Math.cos(t * 0.013).toFixed(6);
    batch += kind === 'ndjson' ? `{"a":${a},"b":${b}}\n` : `${a},${b}\n`;
    if (sampleAt.has(t)) sampleHeap();
    if (batch.length > 16384 || t === n - 1) {
      yield batch;
      batch = '';
    }
  }
}

function* endlessLine() {
  const chunk = Buffer.alloc(1 << 16, 0x31); // '1' forever, never a newline
  for (;;) {
    report.pulled += chunk.length;
    yield chunk;
  }
}

const env = processEnv();
const gen = process.env.GATESCOPE_GEN;
if (gen !== undefined) {
  const [kind, count] = gen.split(':');
  const source = kind === 'line' ? endlessLine() : series(kind, Number(count));
  env.stdin = Readable.from(source, { objectMode: false });
  env.stdinHasData = true;
}
const code = await main(process.argv.slice(2), env);
const status = readFileSync('/proc/self/status', 'utf8');
report.peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
try {
  writeSync(3, `${JSON.stringify(report)}\n`);
} catch {
  // no fd 3: run by hand
}
process.exitCode = code;
