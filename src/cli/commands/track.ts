/**
 * `gatescope track [input] --weights W --signal SPEC`: unit search. Ranks every unit of every layer,
 * direction and gate/state by how well its value follows a signal over the sequence (Pearson r),
 * and for a 0/1 signal gives the unit's best split (threshold, precision, recall): an input
 * feature (x:NAME), a regex over text (regex:"[^"]*" is Karpathy's quote cell), bracket depth
 * (depth:()) or the position in the line (position). engine/track.ts does the ranking,
 * trace/signals.ts makes the signal.
 */
import type { Argv } from 'yargs';
import { runSequenceOn } from '../../engine/choose-runner.js';
import { cellLabel, STATE_NAMES, stateWidth } from '../../engine/shapes.js';
import { findMatches } from '../../engine/match.js';
import { saturationOf } from '../../engine/stats.js';
import { tintedHtml } from '../tint-html.js';
import { TrackSplits, TrackSums, trackUnits, unitSeries, type UnitTrack } from '../../engine/track.js';
import type { Network } from '../../engine/types.js';
import { visible } from '../../io/errors.js';
import { buildSignal } from '../../trace/signals.js';
import type { CliEnv } from '../env.js';
import { EXIT, UsageError } from '../errors.js';
import { holdAllSteps, prepare, type PrepareFlags } from '../load.js';
import { byteSize, nonNegativeInt, withInputOptions, withModelOptions } from '../options.js';
import { fileSink, stdoutSink, type Sink } from '../output.js';
import { MAX_MEMORY_OPTION } from '../step-budget.js';
import { CorpusRunner, corpusSequences, openFittedCorpus, progressLine, SPLITS, type CorpusSequence } from '../corpus.js';
import type { CorpusSplit } from '../../io/corpus.js';

export const TRACK_FORMATS = ['text', 'json'] as const;
export type TrackFormat = (typeof TRACK_FORMATS)[number];

export interface TrackArgs extends PrepareFlags {
  corpus?: boolean | undefined;
  range?: string | undefined;
  state?: string | undefined;
  threshold?: number | undefined;
  split?: CorpusSplit | undefined;
  signal?: string | undefined;
  top?: number | undefined;
  format: TrackFormat;
  output?: string | undefined;
  html?: string | undefined;
  maxMemory?: string | undefined;
}

export const command = 'track [input]';
export const describe = 'unit search: rank every unit by how well it follows a signal (an input feature, a regex over text, bracket depth)';

export function builder<T>(y: Argv<T>) {
  return withInputOptions(withModelOptions(y))
    .positional('input', { type: 'string', describe: 'sequence file, or - for stdin (default: stdin)' })
    .option('signal', { type: 'string', describe: 'x:FEATURE, regex:PATTERN (text: inside a match), depth:OC (text: bracket depth), position (text: place in the line)' })
    .option('top', { type: 'number', describe: 'units listed, best first (0: all) [default: 10]' })
    .option('format', { alias: 'f', type: 'string', choices: TRACK_FORMATS, default: 'text' as TrackFormat, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .option('html', { type: 'string', describe: 'text input: also write FILE, a self-contained HTML page of the text tinted by each listed unit' })
    .option('max-memory', MAX_MEMORY_OPTION)
    .option('range', { type: 'string', describe: 'instead of --signal, LSTMVis\'s match: the units on over steps A-B (1-based, as the viewer counts) and the other places they go on together' })
    .option('state', { type: 'string', describe: 'with --range: the state searched (h, c, f, ...) [default: h]' })
    .option('threshold', { type: 'number', describe: 'with --range: a unit is on at or above this [default: 0.5 for gates, 0.3 otherwise]' })
    .option('corpus', { type: 'boolean', describe: 'the input is many sequences: a folder, a (B, T, D) .npy, a text file cut by --split, NDJSON with one sequence per line' })
    .option('split', { type: 'string', choices: SPLITS, describe: 'text corpus: one sequence per line (default) or per blank-line-separated paragraph' })
    .example('$0 track essays/ --corpus -w lm.pt --vocab vocab.json --signal position', 'over every file of a folder')
    .example(`$0 track book.txt -w lm.pt --vocab vocab.json --signal 'regex:"[^"]*"'`, 'the units that know they are inside quotes')
    .example('$0 track sensor.csv -w m.json --signal x:temperature --format json', 'which units follow a feature');
}

/** `l0.rev.c[3]`, as --set and attribute write a unit. */
export function unitName(net: Network, u: UnitTrack): string {
  return `${net.numLayers > 1 ? `l${u.layer}.` : ''}${net.directions[u.direction] === 'reverse' ? 'rev.' : ''}${u.state}[${u.unit}]`;
}

const num = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : 'NaN');

export function formatTrack(format: TrackFormat, net: Network, signal: string, source: string, T: number, ranked: readonly UnitTrack[]): string {
  if (format === 'json') {
    const units = ranked.map((u) => ({
      layer: u.layer,
      direction: net.directions[u.direction],
      state: u.state,
      unit: u.unit,
      name: unitName(net, u),
      r: Number.isFinite(u.r) ? Number(u.r.toPrecision(6)) : null,
      ...(u.split !== null ? { split: { threshold: Number(u.split.threshold.toPrecision(6)), above: u.split.above, precision: u.split.precision, recall: u.split.recall, f1: u.split.f1 } } : {}),
    }));
    return `${JSON.stringify({ signal, source, steps: T, cell: net.kind, units })}\n`;
  }
  const binary = ranked.some((u) => u.split !== null);
  const lines = [`units that follow ${signal} over ${T} steps of ${visible(source, 60)} (${cellLabel(net.kind)}), best |r| first:`];
  lines.push(`  rank  unit${' '.repeat(10)}r${binary ? '     split                precision  recall' : ''}`);
  ranked.forEach((u, i) => {
    const split = u.split === null ? '' : `  ${`${u.state} ${u.split.above ? '>' : '<'} ${num(u.split.threshold)}`.padEnd(20)}   ${num(u.split.precision, 2).padStart(6)}  ${num(u.split.recall, 2).padStart(6)}`;
    lines.push(`  ${String(i + 1).padStart(4)}  ${unitName(net, u).padEnd(12)}${(u.r >= 0 ? '+' : '') + num(u.r)}${split}`);
  });
  return `${lines.join('\n')}\n`;
}

export async function handler(args: TrackArgs, env: CliEnv): Promise<number> {
  byteSize('max-memory', args.maxMemory);
  if (args.range !== undefined) return matchRange(args, args.range, env);
  if (args.signal === undefined) throw new UsageError('say what to track with --signal: x:FEATURE, regex:PATTERN, depth:OC or position (or --range A-B)');
  const top = nonNegativeInt('top', args.top) ?? 10;
  if (args.split !== undefined && args.corpus !== true) throw new UsageError('--split cuts a corpus: add --corpus');
  if (args.corpus === true) return trackCorpus(args, args.signal, top, env);
  const prepared = await prepare(args, env);
  const { model, input } = prepared;
  if (args.html !== undefined && input.vocab === null) {
    input.close();
    throw new UsageError('--html tints text: this input has numeric features (--input-format text for text)');
  }
  const { xs, labels, values } = await holdAllSteps(prepared, args.maxMemory, 'run', 'unit search holds every step');
  if (xs.length < 2) throw new UsageError(`${visible(input.source)}: ${xs.length} step${xs.length === 1 ? '' : 's'}; a correlation needs at least 2`);
  const signal = buildSignal(args.signal, { labels, values, featureNames: input.featureNames, text: input.vocab !== null, words: args.tokens === 'words' });
  if ('error' in signal) throw new UsageError(`--signal ${JSON.stringify(visible(args.signal, 40))}: ${signal.error}`);
  const steps = runSequenceOn(model.network, xs, model.init);
  const ranked = trackUnits(model.network, steps, signal.values);
  if (ranked.every((u) => Number.isNaN(u.r))) env.stderr.write(`gatescope: note: ${signal.name} does not vary over the ${xs.length} steps: no unit can follow it\n`);
  const listed = top === 0 ? ranked : ranked.slice(0, top);
  if (args.html !== undefined) {
    const units = listed.map((u) => ({ name: unitName(model.network, u), r: u.r, values: unitSeries(model.network, steps, u.layer, u.direction, u.state, u.unit) }));
    const page = fileSink(args.html, env);
    try {
      await page.write(tintedHtml(`${signal.name} in ${visible(input.source, 60)}`, labels, units, args.tokens === 'words'));
      await page.finish();
    } catch (err) {
      await page.abort();
      throw err;
    }
  }
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    await sink.write(formatTrack(args.format, model.network, signal.name, input.source, xs.length, listed));
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return EXIT.ok;
}

/** Writes the ranking to --output or stdout. */
async function writeRanking(args: TrackArgs, env: CliEnv, text: string): Promise<void> {
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    await sink.write(text);
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/**
 * Unit search over a corpus: every sequence runs once and adds its steps to Pearson's sums (no
 * sequence is kept after its turn); for a 0/1 signal a second pass bins the listed units' values
 * to find their splits. The signal is made per sequence (a regex over its own text, its own line
 * positions).
 */
async function trackCorpus(args: TrackArgs, spec: string, top: number, env: CliEnv): Promise<number> {
  if (args.html !== undefined) throw new UsageError('--html tints one text: drop --corpus, or name one sequence of the corpus');
  const opened = await openFittedCorpus(args, env);
  const { model, corpus } = opened;
  const net = model.network;
  const runner = new CorpusRunner(model);
  const sums = new TrackSums(net);
  const total = corpus.members.length;
  const words = args.tokens === 'words';
  const signalOf = (seq: CorpusSequence): { values: Float64Array; name: string } => {
    const signal = buildSignal(spec, { labels: seq.labels, values: seq.values, featureNames: seq.featureNames, text: seq.text, words });
    if ('error' in signal) throw new UsageError(`--signal ${JSON.stringify(visible(spec, 40))}: ${signal.error} (sequence ${seq.index}, ${seq.name})`);
    return signal;
  };
  let name = spec;
  let steps = 0;
  const progress = progressLine(env, 'unit search');
  try {
    for await (const seq of corpusSequences(opened, args)) {
      const { values: signal, name: named } = signalOf(seq);
      name = named;
      runner.run(seq.xs, (s, t) => sums.add(s, signal[t]!));
      steps += seq.xs.length;
      progress.update(seq.index + 1, total, 'sequences');
    }
    if (steps < 2) throw new UsageError(`${visible(corpus.source)}: ${steps} step${steps === 1 ? '' : 's'} in all; a correlation needs at least 2`);
    const all = sums.result();
    if (all.every((u) => Number.isNaN(u.r))) env.stderr.write(`gatescope: note: ${name} does not vary over the ${steps} steps: no unit can follow it\n`);
    const chosen = top === 0 ? all : all.slice(0, top);
    let ranked: UnitTrack[];
    if (sums.binary) {
      const splits = new TrackSplits(net, chosen);
      for await (const seq of corpusSequences(opened, args)) {
        const signal = signalOf(seq).values;
        runner.run(seq.xs, (s, t) => splits.add(s, signal[t]!));
        progress.update(seq.index + 1, total, 'sequences (splits)');
      }
      ranked = splits.result();
    } else ranked = chosen.map(({ lo: _lo, hi: _hi, ...u }) => u);
    progress.done();
    const where = `${corpus.source} (${total} sequence${total === 1 ? '' : 's'})`;
    await writeRanking(args, env, formatTrack(args.format, net, name, where, steps, ranked));
  } finally {
    progress.done();
  }
  return EXIT.ok;
}

/** `track --range A-B`: LSTMVis's match search (engine/match.ts) on one sequence, as the viewer's r … r does it. */
async function matchRange(args: TrackArgs, spec: string, env: CliEnv): Promise<number> {
  const m = /^(\d+)-(\d+)$/.exec(spec.trim());
  if (m === null || Number(m[1]) < 1 || Number(m[2]) < Number(m[1])) throw new UsageError(`--range ${JSON.stringify(visible(spec, 40))}: expected A-B, steps counted from 1 with A <= B (e.g. 12-20)`);
  if (args.corpus === true) throw new UsageError('--range marks steps of one sequence: drop --corpus');
  const prepared = await prepare(args, env);
  const { model, input } = prepared;
  const net = model.network;
  const state = args.state ?? 'h';
  if (!STATE_NAMES[net.kind].includes(state)) {
    input.close();
    throw new UsageError(`--state ${JSON.stringify(visible(state, 20))}: the ${cellLabel(net.kind)} has ${STATE_NAMES[net.kind].join(', ')}`);
  }
  const { xs, labels } = await holdAllSteps(prepared, args.maxMemory, 'run', 'a match search holds every step');
  const a = Number(m[1]) - 1;
  const b = Number(m[2]) - 1;
  if (b >= xs.length) throw new UsageError(`--range ${spec}: ${visible(input.source)} has ${xs.length} steps`);
  const steps = runSequenceOn(net, xs, model.init);
  const threshold = args.threshold ?? (saturationOf(net.kind, state) === 'sigmoid' ? 0.5 : 0.3);
  const top = nonNegativeInt('top', args.top) ?? 10;
  const out: string[] = [];
  const doc: unknown[] = [];
  for (let k = 0; k < net.numLayers; k++) {
    for (let d = 0; d < net.directions.length; d++) {
      const U = stateWidth(net, state);
      const T = steps.length;
      const values = new Float64Array(U * T);
      for (let u = 0; u < U; u++) values.set(unitSeries(net, steps, k, d, state, u), u * T);
      const { pattern, matches } = findMatches({ T, U, values }, a, b, threshold, top === 0 ? T : top);
      const where = `${net.numLayers > 1 ? `l${k}.` : ''}${net.directions[d] === 'reverse' ? 'rev.' : ''}`;
      const text = (s: number): string => labels.slice(s, s + b - a + 1).join(input.vocab !== null ? '' : ' | ');
      doc.push({ layer: k, direction: net.directions[d], pattern: pattern.map((u) => `${where}${state}[${u}]`), matches: matches.map((x) => ({ from: x.start + 1, to: x.start + b - a + 1, score: Number(x.score.toFixed(4)), hits: x.hits, extra: x.extra, text: text(x.start) })) });
      out.push(`${where}${state} >= ${threshold} over steps ${a + 1}-${b + 1} of ${visible(input.source, 60)}: ${pattern.length} unit${pattern.length === 1 ? '' : 's'} on throughout${pattern.length > 0 ? `: ${pattern.map((u) => `${state}[${u}]`).join(' ')}` : ''}`);
      if (pattern.length > 0) {
        out.push('  rank  steps           score  on     others  text');
        matches.forEach((x, i) => out.push(`  ${String(i + 1).padStart(4)}  ${`${x.start + 1}-${x.start + b - a + 1}`.padEnd(14)} ${x.score.toFixed(2).padStart(5)}  ${`${x.hits}/${pattern.length}`.padEnd(6)} ${`+${x.extra}`.padEnd(6)}  ${JSON.stringify(visible(text(x.start), 60))}`));
      }
    }
  }
  await writeRanking(args, env, args.format === 'json' ? `${JSON.stringify({ source: input.source, state, threshold, range: { from: a + 1, to: b + 1 }, views: doc })}\n` : `${out.join('\n')}\n`);
  return EXIT.ok;
}
