/**
 * `gatescope attribute [input] --weights W [--target SPEC]`: which input steps and features the
 * prediction (or one unit's h or c) at step t comes from. Integrated gradients (Sundararajan et al.,
 * Captum's path rules) against a baseline of zeros or the mean input, with the completeness check
 * (the attributions add up to F(x) - F(baseline)); or gradient x input, one backward pass. Exact
 * gradients from the engine's backward pass (engine/attribution.ts).
 *
 * SPEC: `pred` (the head's top output at the last step), `pred[k]@t`, `y[j]@t`, `h[u]@t`, `c[u]@t`,
 * with `l1.` before h/c for another layer and `rev.` for the reverse direction (`l0.rev.h[3]@10`);
 * steps count from 0, as `run` writes them, and `@-1` is the last one.
 */
import type { Argv } from 'yargs';
import {
  gradientTimesInput,
  IG_METHODS,
  integratedGradients,
  type Attribution,
  type AttributionTarget,
  type IgMethod,
} from '../../engine/attribution.js';
import { headForward, headInputSize } from '../../engine/model.js';
import { runSequence } from '../../engine/network.js';
import { ShapeError } from '../../engine/network.js';
import { aCell, outputSize } from '../../engine/shapes.js';
import { softmax } from '../../engine/softmax.js';
import type { Network } from '../../engine/types.js';
import { visible } from '../../io/errors.js';
import type { CliEnv } from '../env.js';
import { csvText } from '../trace-format.js';
import { EXIT, UsageError } from '../errors.js';
import { holdAllSteps, prepare, type LoadedModel, type PrepareFlags } from '../load.js';
import { byteSize, positiveInt, withInputOptions, withModelOptions } from '../options.js';
import { fileSink, stdoutSink, writeWhole, type Sink } from '../output.js';
import { MAX_MEMORY_OPTION } from '../step-budget.js';
import { corpusSequences, openFittedCorpus, progressLine, SPLITS } from '../corpus.js';
import type { CorpusSplit } from '../../io/corpus.js';

export const ATTRIBUTE_FORMATS = ['json', 'csv'] as const;
export type AttributeFormat = (typeof ATTRIBUTE_FORMATS)[number];
export const ATTRIBUTE_METHODS = ['ig', 'grad-x-input'] as const;
export type AttributeMethod = (typeof ATTRIBUTE_METHODS)[number];

export interface AttributeArgs extends PrepareFlags {
  corpus?: boolean | undefined;
  split?: CorpusSplit | undefined;
  target?: string | undefined;
  method: AttributeMethod;
  baseline: 'zeros' | 'mean';
  steps?: number | undefined;
  rule: IgMethod;
  format: AttributeFormat;
  output?: string | undefined;
  maxMemory?: string | undefined;
}

/** Most path points: each is a forward and a backward pass over the sequence. */
const MAX_STEPS = 4096;
/** A completeness gap above this (relative to F(x) - F(baseline)) is said on stderr with what to do. */
const GAP_WARNING = 1e-3;

export const command = 'attribute [input]';
export const describe = 'which input steps and features a prediction (or a unit) comes from: integrated gradients or gradient x input';

export function builder<T>(y: Argv<T>) {
  return withInputOptions(withModelOptions(y))
    .positional('input', { type: 'string', describe: 'sequence file, or - for stdin (default: stdin)' })
    .option('target', {
      type: 'string',
      describe: "what to explain: pred (the head's top output at the last step), pred[k]@t, y[j]@t, h[u]@t, c[u]@t, l0.h[u]@t, rev.h[u]@t; @-1 is the last step",
    })
    .option('method', { type: 'string', choices: ATTRIBUTE_METHODS, default: 'ig' as AttributeMethod, describe: 'integrated gradients, or gradient x input (one backward pass)' })
    .option('baseline', { type: 'string', choices: ['zeros', 'mean'] as const, default: 'zeros' as const, describe: 'integrated gradients: the input the path starts from (mean: every step the mean input)' })
    .option('steps', { type: 'number', describe: 'integrated gradients: points on the path (forward and backward passes) [default: 64]' })
    .option('rule', { type: 'string', choices: IG_METHODS, default: 'gausslegendre' as IgMethod, describe: "integrated gradients: the path rule (Captum's names)" })
    .option('format', { alias: 'f', type: 'string', choices: ATTRIBUTE_FORMATS, default: 'json' as AttributeFormat, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .option('max-memory', MAX_MEMORY_OPTION)
    .option('corpus', { type: 'boolean', describe: 'many sequences (a folder, a (B, T, D) .npy, text by --split, NDJSON): the target attributed in each, a line each with its top step, and every feature\'s share over the corpus' })
    .option('split', { type: 'string', choices: SPLITS, describe: 'text corpus: one sequence per line (default) or per blank-line-separated paragraph' })
    .example('$0 attribute reviews.txt --corpus -w m.pt --vocab v.json --method grad-x-input', 'where each review\'s prediction comes from')
    .example('$0 attribute fixtures/demos/remember/input.csv --weights fixtures/demos/remember/lstm.json', "the last step's prediction, integrated gradients from zeros")
    .example('$0 attribute seq.csv -w m.pt --target "h[3]@20" --method grad-x-input --format csv', 'one unit, the cheap view, as CSV');
}

/** A parsed --target, before the step and sizes are checked against the run. */
interface TargetSpec {
  readonly kind: 'pred' | 'y' | 'h' | 'c';
  /** null: the top output (pred only) */
  readonly index: number | null;
  /** null: the last step */
  readonly t: number | null;
  readonly layer: number | null;
  readonly reverse: boolean;
}

const TARGET = /^(?:l(\d+)\.)?(rev\.)?(pred|y|h|c)(?:\[(\d+)\])?(?:@(-1|\d+))?$/;

export function parseTarget(text: string): TargetSpec {
  const m = TARGET.exec(text.trim());
  const bad = (why: string): never => {
    throw new UsageError(`--target ${JSON.stringify(visible(text, 40))}: ${why}; expected pred, pred[k]@t, y[j]@t, h[u]@t, c[u]@t (l0. / rev. before h or c)`);
  };
  if (m === null) return bad('not a target');
  const kind = m[3] as TargetSpec['kind'];
  if ((m[1] !== undefined || m[2] !== undefined) && (kind === 'pred' || kind === 'y')) return bad(`${kind} is of the last layer's output: l<k>. and rev. go with h or c`);
  if (m[4] === undefined && kind !== 'pred') return bad(`${kind} needs a unit: ${kind}[0]`);
  return {
    kind,
    index: m[4] === undefined ? null : Number(m[4]),
    t: m[5] === undefined || m[5] === '-1' ? null : Number(m[5]),
    layer: m[1] === undefined ? null : Number(m[1]),
    reverse: m[2] !== undefined,
  };
}

/** The target for a run of T steps, with the words that name it; the one-line error names what is out of range. */
function resolveTarget(spec: TargetSpec, model: LoadedModel, xs: readonly Float64Array[], classNames: readonly string[] | null): { target: AttributionTarget; text: string } {
  const net = model.network;
  const T = xs.length;
  const t = spec.t ?? T - 1;
  if (t >= T) throw new UsageError(`--target: step ${t} is past the input's last step (${T - 1})`);
  const range = (what: string, v: number, n: number): void => {
    if (v >= n) throw new UsageError(`--target: ${what} ${v} is outside 0..${n - 1}`);
  };
  if (spec.kind === 'pred') {
    const head = model.head;
    if (head === null) throw new UsageError('--target pred: the model has no head (a Linear on its output); attribute y[j]@t, h[u]@t or c[u]@t instead');
    let index = spec.index;
    if (index === null) {
      // the top output at t, as run's top-k names it
      const y = runSequence(net, xs.slice(0, net.directions.every((d) => d === 'forward') ? t + 1 : T), model.init)[t]!.y;
      const pred = new Float64Array(head.outSize);
      headForward(head, y, pred);
      const p = head.outSize > 1 ? softmax(pred) : pred;
      index = p.indexOf(Math.max(...p));
    }
    range('head output', index, head.outSize);
    const name = classNames?.[index];
    return { target: { kind: 'pred', t, index, head }, text: `pred[${index}]${name !== undefined ? ` (${JSON.stringify(visible(name, 24))})` : ''} at t=${t}` };
  }
  const Y = headInputSize(net);
  if (spec.kind === 'y') {
    range('output', spec.index!, Y);
    return { target: { kind: 'y', t, index: spec.index! }, text: `y[${spec.index}] at t=${t}` };
  }
  if (spec.kind === 'c' && net.kind === 'slstm') throw new UsageError("--target c: an sLSTM's c is stabilised (scaled by exp(-m), only c/n means the same at every step); attribute h[u]@t");
  if (spec.kind === 'c' && net.kind === 'mlstm') throw new UsageError('--target c: an mLSTM has no cell state c (its memory is a matrix C per head); attribute h[u]@t');
  if (spec.kind === 'c' && net.kind !== 'lstm') throw new UsageError(`--target c: ${aCell(net.kind)} has no cell state; attribute h[u]@t`);
  const layer = spec.layer ?? net.numLayers - 1;
  range('layer', layer, net.numLayers);
  const direction = spec.reverse ? net.directions.indexOf('reverse') : net.directions.indexOf('forward');
  if (direction < 0) throw new UsageError(`--target: the network has no ${spec.reverse ? 'reverse' : 'forward'} direction`);
  range('unit', spec.index!, spec.kind === 'h' ? outputSize(net) : net.hiddenSize);
  return {
    target: { kind: spec.kind, t, layer, direction, unit: spec.index! },
    text: `${spec.kind}[${spec.index}] of layer ${layer} ${net.directions[direction]} at t=${t}`,
  };
}

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(9)) : v;
}

interface Report {
  readonly method: string;
  readonly target: string;
  readonly a: Attribution;
  readonly baseline: string | null;
  readonly rule: string | null;
  readonly steps: number | null;
  readonly features: readonly string[];
  readonly labels: readonly string[];
}

export function formatAttribution(format: AttributeFormat, r: Report): string {
  const { a } = r;
  if (format === 'csv') {
    const header = ['t', 'label', ...r.features.map((f) => `attr.${f}`), 'total'].map(csvText).join(',');
    const rows = a.attributions.map((row, t) => [String(t), csvText(r.labels[t] ?? ''), ...Array.from(row, (v) => String(round(v))), String(round(a.perStep[t]!))].join(','));
    return `${header}\n${rows.map((x) => `${x}\n`).join('')}`;
  }
  const doc = {
    method: r.method,
    ...(r.rule !== null ? { rule: r.rule, pathPoints: r.steps, baseline: r.baseline } : {}),
    target: r.target,
    value: round(a.value),
    ...(Number.isNaN(a.baselineValue) ? {} : { baselineValue: round(a.baselineValue) }),
    total: round(a.total),
    ...(Number.isNaN(a.delta) ? {} : { delta: a.delta, relativeDelta: relativeGap(a) }),
    features: r.features,
    steps: a.attributions.map((row, t) => ({ t, label: r.labels[t] ?? '', total: round(a.perStep[t]!), attributions: Array.from(row, round) })),
  };
  return `${JSON.stringify(doc)}\n`;
}

function relativeGap(a: Attribution): number {
  const change = Math.abs(a.value - a.baselineValue);
  return change > 0 ? Math.abs(a.delta) / change : Math.abs(a.delta);
}

export async function handler(args: AttributeArgs, env: CliEnv): Promise<number> {
  byteSize('max-memory', args.maxMemory);
  const spec = args.target === undefined ? null : parseTarget(args.target);
  const points = positiveInt('steps', args.steps, MAX_STEPS) ?? 64;
  if (args.method !== 'ig' && (args.steps !== undefined || args.baseline !== 'zeros' || args.rule !== 'gausslegendre')) {
    throw new UsageError('--steps, --baseline and --rule are for --method ig (gradient x input has no path)');
  }
  if (args.split !== undefined && args.corpus !== true) throw new UsageError('--split cuts a corpus: add --corpus');
  if (args.corpus === true) return attributeCorpus(args, spec, points, env);
  const prepared = await prepare(args, env);
  const { model, input } = prepared;
  // Every step is held for the backward passes: bounded by --max-memory as the steps arrive.
  const { xs, labels } = await holdAllSteps(prepared, args.maxMemory, 'memory', 'attribution holds every step');
  if (xs.length === 0) throw new UsageError(`${visible(input.source)}: no steps to attribute`);
  const classNames = input.vocab !== null && model.head !== null && model.head.outSize === input.vocab.length ? input.vocab : null;
  const chosen = spec ?? (model.head !== null ? parseTarget('pred') : null);
  if (chosen === null) throw new UsageError('the model has no head: say what to attribute with --target (y[j]@t, h[u]@t or c[u]@t)');
  const { target, text } = resolveTarget(chosen, model, xs, classNames);
  // a long run says how far it got on a terminal (a pass at T=1,000, H=256 takes seconds)
  const tty = env.stderr.isTTY === true;
  const started = performance.now();
  let lastDraw = started;
  let a: Attribution;
  try {
    const progress = (done: number, total: number): void => {
      const now = performance.now();
      if (!tty || now - lastDraw < 200 || done === total) return;
      lastDraw = now;
      const left = ((now - started) / done) * (total - done) / 1000;
      env.stderr.write(`\r\x1b[Kintegrated gradients: ${done}/${total} passes, about ${left < 10 ? left.toFixed(1) : Math.round(left)} s left`);
    };
    a =
      args.method === 'ig'
        ? integratedGradients(model.network, xs, target, { baseline: args.baseline, steps: points, method: args.rule, ...(model.init !== undefined ? { init: model.init } : {}) }, progress)
        : gradientTimesInput(model.network, xs, target, model.init);
  } catch (err) {
    if (err instanceof ShapeError) throw new UsageError(err.message.replace(/^attribution: /, ''));
    throw err;
  } finally {
    // the progress line goes before anything else is written
    if (tty && lastDraw !== started) env.stderr.write('\r\x1b[K');
  }
  if (args.method === 'ig') {
    const gap = relativeGap(a);
    if (gap > GAP_WARNING) {
      env.stderr.write(
        `gatescope: note: completeness: the attributions add up to ${round(a.total)}, F(x) - F(baseline) is ${round(a.value - a.baselineValue)} (gap ${gap.toExponential(1)} relative${model.network.kind === 'rnn_relu' ? '; a ReLU is not smooth, so the path integral converges slowly' : ''}): try --steps ${Math.min(MAX_STEPS, points * 4)}\n`,
      );
    }
  }
  const report: Report = {
    method: args.method === 'ig' ? 'integrated-gradients' : 'gradient-x-input',
    target: text,
    a,
    baseline: args.method === 'ig' ? args.baseline : null,
    rule: args.method === 'ig' ? args.rule : null,
    steps: args.method === 'ig' ? points : null,
    features: featureNames(model.network, input.featureNames, model.embedding !== null),
    labels: labels.map((l) => visible(l, 40)),
  };
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  try {
    await sink.write(formatAttribution(args.format, report));
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return EXIT.ok;
}

/** The D names of the network's input: the file's features, or e0.. for an embedding's dimensions. */
function featureNames(net: Network, names: readonly string[], embedded: boolean): string[] {
  return Array.from({ length: net.inputSize }, (_, j) => (embedded ? `e${j}` : visible(names[j] ?? `x${j}`, 24)));
}

/**
 * attribute --corpus: the target attributed in every sequence of a corpus, one line each (the
 * value explained, the step that carried most of it and its share of the |attributions|), and
 * each input feature's share of all the |attributions| over the corpus. Each sequence is held
 * while its passes run and let go.
 */
async function attributeCorpus(args: AttributeArgs, spec: TargetSpec | null, points: number, env: CliEnv): Promise<number> {
  if (args.format === 'csv') throw new UsageError('--format csv writes one sequence\'s steps: a corpus is written as json');
  const opened = await openFittedCorpus(args, env);
  const { model, corpus, vocab } = opened;
  const classNames = vocab !== null && model.head !== null && model.head.outSize === vocab.length ? vocab : null;
  const chosen = spec ?? (model.head !== null ? parseTarget('pred') : null);
  if (chosen === null) throw new UsageError('the model has no head: say what to attribute with --target (y[j]@t, h[u]@t or c[u]@t)');
  const D = model.network.inputSize;
  const featureAbs = new Float64Array(D);
  const rows: { index: number; name: string; steps: number; target: string; value: number; total: number; relativeDelta?: number; top: { t: number; label: string; share: number } | null }[] = [];
  const progress = progressLine(env, 'attribution');
  try {
    for await (const seq of corpusSequences(opened, args)) {
      if (seq.xs.length === 0) continue;
      const { target, text } = resolveTarget(chosen, model, seq.xs, classNames);
      let a: Attribution;
      try {
        a =
          args.method === 'ig'
            ? integratedGradients(model.network, seq.xs, target, { baseline: args.baseline, steps: points, method: args.rule, ...(model.init !== undefined ? { init: model.init } : {}) })
            : gradientTimesInput(model.network, seq.xs, target, model.init);
      } catch (err) {
        if (err instanceof ShapeError) throw new UsageError(`${seq.name}: ${err.message.replace(/^attribution: /, '')}`);
        throw err;
      }
      let sumAbs = 0;
      let top = -1;
      a.attributions.forEach((row, t) => {
        let step = 0;
        for (let i = 0; i < D; i++) {
          featureAbs[i]! += Math.abs(row[i]!);
          step += Math.abs(row[i]!);
        }
        sumAbs += step;
        if (top < 0 || Math.abs(a.perStep[t]!) > Math.abs(a.perStep[top]!)) top = t;
      });
      rows.push({
        index: seq.index,
        name: seq.name,
        steps: seq.xs.length,
        target: text,
        value: a.value,
        total: a.total,
        ...(args.method === 'ig' ? { relativeDelta: relativeGap(a) } : {}),
        top: top < 0 || sumAbs === 0 ? null : { t: top, label: seq.labels[top] ?? '', share: Math.abs(a.perStep[top]!) / sumAbs },
      });
      progress.update(seq.index + 1, corpus.members.length, 'sequences');
    }
  } finally {
    progress.done();
  }
  const all = featureAbs.reduce((s, v) => s + v, 0);
  const names = opened.featureNames.length === D ? opened.featureNames : Array.from({ length: D }, (_, j) => `x${j}`);
  const features = Array.from(featureAbs, (v, i) => ({ name: model.embedding !== null ? `e${i}` : names[i]!, share: all > 0 ? v / all : 0 })).sort((x, y) => y.share - x.share);
  const doc = {
    source: corpus.source,
    method: args.method,
    ...(args.method === 'ig' ? { rule: args.rule, pathPoints: points, baseline: args.baseline } : {}),
    features: features.map((f) => ({ name: f.name, share: round(f.share) })),
    sequences: rows.map((r) => ({ ...r, value: round(r.value), total: round(r.total), ...(r.top !== null ? { top: { ...r.top, share: round(r.top.share) } } : {}) })),
  };
  await writeWhole(args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env), `${JSON.stringify(doc)}\n`);
  return EXIT.ok;
}
