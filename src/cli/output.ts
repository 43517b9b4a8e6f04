/**
 * Where a command's text goes: stdout (with backpressure, and a quiet stop when the reader goes
 * away, as in `gatescope run x.csv | head -1`) or a file written atomically: a temporary file in
 * the same folder, renamed over the target only once everything was written, so a failure never
 * leaves a truncated file where the user expects a good one.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliEnv } from './env.js';
import { isBrokenPipe } from './errors.js';

export interface Sink {
  /** Writes text; resolves when the stream can take more. Throws on a write error other than EPIPE. */
  write(text: string): Promise<void>;
  /** True once the reader has gone away (EPIPE): stop producing and exit quietly. */
  readonly closed: boolean;
  /** Flushes and, for a file, renames it into place. */
  finish(): Promise<void>;
  /** Drops a partial file. */
  abort(): Promise<void>;
}

function streamSink(stream: NodeJS.WritableStream, onFinish: () => Promise<void>, onAbort: () => Promise<void>): Sink {
  let closed = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const onError = (err: unknown): void => {
    if (isBrokenPipe(err)) closed = true;
    else failure = err;
    wake?.();
  };
  stream.on('error', onError);
  const waitDrain = (): Promise<void> =>
    new Promise((res) => {
      const done = (): void => {
        stream.off('drain', done);
        wake = null;
        res();
      };
      wake = done;
      stream.on('drain', done);
    });
  return {
    get closed() {
      return closed;
    },
    async write(text) {
      if (failure !== null) throw failure;
      if (closed) return;
      if (!stream.write(text)) await waitDrain();
      if (failure !== null) throw failure;
    },
    async finish() {
      if (failure !== null) throw failure;
      await onFinish();
      if (failure !== null) throw failure;
    },
    abort: onAbort,
  };
}

export function stdoutSink(env: CliEnv): Sink {
  return streamSink(
    env.stdout,
    async () => {},
    async () => {},
  );
}

/** A file sink writing to `path.<pid>.tmp` beside the target, renamed into place on finish. */
export function fileSink(path: string, env: CliEnv): Sink {
  const target = resolve(env.cwd, path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const stream: WriteStream = createWriteStream(temp, { flags: 'wx' });
  const opened = new Promise<void>((res, rej) => {
    stream.once('open', () => res());
    stream.once('error', rej);
  });
  opened.catch(() => {}); // observed by write/finish; abort must not turn it into an unhandled rejection
  const sink = streamSink(
    stream,
    async () => {
      await opened;
      await new Promise<void>((res, rej) => {
        stream.once('error', rej);
        stream.end(() => res());
      });
      await rename(temp, target);
    },
    async () => {
      stream.destroy();
      await unlink(temp).catch(() => {});
    },
  );
  return {
    get closed() {
      return sink.closed;
    },
    async write(text) {
      await opened;
      await sink.write(text);
    },
    finish: sink.finish,
    abort: sink.abort,
  };
}
