/**
 * `gatescope demo NAME`: opens a bundled demo (fixtures/demos) in the viewer with its weights,
 * sequence and vocabulary, and its twin network beside it when it has one (remember: LSTM vs
 * RNN). `gatescope demo --list` says what each demo is and what to look at. `--live` feeds the
 * viewer one step at a time (`--rate` steps per second), like a sensor stream, following the
 * newest step. With stdout not a terminal it prints the plain-text view, as `gatescope view` does.
 */
import type { Argv } from 'yargs';
import { demoListText, findDemo } from '../demos.js';
import type { CliEnv } from '../env.js';
import { EXIT, UsageError } from '../errors.js';
import { handler as viewHandler, demoFlags } from './view.js';

export interface DemoArgs {
  name?: string | undefined;
  list?: boolean | undefined;
  live?: boolean | undefined;
  rate?: number | undefined;
  memory?: boolean | undefined;
  compare?: string | undefined;
  unit?: number | undefined;
  panel?: string | undefined;
  snapshot?: boolean | undefined;
  step?: number | undefined;
  width?: number | undefined;
  color?: boolean | undefined;
  fps?: number | undefined;
}

/** Steps per second of a live demo. */
export const DEFAULT_RATE = 10;
const MAX_RATE = 1000;

export const command = 'demo [name]';
export const describe = 'open a bundled demo in the viewer (--list says what each shows)';

export function builder<T>(y: Argv<T>) {
  return y
    .positional('name', { type: 'string', describe: 'the demo: remember, remember-gru, sine, brackets (gatescope demo --list)' })
    .option('list', { type: 'boolean', describe: 'list the demos, what each was trained for and what to look at' })
    .option('live', { type: 'boolean', describe: 'feed the viewer one step at a time, like a sensor stream (follows the newest step)' })
    .option('rate', { type: 'number', describe: `steps per second with --live [default: ${DEFAULT_RATE}]` })
    .option('memory', { type: 'boolean', describe: 'open on the memory view (m); with --snapshot, print it' })
    .option('compare', { type: 'string', describe: "another weights file to show beside the demo's network (instead of its twin)" })
    .option('unit', { type: 'number', describe: 'select this unit (default: the one the demo is about)' })
    .option('panel', { type: 'string', describe: 'the panel the timeline shows: f i g o c h or 1-6 (default: the demo\'s)' })
    .option('snapshot', { type: 'boolean', describe: 'print one step as plain text and exit (the default when stdout is not a terminal)' })
    .option('step', { type: 'number', describe: 'print this step (1-based) as plain text and exit [default: the last]' })
    .option('width', { type: 'number', describe: 'columns of the plain-text view [default: the terminal width, or 120]' })
    .option('color', { type: 'boolean', describe: 'colour; --no-color (or NO_COLOR=1) for monochrome' })
    .option('fps', { type: 'number', describe: 'most redraws per second [default: 30]' })
    .example('$0 demo remember', 'an LSTM and a plain RNN on the same sequence: which one remembers step 1?')
    .example('$0 demo sine --live --rate 20', 'a sensor stream, 20 steps a second')
    .example('$0 demo remember --memory --snapshot', 'the memory view as text');
}

function checkRate(rate: number | undefined): number {
  if (rate === undefined) return DEFAULT_RATE;
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) throw new UsageError(`--rate must be a number of steps per second above 0 and at most ${MAX_RATE}, got ${rate}`);
  return rate;
}

export async function handler(args: DemoArgs, env: CliEnv): Promise<number> {
  const rate = checkRate(args.rate);
  if (args.rate !== undefined && args.live !== true) throw new UsageError('--rate sets the speed of --live; add --live');
  if (args.list === true || args.name === undefined) {
    if (args.name !== undefined) throw new UsageError('--list takes no demo name');
    env.stdout.write(demoListText(Math.min(100, env.stdout.columns ?? 100)));
    return EXIT.ok;
  }
  const demo = findDemo(args.name);
  const interactive = env.stdout.isTTY === true && args.snapshot !== true && args.step === undefined;
  return viewHandler(
    {
      ...demoFlags(demo),
      snapshot: args.snapshot,
      step: args.step,
      width: args.width,
      color: args.color,
      fps: args.fps,
      memory: args.memory,
      compare: args.compare,
      unit: args.unit,
      panel: args.panel,
    },
    env,
    // A still picture shows the whole sequence: pacing only means something on a terminal.
    { demo, live: args.live === true && interactive ? { rate } : null },
  );
}
