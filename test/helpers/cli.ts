import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliEnv } from '../../src/cli/env.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with fake streams; stdin gets `input` (then ends) when given. */
export async function runCli(
  argv: string[],
  opts: { input?: string | Buffer; cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (opts.input !== undefined) stdin.end(opts.input);
  else stdin.end();
  const env: CliEnv = { stdin, stdout, stderr, env: opts.env ?? {}, cwd: opts.cwd ?? process.cwd() };
  const code = await main(argv, env);
  return { code, stdout: out, stderr: err };
}
