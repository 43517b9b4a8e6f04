/**
 * `gatescope run [input]`: the whole trace, headless, for pipelines and notebooks.
 *
 * Forward-only networks stream: each step is computed and written as its record arrives, in
 * constant memory. A reverse direction needs the whole sequence first (as PyTorch's does): that
 * is bounded by --max-memory (step-budget.ts), refused by size with a one-line error past it.
 */
import type { Argv } from 'yargs';
import { CapacityError, cloneStep, finalStates, headForward, runSequence, type NetworkStep } from '../../engine/index.js';
import { describeIntervention, type Intervention } from '../../engine/intervene.js';
import { interventionsFor, interventionSummary, parseIntervention } from '../interventions.js';
import { InputError } from '../../io/errors.js';
import { createStepQueue, runSequenceOn } from '../../engine/choose-runner.js';
import type { InputRecord } from '../../io/input.js';
import type { CliEnv } from '../env.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { EXIT, UsageError } from '../errors.js';
import { prepare, type LoadedModel, type PrepareFlags } from '../load.js';
import { byteSize, withInputOptions, withModelOptions } from '../options.js';
import { MAX_MEMORY_OPTION, stepBudget } from '../step-budget.js';
import { fileSink, inertJson, stdoutSink, type Sink } from '../output.js';
import { csvHeader, csvRow, NO_READOUT, stepObject, type Readout } from '../trace-format.js';

export const RUN_FORMATS = ['ndjson', 'json', 'csv'] as const;
export type RunFormat = (typeof RUN_FORMATS)[number];

export interface RunArgs extends PrepareFlags {
  format: RunFormat;
  output?: string | undefined;
  topK?: number | undefined;
  maxMemory?: string | undefined;
  set?: string[] | undefined;
}

/** Guesses written per step for a classifier or language model unless --top-k says otherwise. */
export const DEFAULT_TOP_K = 5;

export const command = 'run [input]';
export const describe = 'compute every gate and state and write the trace (NDJSON, JSON or CSV)';

export function builder<T>(y: Argv<T>) {
  return withInputOptions(withModelOptions(y))
    .positional('input', { type: 'string', describe: 'sequence file, or - for stdin (default: stdin)' })
    .option('format', { alias: 'f', type: 'string', choices: RUN_FORMATS, default: 'ndjson' as RunFormat, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
    .option('top-k', {
      type: 'number',
      describe: `beside the head's raw output, its softmax probabilities and the N most probable outputs per step (0: none) [default: ${DEFAULT_TOP_K} for text input, else 0]`,
    })
    .option('max-memory', MAX_MEMORY_OPTION)
    .option('set', {
      type: 'string',
      array: true,
      describe: "an intervention: set a gate, state or input and run on from it, e.g. f[3]@20-:=0 (from step 20 on), l0.c[2]@7:=0.5, x[1]@5-9:=0, h:=0 (every unit, every step); repeatable",
    })
    .example('$0 run data.csv --weights lstm.json', 'NDJSON, one line per time step')
    .example('tail -f sensor.csv | $0 run --weights m.json -', 'a step per line as it arrives')
    .example('$0 run data.csv --format csv -o trace.csv', 'a table for pandas.read_csv');
}

interface Writer {
  begin(featureNames: readonly string[]): string | null;
  step(t: number, x: Float64Array, step: NetworkStep, pred: Float64Array | null): string;
  end(T: number, last: NetworkStep[] | null): string | null;
}

/**
 * Probabilities and top-k: asked with --top-k, or by default for text input (a classifier or a
 * language model reads tokens; a regressor's outputs are no distribution). Tokens name the outputs
 * when the head has one per vocabulary token.
 */
export function readoutFor(args: Pick<RunArgs, 'topK'>, model: LoadedModel, vocab: readonly string[] | null): Readout {
  const asked = positiveOrZero(args.topK);
  const head = model.head;
  if (head === null) {
    if (asked !== undefined && asked > 0) throw new UsageError('--top-k needs a head: the weights have no Linear after the recurrent module');
    return NO_READOUT;
  }
  if (asked !== undefined && asked > 0 && head.outSize === 1) {
    throw new UsageError('--top-k: the head has one output, and a softmax over one output is always 1 (a one-logit binary classifier uses a sigmoid)');
  }
  const k = asked ?? (vocab !== null && head.outSize > 1 ? DEFAULT_TOP_K : 0);
  return { topK: k, classNames: vocab !== null && head.outSize === vocab.length ? vocab : null };
}

function positiveOrZero(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0 || v > 1 << 20) throw new UsageError(`--top-k must be a whole number from 0 to ${1 << 20}, got ${v}`);
  return v;
}

function makeWriter(format: RunFormat, model: LoadedModel, source: string, readout: Readout, interventions: readonly string[] = []): Writer {
  const net = model.network;
  const predSize = model.head?.outSize ?? 0;
  // Tokens are text from the vocabulary file: written inert, as every other file-supplied string.
  const json = readout.classNames !== null && readout.topK > 0 ? (v: unknown) => inertJson(v) : (v: unknown) => JSON.stringify(v);
  switch (format) {
    case 'ndjson':
      return {
        begin: () => null,
        step: (t, x, s, pred) => `${json(stepObject(net, t, x, s, pred, readout))}\n`,
        end: () => null,
      };
    case 'csv':
      return {
        begin: () => `${csvHeader(net, predSize, readout)}\n`,
        step: (t, x, s, pred) => `${csvRow(net, t, x, s, pred, readout)}\n`,
        end: () => null,
      };
    case 'json': {
      let first = true;
      return {
        begin: (names) => {
          const meta = {
            cell: net.kind,
            inputSize: net.inputSize,
            hiddenSize: net.hiddenSize,
            // a projected LSTM (nn.LSTM proj_size): h, y and h_n have this many values per direction
            ...(net.projSize != null && net.projSize > 0 ? { projSize: net.projSize } : {}),
            // an sLSTM's heads (its recurrence is block-diagonal over them)
            ...(net.kind === 'slstm' || net.kind === 'mlstm' ? { numHeads: net.numHeads ?? 1 } : {}),
            numLayers: net.numLayers,
            directions: net.directions,
            bias: net.bias,
            source,
            weights: model.weightsSource,
            weightsFormat: model.weightsFormat,
            seed: model.seed,
            // the network's input: an embedding model's x is the token's row, not the vocabulary
            features: model.embedding !== null ? Array.from({ length: net.inputSize }, (_, j) => `e${j}`) : names,
            embedding: model.embedding === null ? null : { tensor: model.embedding.name, vocabulary: model.embedding.vocabSize },
            head:
              model.head === null
                ? null
                : { outputs: model.head.outSize, tensor: model.head.name, bias: model.head.biasName, topK: readout.topK, classes: readout.classNames },
            // what --set changed: this trace is not the model's own
            ...(interventions.length > 0 ? { interventions } : {}),
          };
          return `{"meta":${inertJson(meta)},\n"steps":[\n`;
        },
        step: (t, x, s, pred) => {
          const text = `${first ? '' : ',\n'}${json(stepObject(net, t, x, s, pred, readout))}`;
          first = false;
          return text;
        },
        end: (T, steps) => {
          const final: Record<string, unknown> = { T };
          if (steps !== null && steps.length > 0) {
            const { hN, cN } = finalStates(net, steps);
            final['h_n'] = hN.map((r) => Array.from(r));
            if (cN !== null) final['c_n'] = cN.map((r) => Array.from(r));
          }
          return `\n],\n"final":${JSON.stringify(final)}}\n`;
        },
      };
    }
  }
}

export async function handler(args: RunArgs, env: CliEnv): Promise<number> {
  enableRelaxedSimd();
  positiveOrZero(args.topK);
  byteSize('max-memory', args.maxMemory); // a bad size is a usage error before anything is read
  // a spec that cannot be parsed fails before anything is read; one that does not fit, once the network is known
  const specs = args.set === undefined ? [] : args.set.map(parseIntervention);
  const { model, input, toX } = await prepare(args, env);
  const net = model.network;
  let interventions: Intervention[];
  try {
    interventions = interventionsFor(net, specs);
  } catch (err) {
    input.close();
    throw err;
  }
  let readout: Readout;
  try {
    readout = readoutFor(args, model, input.vocab);
  } catch (err) {
    input.close();
    throw err;
  }
  const sink: Sink = args.output !== undefined ? fileSink(args.output, env) : stdoutSink(env);
  const writer = makeWriter(args.format, model, input.source, readout, interventions.map((iv) => describeIntervention(net, iv)));
  // a new array per step: interventionSummary holds one step's prediction while it asks for another's
  const linear = model.head;
  const pred = (s: NetworkStep): Float64Array | null => {
    if (linear === null) return null;
    const out = new Float64Array(linear.outSize);
    headForward(linear, s.y, out);
    return out;
  };
  try {
    const head = writer.begin(input.featureNames);
    if (head !== null) await sink.write(head);
    let T = 0;
    if (interventions.length === 0 && net.directions.length === 1 && net.directions[0] === 'forward') {
      // one step per run, written before the next record is read: a live stream's steps come out as
      // they arrive and nothing piles up (a one-step run costs what a step of a long run costs, and
      // gives the same bits: engine/runner.ts)
      const queue = createStepQueue(net, model.init, 'fast', 1);
      let last: NetworkStep | null = null;
      for await (const record of input) {
        const x = toX(record);
        queue.push(x);
        let line = '';
        queue.flush((s, t) => {
          line = writer.step(t, x, s, pred(s));
          last = s;
        });
        await sink.write(line);
        T++;
        if (sink.closed) break;
      }
      if (sink.closed) {
        input.close();
        return EXIT.ok;
      }
      const tail = writer.end(T, last === null ? null : [cloneStep(last)]);
      if (tail !== null) await sink.write(tail);
    } else {
      const records: InputRecord[] = [];
      const budget = stepBudget([net], args.maxMemory, 'run', input.source);
      for await (const record of input) {
        records.push(record);
        budget.take(records.length, record.line);
      }
      const xs = records.map(toX);
      let steps: NetworkStep[];
      try {
        if (interventions.length > 0) {
          // the reference engine, step by step with the edits; the plain run to say what changed
          steps = runSequenceOn(net, xs, model.init, 'reference', interventions);
          for (const line of interventionSummary(net, interventions, runSequence(net, xs, model.init), steps, pred)) env.stderr.write(`gatescope: note: ${line}\n`);
        } else steps = runSequenceOn(net, xs, model.init);
      } catch (err) {
        if (!(err instanceof CapacityError)) throw err;
        throw new InputError(`${records.length} steps: ${err.message}`, { source: input.source, hint: 'cut the input into shorter runs' });
      }
      for (let t = 0; t < steps.length && !sink.closed; t++) {
        await sink.write(writer.step(t, xs[t]!, steps[t]!, pred(steps[t]!)));
      }
      T = steps.length;
      const tail = writer.end(T, steps);
      if (tail !== null && !sink.closed) await sink.write(tail);
    }
    await sink.finish();
    return EXIT.ok;
  } catch (err) {
    input.close();
    await sink.abort();
    throw err;
  }
}
