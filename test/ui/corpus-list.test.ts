/** The corpus list's lines (ui/corpus-list.ts) and the b key's two meanings (session.ts). */
import { describe, expect, it } from 'vitest';
import { corpusListLines, entryLine, listRows, predictionText, scrolled, type CorpusListing } from '../../src/ui/corpus-list.js';
import { initialSession, reduce } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { textWidth } from '../../src/ui/format.js';

const summary = (steps: number, out: number[], h: number) => ({ steps, output: Float64Array.from(out), saturated: 0.125, top: { direction: 0, unit: 3, h } });

const listing = (n: number, computed: number): CorpusListing => ({
  source: 'lines.txt',
  cell: 'LSTM H=8',
  entries: Array.from({ length: n }, (_, i) => ({ name: `line ${i + 1}`, summary: i < computed ? summary(10 + i, [0, 2, 1], -0.5) : null, error: null })),
  classes: ['a', 'b', 'c'],
  head: true,
  computed,
});

describe('the corpus list', () => {
  it('writes each sequence: steps, top class with its probability, saturation, the largest h', () => {
    const l = listing(3, 3);
    const line = entryLine(1, l.entries[1]!, l);
    const p = Math.exp(2) / (1 + Math.exp(2) + Math.exp(1));
    expect(line).toMatch(new RegExp(`^\\s+1  line 2\\s+11  "b" ${p.toFixed(2)}\\s+12\\.5%  h\\[3\\] -0\\.50$`));
    expect(predictionText(summary(1, [0.5, -1, 2, 3], 0), null, false)).toBe('0.500 -1.000 2.000 ...');
  });

  it('shows a progress bar until every sequence is computed, "…" for those not yet', () => {
    const lines = corpusListLines(listing(4, 1), { selected: 0, top: 0, note: null }, 80, 24, createTheme(0, false));
    expect(lines[22]).toMatch(/^computing \[###\.{9}\] 1\/4 · ↑\/↓ select/);
    expect(lines[3]).toMatch(/1  line 2\s+…/);
    // one line short of the screen, as every frame: the last newline must not scroll it
    expect(lines).toHaveLength(23);
    for (const l of lines) expect(textWidth(l)).toBeLessThanOrEqual(80);
  });

  it('keeps the selection on screen as it moves past either edge', () => {
    const rows = 10;
    expect(listRows(rows)).toBe(6);
    expect(scrolled({ selected: 8, top: 0, note: null }, rows).top).toBe(3);
    expect(scrolled({ selected: 2, top: 3, note: null }, rows).top).toBe(2);
  });

  it('b goes back from a sequence opened from the list, and says what it is for elsewhere', () => {
    const fromList = initialSession({ H: 4, views: 1, panels: 6, T: 5, done: true, inCorpus: true });
    expect(reduce(fromList, { type: 'back' }).back).toBe(true);
    const alone = reduce(initialSession({ H: 4, views: 1, panels: 6, T: 5, done: true }), { type: 'back' });
    expect(alone.back).toBe(false);
    expect(alone.note).toContain('corpus list');
  });
});
