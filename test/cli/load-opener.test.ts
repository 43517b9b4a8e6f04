import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitModel, loadModel, openNpyModel, prepare, type InputShape } from '../../src/cli/load.js';
import type { CliEnv } from '../../src/cli/env.js';
import { InputError } from '../../src/io/errors.js';
import type { InputOptions } from '../../src/io/input.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** A terminal on stdin (no data): only an opener can supply the input. */
function env(): CliEnv {
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  return { stdin: tty, stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: ROOT } as unknown as CliEnv;
}

/** An input of these features, opened under the options the loader worked out (kept in `seen`). */
function rows(featureNames: string[], seen: InputOptions[]): (opts: InputOptions) => Promise<InputShape> {
  return async (opts) => {
    seen.push(opts);
    return { source: 'rows.npy', featureNames, vocab: null };
  };
}

describe('fitModel', () => {
  it('sizes random weights to the opened input, without reading stdin', async () => {
    const seen: InputOptions[] = [];
    const { model, input } = await fitModel({ hiddenSize: 4, seed: 2 }, env(), rows(['a', 'b', 'c'], seen));
    expect(model.network.inputSize).toBe(3);
    expect(model.network.hiddenSize).toBe(4);
    expect(model.seed).toBe(2);
    expect(input.source).toBe('rows.npy');
    expect(seen[0]!.expectedWidth).toBeUndefined();
  });

  it('tells the opener the width the weights expect', async () => {
    const seen: InputOptions[] = [];
    const { model } = await fitModel({ weights: 'fixtures/demos/remember/lstm.json' }, env(), rows(['value', 'marker'], seen));
    expect(seen[0]!.expectedWidth).toBe(model.network.inputSize);
  });

  it('still refuses an empty input, naming the opener source', async () => {
    await expect(fitModel({}, env(), rows([], []))).rejects.toThrow(InputError);
    await expect(fitModel({}, env(), rows([], []))).rejects.toMatchObject({ source: 'rows.npy' });
  });

});

describe('prepare', () => {
  it('takes a terminal on stdin for no input', async () => {
    await expect(prepare({}, env())).rejects.toThrow(/no input/);
  });
});

describe('loadModel', () => {
  it('needs the input width for random weights only', async () => {
    await expect(loadModel({}, env(), undefined)).rejects.toThrow(/feature count/);
    expect((await loadModel({ cell: 'gru' }, env(), 5)).network.inputSize).toBe(5);
    const file = await loadModel({ weights: 'fixtures/demos/remember/rnn.json', cell: 'rnn' }, env(), undefined);
    expect(file.weightsSource).toBe('fixtures/demos/remember/rnn.json');
  });
});

describe('openNpyModel', () => {
  const read = (file: string): Uint8Array => readFileSync(file);

  it('loads the model against the rows of a regular .npy file', async () => {
    const npy = await openNpyModel('fixtures/inputs/series-f4.npy', { hiddenSize: 3 }, env(), read);
    expect(npy).not.toBeNull();
    expect(npy!.model.network.inputSize).toBe(npy!.rows.featureNames.length);
    expect(npy!.bytes.length).toBeGreaterThan(0);
  });

  it('leaves to the general path what it does not read: another format, a missing file, a FIFO, too many bytes', async () => {
    const never = (): Uint8Array => {
      throw new Error('read');
    };
    expect(await openNpyModel('fixtures/inputs/series.csv', {}, env(), never)).toBeNull();
    expect(await openNpyModel('-', {}, env(), never)).toBeNull();
    expect(await openNpyModel('fixtures/inputs/missing.npy', {}, env(), never)).toBeNull();
    const fifo = join(mkdtempSync(join(tmpdir(), 'gatescope-')), 'pipe.npy');
    execFileSync('mkfifo', [fifo]);
    expect(await openNpyModel(fifo, {}, env(), never)).toBeNull();
    expect(await openNpyModel('fixtures/inputs/series-f4.npy', { maxInputBytes: '16' }, env(), never)).toBeNull();
  });
});
