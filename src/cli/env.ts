import { fstatSync } from 'node:fs';

/**
 * The process environment, injected at the edge so tests can pin it. Only src/cli reads argv,
 * environment variables, process streams and TTY state; everything below receives values.
 */

export interface CliInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
}

export interface CliOutput extends NodeJS.WritableStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

export interface CliEnv {
  readonly stdin: CliInput;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Environment variables (NO_COLOR, FORCE_COLOR, TERM, COLORTERM, GATESCOPE_DEBUG, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * Whether stdin carries data: a pipe, a redirected file or a socket. False for a terminal and
   * for /dev/null (cron, CI), so a bare `gatescope` there opens the demo instead of an empty
   * input. When absent (tests with fake streams), anything but a TTY counts as data.
   */
  readonly stdinHasData?: boolean;
  /** Process-level hooks (signals); absent in tests that run commands in-process. */
  readonly process?: NodeJS.Process;
}

/** See CliEnv.stdinHasData. */
export function stdinHasData(env: CliEnv): boolean {
  return env.stdinHasData ?? env.stdin.isTTY !== true;
}

function probeStdin(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile() || st.isSocket();
  } catch {
    return false; // closed stdin
  }
}

export function processEnv(): CliEnv {
  return {
    stdinHasData: probeStdin(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    process,
  };
}
