import { describe, expect, it } from 'vitest';
import * as engine from '../src/engine/index.js';
import * as lib from '../src/index.js';
import * as io from '../src/io/index.js';
import * as trace from '../src/trace/index.js';

/** Names of `layer` that the library index does not export as the same thing. */
const missing = (layer: Record<string, unknown>): string[] => Object.keys(layer).filter((k) => (lib as Record<string, unknown>)[k] !== layer[k]);

describe('the library surface (src/index.ts)', () => {
  it('exports the whole engine, attribution and interventions included', () => {
    expect(missing(engine)).toEqual([]);
    expect(lib.integratedGradients).toBeTypeOf('function');
    expect(lib.runSequenceIntervened).toBeTypeOf('function');
  });

  it('exports the input readers and the weights loaders', () => {
    expect(missing(io)).toEqual([]);
    for (const name of ['loadWeights', 'loadWeightsAsync', 'describeWeights', 'formatWeightsDescription', 'networkFromStateDict', 'stateDictFromNetwork']) {
      expect(lib, name).toHaveProperty(name);
    }
  });

  it('exports the trace: the store, ingest and explain', () => {
    expect(missing(trace)).toEqual([]);
    expect(lib.TraceStore).toBeTypeOf('function');
    expect(lib.ingest).toBeTypeOf('function');
    expect(lib.explainUnit).toBeTypeOf('function');
  });
});
