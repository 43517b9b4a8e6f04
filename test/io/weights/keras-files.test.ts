/**
 * Keras .h5 (Keras 2 full save and save_weights, Keras 3 .weights.h5), .keras and TF.js model.json
 * files as Keras writes them (fixtures/weights/keras/make_keras.py), read end to end by the built
 * CLI: every step's output, the final states and the head's prediction against a numpy
 * implementation of Keras's equations, to 1e-5.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../../helpers/build.js';
import { expectClose } from '../../helpers/expect-close.js';
import { gatescope } from '../../helpers/gatescope-bin.js';
import { ROOT } from '../../helpers/import-log.js';

const DIR = join(ROOT, 'fixtures', 'weights', 'keras');
const TOL = 1e-5;

interface Case {
  file: string;
  expected: string;
  format: string;
  cell: string;
  layers: number;
  directions: string[];
  head: boolean;
  text?: boolean;
  linearBeforeReset?: boolean;
}

interface Expected {
  input: number[][];
  output: number[][];
  h_n: number[][];
  c_n: number[][] | null;
  head: number[][];
  keras_prediction: number[] | number[][];
  keras_prediction_step?: number;
}

interface Trace {
  meta: { cell: string; numLayers: number; directions: string[]; weightsFormat: string };
  steps: { y: number[]; pred?: number[] }[];
  final: { h_n: number[][]; c_n?: number[][] };
}

const cases = (JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { cases: Case[] }).cases;
const tmp = mkdtempSync(join(tmpdir(), 'gs-keras-'));

beforeAll(requireBuild);

describe('Keras and TF.js files through gatescope run', () => {
  it('has every case of the generator', () => {
    expect(cases.map((c) => c.format).sort()).toEqual(['keras-h5', 'keras-h5', 'keras-h5', 'keras-h5', 'keras-v3', 'keras-v3', 'tfjs', 'tfjs']);
  });

  for (const c of cases) {
    it(`reproduces ${c.file} (${c.format}, ${c.cell}, ${c.layers} layer(s), ${c.directions.join('+')})`, () => {
      const exp = JSON.parse(readFileSync(join(DIR, c.expected), 'utf8')) as Expected;
      const weights = join(DIR, c.file);
      let args: string[];
      if (c.text) {
        const stem = c.file.replace(/\.h5$/, '');
        args = ['run', join(DIR, `${stem}.input.txt`), '--input-format', 'text', '--vocab', join(DIR, `${stem}.vocab.txt`)];
      } else {
        const x = join(tmp, `${c.expected}.x.json`);
        writeFileSync(x, JSON.stringify(exp.input));
        args = ['run', x];
      }
      const res = gatescope([...args, '--weights', weights, '--format', 'json']);
      expect(res.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('gatescope: note: '))).toEqual([]);
      expect(res.status).toBe(0);
      const trace = JSON.parse(res.stdout) as Trace;
      expect(trace.meta).toMatchObject({ cell: c.cell, numLayers: c.layers, directions: c.directions, weightsFormat: c.format });
      expect(trace.steps).toHaveLength(exp.output.length);
      exp.output.forEach((row, t) => expectClose(trace.steps[t]!.y, row, TOL, `y[t=${t}, unit={i}]`));
      exp.h_n.forEach((row, r) => expectClose(trace.final.h_n[r]!, row, TOL, `h_n[row=${r}, unit={i}]`));
      exp.c_n?.forEach((row, r) => expectClose(trace.final.c_n![r]!, row, TOL, `c_n[row=${r}, unit={i}]`));
      exp.head.forEach((row, t) => expectClose(trace.steps[t]!.pred!, row, TOL, `pred[t=${t}, out={i}]`));
      // what model.predict(x) returns is one of our steps' pred (or all of them)
      if (exp.keras_prediction_step !== undefined) {
        expectClose(trace.steps[exp.keras_prediction_step]!.pred!, exp.keras_prediction as number[], TOL, 'model.predict[{i}]');
      } else {
        (exp.keras_prediction as number[][]).forEach((row, t) => expectClose(trace.steps[t]!.pred!, row, TOL, `model.predict[t=${t}, out={i}]`));
      }
    });
  }

  it('says what it assumed for a weights-only file, and what a config changed', () => {
    const x = join(tmp, 'x.json');
    writeFileSync(x, JSON.stringify([[0.1, 0.2, 0.3]]));
    const bidir = gatescope(['run', x, '--weights', join(DIR, 'lstm_bidir.weights.h5')]);
    expect(bidir.status).toBe(0);
    expect(bidir.stderr).toContain("note: " + join(DIR, 'lstm_bidir.weights.h5') + ": LSTM: the file does not record the activations; assuming Keras's defaults (tanh, recurrent sigmoid)");
    const back = gatescope(['run', x, '--weights', join(DIR, 'lstm_backwards.keras')]);
    expect(back.stderr).toMatch(/note: .*go_backwards=True: it is run as a reverse direction/);
    expect(back.stderr).toMatch(/note: .*return_sequences=False: the model's Dense reads only the last step/);
    const embed = gatescope(['run', join(DIR, 'embed_gru.input.txt'), '--input-format', 'text', '--vocab', join(DIR, 'embed_gru.vocab.txt'), '--weights', join(DIR, 'embed_gru.h5')]);
    expect(embed.stderr).toMatch(/note: .*Dense "dense" has activation "softmax": pred is its input to "softmax"/);
  });
});

describe('gatescope inspect on Keras and TF.js files', () => {
  const want: Record<string, RegExp> = {
    'lstm_dense.h5': /^format {6}Keras HDF5 \(\.h5\), Keras names\nlayers {6}"lstm"\nnetwork {5}LSTM, input 3, hidden 4, 1 layer, forward, bias\n/,
    'gru_bidir_2l.h5': /^format {6}Keras HDF5 \(\.h5\), Keras names\nlayers {6}"bidirectional", "bidirectional_1"\nnetwork {5}GRU, input 3, hidden 4, 2 layers, bidirectional, bias, linear_before_reset 1\n/,
    'embed_gru.h5': /network {5}GRU, input 3, hidden 4, 1 layer, forward, bias, linear_before_reset 0\n[\s\S]*embeddings:0 +F32 +\[10, 3\] +embedding: 10 tokens \[as embedding\.weight\]/,
    'simple_rnn_relu.keras': /^format {6}Keras 3 \(\.keras\), Keras names\nlayers {6}"simple_rnn"\nnetwork {5}RNN\(relu\), input 3, hidden 4/,
    'lstm_backwards.keras': /network {5}LSTM, input 3, hidden 4, 1 layer, reverse only, bias\n/,
    'lstm_bidir.weights.h5': /layers\/bidirectional\/backward_layer\/cell\/vars\/0 +F32 +\[3, 16\] +weight_ih_l0_reverse \(transposed\)/,
    'tfjs_lstm_2l/model.json': /^format {6}TensorFlow\.js layers model, Keras names\nlayers {6}"lstm", "lstm_1"\nnetwork {5}LSTM, input 3, hidden 4, 2 layers, forward, bias\n/,
    'tfjs_gru_quantized/model.json': /gru\/gru_cell\/kernel +uint8 +\[3, 12\] +weight_ih_l0 \(transposed\)[\s\S]*gru\/gru_cell\/bias +float16 +\[2, 12\] +bias_ih_l0, bias_hh_l0/,
  };
  for (const c of cases) {
    it(`describes ${c.file}`, () => {
      const res = gatescope(['inspect', join(DIR, c.file)]);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      expect(res.stdout).toMatch(want[c.file]!);
      // the head and the embedding are used, not listed as unused
      expect(res.stdout).not.toMatch(/^not used .*(dense|embedding)/m);
    });
  }
});

describe('TF.js shards through gatescope inspect', () => {
  const modelJson = readFileSync(join(DIR, 'tfjs_lstm_2l', 'model.json'), 'utf8');

  it('refuses a missing shard, a hostile path, and the size limit over all the files', () => {
    const dir = join(tmp, 'tfjs-model');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), modelJson);
    copyFileSync(join(DIR, 'tfjs_lstm_2l', 'group1-shard1of3.bin'), join(dir, 'group1-shard1of3.bin'));
    copyFileSync(join(DIR, 'tfjs_lstm_2l', 'group1-shard2of3.bin'), join(dir, 'group1-shard2of3.bin'));
    const missing = gatescope(['inspect', join(dir, 'model.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain(join(dir, 'group1-shard3of3.bin'));
    copyFileSync(join(DIR, 'tfjs_lstm_2l', 'group1-shard3of3.bin'), join(dir, 'group1-shard3of3.bin'));
    expect(gatescope(['inspect', join(dir, 'model.json')]).status).toBe(0);
    // model.json (~1.8 KB) and its shards (1,128 bytes) together over a 2,500-byte limit
    const big = gatescope(['inspect', join(dir, 'model.json'), '--max-weights-bytes', '2500']);
    expect(big.status).toBe(1);
    expect(big.stderr).toMatch(/group1-shard\dof3\.bin: the file is .*more than the .* limit \(raise it with --max-weights-bytes \(model\.json and its shards together\)\)/);
    const evilDoc = JSON.parse(modelJson) as { weightsManifest: { paths: string[] }[] };
    evilDoc.weightsManifest[0]!.paths = ['../../../etc/passwd'];
    writeFileSync(join(dir, 'evil.json'), JSON.stringify(evilDoc));
    const evil = gatescope(['inspect', join(dir, 'evil.json')]);
    expect(evil.status).toBe(1);
    expect(evil.stderr).toMatch(/evil\.json: weightsManifest\[0\]\.paths: shard path "\.\.\/\.\.\/\.\.\/etc\/passwd" leaves the folder/);
  });
});
