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
import { cellLabel, SATURATION_LIMITS, ShapeError, type SequenceStats, type StateStats } from '../../engine/index.js';
import { fastAvailable } from '../../engine/fast/index.js';
import { createStatsSession } from '../../engine/stats-session.js';
import type { InputRecord, InputStream } from '../../io/input.js';
import type { NpyRows } from '../../io/npy-rows.js';
import { InputError, visible } from '../../io/errors.js';
import type { CliEnv } from '../env.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { EXIT } from '../errors.js';
import { openNpyModel, prepare, type LoadedModel, type PrepareFlags } from '../load.js';
import { withInputOptions, withModelOptions } from '../options.js';
import { fileSink, inertJson, stdoutSink, type Sink } from '../output.js';
import { bidirectionalStatsOnThreads, sharedCopy, shouldUseThreads } from '../stats-threads.js';
import { DEAD_SPREAD, SATURATED_FRACTION } from '../../ui/unit-search.js';
import { UsageError } from '../errors.js';

export const STATS_FORMATS = ['table', 'json'] as const;
export type StatsFormat = (typeof STATS_FORMATS)[number];

/** The flag rule's defaults: the viewer's (n, !) and the table's are the same. */
export const SATURATED_MARK = SATURATED_FRACTION;
export { DEAD_SPREAD };

export const STATS_SORTS = ['unit', 'sat', 'std', 'mean', 'min', 'max'] as const;
export type StatsSort = (typeof STATS_SORTS)[number];

export interface StatsArgs extends PrepareFlags {
  format: StatsFormat;
  output?: string | undefined;
  threads?: boolean | undefined;
  saturated?: number | undefined;
  dead?: number | undefined;
  sort?: StatsSort | undefined;
  flagged?: boolean | undefined;
}

/** When a unit is flagged: saturated on at least `saturated` of the steps, or moving by at most `dead`. */
export interface FlagRule {
  readonly saturated: number;
  readonly dead: number;
}

export const DEFAULT_RULE: FlagRule = { saturated: SATURATED_MARK, dead: DEAD_SPREAD };

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
    .option('saturated', { type: 'number', describe: `flag a unit saturated on at least this fraction of the steps [default: ${SATURATED_MARK}]` })
    .option('dead', { type: 'number', describe: `flag a unit dead when max - min is at most this [default: ${DEAD_SPREAD}]` })
    .option('sort', { type: 'string', choices: STATS_SORTS, describe: 'order the rows of each table: unit, or sat/std/mean/min/max, largest first [default: unit]' })
    .option('flagged', { type: 'boolean', describe: 'the tables list flagged units only (the summary always comes first)' })
    .example('$0 stats data.npy --weights lstm.pt.json', 'the flagged units first, then a table per layer, direction and gate')
    .example('$0 stats data.csv -w m.json --saturated 0.8 --sort sat', 'flag units saturated 80% of the time; most saturated first')
    .example('$0 stats data.csv -w m.json --format json | jq', 'the same numbers as JSON');
}

/** The JSON document: meta, then one entry per layer, direction and state with per-unit arrays. */
export function statsJson(stats: SequenceStats, model: LoadedModel, source: string, rule: FlagRule = DEFAULT_RULE): string {
  const meta = {
    source,
    cell: stats.kind,
    inputSize: model.network.inputSize,
    hiddenSize: stats.hiddenSize,
    ...(stats.projSize ? { projSize: stats.projSize } : {}),
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
    flags: { saturatedFraction: rule.saturated, deadSpread: rule.dead, side: 'open/shut (+1/-1 for tanh) by the mean' },
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
    flagged: Object.fromEntries(flaggedUnits(g, g.mean.length, rule)),
  }));
  return `${inertJson({ meta, stats: groups })}\n`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-4) ? v.toExponential(2) : v.toFixed(4);
}

/** Which way a saturated unit sits, from its mean: `open`/`shut` for a gate, `+1`/`-1` for tanh. */
function saturatedSide(g: StateStats, u: number): string {
  const mid = g.saturation === 'sigmoid' ? 0.5 : 0;
  const high = g.mean[u]! >= mid;
  return g.saturation === 'sigmoid' ? (high ? 'open' : 'shut') : high ? '+1' : '-1';
}

/** An sLSTM's or mLSTM's i or f: exponential gates scaled by the stabiliser m (one of them is 1 at every step). */
function stabilised(g: StateStats): boolean {
  return g.saturation === null && (g.state === 'i' || g.state === 'f');
}

/**
 * What a unit looks like at a glance: `saturated open`, `saturated -1`, `dead`, or nothing. A
 * stabilised gate that stays at 1 is `held at 1`, not dead: it wins the stabiliser's max at every
 * step (i: each step writes in full; f: the memory is kept in full), which is what it does, not that
 * it does nothing.
 */
export function unitNote(g: StateStats, u: number, rule: FlagRule = DEFAULT_RULE): string {
  if (g.saturated !== null && g.saturated[u]! >= rule.saturated) return `saturated ${saturatedSide(g, u)}`;
  if (g.max[u]! - g.min[u]! <= rule.dead) return stabilised(g) && Math.abs(g.mean[u]! - 1) <= rule.dead ? 'held at 1' : 'dead';
  return '';
}

function describeSaturation(g: StateStats): string {
  // null for i and f only in an sLSTM: exponential gates stabilised by m, one of them 1 at each step
  if (g.saturation === null) return stabilised(g) ? 'stabilised, in (0, 1]: never saturated' : 'unbounded';
  const { lo, hi } = SATURATION_LIMITS[g.saturation];
  return `${g.saturation}: saturated below ${lo} or above ${hi}`;
}

/** The rule in words, as the summary states it. */
export function ruleText(rule: FlagRule): string {
  const sg = SATURATION_LIMITS.sigmoid;
  return (
    `saturated = below ${sg.lo} or above ${sg.hi} (sigmoid gates), beyond ±${SATURATION_LIMITS.tanh.hi} (tanh), on at least ` +
    `${+(rule.saturated * 100).toFixed(2)}% of the steps (--saturated ${rule.saturated});\n  dead = max - min at most ${rule.dead} (--dead); ` +
    'a saturated unit is open (+1) or shut (-1) by its mean'
  );
}

/** Units as a short list: `units 3, 5, 7` (the first 12, then how many more). */
function unitList(units: readonly number[]): string {
  const shown = units.slice(0, 12).join(', ');
  return `unit${units.length === 1 ? '' : 's'} ${shown}${units.length > 12 ? `, … (${units.length - 12} more)` : ''}`;
}

/** The flagged units of each group by kind (`saturated open`: [3, 5], `dead`: [0]). */
export function flaggedUnits(g: StateStats, H: number, rule: FlagRule): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let u = 0; u < H; u++) {
    const note = unitNote(g, u, rule);
    if (note === '') continue;
    out.set(note, [...(out.get(note) ?? []), u]);
  }
  return out;
}

/** The summary that answers first: every flagged unit by layer, direction and state, and the rule. */
export function statsSummary(stats: SequenceStats, rule: FlagRule): string[] {
  const lines = [`flagged units: ${ruleText(rule)}`];
  let any = false;
  for (const g of stats.groups) {
    const kinds = flaggedUnits(g, g.mean.length, rule);
    if (kinds.size === 0) continue;
    any = true;
    const parts = [...kinds].map(([note, units]) => `${units.length} ${note} (${unitList(units)})`);
    lines.push(`  layer ${g.layer} ${g.direction} ${g.state}: ${parts.join('; ')}`);
  }
  if (!any) lines.push(`  none of the ${stats.hiddenSize} units in any layer, direction or state${stats.projSize ? ` (h: ${stats.projSize}, the proj_size)` : ''}`);
  return lines;
}

/** The row order of a table: by unit, or a statistic largest first. */
function rowOrder(g: StateStats, H: number, sort: StatsSort): number[] {
  const units = Array.from({ length: H }, (_, u) => u);
  if (sort === 'unit') return units;
  const col = sort === 'sat' ? g.saturated : g[sort];
  if (col === null) return units;
  return units.sort((a, b) => (col[b]! - col[a]! || a - b) || 0);
}

export interface TableOptions {
  readonly rule?: FlagRule;
  readonly sort?: StatsSort;
  readonly flaggedOnly?: boolean;
}

/** The readable table: a header, the flagged units, then one block per layer, direction and state. */
export function statsTable(stats: SequenceStats, model: LoadedModel, source: string, opts: TableOptions = {}): string {
  const rule = opts.rule ?? DEFAULT_RULE;
  const net = model.network;
  const weights = model.weightsSource !== null ? `weights ${visible(model.weightsSource, 60)}` : `random weights, seed ${model.seed}`;
  const lines: string[] = [
    `${cellLabel(stats.kind)}: ${stats.numLayers} layer${stats.numLayers === 1 ? '' : 's'}, ${stats.directions.join('+')}, ` +
      `H=${stats.hiddenSize}${stats.projSize ? `, proj_size P=${stats.projSize} (h has P values)` : ''}, D=${net.inputSize}; ${stats.steps} steps of ${visible(source, 60)}; ${weights}`,
    ...statsSummary(stats, rule),
    'layers and units count from 0 (as run and its CSV write them); std is the population standard deviation; sat is the fraction of steps saturated',
  ];
  const pad = (s: string, w: number) => s.padStart(w);
  for (const g of stats.groups) {
    // H units, or P for h of a projected LSTM
    const H = g.mean.length;
    let saturated = 0;
    let dead = 0;
    let held = 0;
    for (let u = 0; u < H; u++) {
      const note = unitNote(g, u, rule);
      if (note.startsWith('saturated')) saturated++;
      else if (note === 'dead') dead++;
      else if (note === 'held at 1') held++;
    }
    if (opts.flaggedOnly === true && saturated + dead + held === 0) continue;
    lines.push('');
    lines.push(`layer ${g.layer} ${g.direction} ${g.state} (${describeSaturation(g)}): ${saturated} saturated, ${dead} dead${held > 0 ? `, ${held} held at 1` : ''} of ${H}`);
    lines.push(`${pad('unit', 6)}${pad('mean', 11)}${pad('std', 11)}${pad('min', 11)}${pad('max', 11)}${pad('sat', 8)}`);
    for (const u of rowOrder(g, H, opts.sort ?? 'unit')) {
      const sat = g.saturated === null ? '-' : `${(100 * g.saturated[u]!).toFixed(1)}%`;
      const note = unitNote(g, u, rule);
      if (opts.flaggedOnly === true && note === '') continue;
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

async function computeStats(args: StatsArgs, model: LoadedModel, from: StepSource): Promise<SequenceStats> {
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

/** --saturated and --dead as a rule, or a usage error. */
export function flagRule(args: Pick<StatsArgs, 'saturated' | 'dead'>): FlagRule {
  const saturated = args.saturated ?? DEFAULT_RULE.saturated;
  const dead = args.dead ?? DEFAULT_RULE.dead;
  if (!Number.isFinite(saturated) || saturated <= 0 || saturated > 1) throw new UsageError(`--saturated must be a fraction of the steps above 0 and at most 1, got ${args.saturated}`);
  if (!Number.isFinite(dead) || dead < 0) throw new UsageError(`--dead must be a spread of 0 or more, got ${args.dead}`);
  return { saturated, dead };
}

export async function handler(args: StatsArgs, env: CliEnv): Promise<number> {
  const rule = flagRule(args);
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
  const text =
    args.format === 'json'
      ? statsJson(stats, model, source, rule)
      : statsTable(stats, model, source, { rule, ...(args.sort !== undefined ? { sort: args.sort } : {}), flaggedOnly: args.flagged === true });
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
