/** The viewer's what-if trace (trace/edited-trace.ts): the same inputs run with interventions, and what moved. */
import { describe, expect, it } from 'vitest';
import { randomNetwork } from '../../src/engine/index.js';
import { editDiff, editedTrace, editRefusal } from '../../src/trace/edited-trace.js';
import { TraceStore } from '../../src/trace/trace-store.js';

function store(): TraceStore {
  const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 4, seed: 3 });
  const s = new TraceStore(net, { source: 's.csv', engine: 'reference' });
  for (let t = 0; t < 12; t++) s.append([Math.sin(t), 1], `${t}`);
  s.finish();
  return s;
}

describe('edited traces', () => {
  it('an edit that changes nothing says so; a clamp names the h unit that moved most, by how much', () => {
    const plain = store();
    const same = editedTrace(plain, [{ name: 'c', layer: 0, direction: 0, unit: 1, from: 20, to: 30, value: 0 }]);
    expect(editDiff(plain, same, 11)).toBe('nothing changed at step 12: the edited run is beside the original');
    const edited = editedTrace(plain, [{ name: 'c', layer: 0, direction: 0, unit: 2, from: 3, to: Infinity, value: 0 }]);
    const a = plain.state('h', 0, 0, 11);
    const b = edited.state('h', 0, 0, 11);
    let u = 0;
    for (let k = 1; k < 4; k++) if (Math.abs(b[k]! - a[k]!) > Math.abs(b[u]! - a[u]!)) u = k;
    expect(editDiff(plain, edited, 11)).toBe(`at step 12 h[${u}] moved most, ${a[u]!.toFixed(3)} → ${b[u]!.toFixed(3)}; the edited run is beside the original`);
    expect(edited.length).toBe(12);
    expect(editRefusal(plain)).toBeNull();
  });
});
