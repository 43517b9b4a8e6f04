/**
 * The bundled demos (fixtures/demos/index.json, written by scripts/make-demos.ts): which weights,
 * sequence and vocabulary each opens, its twin network to compare with, and what to look at in
 * the viewer. `gatescope` with nothing to read and `gatescope demo NAME` both open them from here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { visible } from '../io/errors.js';
import type { TargetRule } from '../ui/task.js';
import { UsageError } from './errors.js';

/** The package root: fixtures/ sits beside dist/ and src/. */
const DEMOS = new URL('../../fixtures/demos/', import.meta.url);

/** The demo `gatescope` opens when there is nothing to read. */
export const DEFAULT_DEMO = 'remember';

export interface Demo {
  readonly name: string;
  /** One line: what the network was trained to do. */
  readonly description: string;
  /** What to look at in the viewer, in a sentence or two. */
  readonly look: string;
  /** Absolute paths. */
  readonly weights: string;
  readonly input: string;
  readonly inputFormat: 'csv' | 'text';
  readonly vocab: string | null;
  /** A twin network trained on the same task, shown beside the first (remember's RNN). */
  readonly compare: string | null;
  /** Networks compared after the twin (remember: the GRU), absolute paths; c cycles through all. */
  readonly more: readonly string[];
  /** Paths as the manifest writes them (relative to fixtures/demos/), for titles. */
  readonly files: { readonly weights: string; readonly input: string; readonly compare: string | null; readonly more: readonly string[] };
  /** What the viewer selects at the start: the unit to look at and the panel for the timeline. */
  readonly select: { readonly unit: number; readonly panel: string } | null;
  /** The viewer's one-line task banner (what it was trained for, what to look at). */
  readonly banner: string;
  /** Where the target of each step is in the input, for ✓ / ✗ beside the prediction. */
  readonly target: TargetRule | null;
}

/** What the manifest measured of a demo's first model (and of its twin). */
type Results = Readonly<Record<string, number>>;

/**
 * What to look at, per demo, in the viewer's words, with the manifest's measured results where
 * they exist (fixtures/demos/README.md says how they were measured); `select` is what the viewer
 * selects at the start. remember's unit 2 is a fact of the bundled weights, checked by a test.
 */
interface Look {
  look: string;
  select?: { unit: number; panel: string };
  banner: string;
  target: TargetRule | null;
}

const LOOK: Readonly<Record<string, (r: Results, twin: Results | null) => Look>> = {
  remember: (r, twin) => ({
    // rememberAccuracy's tolerance (src/engine/train/demos.ts): within 0.1 counts as remembered
    banner: "task: report step 1's value (t=0) at the last step · unit 2's f gate holds it",
    target: { kind: 'feature-at', step: 0, feature: 0, tolerance: 0.1 },
    look:
      "step 1 carries the value to report (the marker is 1). LSTM: unit 2's forget gate stays near 1 (0.87-0.99), so its " +
      `cell keeps step 1 to the end and the head reports it (ŷ at step 50). RNN: its state washes out within a dozen steps. ` +
      `Press m: the LSTM reaches back ${r['memorySpanX'] ?? '?'} steps, the RNN ${twin?.['memorySpanX'] ?? '?'}; c switches the keys between the two. ` +
      'A minGRU, whose gates see only x, was trained the same way: --compare fixtures/demos/remember/mingru.json (its ∂h/∂h is the product of 1−z). ' +
      "So was xLSTM's sLSTM: --compare fixtures/demos/remember/slstm.json (unit 3's stabilised f stays 1 and its i near 0 over the distractors, so c and n keep step 1).",
    select: { unit: 2, panel: 'f' },
  }),
  'remember-gru': (r) => {
    const unit = r['holdUnit'];
    const banner = "task: report step 1's value (t=0) at the last step · a GRU's update gate z holds it";
    const target: TargetRule = { kind: 'feature-at', step: 0, feature: 0, tolerance: 0.1 };
    if (unit === undefined) return { look: 'a GRU on the remember task.', banner, target };
    const z = r['holdZMean'];
    return {
      banner,
      target,
      look:
        `the same sequence through a GRU. Unit ${unit} (selected, its update gate z in the timeline) keeps z near 1` +
        `${z !== undefined ? ` (mean ${z.toFixed(4)} over the distractors)` : ''}, so h = (1−z)·n + z·h_prev keeps its old value: ` +
        "the GRU holds step 1 in h itself, without a separate cell. c switches to remember's LSTM.",
      select: { unit, panel: 'z' },
    };
  },
  sine: () => ({
    banner: 'task: predict the next value of a noisy sine (ŷ vs the next x, ✓ within 0.15)',
    target: { kind: 'next-feature', feature: 0, tolerance: 0.15 },
    look: 'the head predicts the next value (ŷ in the status line). Try --live: steps arrive one at a time, like a sensor; m shows the memory fading in a straight line.',
  }),
  brackets: (r) => {
    const unit = r['depthUnit'];
    const corr = r['depthCorrelation'];
    const target: TargetRule = { kind: 'next-token' };
    if (unit === undefined || unit < 0) return { look: 'each step is one character; the head predicts the next.', banner: 'task: predict the next character (top guesses under the input)', target };
    return {
      banner: `task: predict the next character. Unit ${unit}'s h counts the nesting depth`,
      target,
      look:
        `each step is one character. Unit ${unit} (selected, its h in the timeline) is high while brackets are open and drops ` +
        `back at the top level: it counts the nesting depth${corr !== undefined ? ` (r = ${corr.toFixed(2)})` : ''}.`,
      // h, not c: c is scaled by the largest |c| of any unit, and another unit's dwarfs this one's.
      select: { unit, panel: 'h' },
    };
  },
};

interface ManifestEntry {
  readonly models?: readonly { readonly results?: Results }[];
  readonly name: string;
  readonly description: string;
  readonly weights: string;
  readonly input: string;
  readonly inputFormat: string;
  readonly vocab?: string;
  readonly compare?: string;
  readonly more?: readonly string[];
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

let cached: readonly Demo[] | null = null;

/** Every bundled demo, in the manifest's order. */
export function listDemos(): readonly Demo[] {
  if (cached !== null) return cached;
  const path = fileURLToPath(new URL('index.json', DEMOS));
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`the demo manifest ${path} cannot be read (npm run demos rebuilds it): ${err instanceof Error ? err.message : String(err)}`);
  }
  const entries = (parsed as { demos?: unknown }).demos;
  if (!Array.isArray(entries)) throw new Error(`the demo manifest ${path} has no "demos" list (npm run demos rebuilds it)`);
  const abs = (rel: string): string => fileURLToPath(new URL(rel, DEMOS));
  cached = entries.map((raw: Partial<ManifestEntry>): Demo => {
    const name = str(raw.name);
    const weights = str(raw.weights);
    const input = str(raw.input);
    if (name === null || weights === null || input === null) throw new Error(`the demo manifest ${path} has an entry without name, weights or input`);
    const vocab = str(raw.vocab);
    const compare = str(raw.compare);
    const more = Array.isArray(raw.more) ? raw.more.flatMap((m) => (str(m) === null ? [] : [m as string])) : [];
    const results = (i: number): Results | null => (Array.isArray(raw.models) ? (raw.models[i]?.results ?? null) : null);
    const hint = LOOK[name]?.(results(0) ?? {}, results(1));
    return {
      name,
      description: str(raw.description) ?? '',
      look: hint?.look ?? '',
      weights: abs(weights),
      input: abs(input),
      inputFormat: raw.inputFormat === 'text' ? 'text' : 'csv',
      vocab: vocab === null ? null : abs(vocab),
      compare: compare === null ? null : abs(compare),
      more: more.map(abs),
      files: { weights, input, compare, more },
      select: hint?.select ?? null,
      banner: hint?.banner ?? `demo ${name}: ${str(raw.description) ?? ''}`,
      target: hint?.target ?? null,
    };
  });
  return cached;
}

/** The demo called `name`, or a usage error naming the ones there are. */
export function findDemo(name: string): Demo {
  const demos = listDemos();
  const demo = demos.find((d) => d.name === name);
  if (demo === undefined) {
    throw new UsageError(`unknown demo "${visible(name, 40)}": the demos are ${demos.map((d) => d.name).join(', ')} (gatescope demo --list says what each shows)`);
  }
  return demo;
}

/** The file name a network goes by on screen: the last part of its path (`lstm.json`). */
export function shortName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** The --list text: each demo's name, what it was trained for and what to look at. */
export function demoListText(width = 100): string {
  const demos = listDemos();
  const nameWidth = Math.max(...demos.map((d) => d.name.length)) + 2;
  const wrap = (text: string, indent: number): string[] => {
    const room = Math.max(30, width - indent);
    const out: string[] = [];
    let line = '';
    for (const word of text.split(/\s+/)) {
      if (word === '') continue;
      if (line !== '' && line.length + 1 + word.length > room) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(line);
    return out;
  };
  const blocks = demos.map((d) => {
    const pad = ' '.repeat(nameWidth + 2);
    const lines = wrap(d.description, nameWidth + 2).map((l, i) => (i === 0 ? `  ${d.name.padEnd(nameWidth)}${l}` : pad + l));
    const also = d.files.more.length > 0 ? ` (c also cycles to ${d.files.more.join(', ')})` : '';
    const twin = d.compare !== null ? ` Shown beside ${d.files.compare}, trained the same way${also}.` : '';
    if (d.look !== '' || twin !== '') lines.push(...wrap(`Look: ${d.look}${twin}`, nameWidth + 2).map((l) => pad + l));
    return lines.join('\n');
  });
  return `Bundled demos (small networks trained by gatescope's own trainer):\n\n${blocks.join('\n\n')}\n\nOpen one: gatescope demo NAME   (gatescope alone opens ${DEFAULT_DEMO}; --memory opens the memory view; sine --live streams)\n`;
}
