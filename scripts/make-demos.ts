/**
 * Regenerates fixtures/demos/ from nothing but seeds: `npm run demos` (all) or
 * `npm run demos -- sine brackets` (some). The same code and seeds give the same bytes, so a clean
 * run leaves `git status` quiet; CI does not retrain, but test/engine/train-demos.test.ts retrains
 * `sine` and compares every weight bit for bit.
 *
 * Writes, per demo, the trained weights as a PyTorch state_dict in JSON (rnn.* and head.*), the
 * sequence the viewer opens on, and fixtures/demos/index.json: the manifest with each demo's
 * files, training options and measured results. Progress and wall-clock times go to stderr only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEMO_BUILDERS, DEMO_NAMES, type DemoBuild, type DemoName } from '../src/engine/train/demos.js';
import { stateDictJson } from '../src/engine/train/model.js';

// Run from the repository root (npm run sets the working directory there); the script itself is
// bundled into node_modules/.cache first, so its own location says nothing.
const ROOT = process.cwd();
const OUT = join(ROOT, 'fixtures', 'demos');
export const MANIFEST_VERSION = 1;

interface ManifestEntry {
  name: DemoName;
  description: string;
  /** Paths relative to fixtures/demos/. */
  weights: string;
  input: string;
  inputFormat: 'csv' | 'text';
  vocab?: string;
  /** A twin model for side-by-side comparison (remember's RNN). */
  compare?: string;
  /** Further networks compared after the twin (remember: remember-gru's GRU). */
  more?: string[];
  models: {
    id: string;
    weights: string;
    cell: string;
    hiddenSize: number;
    epochs: number;
    bestEpoch: number;
    options: Record<string, unknown>;
    results: Record<string, number>;
  }[];
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function emit(build: DemoBuild): ManifestEntry {
  const dir = build.name;
  const models = build.models.map((m) => {
    const weights = `${dir}/${m.id}.json`;
    write(join(OUT, weights), stateDictJson(m.model));
    const { validation: _v, initial: _i, ...options } = m.options;
    return {
      id: m.id,
      weights,
      cell: m.model.network.kind,
      hiddenSize: m.model.network.hiddenSize,
      epochs: m.epochs,
      bestEpoch: m.bestEpoch,
      options: { ...options },
      results: Object.fromEntries(Object.entries(m.metrics).map(([k, v]) => [k, round(v)])),
    };
  });
  const entry: ManifestEntry = {
    name: build.name,
    description: build.description,
    weights: models[0]!.weights,
    input: '',
    inputFormat: build.display.kind,
    models,
  };
  if (build.display.kind === 'csv') {
    entry.input = `${dir}/input.csv`;
    const rows = build.display.rows.map((r) => r.map((v) => String(round(v))).join(','));
    write(join(OUT, entry.input), `${build.display.header.join(',')}\n${rows.join('\n')}\n`);
  } else {
    entry.input = `${dir}/input.txt`;
    entry.vocab = `${dir}/vocab.txt`;
    write(join(OUT, entry.input), `${build.display.text}\n`);
    write(join(OUT, entry.vocab), `${build.display.vocab.join('\n')}\n`);
  }
  if (models.length > 1) entry.compare = models[1]!.weights;
  else if (build.compareFile !== undefined) entry.compare = build.compareFile;
  if (build.moreFiles !== undefined) entry.more = [...build.moreFiles];
  return entry;
}

function main(argv: string[]): void {
  if (!existsSync(join(ROOT, 'scripts', 'make-demos.ts'))) {
    process.stderr.write('make-demos: run it from the repository root: npm run demos\n');
    process.exitCode = 2;
    return;
  }
  const wanted = argv.length > 0 ? argv : [...DEMO_NAMES];
  for (const name of wanted) {
    if (!(DEMO_NAMES as readonly string[]).includes(name)) {
      process.stderr.write(`make-demos: unknown demo "${name}" (expected ${DEMO_NAMES.join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
  }
  const manifestPath = join(OUT, 'index.json');
  let previous: ManifestEntry[] = [];
  try {
    previous = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { demos: ManifestEntry[] }).demos;
  } catch {
    previous = [];
  }
  const entries = new Map<DemoName, ManifestEntry>(previous.map((e) => [e.name, e]));
  for (const name of wanted as DemoName[]) {
    const started = performance.now();
    let last = started;
    const build = DEMO_BUILDERS[name]((model, r, epochs) => {
      const now = performance.now();
      if (now - last > 1000 || r.epoch === epochs) {
        last = now;
        const acc = r.eval.accuracy === null ? '' : ` accuracy ${r.eval.accuracy.toFixed(3)}`;
        process.stderr.write(`${name}/${model}: epoch ${r.epoch}/${epochs} loss ${r.eval.loss.toFixed(5)}${acc}\n`);
      }
    });
    entries.set(name, emit(build));
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`${name}: trained and written in ${seconds.toFixed(1)} s\n`);
    for (const m of entries.get(name)!.models) process.stderr.write(`  ${m.id}: ${JSON.stringify(m.results)}\n`);
  }
  const demos = DEMO_NAMES.filter((n) => entries.has(n)).map((n) => entries.get(n)!);
  write(manifestPath, `${JSON.stringify({ version: MANIFEST_VERSION, generator: 'scripts/make-demos.ts', demos }, null, 2)}\n`);
  write(join(OUT, 'README.md'), readme(demos));
}

/** What to look at in each demo, with the measured results (regenerated with the files). */
function readme(demos: readonly ManifestEntry[]): string {
  const results = (e: ManifestEntry): string =>
    e.models
      .map((m) => {
        const rows = Object.entries(m.results).map(([k, v]) => `| ${k} | ${v} |`);
        return `**${m.id}** (\`${m.weights}\`, ${m.cell} H=${m.hiddenSize}, best of ${m.epochs} epochs at ${m.bestEpoch}):\n\n| measure | value |\n|---|---|\n${rows.join('\n')}\n`;
      })
      .join('\n');
  const look: Record<DemoName, string> = {
    remember:
      'The first row carries a value and a marker; the next 49 are distractors. At the last step the LSTM ' +
      "reports the first value (its head's prediction), the RNN twin reports roughly the mean, 0. In the LSTM, " +
      'the input gate opens on the marker, the forget gate of the unit that stores the value sits near 1 and ' +
      'its cell holds the value to the end. In the RNN the state washes out within a dozen steps: ' +
      '`gatescope memory remember/input.csv -w remember/lstm.json --compare remember/rnn.json` shows ' +
      '||dh_T/dx_0|| around 0.03 for the LSTM and below 1e-6 for the RNN (memorySpan: steps back until the ' +
      'sensitivity falls under 1% of the last step\'s; firstStepSensitivity: ||dh_T/dx_0|| / ||dh_T/dx_{T-1}||). ' +
      'The minGRU (`remember/mingru.json`, from "Were RNNs All We Needed?") has gates that see only x, never h; ' +
      'it holds on by keeping its update gate z near 0, so its h sensitivity, exactly the product of (1-z) over ' +
      'the steps since, stays high across all 49. ' +
      "xLSTM's sLSTM (`remember/slstm.json`: exponential gates kept in (0, 1] by the stabiliser m, a normaliser n, " +
      'h = o·c/n) remembers too: on unit 3 the stabilised forget gate f is 1 and the input gate i about 0.004 over ' +
      'the distractors, so c and n keep what step 0 wrote and h reports it. ' +
      "The manifest's `more` adds remember-gru's GRU (`remember-gru/gru.json`, trained on the same examples and " +
      'display sequence): in the viewer c cycles LSTM, RNN and GRU, and `gatescope learn` tells the story on all three.',
    'remember-gru':
      "The same task, data and training budget as remember, with a GRU. A GRU has no separate cell: it holds a " +
      'value in h itself, by keeping its update gate z near 1 (h = (1-z)*n + z*h_prev keeps the old state). ' +
      'holdUnit is the unit whose last h follows the value best (holdCorrelation, Pearson r over the validation ' +
      'set); holdZMean and holdZMin are its z over the 49 distractor steps of the display sequence. Shown beside ' +
      "remember's LSTM (`remember/lstm.json`).",
    sine:
      'A noisy sine the model has never seen; the head predicts the next value. Compare mse with ' +
      'persistenceMse, the error of predicting that the next value equals this one. Small and fast: the ' +
      'test suite retrains it from its seed and checks every weight bit for bit.',
    brackets:
      "Each step is one character. After a ')' only the nesting depth says whether the expression is closed " +
      "and a '.' comes next: closeAccuracy is how often the model's top guess gets that right (closeBaseline: " +
      "never guessing '.'). depthUnit is the hidden unit whose value (h or c) best follows the depth, " +
      'with its correlation: a unit that counts brackets, the classic char-rnn finding. View with ' +
      '`--input-format text --vocab brackets/vocab.txt`.',
  };
  const sections = demos.map(
    (e) => `## ${e.name}\n\n${e.description[0]!.toUpperCase()}${e.description.slice(1)}.\n\nInput: \`${e.input}\`${e.vocab !== undefined ? ` (vocabulary \`${e.vocab}\`)` : ''}.\n\n${look[e.name]}\n\n${results(e)}`,
  );
  return `# Bundled demos\n\nSmall models trained by gatescope's own trainer (src/engine/train) from fixed seeds, with the\nsequences the viewer opens them on. Generated by \`npm run demos\` (scripts/make-demos.ts; all three\ntrain in well under a minute on two cores); rerunning it reproduces these files byte for byte. Weights\nare PyTorch state_dicts in JSON: \`rnn.*\` for the recurrent module and \`head.weight\`/\`head.bias\` for the\nlinear read-out. \`index.json\` lists every file, the training options and the results below.\n\n${sections.join('\n')}`;
}

main(process.argv.slice(2));
