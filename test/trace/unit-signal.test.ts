/** The viewer's / ranking (trace/unit-signal.ts): the units by their best |r| over the states, as trackUnits ranks the run. */
import { describe, expect, it } from 'vitest';
import { randomNetwork, runSequence } from '../../src/engine/index.js';
import { trackUnits } from '../../src/engine/track.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { rankUnitsBySignal } from '../../src/trace/unit-signal.js';
import { initialSession, reduce } from '../../src/ui/session.js';

describe('ranking units by a signal on a trace', () => {
  const net = randomNetwork({ kind: 'gru', inputSize: 2, hiddenSize: 5, seed: 6 });
  const xs = Array.from({ length: 80 }, (_, t) => [Math.sin(t / 4), (t * 7) % 3]);
  const store = new TraceStore(net, { source: 's.csv', featureNames: ['a', 'b'], engine: 'reference' });
  xs.forEach((x, t) => store.append(x, `${t}`));
  store.finish();

  it('gives each unit its best state and r, the units in trackUnits\' order of their best', () => {
    const r = rankUnitsBySignal(store, 0, 0, 'x:a');
    if ('error' in r) throw new Error(r.error);
    expect(r.name).toBe('x.a');
    expect(r.steps).toBe(80);
    const ranked = trackUnits(net, runSequence(net, xs), xs.map((x) => x[0]!));
    const firstOf = new Map<number, { state: string; r: number }>();
    for (const u of ranked) if (!firstOf.has(u.unit) && !Number.isNaN(u.r)) firstOf.set(u.unit, { state: u.state, r: u.r });
    expect(r.order).toEqual([...firstOf.keys()]);
    for (const [u, b] of firstOf) {
      expect(r.best[u]!.state).toBe(b.state);
      // the trace keeps its rows in float32
      expect(Math.abs(r.best[u]!.r - b.r)).toBeLessThan(1e-6);
    }
  });

  it('says why a signal does not fit the input', () => {
    expect(rankUnitsBySignal(store, 0, 0, 'regex:a')).toEqual({ error: expect.stringContaining('text input') });
  });

  it('/ then Enter ranks by the signal; / Enter alone, or o, goes back to other orders', () => {
    let s = initialSession({ H: 5, views: 1, panels: 4, T: 80, done: true });
    s = reduce(s, { type: 'prompt', kind: 'signal' });
    for (const ch of 'x:a') s = reduce(s, { type: 'type', text: ch });
    s = reduce(s, { type: 'enter' });
    expect([s.sort, s.signalSpec]).toEqual(['signal', 'x:a']);
    expect(reduce(s, { type: 'sort' }).sort).toBe('index');
    s = reduce(reduce(s, { type: 'prompt', kind: 'signal' }), { type: 'enter' });
    expect([s.sort, s.signalSpec]).toEqual(['index', null]);
  });
});
