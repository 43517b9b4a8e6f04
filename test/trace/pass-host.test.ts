import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, STATE_NAMES } from '../../src/engine/index.js';
import { kernelVariant } from '../../src/engine/fast/index.js';
import { npyRows } from '../../src/io/npy-rows.js';
import { startPass } from '../../src/trace/pass-host.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { requireBuilt } from '../helpers/build.js';
import { f32, npyBytes } from '../io/npy-bytes.js';

// The worker runs compiled code: `npm test` builds dist/ first (pretest); without it these tests fail.
const WORKER = new URL('../../dist/trace/pass-worker.js', import.meta.url);

/** An .npy in memory a worker can share. */
function sharedNpy(T: number, D: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const bytes = npyBytes('<f4', [T, D], f32(Array.from({ length: T * D }, () => rng.uniform(-2, 2))));
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

function storeOver(bytes: Uint8Array, bidirectional = false): TraceStore {
  const rows = npyRows(bytes, 'big.npy');
  const net = randomNetwork({ kind: 'lstm', inputSize: 3, hiddenSize: 6, numLayers: 2, bidirectional, seed: 8 });
  return new TraceStore(net, { source: 'big.npy', rows, chunkSteps: 16, featureNames: rows.featureNames });
}

/** Every state of every step, from a store filled some other way, for comparison. */
function snapshot(store: TraceStore): number[] {
  const out: number[] = [];
  const dirs = store.network.directions.length;
  for (let t = 0; t < store.length; t++) {
    for (let k = 0; k < store.network.numLayers; k++) for (let d = 0; d < dirs; d++) for (const s of STATE_NAMES.lstm) out.push(...store.state(s, k, d, t));
  }
  return out;
}

function inThread(bytes: Uint8Array, bidirectional = false): TraceStore {
  const store = storeOver(bytes, bidirectional);
  const pass = store.sourcePass();
  while (pass.next());
  store.receivePass(pass.update());
  return store;
}

describe('startPass', () => {
  it('fills the store from a worker thread, the first block before it starts, exactly as in-thread', async () => {
    requireBuilt('dist/trace/pass-worker.js');
    const bytes = sharedNpy(300, 3, 1);
    const store = storeOver(bytes);
    const handle = startPass(store, { kind: 'npy', bytes, source: 'big.npy', options: {} }, { workerUrl: WORKER, kernelVariant: kernelVariant() });
    // the first block is there at once, on this thread
    expect(store.length).toBe(16);
    expect(handle.mode()).toBe('worker');
    await handle.done;
    expect(store.status).toBe('done');
    expect(store.length).toBe(300);
    expect(snapshot(store)).toEqual(snapshot(inThread(bytes)));
    expect(store.range('c', 1, 0)).toEqual(inThread(bytes).range('c', 1, 0));
  });

  it('runs a bidirectional network in the worker', async () => {
    requireBuilt('dist/trace/pass-worker.js');
    const bytes = sharedNpy(100, 3, 2);
    const store = storeOver(bytes, true);
    const handle = startPass(store, { kind: 'npy', bytes, source: 'big.npy', options: {} }, { workerUrl: WORKER, kernelVariant: kernelVariant() });
    expect(store.length).toBe(0);
    await handle.done;
    expect(store.length).toBe(100);
    expect(snapshot(store)).toEqual(snapshot(inThread(bytes, true)));
  });

  it('goes on in slices on this thread when the worker fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatescope-pass-'));
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, "throw new Error('no worker today');\n");
    const bytes = sharedNpy(200, 3, 3);
    const store = storeOver(bytes);
    const why: string[] = [];
    const handle = startPass(store, { kind: 'npy', bytes, source: 'big.npy', options: {} }, { workerUrl: pathToFileURL(broken), onWorkerFailed: (m) => why.push(m) });
    await handle.done;
    expect(why.join()).toMatch(/no worker today/);
    expect(handle.mode()).toBe('done');
    expect(store.length).toBe(200);
    expect(snapshot(store)).toEqual(snapshot(inThread(bytes)));
  });

  it('runs in slices on this thread when asked, letting other work in between', async () => {
    const bytes = sharedNpy(400, 3, 4);
    const store = storeOver(bytes);
    let between = 0;
    const tick = setInterval(() => between++, 0);
    const handle = startPass(store, { kind: 'npy', bytes, source: 'big.npy', options: {} }, { inThread: true, sliceMs: 0 });
    expect(handle.mode()).toBe('thread');
    await handle.done;
    clearInterval(tick);
    expect(store.length).toBe(400);
    expect(between).toBeGreaterThan(0);
  });

  it('stops when asked', async () => {
    const bytes = sharedNpy(400, 3, 5);
    const store = storeOver(bytes);
    const handle = startPass(store, { kind: 'npy', bytes, source: 'big.npy', options: {} }, { inThread: true, sliceMs: 0 });
    handle.stop();
    await handle.done;
    await new Promise((r) => setTimeout(r, 20));
    expect(store.length).toBe(16);
    expect(store.status).toBe('reading');
  });
});
