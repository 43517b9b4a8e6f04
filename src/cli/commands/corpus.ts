/**
 * `gatescope corpus INPUT --weights W`: many sequences at once (a folder, a (B, T, D) .npy, a text
 * file cut by lines or paragraphs, NDJSON with one sequence per line; io/corpus.ts), listed one
 * line each: length, the prediction at the last step, how often the gates sat saturated, the unit
 * whose h ends largest. Each sequence runs once and is let go; `gatescope track --corpus` ranks
 * units over the same sequences.
 */
import type { Argv } from 'yargs';
import { cellLabel } from '../../engine/index.js';
import { predictionText, topText } from '../../ui/corpus-list.js';
import { SummaryAccumulator, type SequenceSummary } from '../../engine/summary.js';
import type { CorpusSplit } from '../../io/corpus.js';
import { visible } from '../../io/errors.js';
import { CorpusRunner, corpusSequences, openFittedCorpus, progressLine, SPLITS } from '../corpus.js';
import type { CliEnv } from '../env.js';
import { EXIT } from '../errors.js';
import type { PrepareFlags } from '../load.js';
import { byteSize, withInputOptions, withModelOptions } from '../options.js';
import { fileSink, stdoutSink, type Sink } from '../output.js';
import { MAX_MEMORY_OPTION } from '../step-budget.js';
import { interventionsFor, parseIntervention } from '../interventions.js';
import { runSequenceOn } from '../../engine/choose-runner.js';

export const CORPUS_FORMATS = ['text', 'json'] as const;
export type CorpusFormat = (typeof CORPUS_FORMATS)[number];

export interface CorpusArgs extends PrepareFlags {
  set?: string[] | undefined;
  split?: CorpusSplit | undefined;
  format: CorpusFormat;
  output?: string | undefined;
  maxMemory?: string | undefined;
}

export const command = 'corpus [input]';
export const describe = 'many sequences (a folder, a (B,T,D) .npy, text by lines or paragraphs, NDJSON): one line each with length, prediction and a summary';

export function builder<T>(y: Argv<T>) {
  return withInputOptions(withModelOptions(y))
    .positional('input', { type: 'string', describe: 'a folder, a (B, T, D) .npy, a text file or NDJSON with one sequence per line' })
    .option('split', { type: 'string', choices: SPLITS, describe: 'text: one sequence per line (default) or per blank-line-separated paragraph' })
    .option('format', { alias: 'f', type: 'string', choices: CORPUS_FORMATS, default: 'text' as CorpusFormat, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .option('max-memory', MAX_MEMORY_OPTION)
    .option('set', { type: 'string', array: true, describe: 'an intervention (as run --set writes one), run on every sequence beside the model as it is: each line gets the edited prediction, and a summary says how many changed' })
    .example('$0 corpus reviews.txt -w sentiment.pt --vocab vocab.json --tokens words', 'one review per line: each one\'s prediction')
    .example('$0 corpus batch.npy -w m.safetensors --format json', 'every sequence of a (B, T, D) batch');
}

interface Line {
  readonly index: number;
  readonly name: string;
  readonly summary: SequenceSummary;
  /** With --set: the same sequence run with the interventions. */
  readonly edited?: SequenceSummary;
}

/** How much the edits moved one sequence's output: whether the top class changed (a head with classes), and the largest |change|. */
function moved(a: SequenceSummary, b: SequenceSummary): { flipped: boolean; delta: number } {
  if (a.output === null || b.output === null) return { flipped: false, delta: 0 };
  let delta = 0;
  for (let i = 0; i < a.output.length; i++) delta = Math.max(delta, Math.abs(b.output[i]! - a.output[i]!));
  return { flipped: argmax(a.output) !== argmax(b.output), delta };
}

function format(fmt: CorpusFormat, lines: readonly Line[], source: string, cell: string, classes: readonly string[] | null, head: boolean, edits: readonly string[] = []): string {
  const editing = edits.length > 0;
  const counted = lines.filter((l) => l.edited !== undefined).map((l) => moved(l.summary, l.edited!));
  const flips = counted.filter((m) => m.flipped).length;
  const meanDelta = counted.length === 0 ? 0 : counted.reduce((s, m) => s + m.delta, 0) / counted.length;
  if (fmt === 'json') {
    const entry = (s: SequenceSummary) => ({
      ...(s.output !== null ? { [head ? 'prediction' : 'y']: Array.from(s.output, (v) => Number(v.toPrecision(7))) } : {}),
      ...(head && classes !== null && s.output !== null ? { class: classes[argmax(s.output)] } : {}),
    });
    const sequences = lines.map((l) => ({
      index: l.index,
      name: l.name,
      steps: l.summary.steps,
      ...entry(l.summary),
      saturated: Number(l.summary.saturated.toPrecision(4)),
      ...(l.summary.top !== null ? { top: { direction: l.summary.top.direction, unit: l.summary.top.unit, h: Number(l.summary.top.h.toPrecision(6)) } } : {}),
      ...(l.edited !== undefined ? { edited: { ...entry(l.edited), change: Number(moved(l.summary, l.edited).delta.toPrecision(6)) } } : {}),
    }));
    return `${JSON.stringify({ source, cell, ...(editing ? { interventions: edits, changed: { sequences: counted.length, ...(head && classes !== null ? { topClassFlipped: flips } : {}), meanChange: Number(meanDelta.toPrecision(6)) } } : {}), sequences })}\n`;
  }
  // the text names classes as they print; JSON as they are
  const shown = classes === null ? null : classes.map((c) => visible(c, 12));
  const rows = [`${visible(source, 60)}: ${lines.length} sequence${lines.length === 1 ? '' : 's'} (${cell})${editing ? `, edited with ${edits.join(' ')}` : ''}`, `      #  ${'name'.padEnd(16)} steps  ${(head ? 'prediction' : 'y at the end').padEnd(22)} ${editing ? `${'edited'.padEnd(22)} ` : ''}saturated  top h`];
  for (const l of lines) {
    const s = l.summary;
    const top = topText(s);
    const ed = editing ? `${(l.edited === undefined ? '-' : predictionText(l.edited, shown, head)).padEnd(22)} ` : '';
    rows.push(`  ${String(l.index).padStart(5)}  ${l.name.padEnd(16).slice(0, 16)} ${String(s.steps).padStart(5)}  ${predictionText(s, shown, head).padEnd(22)} ${ed}${`${(100 * s.saturated).toFixed(1)}%`.padStart(9)}  ${top}`);
  }
  if (editing) rows.push(`the edit changed ${head && classes !== null ? `the top class of ${flips} of ${counted.length} sequences, ` : ''}the output by ${meanDelta.toPrecision(3)} on average (largest |change| per sequence)`);
  return `${rows.join('\n')}\n`;
}

function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[k]!) k = i;
  return k;
}

export async function handler(args: CorpusArgs, env: CliEnv): Promise<number> {
  byteSize('max-memory', args.maxMemory);
  const specs = args.set === undefined ? [] : args.set.map(parseIntervention);
  const opened = await openFittedCorpus(args, env);
  const { model, corpus, vocab } = opened;
  const runner = new CorpusRunner(model);
  const interventions = interventionsFor(model.network, specs);
  const classes = vocab !== null && model.head !== null && model.head.outSize === vocab.length ? vocab : null;
  const lines: Line[] = [];
  const progress = progressLine(env, 'corpus');
  try {
    for await (const seq of corpusSequences(opened, args)) {
      const acc = new SummaryAccumulator(model.network, model.head);
      runner.run(seq.xs, (s) => acc.add(s));
      let edited: SequenceSummary | undefined;
      if (interventions.length > 0) {
        const e = new SummaryAccumulator(model.network, model.head);
        for (const s of runSequenceOn(model.network, seq.xs, model.init, 'reference', interventions)) e.add(s);
        edited = e.result();
      }
      lines.push({ index: seq.index, name: seq.name, summary: acc.result(), ...(edited !== undefined ? { edited } : {}) });
      progress.update(seq.index + 1, corpus.members.length, 'sequences');
    }
  } finally {
    progress.done();
  }
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    await sink.write(format(args.format, lines, corpus.source, `${cellLabel(model.network.kind)} H=${model.network.hiddenSize}`, classes, model.head !== null, specs.map((s) => s.text)));
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return EXIT.ok;
}
