/**
 * Where a command's text goes: stdout (with backpressure, and a quiet stop when the reader goes
 * away, as in `gatescope run x.csv | head -1`) or a file written atomically: a temporary file in
 * the same folder, renamed over the target only once everything was written, so a failure never
 * leaves a truncated file where the user expects a good one.
 *
 * What `-o PATH` does, by what PATH is:
 *   missing or a regular file   temp file beside it, then rename (keeps an existing file's mode)
 *   a symlink                   the same, at the file the link points to: the link stays a link
 *                               (a dangling link: the file it names is created in place)
 *   a device, FIFO or socket    written in place (`-o /dev/stdout`, `-o /dev/null`, a named pipe):
 *                               renaming over it would replace /dev/null with a plain file
 *   a directory                 an error naming it
 * Every error names PATH as the user wrote it, never the temporary file.
 *
 * Nothing is renamed until the file is known to be whole: every write error, including one that
 * arrives only when the last buffered chunk is flushed at end() or at the fsync before close (a
 * full disk, a quota), fails the sink and leaves the old file as it was. The temporary file is
 * `.NAME.gatescope-PID-TIME.tmp`; one left by a process that was killed outright (SIGKILL, a power
 * cut) is removed the next time gatescope writes into that folder, once its PID is gone.
 */
import { createWriteStream, lstatSync, readdirSync, realpathSync, unlinkSync, type Stats, type WriteStream } from 'node:fs';
import { chmod, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliEnv } from './env.js';
import { isBrokenPipe, withPath } from './errors.js';

export interface Sink {
  /** Writes text or bytes; resolves when the stream can take more. Throws on a write error other than EPIPE. */
  write(data: string | Uint8Array): Promise<void>;
  /** True once the reader has gone away (EPIPE): stop producing and exit quietly. */
  readonly closed: boolean;
  /** Flushes and, for a file, renames it into place. */
  finish(): Promise<void>;
  /** Drops a partial file. */
  abort(): Promise<void>;
}

function streamSink(stream: NodeJS.WritableStream, name: string, onFinish: () => Promise<void>, onAbort: () => Promise<void>): Sink {
  let closed = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const onError = (err: unknown): void => {
    if (isBrokenPipe(err)) closed = true;
    else if (failure === null) failure = withPath(err, name);
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
    async write(data) {
      if (failure !== null) throw failure;
      if (closed) return;
      if (!stream.write(data)) await waitDrain();
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

/**
 * Resolves once everything written so far has been handed to the OS (or failed): a write error on
 * stdout (a full disk under `> out.ndjson`) arrives after write() returned, and must still turn
 * into an exit code rather than a silent success.
 */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  const w = stream as NodeJS.WritableStream & { writableEnded?: boolean; destroyed?: boolean };
  if (w.writableEnded === true || w.destroyed === true) return Promise.resolve();
  return new Promise((res) => {
    try {
      stream.write('', () => res());
    } catch {
      res();
    }
  });
}

export function stdoutSink(env: CliEnv): Sink {
  return streamSink(
    env.stdout,
    '<stdout>',
    () => flushed(env.stdout),
    async () => {},
  );
}

/** What `-o PATH` points at, decided before anything is created. */
type Target = { kind: 'atomic'; file: string; mode: number | null } | { kind: 'direct'; file: string };

function targetOf(path: string, env: CliEnv): Target {
  const full = resolve(env.cwd, path);
  let st: Stats;
  try {
    st = lstatSync(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'atomic', file: full, mode: null };
    throw withPath(err, path);
  }
  if (st.isSymbolicLink()) {
    let real: string;
    try {
      real = realpathSync(full);
    } catch (err) {
      // A dangling link: writing through it creates the file it names; there is nothing to protect.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'direct', file: full };
      throw withPath(err, path);
    }
    return targetOf(real, env);
  }
  if (st.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR', syscall: 'open', path });
  }
  if (st.isFile()) return { kind: 'atomic', file: full, mode: st.mode & 0o7777 };
  return { kind: 'direct', file: full };
}

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A file sink: `.name.gatescope-<pid>-<time>.tmp` beside the target, renamed into place on finish (see the
 * table at the top for links and special files). A target that cannot be written (a directory, a
 * missing folder) fails at the first write.
 */
export function fileSink(path: string, env: CliEnv): Sink {
  let target: Target;
  try {
    target = targetOf(path, env);
  } catch (err) {
    // Reported at the first write, where the caller's cleanup (closing the input) runs.
    return failedSink(err);
  }
  const temp = target.kind === 'atomic' ? join(dirname(target.file), tempName(basename(target.file), process.pid, Date.now())) : null;
  if (temp !== null) removeStaleTemps(dirname(temp), process.pid);
  // flush: the data is fsynced before close, so that a file system that reports a full disk only
  // then (NFS, quotas) still fails the write before the rename.
  const stream: WriteStream = createWriteStream(temp ?? target.file, { flags: temp !== null ? 'wx' : 'w', flush: temp !== null });
  // Every error of the stream, whenever it comes: checked once more right before the rename.
  let streamError: unknown = null;
  stream.on('error', (err) => {
    streamError ??= err;
  });
  const closed = new Promise<void>((res) => stream.once('close', () => res()));

  // Killed mid-write (Ctrl-C, SIGTERM, a closed terminal) with nobody else handling the signal: drop
  // the temp file, then die of the same signal as we would have.
  const proc = env.process;
  let cleanup: ((signal: NodeJS.Signals) => void) | null = null;
  const release = (): void => {
    if (cleanup === null || proc === undefined) return;
    for (const sig of CLEANUP_SIGNALS) proc.off(sig, cleanup);
    cleanup = null;
  };
  if (temp !== null && proc !== undefined) {
    const handler = (signal: NodeJS.Signals): void => {
      release();
      try {
        unlinkSync(temp);
      } catch {
        // not created yet, or already gone
      }
      proc.kill(proc.pid, signal);
    };
    if (CLEANUP_SIGNALS.every((sig) => proc.listenerCount(sig) === 0)) {
      cleanup = handler;
      for (const sig of CLEANUP_SIGNALS) proc.once(sig, handler);
    }
  }

  const opened = new Promise<void>((res, rej) => {
    stream.once('open', () => res());
    stream.once('error', (err) => rej(withPath(err, path)));
  });
  opened.catch(() => {}); // observed by write/finish; abort must not turn it into an unhandled rejection
  const sink = streamSink(
    stream,
    path,
    async () => {
      await opened;
      // end() flushes what is still buffered: its errors (ENOSPC on the last chunk) are reported
      // by 'error' and the end callback alike, and the fsync's only by 'error' before 'close'.
      stream.end();
      await closed;
      if (streamError !== null) {
        if (temp !== null) await unlink(temp).catch(() => {});
        release();
        throw withPath(streamError, path);
      }
      if (temp !== null && target.kind === 'atomic') {
        try {
          if (target.mode !== null) await chmod(temp, target.mode);
          await rename(temp, target.file);
        } catch (err) {
          await unlink(temp).catch(() => {});
          throw withPath(err, path);
        } finally {
          release();
        }
      }
    },
    async () => {
      release();
      stream.destroy();
      if (temp !== null) await unlink(temp).catch(() => {});
    },
  );
  return {
    get closed() {
      return sink.closed;
    },
    async write(data) {
      await opened;
      await sink.write(data);
    },
    finish: sink.finish,
    abort: sink.abort,
  };
}

/** The temporary file's name; cut so that the suffix cannot push a long (but legal) name past NAME_MAX. */
function tempName(base: string, pid: number, time: number): string {
  return `.${base.slice(0, 200)}.gatescope-${pid}-${time}.tmp`;
}

const TEMP_NAME = /^\..*\.gatescope-(\d+)-\d+\.tmp$/;

/** True unless no process has this PID (kill(pid, 0) fails with ESRCH). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the temporary files of writers that died without cleaning up (SIGKILL cannot be caught):
 * only names of our own pattern, only when their PID no longer runs. Best effort: a folder that
 * cannot be listed is the write's own error to report.
 */
function removeStaleTemps(folder: string, self: number): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === self || pidAlive(pid)) continue;
    try {
      unlinkSync(join(folder, name));
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function failedSink(err: unknown): Sink {
  return {
    closed: false,
    write: () => Promise.reject(err),
    finish: () => Promise.reject(err),
    abort: async () => {},
  };
}

/** Writes `data` whole to `sink` and finishes it; on a failure aborts it (a file sink keeps the old file) and rethrows. */
export async function writeWhole(sink: Sink, data: string | Uint8Array): Promise<void> {
  try {
    await sink.write(data);
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/** A whole file written atomically (train's weights and vocabulary): the same rules as fileSink. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, env: CliEnv): Promise<void> {
  await writeWhole(fileSink(path, env), data);
}

/** Characters JSON.stringify leaves raw that a terminal may still act on or reorder text by. */
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify, with DEL, the C1 controls (U+009B is CSI to some terminals), the line and
 * paragraph separators and the bidirectional overrides written as \u escapes: the same JSON value,
 * inert on a screen. They can only occur inside strings, where the escape is valid JSON.
 */
export function inertJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Watches the process's own stdout and stderr for errors that arrive after a write returned: a
 * reader of stderr that went away (EPIPE) is not worth a crash, and a failed stdout (a full disk
 * under `--help > file`) must become an exit code. `failure()` is the first stdout error other
 * than EPIPE, named `<stdout>`; call `dispose()` when done.
 */
export function guardStdio(env: CliEnv): { failure(): unknown; dispose(): void } {
  let failure: unknown = null;
  const onStdout = (err: unknown): void => {
    if (!isBrokenPipe(err) && failure === null) failure = withPath(err, '<stdout>');
  };
  // Nowhere left to report a stderr failure: ignore it rather than crash with the wrong code.
  const onStderr = (): void => {};
  env.stdout.on('error', onStdout);
  env.stderr.on('error', onStderr);
  return {
    failure: () => failure,
    dispose() {
      env.stdout.off('error', onStdout);
      env.stderr.off('error', onStderr);
    },
  };
}
