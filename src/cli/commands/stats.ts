/**
 * `gatescope stats [input]`: a whole-sequence summary of every gate and state, per layer,
 * direction and unit (mean, std, min, max, fraction of steps saturated), as a table or JSON. Finds
 * dead and saturated units at a glance.
 *
 * Runs on the fast engine (engine/fast) at full speed. A forward-only network streams in constant
 * memory whatever the length; a network with a reverse direction keeps its input (T x D float32)
 * and, between stacked layers, one layer's outputs (T x directions x H float32). A long
 * bidirectional sequence runs its two directions on two worker threads (stats-threads.ts).
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { cellLabel, ShapeError } from '../../engine/index.js';
import { createStatsSession, fastAvailable, SATURATION_LIMITS, type SequenceStats, type StateStats } from '../../engine/fast/index.js';
import type { InputRecord, InputStream } from '../../io/input.js';
import type { NpyRows } from '../../trace/npy-rows.js';
import { InputError, visible } from '../../io/errors.js';
import type { CliEnv } from '../env.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { EXIT } from '../errors.js';
import { openNpyModel, prepare, type Model, type PrepareFlags } from '../load.js';
import { withInputOptions, withModelOptions } from '../options.js';
import { fileSink, inertJson, stdoutSink, type Sink } from '../output.js';
import { bidirectionalStatsOnThreads, sharedCopy, shouldUseThreads } from '../stats-threads.js';

export const STATS_FORMATS = ['table', 'json'] as const;
export type StatsFormat = (typeof STATS_FORMATS)[number];

/** A unit saturated at least this often is marked `saturated` in the table. */
export const SATURATED_MARK = 0.95;
/** A unit whose value never moves more than this is marked `dead`. */
export const DEAD_SPREAD = 1e-6;

export interface StatsArgs extends PrepareFlags {
  format: StatsFormat;
  output?: string | undefined;
  threads?: boolean | undefined;
}

export const command = 'stats [input]';
export const describe = 'summarise every gate and state per unit over the whole sequence (mean, std, min, max, saturation)';

export function builder<T>(y: Argv<T>) {
  return withInputOptions(withModelOptions(y))
    .positional('input', { type: 'string', describe: 'sequence file, or - for stdin (default: stdin)' })
    .option('format', { alias: 'f', type: 'string', choices: STATS_FORMATS, default: 'table' as StatsFormat, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .option('threads', {
      type: 'boolean',
      describe: 'bidirectional networks: run the two directions on two worker threads (default: for long sequences)',
    })
    .example('$0 stats data.npy --weights lstm.pt.json', 'a table per layer, direction and gate')
    .example('$0 stats data.csv -w m.json --format json | jq', 'the same numbers as JSON');
}

/** The JSON document: meta, then one entry per layer, direction and state with per-unit arrays. */
export function statsJson(stats: SequenceStats, model: Model, source: string): string {
  const meta = {
    source,
    cell: stats.kind,
    inputSize: model.network.inputSize,
    hiddenSize: stats.hiddenSize,
    numLayers: stats.numLayers,
    directions: stats.directions,
    steps: stats.steps,
    weights: model.weightsSource,
    weightsFormat: model.weightsFormat,
    seed: model.seed,
    std: 'population (ddof=0)',
    saturation: {
      sigmoid: { below: SATURATION_LIMITS.sigmoid.lo, above: SATURATION_LIMITS.sigmoid.hi },
      tanh: { below: SATURATION_LIMITS.tanh.lo, above: SATURATION_LIMITS.tanh.hi },
    },
  };
  const groups = stats.groups.map((g) => ({
    layer: g.layer,
    direction: g.direction,
    state: g.state,
    saturation: g.saturation,
    mean: Array.from(g.mean),
    std: Array.from(g.std),
    min: Array.from(g.min),
    max: Array.from(g.max),
    saturated: g.saturated === null ? null : Array.from(g.saturated),
  }));
  return `${inertJson({ meta, stats: groups })}\n`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-4) ? v.toExponential(2) : v.toFixed(4);
}

/** What a unit looks like at a glance: `saturated`, `dead`, or nothing. */
export function unitNote(g: StateStats, u: number): string {
  if (g.saturated !== null && g.saturated[u]! >= SATURATED_MARK) return 'saturated';
  if (g.max[u]! - g.min[u]! <= DEAD_SPREAD) return 'dead';
  return '';
}

function describeSaturation(g: StateStats): string {
  if (g.saturation === null) return 'unbounded';
  const { lo, hi } = SATURATION_LIMITS[g.saturation];
  return `${g.saturation}: saturated below ${lo} or above ${hi}`;
}

/** The readable table: a header, then one block per layer, direction and state. */
export function statsTable(stats: SequenceStats, model: Model, source: string): string {
  const net = model.network;
  const weights = model.weightsSource !== null ? `weights ${visible(model.weightsSource, 60)}` : `random weights, seed ${model.seed}`;
  const lines: string[] = [
    `${cellLabel(stats.kind)}: ${stats.numLayers} layer${stats.numLayers === 1 ? '' : 's'}, ${stats.directions.join('+')}, ` +
      `H=${stats.hiddenSize}, D=${net.inputSize}; ${stats.steps} steps of ${visible(source, 60)}; ${weights}`,
    'std is the population standard deviation; sat is the fraction of steps saturated',
  ];
  const H = stats.hiddenSize;
  const pad = (s: string, w: number) => s.padStart(w);
  for (const g of stats.groups) {
    let saturated = 0;
    let dead = 0;
    for (let u = 0; u < H; u++) {
      const note = unitNote(g, u);
      if (note === 'saturated') saturated++;
      else if (note === 'dead') dead++;
    }
    lines.push('');
    lines.push(`layer ${g.layer} ${g.direction} ${g.state} (${describeSaturation(g)}): ${saturated} saturated, ${dead} dead of ${H}`);
    lines.push(`${pad('unit', 6)}${pad('mean', 11)}${pad('std', 11)}${pad('min', 11)}${pad('max', 11)}${pad('sat', 8)}`);
    for (let u = 0; u < H; u++) {
      const sat = g.saturated === null ? '-' : `${(100 * g.saturated[u]!).toFixed(1)}%`;
      const note = unitNote(g, u);
      lines.push(
        `${pad(String(u), 6)}${pad(num(g.mean[u]!), 11)}${pad(num(g.std[u]!), 11)}${pad(num(g.min[u]!), 11)}${pad(num(g.max[u]!), 11)}${pad(sat, 8)}${note === '' ? '' : `  ${note}`}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Where the steps come from: io's records, or the rows of an .npy file read straight from its bytes. */
type StepSource =
  | { readonly kind: 'records'; readonly input: InputStream; readonly toX: (r: InputRecord) => Float64Array }
  | { readonly kind: 'npy'; readonly rows: NpyRows; readonly source: string };

/** Rows of an .npy file read per block of this many steps. */
const NPY_BLOCK = 4096;

/** rows.read's message ("x.npy: data[t=4, 1]: NaN at t=4 ...") as the InputError it came from. */
function rowError(message: string, source: string): InputError {
  const prefix = `${source}: `;
  return new InputError(message.startsWith(prefix) ? message.slice(prefix.length) : message, { source });
}

/** Every step of an .npy source into `push`, a block at a time. */
function pushNpyRows(rows: NpyRows, source: string, D: number, push: (xs: Float32Array, n: number) => void): number {
  const block = new Float32Array(NPY_BLOCK * D);
  for (let t0 = 0; t0 < rows.length; t0 += NPY_BLOCK) {
    const got = rows.read(t0, Math.min(NPY_BLOCK, rows.length - t0), block);
    push(block, got.rows);
    if (got.error !== null) throw rowError(got.error, source);
  }
  return rows.length;
}

/** Reads every step into one float32 (T, D) array, checking widths as the engine does. */
async function collect(from: StepSource, D: number): Promise<{ xs: Float32Array; T: number }> {
  if (from.kind === 'npy') {
    const xs = new Float32Array(from.rows.length * D);
    let T = 0;
    pushNpyRows(from.rows, from.source, D, (block, n) => {
      xs.set(block.subarray(0, n * D), T * D);
      T += n;
    });
    return { xs, T };
  }
  let xs = new Float32Array(4096 * D);
  let T = 0;
  for await (const record of from.input) {
    const x = from.toX(record);
    if (x.length !== D) throw new ShapeError(`input at t=${T}: expected ${D} features, got ${x.length}`);
    if ((T + 1) * D > xs.length) {
      const grown = new Float32Array(xs.length * 2);
      grown.set(xs);
      xs = grown;
    }
    xs.set(x, T * D);
    T++;
  }
  return { xs, T };
}

async function computeStats(args: StatsArgs, model: Model, from: StepSource): Promise<SequenceStats> {
  const net = model.network;
  const D = net.inputSize;
  const session = createStatsSession(net, model.init);
  if (net.directions.length !== 2 || !fastAvailable() || args.threads === false) {
    if (from.kind === 'npy') {
      pushNpyRows(from.rows, from.source, D, (block, n) => session.pushRows(block, n));
    } else {
      for await (const record of from.input) session.push(from.toX(record));
    }
    return session.finish();
  }
  // bidirectional: the whole input first, then maybe one thread per direction
  const { xs, T } = await collect(from, D);
  if (shouldUseThreads(net, T, args.threads)) return bidirectionalStatsOnThreads(net, model.init, sharedCopy(xs.subarray(0, T * D)), T);
  for (let t = 0; t < T; t++) session.push(xs.subarray(t * D, (t + 1) * D));
  return session.finish();
}

export async function handler(args: StatsArgs, env: CliEnv): Promise<number> {
  enableRelaxedSimd();
  // A long .npy is read as rows straight from its bytes; anything else (or stdin) as records.
  const path = args.input ?? '';
  const npy = await openNpyModel(path, args, env, (file) => readFileSync(file));
  const prepared = npy === null ? await prepare(args, env) : null;
  const model = npy?.model ?? prepared!.model;
  const from: StepSource =
    npy !== null ? { kind: 'npy', rows: npy.rows, source: path } : { kind: 'records', input: prepared!.input, toX: prepared!.toX };
  const source = npy !== null ? path : prepared!.input.source;
  let stats: SequenceStats;
  try {
    stats = await computeStats(args, model, from);
  } catch (err) {
    prepared?.input.close();
    // only a whole-sequence (bidirectional) network can outgrow WebAssembly's memory
    if (err instanceof RangeError) {
      throw new InputError(`the sequence is too long for a bidirectional network's statistics in memory (${err.message})`, { source });
    }
    throw err;
  }
  const text = args.format === 'json' ? statsJson(stats, model, source) : statsTable(stats, model, source);
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    await sink.write(text);
    await sink.finish();
    return EXIT.ok;
  } catch (err) {
    await sink.abort();
    throw err;
  }
}
