import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTrainer, modelTensors } from '../../src/engine/train/index.js';
import { bracketDepths, bracketsText, persistenceMse, SINE, sineSetup } from '../../src/engine/train/demos.js';
import { createRng } from '../../src/engine/index.js';
import { parseStateDictJson } from '../../src/io/weights/state-dict-json.js';

const DEMOS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'demos');
const manifest = JSON.parse(readFileSync(join(DEMOS, 'index.json'), 'utf8')) as {
  version: number;
  demos: { name: string; models: { id: string; weights: string; epochs: number; bestEpoch: number; results: Record<string, number> }[] }[];
};

describe('bundled demos', () => {
  it('the trainer reproduces the sine demo bit for bit from its seed', () => {
    const { examples, options, validation } = sineSetup();
    const trainer = createTrainer(examples, options);
    for (let e = 0; e < SINE.epochs; e++) trainer.runEpoch();
    const best = trainer.best()!;
    const entry = manifest.demos.find((d) => d.name === 'sine')!.models[0]!;
    expect(best.epoch).toBe(entry.bestEpoch);
    const file = parseStateDictJson(readFileSync(join(DEMOS, entry.weights), 'utf8'), entry.weights);
    const tensors = modelTensors(best.model);
    expect([...file.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      const saved = file.get(t.name)!;
      expect(saved.shape, t.name).toEqual(t.shape);
      const differing = t.data.findIndex((v, i) => !Object.is(v, saved.data[i]));
      expect(differing, `${t.name}: first differing element`).toBe(-1);
    }
    expect(Number(best.eval.loss.toPrecision(6))).toBe(entry.results['mse']);
    // It learned something: a fifth of the error of "the next value is this one".
    expect(best.eval.loss).toBeLessThan(persistenceMse(validation) / 4);
  });

  it('lists every demo with its files in a versioned manifest', () => {
    expect(manifest.version).toBe(1);
    expect(manifest.demos.map((d) => d.name)).toEqual(['remember', 'remember-gru', 'sine', 'brackets']);
    for (const d of manifest.demos) for (const m of d.models) expect(() => readFileSync(join(DEMOS, m.weights))).not.toThrow();
  });

  it('the GRU on remember holds the value in one unit with its update gate near 1', () => {
    const r = manifest.demos.find((d) => d.name === 'remember-gru')!.models[0]!.results;
    expect(r['accuracy']!).toBeGreaterThan(0.9);
    expect(Math.abs(r['holdCorrelation']!)).toBeGreaterThan(0.95);
    expect(r['holdZMin']!).toBeGreaterThan(0.95);
  });

  it('brackets text is balanced and every expression ends with a period at depth 0', () => {
    const text = bracketsText(createRng(1), 300);
    const depths = bracketDepths(text);
    expect(Math.min(...depths)).toBe(0);
    Array.from(text).forEach((ch, i) => {
      if (ch === '.') expect(depths[i]).toBe(0);
    });
    expect(depths.at(-1)).toBe(0);
  });

  it('the brackets model tracks nesting depth', () => {
    const r = manifest.demos.find((d) => d.name === 'brackets')!.models[0]!.results;
    expect(r['closeAccuracy']!).toBeGreaterThan(r['closeBaseline']! + 0.1);
    expect(Math.abs(r['depthCorrelation']!)).toBeGreaterThan(0.9);
  });
});
