import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { randomNetwork } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { ENTER_SCREEN, RESTORE_SCREEN, startViewer } from '../../src/ui/run-viewer.js';

class FakeOut extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  text = '';
  write(s: string, cb?: () => void): boolean {
    this.text += s;
    if (typeof cb === 'function') cb();
    return true;
  }
}

class FakeKeys extends EventEmitter {
  isTTY = true;
  raw: boolean[] = [];
  setRawMode(on: boolean): void {
    this.raw.push(on);
  }
  setEncoding(): void {}
  ref(): void {}
  unref(): void {}
  resume(): void {}
  pause(): void {}
  read(): null {
    return null;
  }
}

function store(): TraceStore {
  const s = new TraceStore(randomNetwork({ kind: 'gru', inputSize: 1, hiddenSize: 3 }), { source: 'm' });
  s.append([1], 'a');
  s.finish();
  return s;
}

function streams() {
  const stdout = new FakeOut();
  const keys = new FakeKeys();
  return { stdout, keys, handles: { stdout: stdout as unknown as NodeJS.WriteStream, keys: keys as unknown as NodeJS.ReadStream, stderr: stdout as unknown as NodeJS.WriteStream } };
}

describe('startViewer', () => {
  it('enters the alternate screen and restores the terminal when stopped', async () => {
    const { stdout, keys, handles } = streams();
    const viewer = startViewer(handles, { store: store(), colorLevel: 0, patchConsole: false });
    expect(stdout.text.startsWith(ENTER_SCREEN)).toBe(true);
    viewer.stop();
    await viewer.done;
    expect(stdout.text.endsWith(RESTORE_SCREEN)).toBe(true);
    expect(keys.raw.at(-1)).toBe(false);
  });

  it('restores the terminal when the app crashes, and reports the error', async () => {
    const { stdout, keys, handles } = streams();
    const broken = store();
    broken.label = () => {
      throw new Error('boom');
    };
    const viewer = startViewer(handles, { store: broken, colorLevel: 0, patchConsole: false });
    await expect(viewer.done).rejects.toThrow('boom');
    expect(stdout.text.lastIndexOf(RESTORE_SCREEN)).toBeGreaterThan(stdout.text.lastIndexOf(ENTER_SCREEN));
    expect(keys.raw.at(-1) ?? false).toBe(false);
  });
});
