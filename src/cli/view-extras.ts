/**
 * What the viewer adds to one network on one input: a second network on the same input
 * (`--compare OTHER_WEIGHTS`, and the remember demo's RNN twin), the memory view at start
 * (`--memory`), and a demo's live feed (one step at a time at `--rate` steps per second).
 *
 * The compared network gets a trace of its own, fed record by record from the same stream as
 * the first (before it, so it is never behind), and ends as the first one ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { describeIntervention } from '../engine/intervene.js';
import type { InputRecord } from '../io/input.js';
import { InputError } from '../io/errors.js';
import { recordToX } from '../io/weights/parts.js';
import { TraceStore, type TraceStoreOptions } from '../trace/trace-store.js';
import { panelsFor } from '../ui/panels.js';
import { LANGS, langFromEnv, type Lang } from '../ui/i18n/index.js';
import type { TaskInfo } from '../ui/task.js';
import type { CliEnv } from './env.js';
import { UsageError } from './errors.js';
import { shortName, type Demo } from './demos.js';
import { interventionsFor, parseIntervention } from './interventions.js';
import { loadModel, type LoadedModel } from './load.js';
import type { ModelFlags } from './options.js';

/** The flags that say how to read a weights file: the compared one is read under them too. */
type CompareReadFlags = Pick<ModelFlags, 'maxWeightsBytes' | 'weightsFormat' | 'layout' | 'node'>;

export interface ViewExtraFlags extends CompareReadFlags {
  compare?: string | undefined;
  memory?: boolean | undefined;
  diagram?: boolean | undefined;
  lang?: Lang | undefined;
  unit?: number | undefined;
  panel?: string | undefined;
  set?: string[] | undefined;
}

/** The viewer's flags beyond one network: --compare, --memory, and what to select at the start. */
export function withViewExtras<T>(y: Argv<T>) {
  return y
    .option('compare', { type: 'string', describe: 'a second weights file run on the same input, shown beside the first (c switches keys between them)' })
    .option('set', {
      type: 'string',
      array: true,
      describe: 'an intervention (as run --set: f[3]@20-:=0, l0.c[2]@7:=0.5, x[1]@5:=0): the edited run opens beside the model as it is (c switches); repeatable',
    })
    .option('diagram', { type: 'boolean', describe: 'open on the cell diagram (d) of the selected unit; with --snapshot, print it' })
    .option('lang', { type: 'string', choices: LANGS, describe: 'language of the cell diagram, the explain panel, the help and the tour: en or ko [default: from LC_ALL / LC_MESSAGES / LANG]' })
    .option('memory', { type: 'boolean', describe: 'open on the memory view (m): how far back the state depends on the input; with --snapshot, print it' })
    .option('unit', { type: 'number', describe: 'select this unit (0-based, as on screen): marked, and its sparkline under the timeline' })
    .option('panel', { type: 'string', describe: 'the panel the timeline shows: a gate or state (f i g o c h, r z n h) or its number 1-6' });
}

/** --panel as a 0-based index into the network's panels, or a usage error naming the choices. */
export function panelIndex(panel: string, kind: LoadedModel['network']['kind']): number {
  const panels = panelsFor(kind);
  const byNumber = /^\d+$/.test(panel) ? Number(panel) - 1 : -1;
  const i = byNumber >= 0 ? byNumber : panels.findIndex((p) => p.name === panel || p.title === panel);
  if (i < 0 || i >= panels.length) {
    throw new UsageError(`--panel ${JSON.stringify(panel.slice(0, 20))}: this network's panels are ${panels.map((p, k) => `${k + 1} ${p.name}`).join(', ')}`);
  }
  return i;
}

/** What the viewer and the plain-text view take from the extras (spread into their options). */
export interface ViewOptionsExtra {
  /** The compared network's trace, or null. */
  readonly compare: TraceStore | null;
  /** Networks compared after it (the remember demo's GRU): c cycles through all. */
  readonly more: readonly TraceStore[];
  /** Names of the networks (weights files), first then compared, then the further ones. */
  readonly names: readonly (string | undefined)[];
  /** Open on the memory view. */
  readonly memory: boolean;
  /** Open on the cell diagram. */
  readonly diagram: boolean;
  /** The language of the learning screens (--lang, else LC_ALL / LC_MESSAGES / LANG). */
  readonly lang: Lang;
  /** Selected unit, 0-based. */
  readonly unit?: number;
  /** Panel the timeline shows, 0-based. */
  readonly timeline?: number;
  /** What the network is for: the demo's banner and target; random weights said in the status line. */
  readonly task: TaskInfo;
}

/** How the viewer was launched: from a demo, and whether its steps are streamed live. */
export interface Launch {
  readonly demo: Demo | null;
  /** Feed one step at a time at this many steps per second (a demo's --live). */
  readonly live: { readonly rate: number } | null;
  /** Open the guided tour (gatescope learn): the chapter (0-based), and a call for each chapter opened. */
  readonly tour?: { readonly chapter: number; readonly onChapter?: (chapter: number) => void };
}

export const NO_LAUNCH: Launch = { demo: null, live: null };

export interface ViewExtras {
  /** The compared network, the names, the memory view and the start selection, as viewer and snapshot options. */
  readonly view: ViewOptionsExtra;
  /** Start on the newest step and stay there (a live feed). */
  readonly follow: boolean;
  /** The records to give the first trace: each is appended to the compared trace first; paced when live. */
  feed(input: AsyncIterable<InputRecord>, toX: (r: InputRecord) => Float64Array): AsyncIterable<InputRecord>;
  /** After the first trace is fed: the compared one ends the way it did. */
  settle(first: TraceStore): void;
}

/**
 * The compared network, loaded as --weights is (its head, its initial state, the same size limit
 * and format flags), and its input for a record: its own embedding's row when both networks take
 * text; otherwise the first network's input, which must then be as wide.
 */
async function loadCompare(path: string, flags: CompareReadFlags, main: LoadedModel, env: CliEnv) {
  const { maxWeightsBytes, weightsFormat, layout, node } = flags;
  const model = await loadModel({ weights: path, maxWeightsBytes, weightsFormat, layout, node }, env, undefined);
  const net = model.network;
  // The first network takes values, not tokens: an embedding of the compared one goes unused.
  const embedding = main.embedding === null ? null : model.embedding;
  if (embedding === null && net.inputSize !== main.network.inputSize) {
    throw new InputError(`takes ${net.inputSize} inputs per step, the first network ${main.network.inputSize}: --compare needs the same input`, { source: path });
  }
  const own = embedding === null ? null : recordToX(embedding, path);
  const toX = own === null ? (_r: InputRecord, x: Float64Array) => x : (r: InputRecord) => own(r);
  return { model, toX };
}

/**
 * Sets up the extras for a viewer on `main` over `store`'s input. `history` is the first trace's
 * history option, so both keep about the same steps.
 */
export async function prepareExtras(
  flags: ViewExtraFlags,
  main: LoadedModel,
  store: TraceStore,
  history: Pick<TraceStoreOptions, 'maxSteps' | 'historyBytes'>,
  launch: Launch,
  env: CliEnv,
): Promise<ViewExtras> {
  const comparePath = flags.compare ?? launch.demo?.compare ?? undefined;
  // What to select at the start: the flags, else what the demo points at.
  const select = launch.demo?.select ?? null;
  const H = main.network.hiddenSize;
  const unit = flags.unit ?? select?.unit;
  if (unit !== undefined && (!Number.isInteger(unit) || unit < 0 || unit >= H)) throw new UsageError(`--unit must be a unit from 0 to ${H - 1}, got ${unit}`);
  const panel = flags.panel ?? select?.panel;
  const timeline = panel !== undefined ? panelIndex(panel, main.network.kind) : undefined;
  const mainName = main.weightsSource !== null ? shortName(main.weightsSource) : main.seed !== null ? `random weights, seed ${main.seed}` : undefined;
  let compare: TraceStore | null = null;
  let otherX: ((r: InputRecord, x: Float64Array) => Float64Array) | null = null;
  let otherName: string | undefined;
  const more: { store: TraceStore; toX: (r: InputRecord, x: Float64Array) => Float64Array; name: string }[] = [];
  const sets = flags.set ?? [];
  if (sets.length > 0 && comparePath !== undefined) {
    throw new UsageError('--set opens the edited run beside the model as it is, in the place --compare would take: use one of them');
  }
  if (sets.length > 0) {
    const net = main.network;
    const list = interventionsFor(net, sets.map(parseIntervention));
    compare = new TraceStore(net, {
      source: store.source,
      featureNames: store.featureNames,
      init: main.init,
      head: main.head,
      tokens: store.tokens,
      classNames: store.classNames,
      interventions: list,
      ...history,
    });
    // the same network on the same input: the same x
    otherX = (_r, x) => x;
    otherName = `--set ${list.map((iv) => describeIntervention(net, iv)).join(' ')}`;
  } else if (comparePath !== undefined) {
    const paths = [comparePath, ...(flags.compare === undefined ? (launch.demo?.more ?? []) : [])];
    for (const path of paths) {
      const other = await loadCompare(path, flags, main, env);
      const head = other.model.head;
      const st = new TraceStore(other.model.network, {
        source: store.source,
        featureNames: store.featureNames,
        init: other.model.init,
        head,
        tokens: store.tokens,
        classNames: store.classNames !== null && head !== null && head.outSize === store.classNames.length ? store.classNames : null,
        ...history,
      });
      if (compare === null) {
        compare = st;
        otherX = other.toX;
      } else more.push({ store: st, toX: other.toX, name: shortName(path) });
    }
  }
  const live = launch.live;
  const twin = compare;
  const twinX = otherX;
  const names = compare === null ? [mainName] : [mainName, otherName ?? shortName(comparePath!), ...more.map((m) => m.name)];
  const memory = flags.memory === true;
  const diagram = flags.diagram === true;
  const lang: Lang = flags.lang ?? langFromEnv(env.env);
  const demo = launch.demo;
  const task: TaskInfo = { banner: demo?.banner ?? null, target: demo?.target ?? null, randomWeights: main.weightsSource === null };
  return {
    view: { compare, more: more.map((m) => m.store), names, memory, diagram, lang, task, ...(unit !== undefined ? { unit } : {}), ...(timeline !== undefined ? { timeline } : {}) },
    follow: live !== null,
    feed: (input, toX) => {
      if (twin === null && live === null) return input;
      return (async function* () {
        const interval = live === null ? 0 : 1000 / live.rate;
        const start = performance.now();
        let n = 0;
        for await (const r of input) {
          if (interval > 0 && n > 0) {
            // On a schedule from the start, so the rate holds however long each step takes.
            const wait = start + n * interval - performance.now();
            // Unreferenced: quitting the viewer never waits for the next step.
            if (wait > 0) await sleep(wait, undefined, { ref: false });
          }
          n++;
          if (twin !== null && twinX !== null) twin.append(twinX(r, toX(r)), r.label);
          for (const m of more) m.store.append(m.toX(r, toX(r)), r.label);
          yield r;
        }
      })();
    },
    settle: (first) => {
      for (const st of [...(twin === null ? [] : [twin]), ...more.map((m) => m.store)]) {
        if (first.status === 'done') st.finish();
        else if (first.status === 'failed') st.fail(first.error ?? 'the input stopped');
      }
    },
  };
}
