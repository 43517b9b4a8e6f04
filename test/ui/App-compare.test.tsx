import { describe, expect, it, vi } from 'vitest';
import { createRng, randomNetwork, type CellKind } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { appHarness } from '../helpers/app.js';

function store(kind: CellKind, T = 30, H = 4): TraceStore {
  const net = randomNetwork({ kind, inputSize: 2, hiddenSize: H, seed: 4 });
  const s = new TraceStore(net, { source: 'walk.csv', featureNames: ['a', 'b'] });
  const rng = createRng(1);
  for (let t = 0; t < T; t++) s.append([rng.uniform(-1, 1), rng.uniform(-1, 1)], `r${t}`);
  s.finish();
  return s;
}

const mount = appHarness();

describe('App: the memory view and a second network', () => {
  it('opens the memory view with m and closes it with m', async () => {
    const app = mount({ store: store('lstm'), colorLevel: 3, names: ['m.json'] });
    await app.press('G', 'm');
    await vi.waitFor(() => expect(app.screen()).toContain('memory at step 30/30'));
    await vi.waitFor(() => expect(app.screen()).toMatch(/LSTM 2→4 · m\.json: reaches back \d+ steps?/));
    await app.press('m');
    await vi.waitFor(() => expect(app.screen()).toContain('f forget'));
  });

  it('shows both networks, and c moves the keys from one to the other', async () => {
    const app = mount({ store: store('lstm'), compare: store('gru'), colorLevel: 0, names: ['a.json', 'b.json'] });
    await vi.waitFor(() => expect(app.screen()).toContain('▶ LSTM 2→4 · a.json'));
    expect(app.screen()).toContain('GRU 2→4 · b.json');
    await app.press('c');
    await vi.waitFor(() => expect(app.screen()).toContain('▶ GRU 2→4 · b.json'));
    // The timeline now shows the GRU's panel 1 (r).
    expect(app.screen()).toMatch(/^1r /m);
    await app.press('m');
    await vi.waitFor(() => expect(app.screen()).toMatch(/▶ GRU 2→4 · b\.json: reaches back/));
    expect(app.screen()).toMatch(/LSTM 2→4 · a\.json: reaches back/);
  });

  it('computes a bigger network in slices, showing progress, and keeps taking keys', async () => {
    const app = mount({ store: store('lstm', 120, 64), colorLevel: 3 });
    await app.press('G', 'm');
    await vi.waitFor(() => expect(app.screen()).toMatch(/computing… \d+\/64 rows of ∂h\/∂state/));
    await vi.waitFor(() => expect(app.screen()).toMatch(/LSTM 2→64: reaches back \d+ steps?/), { timeout: 15000 });
    // Moving on starts the next step's figures; the view never stops answering.
    await app.press('h');
    await vi.waitFor(() => expect(app.screen()).toContain('memory at step 119/120'));
    await vi.waitFor(() => expect(app.screen()).toMatch(/reaches back/), { timeout: 15000 });
  });

  it('opens on the memory view when asked', async () => {
    const app = mount({ store: store('rnn_tanh'), colorLevel: 3, memory: true });
    await vi.waitFor(() => expect(app.screen()).toContain('memory at step 1/30'));
  });
});
