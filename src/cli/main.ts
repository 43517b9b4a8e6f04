/**
 * The command line: parses argv with yargs, runs one command, and turns every failure into one
 * line on stderr and an exit code (see errors.ts). Never prints a stack trace unless
 * GATESCOPE_DEBUG=1.
 *
 * yargs only parses here: command handlers record which command to run, and main awaits it
 * afterwards, so that help, version and usage errors are captured as text and written to the
 * injected streams.
 */
import yargs, { type Argv } from 'yargs';
import * as attributeCmd from './commands/attribute.js';
import * as corpusCmd from './commands/corpus.js';
import * as demoCmd from './commands/demo.js';
import * as initCmd from './commands/init.js';
import * as inspectCmd from './commands/inspect.js';
import * as learnCmd from './commands/learn.js';
import * as memoryCmd from './commands/memory.js';
import * as runCmd from './commands/run.js';
import * as statsCmd from './commands/stats.js';
import * as trackCmd from './commands/track.js';
import * as trainCmd from './commands/train.js';
import * as viewCmd from './commands/view.js';
import type { CliEnv } from './env.js';
import { describeError, EXIT, isBrokenPipe, UsageError } from './errors.js';
import { guardStdio, stdoutSink } from './output.js';
import { visible } from '../io/errors.js';

export const VERSION = '0.1.0';

type Pending = () => Promise<number>;

/** One entry per command module: registration stays one line each. */
function commands(env: CliEnv, choose: (run: Pending) => void): ((y: Argv) => Argv)[] {
  return [
    (y) => y.command(runCmd.command, runCmd.describe, runCmd.builder, (a) => choose(() => runCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(initCmd.command, initCmd.describe, initCmd.builder, (a) => choose(() => initCmd.handler(withRest(a, ''), env))),
    (y) => y.command(inspectCmd.command, inspectCmd.describe, inspectCmd.builder, (a) => choose(() => inspectCmd.handler(withRest(a, 'weights'), env))),
    (y) => y.command(trainCmd.command, trainCmd.describe, trainCmd.builder, (a) => choose(() => trainCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(statsCmd.command, statsCmd.describe, statsCmd.builder, (a) => choose(() => statsCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(memoryCmd.command, memoryCmd.describe, memoryCmd.builder, (a) => choose(() => memoryCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(attributeCmd.command, attributeCmd.describe, attributeCmd.builder, (a) => choose(() => attributeCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(corpusCmd.command, corpusCmd.describe, corpusCmd.builder, (a) => choose(() => corpusCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(trackCmd.command, trackCmd.describe, trackCmd.builder, (a) => choose(() => trackCmd.handler(withRest(a, 'input'), env))),
    (y) => y.command(learnCmd.command, learnCmd.describe, learnCmd.builder, (a) => choose(() => learnCmd.handler(a, env))),
    (y) => y.command(demoCmd.command, demoCmd.describe, demoCmd.builder, (a) => choose(() => demoCmd.handler(withRest(a, 'name'), env))),
    (y) => y.command(viewCmd.command, viewCmd.describe, viewCmd.builder, (a) => choose(() => viewCmd.handler(withRest(a, 'input'), env))),
  ];
}

/**
 * Words after `--` name the command's one input (a file whose name starts with `-`:
 * `gatescope run -- -odd.csv`); anything more is a usage error rather than silently ignored.
 */
function withRest<A extends object>(args: A, key: string): A {
  const rest = (args as Record<string, unknown>)['--'];
  if (!Array.isArray(rest) || rest.length === 0) return args;
  const words = rest.map(String);
  if (key === '' || (args as Record<string, unknown>)[key] !== undefined || words.length > 1) {
    throw new UsageError(`unexpected argument${words.length > 1 ? 's' : ''} after --: ${words.map((w) => JSON.stringify(visible(w))).join(' ')}`);
  }
  return { ...args, [key]: words[0] };
}

/**
 * One line for a yargs usage error. Its messages quote argv (an unknown flag, a value outside its
 * choices, a file name a shell glob produced) raw: all of it goes through visible(). "Invalid
 * values:" puts what matters on the lines below it; they become `--cell "foo" is not one of
 * "lstm", "gru", "rnn"`.
 */
export function usageLine(message: string): string {
  const lines = message.split('\n');
  if (lines[0]?.trim() === 'Invalid values:' && lines.length > 1) {
    const parts = lines.slice(1).map((line) => {
      const m = /^\s*Argument: (.*?), Given: (.*), Choices: (.*)$/.exec(line);
      if (m === null) return visible(line.trim(), 300);
      const flag = m[1]!.length === 1 ? `-${m[1]}` : `--${m[1]}`;
      return `${visible(flag, 80)} ${visible(m[2]!, 120)} is not one of ${visible(m[3]!, 300)}`;
    });
    return parts.join('; ');
  }
  return visible(lines[0] ?? '', 300);
}

export async function main(argv: readonly string[], env: CliEnv): Promise<number> {
  // Errors on our own stdout/stderr that arrive after a write returned (a full disk under
  // `--help > file`, a reader of stderr that went away) become exit codes, never a crash. The
  // guard stays attached for the life of the streams: a late 'error' must not be unhandled.
  const stdio = guardStdio(env);
  const fail = (err: unknown): number => {
    if (isBrokenPipe(err)) return EXIT.ok;
    const { message, code } = describeError(err, env.env['GATESCOPE_DEBUG'] === '1');
    env.stderr.write(`gatescope: ${message}\n`);
    return code;
  };
  let pending: Pending | null = null;
  let parser: Argv = yargs([...argv])
    .scriptName('gatescope')
    .usage('$0 [input] [options]\n\nWatch a recurrent neural network think: every LSTM/GRU/RNN gate, step by step.')
    .parserConfiguration({ 'populate--': true })
    .strict()
    .exitProcess(false)
    .version(VERSION)
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, env.stdout.columns ?? 100))
    .epilogue('Exit codes: 0 ok, 1 bad data, 2 bad usage, 70 internal error, 130 interrupted. Docs: README.md');
  for (const add of commands(env, (run) => (pending = run))) parser = add(parser);
  parser = parser.demandCommand(1, 'name a command (run, init, ...) or an input file');

  const parsed = await new Promise<{ error: Error | null; output: string }>((res) => {
    parser.parse([...argv], {}, (error, _args, output) => res({ error: error ?? null, output: output ?? '' }));
  });
  if (parsed.error !== null) {
    env.stderr.write(`gatescope: ${usageLine(parsed.error.message)} (see gatescope --help)\n`);
    return EXIT.usage;
  }
  try {
    if (parsed.output !== '') {
      const sink = stdoutSink(env);
      await sink.write(`${parsed.output}\n`);
      await sink.finish();
    }
    if (pending === null) return EXIT.ok; // --help or --version
    const run: Pending = pending;
    const code = await run();
    const late = stdio.failure();
    return late !== null && code === EXIT.ok ? fail(late) : code;
  } catch (err) {
    return fail(err);
  }
}
