/**
 * `gatescope [input]` (also `gatescope view [input]`): the viewer, the default command.
 *
 * - stdout is a terminal: the interactive Ink viewer. Keys come from the terminal; when the data
 *   comes on stdin they come from /dev/tty instead, and the view starts following the newest step.
 * - stdout is not a terminal, or --snapshot / --step N: the whole input is read and one step is
 *   printed as plain text (no escape sequences), exit 0. Ink and React are never loaded then: the
 *   interactive module is imported lazily, with React in production mode.
 *
 * The terminal is restored (raw mode off, cursor shown, alternate screen left) on q, Ctrl-C,
 * SIGTERM, SIGHUP, SIGINT and on a crash; given back on Ctrl-Z or SIGTSTP, and taken again on SIGCONT.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { Argv } from 'yargs';
import { kernelVariant } from '../../engine/fast/index.js';
import { ingest } from '../../trace/ingest.js';
import { startPass } from '../../trace/pass-host.js';
import { TraceStore } from '../../trace/trace-store.js';
import { cellLabel } from '../../engine/shapes.js';
import { SummaryAccumulator } from '../../engine/summary.js';
import type { CorpusSplit } from '../../io/corpus.js';
import { InputError, visible } from '../../io/errors.js';
import type { CorpusEntry, CorpusListing } from '../../ui/corpus-list.js';
import type { CorpusSource } from '../../ui/CorpusApp.js';
import { langFromEnv } from '../../ui/i18n/index.js';
import { CorpusRunner, openFittedCorpus, readSequence, SPLITS } from '../corpus.js';
import { renderSnapshot } from '../../ui/snapshot.js';
import type { ChapterSetup } from '../../ui/session.js';
import { planTour } from '../../ui/tour.js';
import { tourProgress, type TourProgress } from '../tour-state.js';
import { detectColorLevel } from '../../ui/theme.js';
import { DEFAULT_DEMO, findDemo, shortName, type Demo } from '../demos.js';
import { stdinHasData, type CliEnv } from '../env.js';
import { describeError, EXIT, UsageError } from '../errors.js';
import { stdoutSink } from '../output.js';
import { openNpyModel, prepare, type PrepareFlags } from '../load.js';
import { positiveInt, withInputOptions, withModelOptions } from '../options.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { NO_LAUNCH, prepareExtras, withViewExtras, type Launch, type ViewExtraFlags, type ViewExtras } from '../view-extras.js';

export interface ViewArgs extends PrepareFlags, ViewExtraFlags {
  corpus?: boolean | undefined;
  split?: CorpusSplit | undefined;
  maxMemory?: string | undefined;
  snapshot?: boolean | undefined;
  step?: number | undefined;
  width?: number | undefined;
  color?: boolean | undefined;
  fps?: number | undefined;
  history?: number | undefined;
}

export const command = ['view [input]', '$0 [input]'];
export const describe = 'open the viewer: every gate and state as bars, step by step (the default command)';

export function builder<T>(y: Argv<T>) {
  return withViewExtras(withInputOptions(withModelOptions(y)))
    .positional('input', {
      type: 'string',
      describe: 'sequence file, or - for stdin (default: stdin when piped, else the bundled "remember" demo)',
    })
    .option('snapshot', { type: 'boolean', describe: 'print one step as plain text and exit (the default when stdout is not a terminal)' })
    .option('step', { type: 'number', describe: 'print this step (1-based) as plain text and exit [default: the last]' })
    .option('width', { type: 'number', describe: 'columns of the plain-text view [default: the terminal width, or 120]' })
    .option('color', { type: 'boolean', describe: 'colour; --no-color (or NO_COLOR=1) for monochrome' })
    .option('fps', { type: 'number', describe: 'most redraws per second however fast data arrives [default: 30]' })
    .option('corpus', { type: 'boolean', describe: 'many sequences (a folder, a (B, T, D) .npy, text by --split, NDJSON one per line): a list, Enter opens one, b comes back' })
    .option('split', { type: 'string', choices: SPLITS, describe: 'text corpus: one sequence per line (default) or per blank-line-separated paragraph' })
    .option('history', { type: 'number', describe: 'most steps kept of a long or endless input; older ones are dropped [default: what fits in 1 GiB for a file, 256 MiB for a pipe]' })
    .example('$0 data.csv --weights lstm.json', 'step through every gate')
    .example('tail -f sensor.csv | $0 --weights m.json -', 'live: follows the newest step (f)')
    .example('$0 data.csv -w lstm.json --step 12 > step12.txt', 'one step as text, for an issue or a README')
    .example('$0 essays/ --corpus -w lm.pt --vocab v.json', 'a list of every file, Enter opens one')
    .example('$0 data.csv -w lstm.json --compare rnn.json', 'two networks on the same input (c switches, m memory)');
}

/** A demo's files as the flags that open them. */
export function demoFlags(demo: Demo): Pick<ViewArgs, 'input' | 'weights' | 'inputFormat' | 'vocab'> {
  return { input: demo.input, weights: demo.weights, inputFormat: demo.inputFormat, ...(demo.vocab !== null ? { vocab: demo.vocab } : {}) };
}

/** Keys for the viewer when stdin carries the data: the controlling terminal, or a clear error. */
function openTerminalKeys(): ReadStream {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r');
  } catch {
    throw new UsageError(
      'no terminal to read keys from: the data comes on stdin and there is no controlling terminal; use `gatescope run` for headless output, or --snapshot for one step as text',
    );
  }
  return new ReadStream(fd);
}

function checkArgs(args: ViewArgs): void {
  positiveInt('step', args.step, 2 ** 31);
  if (args.width !== undefined && (!Number.isInteger(args.width) || args.width < 40 || args.width > 1000)) {
    throw new UsageError(`--width must be a whole number from 40 to 1000, got ${args.width}`);
  }
  positiveInt('fps', args.fps, 240);
  positiveInt('history', args.history, 2 ** 31);
}

/** What the tour adds to the viewer's options. */
interface TourView {
  readonly chapters?: readonly ChapterSetup[];
  readonly tour?: number;
  readonly reached?: number;
  readonly onChapter?: (chapter: number) => void;
}

const SIGNALS = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as const;

export async function handler(args: ViewArgs, env: CliEnv, launch: Launch = NO_LAUNCH): Promise<number> {
  checkArgs(args);
  // The trace runs on the fast engine: fused multiply-add kernels where V8 can (before its first use).
  enableRelaxedSimd();
  const interactive = env.stdout.isTTY === true && args.snapshot !== true && args.step === undefined;
  // yargs reads a lone `-` as an empty string
  const named = args.input === undefined || args.input === '' ? null : args.input;
  // Nothing to read: the default demo, opened exactly as `gatescope demo remember` opens it.
  if (launch.demo === null && args.input === undefined && !stdinHasData(env) && args.weights === undefined) {
    const demo = findDemo(DEFAULT_DEMO);
    return handler({ ...args, ...demoFlags(demo) }, env, { demo, live: null });
  }
  const dataOnStdin = launch.demo === null && (named === null || named === '-');
  if (args.split !== undefined && args.corpus !== true) throw new UsageError('--split cuts a corpus: add --corpus');
  if (args.corpus === true) {
    if (!interactive) throw new UsageError('the corpus list is interactive: on a terminal only; `gatescope corpus` lists the sequences as text or JSON');
    if (args.compare !== undefined || args.set !== undefined) throw new UsageError('--compare and --set are for one sequence: drop --corpus');
    return corpusView(args, env);
  }

  // Keys first: with no terminal to read them from, fail before reading an endless pipe.
  let keys: ReadStream | null = null;
  if (interactive) keys = dataOnStdin || env.stdin.isTTY !== true ? openTerminalKeys() : (env.stdin as ReadStream);
  const ownKeys = keys !== null && keys !== (env.stdin as unknown);
  try {
    // A long .npy: the first frame at once, the rest computed by a worker (see openNpyView).
    if (keys !== null && named !== null && named !== '-' && args.compare === undefined && args.set === undefined && launch.demo === null) {
      const npy = await openNpyView(named, args, env);
      if (npy !== null) return await interactiveView({ store: npy.store }, npy.feed, keys, false, args, env, npy.extras);
    }
    const { model, input, toX } = await prepare(args, env);
    const D = model.network.inputSize;
    const featureNames = model.embedding !== null ? Array.from({ length: D }, (_, j) => `e${j}`) : input.featureNames;
    // A file is shown whole up to 1 GiB of history; a pipe may never end, so it keeps less.
    const history = args.history !== undefined ? { maxSteps: args.history } : { historyBytes: dataOnStdin ? 256 * 2 ** 20 : 2 ** 30 };
    const store = new TraceStore(model.network, {
      source: launch.demo === null ? input.source : `demo: ${launch.demo.name} (fixtures/demos/${launch.demo.files.input})`,
      featureNames,
      init: model.init,
      head: model.head,
      tokens: input.vocab !== null,
      // A head with one output per token predicts the next one: name its outputs by the vocabulary.
      classNames: input.vocab !== null && model.head !== null && model.head.outSize === input.vocab.length ? input.vocab : null,
      // beside an edited run (--set, on the reference engine): the same arithmetic, so the steps before the edit are equal
      ...(args.set !== undefined ? { engine: 'reference' as const } : {}),
      ...history,
    });
    const extras = await prepareExtras(args, model, store, history, launch, env).catch((err: unknown) => {
      input.close();
      throw err;
    });

    // The tour plans its chapters over the whole sequence: the demo's short input is read first.
    let view = extras.view as ViewExtras['view'] & TourView;
    let savedNotes: { progress: TourProgress; read: number } | null = null;
    // the default demo carries the tour too (t opens it), as learn does; a live feed does not
    const tourWanted = launch.tour !== undefined || (launch.demo?.name === DEFAULT_DEMO && launch.live === null && args.compare === undefined);
    if (tourWanted) {
      await ingest(store, extras.feed(input, toX), { toX });
      extras.settle(store);
      const all = [store, ...(extras.view.compare === null ? [] : [extras.view.compare]), ...extras.view.more];
      const chapters = planTour(all);
      if (chapters === null && launch.tour !== undefined) throw new UsageError('the tour needs an LSTM and a plain RNN on the same input (the remember demo): npm run demos rebuilds it');
      if (chapters !== null && launch.tour !== undefined) {
        view = { ...extras.view, chapters, tour: launch.tour.chapter, ...(launch.tour.onChapter !== undefined ? { onChapter: launch.tour.onChapter } : {}) };
      } else if (chapters !== null) {
        // the demo's tour, closed: t opens it where the last run left off, and keeps the progress
        if (keys !== null) {
          const p = tourProgress(env.env);
          savedNotes = { progress: p, read: p.notes.length };
          view = { ...extras.view, chapters, onChapter: p.onChapter, ...(p.start !== null ? { reached: p.start - 1 } : {}) };
        } else view = { ...extras.view, chapters };
      }
    }
    if (keys === null) {
      if (store.status === 'reading') {
        await ingest(store, extras.feed(input, toX), { toX });
        extras.settle(store);
      }
      if (store.length === 0) {
        env.stderr.write(`gatescope: ${store.error ?? `${store.source}: no time steps`}\n`);
        return EXIT.data;
      }
      const step = args.step !== undefined ? args.step - 1 : undefined;
      if (step !== undefined && step >= store.length) {
        throw new UsageError(`--step ${args.step} is past the end: ${store.source} has ${store.length} steps`);
      }
      if (step !== undefined && step < store.first) {
        throw new UsageError(`--step ${args.step} is no longer kept: only the last ${store.length - store.first} steps are (raise --history)`);
      }
      const cols = args.width ?? (env.stdout.isTTY === true && env.stdout.columns ? env.stdout.columns : 120);
      // through a sink: a full disk or a closed pipe under `gatescope x.csv > file` is one line
      const sink = stdoutSink(env);
      await sink.write(renderSnapshot(store, { cols, ...(step !== undefined ? { step } : {}), ...view }));
      await sink.finish();
      if (store.error !== null) {
        env.stderr.write(`gatescope: ${store.error}\n`);
        return EXIT.data;
      }
      return EXIT.ok;
    }
    const read = store.status !== 'reading';
    const feed: Feed = {
      run: (signal) => (read ? Promise.resolve() : ingest(store, extras.feed(input, toX), { toX, signal }).then(() => extras.settle(store))),
      close: () => input.close(),
    };
    const code = await interactiveView({ store }, feed, keys, dataOnStdin || extras.follow, args, env, { ...extras, view });
    // a progress save that failed (a file that cannot be read is no news to someone who did not ask for the tour)
    if (savedNotes !== null) for (const n of savedNotes.progress.notes.slice(savedNotes.read)) env.stderr.write(`gatescope: note: ${n}\n`);
    return code;
  } finally {
    if (ownKeys) keys?.destroy();
  }
}

/**
 * The variables Ink's `is-in-ci` reads (when Ink is first imported) to decide it is not
 * interactive: a copy of that package's list, to follow if it changes.
 */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/**
 * Imports the Ink viewer as an interactive program, in this process's own environment (the one
 * `is-in-ci` and React read, whatever env a caller injected):
 * - React reads NODE_ENV when it is first imported: development mode costs several times more per
 *   frame, so it is set to production unless the user set it.
 * - With CI or CONTINUOUS_INTEGRATION set, Ink draws nothing until it exits (it writes only the
 *   last frame, for CI logs): a blank terminal for a user whose shell exports CI=1, and for every
 *   end-to-end test on a CI machine. The viewer only opens on a terminal, so it is interactive
 *   whatever those say: they are hidden while Ink is first imported and put back afterwards (child
 *   processes and workers still see them).
 */
export async function importInteractive<T>(load: () => Promise<T>): Promise<T> {
  const processEnv = process.env;
  processEnv['NODE_ENV'] ??= 'production';
  const saved = CI_VARIABLES.map((key) => [key, processEnv[key]] as const);
  for (const key of CI_VARIABLES) delete processEnv[key];
  try {
    return await load();
  } finally {
    for (const [key, value] of saved) if (value !== undefined) processEnv[key] = value;
  }
}

/** How the trace is filled while the viewer runs. */
interface Feed {
  /** Fills the trace; resolves when the input is used up (or `signal` aborts). */
  run(signal: AbortSignal): Promise<unknown>;
  /** Stops filling (the viewer quit). */
  close(): void;
}

async function interactiveView(
  show: { readonly store: TraceStore } | { readonly corpus: CorpusSource },
  feed: Feed,
  keys: ReadStream,
  follow: boolean,
  args: ViewArgs,
  env: CliEnv,
  extras: ViewExtras,
): Promise<number> {
  const proc = env.process ?? process;
  // Ink's output stage measures text per character; this fast path cuts a frame's cost several
  // times over (see ui/fast-ink). GATESCOPE_FAST_TEXT=0 turns it off, to compare.
  if (env.env['GATESCOPE_FAST_TEXT'] !== '0') await (await import('../../ui/fast-ink/register.js')).registerFastInkText();
  const { startViewer } = await importInteractive(() => import('../../ui/run-viewer.js'));
  const stdout = env.stdout as NodeJS.WriteStream;
  const colorLevel = detectColorLevel(env.env, true, args.color === false);
  const abort = new AbortController();
  let code: number = EXIT.ok;
  let failure: unknown = null;

  // A terminal that went away (SIGHUP) makes writes fail asynchronously: never an unhandled error.
  const ignore = (): void => {};
  stdout.on('error', ignore);
  // Ctrl-Z (a key in raw mode) and SIGTSTP from outside: give the terminal back, then stop for
  // real with SIGSTOP (SIGTSTP itself is handled here, so it would not stop us); SIGCONT (`fg`)
  // takes the terminal again and redraws.
  const suspend = (): void => {
    viewer.suspend();
    proc.kill(proc.pid, 'SIGSTOP');
  };
  const onContinue = (): void => viewer.resume();
  const viewer = startViewer(
    { stdout, keys, stderr: env.stderr as NodeJS.WriteStream },
    // the memory view computes in a worker beside the bundle's (or tsc's) modules
    { ...show, colorLevel, follow, ...(args.fps !== undefined ? { maxFps: args.fps } : {}), ...extras.view, memoryWorker: { kernelVariant: kernelVariant() }, onSuspendKey: suspend },
  );
  proc.on('SIGTSTP', suspend);
  proc.on('SIGCONT', onContinue);
  const end = (exitCode: number, err: unknown = null): void => {
    if (err !== null && failure === null) failure = err;
    if (code === EXIT.ok) code = exitCode;
    viewer.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => end(128 + SIGNALS[signal as keyof typeof SIGNALS]);
  const onCrash = (err: unknown): void => end(EXIT.internal, err);
  for (const sig of Object.keys(SIGNALS)) proc.on(sig, onSignal);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);

  const feeding = feed.run(abort.signal).catch((err: unknown) => end(EXIT.internal, err));
  try {
    await viewer.done;
  } catch (err) {
    if (failure === null) failure = err;
    if (code === EXIT.ok) code = EXIT.internal;
  } finally {
    abort.abort();
    feed.close();
    for (const sig of Object.keys(SIGNALS)) proc.off(sig, onSignal);
    proc.off('SIGTSTP', suspend);
    proc.off('SIGCONT', onContinue);
    proc.off('uncaughtException', onCrash);
    proc.off('unhandledRejection', onCrash);
    stdout.off('error', ignore);
  }
  // Reading stops at its next record (closing the input wakes a read waiting on a quiet pipe).
  void feeding;
  if (failure !== null) {
    const { message, code: errCode } = describeError(failure, env.env['GATESCOPE_DEBUG'] === '1');
    env.stderr.write(`gatescope: ${message}\n`);
    return code === EXIT.internal ? errCode : code;
  }
  return code;
}

// ---- long .npy files -----------------------------------------------------------------------

/**
 * The interactive viewer of an .npy file without reading it into records: the bytes are kept (in
 * memory shared with a worker thread) and read back as rows on demand; the first block is computed
 * at once, the rest by the worker, with checkpoints the viewer recomputes the steps on screen
 * from. Memory stays about the file's size whatever the length, so the whole file is kept: with
 * --history, or when the input is not a regular .npy file within the size limit, this returns null
 * and the general path reads it (and reports errors).
 */
async function openNpyView(path: string, flags: ViewArgs, env: CliEnv): Promise<{ store: TraceStore; feed: Feed; extras: ViewExtras } | null> {
  if (flags.history !== undefined) return null;
  const npy = await openNpyModel(path, flags, env, readShared);
  if (npy === null) return null;
  const { model, bytes, rows, options } = npy;
  const store = new TraceStore(model.network, { source: path, featureNames: rows.featureNames, init: model.init, head: model.head, rows });
  // No --compare here (the caller's condition): the history only matters for a compared trace.
  const extras = await prepareExtras(flags, model, store, { historyBytes: 2 ** 30 }, NO_LAUNCH, env);
  const pass = startPass(store, { kind: 'npy', bytes, source: path, options }, { kernelVariant: kernelVariant() });
  return { store, extras, feed: { run: () => pass.done, close: () => pass.stop() } };
}

/** A regular file's `size` bytes in memory a worker thread can share. */
function readShared(path: string, size: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

// ---- a corpus ------------------------------------------------------------------------------

/**
 * The corpus list on the terminal: the sequences' summaries are computed one after another in the
 * background (a turn of the event loop between two, so keys stay answered), and Enter opens one
 * as its own trace.
 */
async function corpusView(args: ViewArgs, env: CliEnv): Promise<number> {
  const keys = env.stdin.isTTY === true ? (env.stdin as ReadStream) : openTerminalKeys();
  const ownKeys = keys !== (env.stdin as unknown);
  try {
    const opened = await openFittedCorpus(args, env);
    const { model, corpus, vocab } = opened;
    const net = model.network;
    const classes = vocab !== null && model.head !== null && model.head.outSize === vocab.length ? vocab.map((c) => visible(c, 12)) : null;
    const entries: CorpusEntry[] = corpus.members.map((m) => ({ name: m.name, summary: null, error: null }));
    let computed = 0;
    const listeners = new Set<() => void>();
    const listing = (): CorpusListing => ({ source: visible(corpus.source, 40), cell: `${cellLabel(net.kind)} H=${net.hiddenSize}`, entries, classes, head: model.head !== null, computed });
    const oneLine = (err: unknown): string => (err instanceof InputError ? err.format() : err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    const source: CorpusSource = {
      listing,
      subscribe(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      async open(i) {
        const seq = await readSequence(opened, args, i).catch((err: unknown) => {
          throw new Error(oneLine(err));
        });
        const D = net.inputSize;
        const store = new TraceStore(net, {
          source: `${corpus.source} · ${seq.name}`,
          featureNames: model.embedding !== null ? Array.from({ length: D }, (_, j) => `e${j}`) : seq.featureNames,
          init: model.init,
          head: model.head,
          tokens: seq.text,
          classNames: classes,
        });
        seq.xs.forEach((x, t) => store.append(x, seq.labels[t]!));
        store.finish();
        return store;
      },
    };
    const runner = new CorpusRunner(model);
    const fill: Feed = {
      async run(signal) {
        for (let i = 0; i < entries.length && !signal.aborted; i++) {
          try {
            const seq = await readSequence(opened, args, i);
            const acc = new SummaryAccumulator(net, model.head);
            runner.run(seq.xs, (s) => acc.add(s));
            entries[i] = { ...entries[i]!, summary: acc.result() };
          } catch (err) {
            entries[i] = { ...entries[i]!, error: oneLine(err) };
          }
          computed = i + 1;
          for (const fn of listeners) fn();
          await new Promise((r) => setImmediate(r));
        }
      },
      // the list stops computing at the next sequence once the viewer's signal aborts
      close: () => {},
    };
    const extras: ViewExtras = {
      view: {
        compare: null,
        more: [],
        names: [args.weights === undefined ? undefined : shortName(args.weights)],
        memory: args.memory === true,
        diagram: args.diagram === true,
        lang: args.lang ?? langFromEnv(env.env),
        task: { banner: null, target: null, randomWeights: model.weightsSource === null },
      },
      follow: false,
      feed: (input) => input,
      settle: () => {},
    };
    return await interactiveView({ corpus: source }, fill, keys, false, args, env, extras);
  } finally {
    if (ownKeys) keys.destroy();
  }
}
