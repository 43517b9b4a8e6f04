/**
 * The models of fixtures/models/ (saved as real PyTorch code saves them: make_models.py) run end to
 * end with the one command a user would type, on the file as saved (.pt, .pth, .bin), against
 * PyTorch's own y, h_n, c_n, pred (logits) and softmax probs.
 *
 * Each also runs from its state_dict as JSON (and one as safetensors: fixtures/models/json/
 * make_json.py), the names and shapes the file's own, so that the head, the embedding and the
 * vocabulary are found whatever they are called in every format. A JSON state_dict cannot record
 * an RNN's nonlinearity: relu_rnn_module (whose .pt does) has no JSON twin; relu_rnn_state is the
 * same weights with --nonlinearity relu.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/expect-close.js';
import { runCli } from '../helpers/cli.js';

const DIR = 'fixtures/models';
const TOL = 1e-5;

/** Cases without a JSON twin, and why. */
const NO_JSON: Readonly<Record<string, string>> = {
  relu_rnn_module: 'only its .pt records nonlinearity=relu',
};

interface Expected {
  command: string[];
  cell: string;
  steps: number;
  y: number[][];
  h_n: number[][];
  c_n?: number[][];
  pred: number[][];
  probs?: number[][];
  head: string;
  embedding?: string;
  notes: string[];
}

/** The command as the case names it, paths from this folder. */
function savedCommand(exp: Expected): string[] {
  const argv = exp.command.map((a, i) => (i === 0 || ['--weights', '--vocab'].includes(exp.command[i - 1]!) ? join(DIR, a) : a));
  return ['run', ...argv, '--format', 'json'];
}

/** The .pt of a command replaced by its JSON twin (the safetensors one for `safetensors`). */
function jsonCommand(name: string, exp: Expected, safetensors = false): string[] {
  const argv = savedCommand(exp);
  const w = argv.indexOf('--weights');
  argv[w + 1] = join(DIR, 'json', `${name}.${safetensors ? 'safetensors' : 'json'}`);
  return argv;
}

interface Run {
  code: number;
  stderr: string;
  doc: {
    meta: { head: { tensor: string; outputs: number; topK: number } | null; embedding: { tensor: string } | null };
    steps: { y: number[]; pred?: number[]; probs?: number[]; top?: { index: number; p: number; token?: string }[] }[];
    final: { T: number; h_n: number[][]; c_n?: number[][] };
  } | null;
}

async function run(argv: string[]): Promise<Run> {
  const r = await runCli(argv);
  return { code: r.code, stderr: r.stderr, doc: r.code === 0 ? JSON.parse(r.stdout) : null };
}

function checkAgainstPyTorch(name: string, exp: Expected, r: Run): void {
  expect(r.stderr.startsWith('gatescope: error') ? r.stderr : '', name).toBe('');
  expect(r.code).toBe(0);
  const doc = r.doc!;
  expect(doc.steps).toHaveLength(exp.steps);
  expect(doc.final.T).toBe(exp.steps);
  exp.y.forEach((row, t) => expectClose(doc.steps[t]!.y, row, TOL, `${name} y[t=${t}]`));
  // the JSON says when h is projected (its width is then proj_size, not hiddenSize)
  expect((doc.meta as { projSize?: number }).projSize).toBe(name === 'proj_lstm' ? 3 : undefined);
  exp.h_n.forEach((row, k) => expectClose(doc.final.h_n[k]!, row, TOL, `${name} h_n[${k}]`));
  if (exp.c_n !== undefined) exp.c_n.forEach((row, k) => expectClose(doc.final.c_n![k]!, row, TOL, `${name} c_n[${k}]`));
  exp.pred.forEach((row, t) => expectClose(doc.steps[t]!.pred!, row, TOL, `${name} pred[t=${t}]`));
  expect(doc.meta.head?.tensor).toBe(`${exp.head}.weight`);
  if (exp.embedding !== undefined) expect(doc.meta.embedding?.tensor).toBe(`${exp.embedding}.weight`);
  else expect(doc.meta.embedding).toBeNull();
  if (exp.probs !== undefined) {
    exp.probs.forEach((row, t) => expectClose(doc.steps[t]!.probs!, row, TOL, `${name} probs[t=${t}]`));
    // the top guess is PyTorch's argmax
    exp.probs.forEach((row, t) => expect(doc.steps[t]!.top![0]!.index).toBe(row.indexOf(Math.max(...row))));
  } else {
    expect(doc.steps[0]!.probs).toBeUndefined();
  }
  // what the run must say it assumed, and which tensors it took as what
  for (const n of exp.notes) expect(r.stderr).toContain(n);
  if (exp.head !== 'head') expect(r.stderr).toContain(`gatescope: note: head: ${exp.head}.weight`);
  if (exp.embedding !== undefined) expect(r.stderr).toContain(`gatescope: note: embedding: ${exp.embedding}.weight`);
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => f.slice(0, -'.expected.json'.length))
  .sort();

describe('real models, as saved by real code, against PyTorch', () => {
  it('has every case of the folder, each with its JSON twin unless NO_JSON says why not', () => {
    expect(cases).toEqual(['char_lm', 'classifier', 'forecaster', 'gru_tagger', 'lstm_cell', 'proj_lstm', 'relu_rnn_module', 'relu_rnn_state', 'word_lm']);
    const twins = readdirSync(join(DIR, 'json')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect([...twins, ...Object.keys(NO_JSON)].sort()).toEqual(cases);
  });

  for (const name of cases) {
    const exp = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    it(`${name}, as saved: gatescope run ${exp.command.join(' ')}`, async () => {
      checkAgainstPyTorch(name, exp, await run(savedCommand(exp)));
    });
    if (!Object.hasOwn(NO_JSON, name)) {
      it(`${name}, its state_dict as JSON`, async () => {
        checkAgainstPyTorch(name, exp, await run(jsonCommand(name, exp)));
      });
    }
  }

  for (const name of cases) {
    const exp = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    const weights = exp.command[exp.command.indexOf('--weights') + 1]!;
    it(`${name}: inspect ${weights} names the recurrent module, the head and the embedding it takes`, async () => {
      const r = await runCli(['inspect', join(DIR, weights), '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const d = JSON.parse(r.stdout) as {
        cell: string;
        numLayers: number;
        projSize: number | null;
        head: { tensor: string } | null;
        embedding: { tensor: string } | null;
        notes: string[];
      };
      // a state_dict cannot record relu: inspect says what it assumes, run is told by the flag
      expect(d.cell).toBe(name === 'relu_rnn_state' ? 'rnn_tanh' : exp.cell);
      expect(d.head?.tensor).toBe(`${exp.head}.weight`);
      expect(d.embedding?.tensor ?? null).toBe(exp.embedding === undefined ? null : `${exp.embedding}.weight`);
      expect(d.projSize).toBe(name === 'proj_lstm' ? 3 : null);
      if (name === 'lstm_cell') expect(d.notes.join('\n')).toContain('a cell module (nn.LSTMCell)');
      if (name === 'relu_rnn_state') expect(d.notes.join('\n')).toContain('assumed tanh');
    });
  }

  it('reads the classifier from safetensors the same way', async () => {
    const exp = JSON.parse(readFileSync(join(DIR, 'classifier.expected.json'), 'utf8')) as Expected;
    checkAgainstPyTorch('classifier', exp, await run(jsonCommand('classifier', exp, true)));
  });

  it('says how many words were unknown and names the token they became', async () => {
    const exp = JSON.parse(readFileSync(join(DIR, 'classifier.expected.json'), 'utf8')) as Expected;
    const r = await run(jsonCommand('classifier', exp));
    expect(r.stderr).toContain('gatescope: note: fixtures/models/classifier.input.txt: 1 token not in the vocabulary read as <unk> (the first: "twist" at 1:30)');
  });

  it('names the predicted tokens of a language model beside their indices', async () => {
    const exp = JSON.parse(readFileSync(join(DIR, 'char_lm.expected.json'), 'utf8')) as Expected;
    const r = await run(jsonCommand('char_lm', exp));
    const vocab = Object.keys(JSON.parse(readFileSync(join(DIR, 'char_lm.vocab.json'), 'utf8')) as Record<string, number>);
    const top = r.doc!.steps[0]!.top!;
    expect(top).toHaveLength(5);
    for (const g of top) expect(g.token).toBe(vocab[g.index]);
  });
});
