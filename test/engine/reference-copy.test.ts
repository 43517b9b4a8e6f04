import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSharedReference, REFERENCE_DIR, SHARED_REFERENCE_DIR } from '../helpers/reference.js';

describe('fixtures/reference', () => {
  it.skipIf(!hasSharedReference)('is a verbatim copy of ../shared/reference', () => {
    const shared = readdirSync(SHARED_REFERENCE_DIR).sort();
    expect(readdirSync(REFERENCE_DIR).sort()).toEqual(shared);
    for (const name of shared) {
      expect(readFileSync(join(REFERENCE_DIR, name), 'utf8'), name).toBe(readFileSync(join(SHARED_REFERENCE_DIR, name), 'utf8'));
    }
  });

  it('holds an LSTM, a stacked bidirectional LSTM, a GRU and an RNN', () => {
    const index = JSON.parse(readFileSync(join(REFERENCE_DIR, 'index.json'), 'utf8')) as { cases: { cell: string; bidirectional: boolean }[] };
    expect(index.cases.map((c) => c.cell).sort()).toEqual(['gru', 'lstm', 'lstm', 'rnn_tanh']);
    expect(index.cases.some((c) => c.bidirectional)).toBe(true);
  });
});
