/**
 * output.ts in-process: a stdout whose writes fail after they returned (a full disk behind a
 * redirection) still turns into an exit code, and guardStdio (for main.ts) keeps a dead stderr
 * from crashing the process.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliEnv } from '../../src/cli/env.js';
import { main } from '../../src/cli/main.js';
import { guardStdio, stdoutSink } from '../../src/cli/output.js';
import { scratch } from './harness.js';

const { file } = scratch('output');

/** A stream that accepts every write and fails it on the next tick, as a file on a full disk does. */
function fullDisk(): Writable {
  return new Writable({
    write(_chunk, _enc, cb) {
      setImmediate(() => cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 })));
    },
  });
}

function env(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream = new PassThrough()): CliEnv {
  const stdin = new PassThrough();
  stdin.end();
  return { stdin, stdout, stderr, env: {}, cwd: process.cwd() };
}

describe('stdout that fails after the write returned', () => {
  it('makes run exit 1 with one line naming <stdout>', async () => {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await main(['run', file('x.csv', '1,2\n'), '--hidden-size', '1'], env(fullDisk(), stderr));
    expect(code).toBe(1);
    expect(err).toBe('gatescope: <stdout>: no space left on device\n');
  });

  it('is reported by finish() even when every write returned', async () => {
    const sink = stdoutSink(env(fullDisk()));
    await sink.write('{"t":0}\n');
    await expect(sink.finish()).rejects.toMatchObject({ code: 'ENOSPC', path: '<stdout>' });
  });
});

describe('guardStdio', () => {
  it('swallows errors on stderr and EPIPE on stdout, records any other stdout error', () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const guard = guardStdio(env(out, err));
    err.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE', syscall: 'write' }));
    out.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE', syscall: 'write' }));
    expect(guard.failure()).toBeNull();
    out.emit('error', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'write' }));
    expect(guard.failure()).toMatchObject({ code: 'ENOSPC', path: '<stdout>' });
    guard.dispose();
    expect(out.listenerCount('error')).toBe(0);
    expect(err.listenerCount('error')).toBe(0);
  });
});
