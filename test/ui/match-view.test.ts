/** The match view (r … r, sections/match.ts): the pattern of the marked range and where it comes back, as engine/match.ts finds it. */
import { describe, expect, it } from 'vitest';
import { randomNetwork } from '../../src/engine/index.js';
import { findMatches } from '../../src/engine/match.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { panelsFor } from '../../src/ui/panels.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

describe('the match view', () => {
  it('r at two steps marks the range, lists the windows engine/match.ts ranks, r again clears', () => {
    const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 6, seed: 4 });
    const store = new TraceStore(net, { source: 's.csv' });
    for (let t = 0; t < 60; t++) store.append([Math.sin(t / 3), t % 7 === 0 ? 1 : 0], `${t}`);
    store.finish();
    const at = (s: Session) => frameInput({ stores: [store], session: s, cols: 100, rows: 40, theme: createTheme(0, false) });
    let s = at(initialSession({ H: 6, views: 1, panels: panelsFor('lstm').length, T: 60, done: true, cursor: 10, timeline: 0 })).session;
    s = reduce(s, { type: 'range' });
    expect(s.note).toContain('range from step 11');
    s = reduce(reduce(s, { type: 'step', delta: 2 }), { type: 'range' });
    expect(s.mode).toBe('match');
    const lines = composeFrame(at(s)).map(stripAnsi);
    const values = new Float64Array(6 * 60);
    for (let u = 0; u < 6; u++) for (let t = 0; t < 60; t++) values[u * 60 + t] = store.value('f', 0, 0, t, u);
    const want = findMatches({ T: 60, U: 6, values }, 10, 12, 0.5, 100);
    expect(lines.some((l) => l.startsWith(` match: steps 11–13, f (forget) ≥ 0.50: ${want.pattern.length} unit`))).toBe(true);
    // this network and input have a pattern that comes back: the list is checked, not skipped
    expect(want.pattern.length).toBeGreaterThan(0);
    expect(want.matches.length).toBeGreaterThan(0);
    const m = want.matches[0]!;
    expect(lines.some((l) => new RegExp(`^\\s+1\\s+${m.start + 1}–${m.start + 3}\\s+${m.score.toFixed(2)}`).test(l))).toBe(true);
    s = reduce(s, { type: 'range' });
    expect(s.range).toBeNull();
    expect(s.mode).toBe('gates');
  });
});
