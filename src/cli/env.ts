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
  /** Process-level hooks (signals); absent in tests that run commands in-process. */
  readonly process?: NodeJS.Process;
}

export function processEnv(): CliEnv {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    process,
  };
}
