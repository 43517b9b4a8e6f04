import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { textWidth } from '../../src/ui/format.js';
import { renderSnapshot } from '../../src/ui/snapshot.js';

function store(H: number, T: number): TraceStore {
  const s = new TraceStore(randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: H, seed: 8 }), { source: 'in.csv', featureNames: ['a\u001b[2J', 'b'] });
  const rng = createRng(4);
  for (let t = 0; t < T; t++) s.append([rng.normal(), rng.normal()], `row${t}`);
  s.finish();
  return s;
}

describe('renderSnapshot', () => {
  it('prints the chosen step as plain text, no escape sequence at all', () => {
    const text = renderSnapshot(store(6, 30), { step: 11, cols: 100 });
    expect(text).toContain('step 12/30');
    expect(text).toContain('row11');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(text).toContain('a\\e[2J');
    expect(text).not.toContain('paused');
  });

  it('shows every unit, however many, within the width', () => {
    const text = renderSnapshot(store(40, 5), { cols: 90 });
    for (let u = 0; u < 40; u++) expect(text).toMatch(new RegExp(`^[ ▸] ?${u} `, 'm'));
    for (const line of text.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(90);
  });

  it('shows the last step by default and says when the input stopped early', () => {
    const s = store(4, 3);
    const failing = new TraceStore(s.network, { source: 'x.csv' });
    failing.append([1, 2], 'ok');
    failing.fail('x.csv:3: expected 2 values, got 1');
    expect(renderSnapshot(s)).toContain('step 3/3');
    expect(renderSnapshot(failing)).toContain('input stopped: x.csv:3: expected 2 values, got 1');
  });
});
