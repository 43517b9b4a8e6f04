/**
 * A corpus (io/corpus.ts) with the model fitted to it, and its sequences one at a time: each
 * member's network inputs, labels and values, checked to have the first member's features. A
 * member is held while it is processed (bounded by --max-memory like any whole input); the corpus
 * never is. Also the progress line a long corpus pass shows on a terminal.
 */
import { cloneStep, type NetworkStep } from '../engine/index.js';
import { createStepQueue, runSequenceOn } from '../engine/choose-runner.js';
import type { StepQueue } from '../engine/runner.js';
import { openCorpus, type Corpus, type CorpusSplit } from '../io/corpus.js';
import { InputError, visible } from '../io/errors.js';
import { recordToX } from '../io/weights/parts.js';
import type { CliEnv } from './env.js';
import { fitModel, type LoadedModel, type PrepareFlags } from './load.js';
import { stepBudget } from './step-budget.js';
import { UsageError } from './errors.js';

export interface CorpusFlags extends PrepareFlags {
  split?: CorpusSplit | undefined;
  maxMemory?: string | undefined;
}

export const SPLITS: readonly CorpusSplit[] = ['lines', 'paragraphs'];

/** One member as read: its steps' network inputs, labels and (numeric input) values. */
export interface CorpusSequence {
  readonly index: number;
  readonly name: string;
  readonly xs: Float64Array[];
  readonly labels: string[];
  readonly values: Float64Array[];
  readonly featureNames: readonly string[];
  readonly text: boolean;
}

export interface OpenedCorpus {
  readonly model: LoadedModel;
  readonly corpus: Corpus;
  readonly featureNames: readonly string[];
  readonly vocab: readonly string[] | null;
}

/** Loads the model and opens the corpus at flags.input, fitted to each other as a single input is (load.ts fitModel). */
export async function openFittedCorpus(flags: CorpusFlags, env: CliEnv): Promise<OpenedCorpus> {
  const path = flags.input;
  if (path === undefined || path === '' || path === '-') throw new UsageError('a corpus is a folder or a file: name it (stdin is one sequence)');
  let corpus: Corpus | null = null;
  const { model, input } = await fitModel(flags, env, async (opts) => {
    const c = await openCorpus(path, env.cwd, { ...opts, ...(flags.split !== undefined ? { split: flags.split } : {}) });
    corpus = c;
    const first = await c.members[0]!.open();
    first.close();
    return { source: c.source, featureNames: first.featureNames, vocab: first.vocab, notes: [...c.notes, ...(first.notes ?? [])] };
  });
  return { model, corpus: corpus!, featureNames: input.featureNames, vocab: input.vocab };
}

/** Member `index` read whole: its network inputs, labels and values, its features checked against the first member's. */
export async function readSequence(opened: OpenedCorpus, flags: CorpusFlags, index: number): Promise<CorpusSequence> {
  const { model, corpus, featureNames } = opened;
  const toX = recordToX(model.embedding, corpus.source);
  const member = corpus.members[index]!;
  const input = await member.open();
  try {
    if (input.vocab === null && (input.featureNames.length !== featureNames.length || input.featureNames.some((n, j) => n !== featureNames[j]))) {
      throw new InputError(`features ${visible(input.featureNames.slice(0, 6).join(', '), 80)} differ from the first sequence's ${visible(featureNames.slice(0, 6).join(', '), 80)}`, {
        source: input.source,
        hint: `sequence ${index} (${member.name}); every sequence of a corpus has the same features`,
      });
    }
    const budget = stepBudget([model.network], flags.maxMemory, 'run', input.source, 'a corpus holds one whole sequence at a time');
    const seq: CorpusSequence = { index, name: member.name, xs: [], labels: [], values: [], featureNames: input.featureNames, text: input.vocab !== null };
    for await (const record of input) {
      seq.xs.push(toX(record));
      seq.labels.push(record.label);
      if (input.vocab === null) seq.values.push(Float64Array.from(record.values));
      budget.take(seq.xs.length, record.line);
    }
    return seq;
  } finally {
    input.close();
  }
}

/** The members one at a time, in order. */
export async function* corpusSequences(opened: OpenedCorpus, flags: CorpusFlags): AsyncGenerator<CorpusSequence> {
  for (let index = 0; index < opened.corpus.members.length; index++) yield await readSequence(opened, flags, index);
}

/**
 * Runs sequence after sequence on one runner: a forward-only network streams each through a step
 * queue reset between sequences (one engine for the whole corpus), a network with a reverse
 * direction runs each whole. onStep gets each step in time order (buffers reused).
 */
export class CorpusRunner {
  private readonly queue: StepQueue | null;

  constructor(private readonly model: LoadedModel) {
    const net = model.network;
    this.queue = net.directions.every((d) => d === 'forward') ? createStepQueue(net, model.init) : null;
  }

  run(xs: readonly Float64Array[], onStep: (step: NetworkStep, t: number) => void): void {
    const q = this.queue;
    if (q === null) {
      runSequenceOn(this.model.network, xs, this.model.init).forEach((s, t) => onStep(s, t));
      return;
    }
    q.reset();
    for (const x of xs) if (q.push(x)) q.flush(onStep);
    q.flush(onStep);
  }

  /** Every step of a sequence, kept. */
  steps(xs: readonly Float64Array[]): NetworkStep[] {
    const out: NetworkStep[] = [];
    this.run(xs, (s) => out.push(cloneStep(s)));
    return out;
  }
}

/** A progress line on stderr while a terminal watches: `label 1,200/10,000 sequences, about 40 s left`; cleared by done(). */
export function progressLine(env: CliEnv, label: string): { update(done: number, total: number, what: string): void; done(): void } {
  const tty = env.stderr.isTTY === true;
  const started = performance.now();
  let last = started;
  let drawn = false;
  return {
    update(done, total, what) {
      const now = performance.now();
      if (!tty || now - last < 200 || done === 0 || done >= total) return;
      last = now;
      drawn = true;
      const left = (((now - started) / done) * (total - done)) / 1000;
      const width = 20;
      const filled = Math.round((done / total) * width);
      env.stderr.write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${what}, about ${left < 10 ? left.toFixed(1) : Math.round(left)} s left`);
    },
    done() {
      if (drawn) env.stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}
