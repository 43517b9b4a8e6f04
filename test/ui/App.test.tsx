import { describe, expect, it, vi } from 'vitest';
import { createRng, randomNetwork, type CellKind } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { appHarness } from '../helpers/app.js';

const KEY = { right: '\u001b[C', left: '\u001b[D', up: '\u001b[A', down: '\u001b[B', enter: '\r', esc: '\u001b', tab: '\t' };

function store(kind: CellKind = 'lstm', T = 20, opts: { bi?: boolean; layers?: number } = {}): TraceStore {
  const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 6, numLayers: opts.layers ?? 1, bidirectional: opts.bi ?? false, seed: 4 });
  const s = new TraceStore(net, { source: 'walk.csv', featureNames: ['a', 'b'] });
  const rng = createRng(1);
  for (let t = 0; t < T; t++) s.append([rng.uniform(-1, 1), rng.uniform(-1, 1)], `r${t}`);
  if (T > 0) s.finish();
  return s;
}

const mountApp = appHarness();

function mount(s: TraceStore, props: { follow?: boolean; onQuit?: () => void } = {}) {
  return mountApp({ store: s, colorLevel: 3, ...props });
}

describe('App', () => {
  it('starts on step 1 and moves with the arrow keys', async () => {
    const app = mount(store());
    expect(app.screen()).toContain('step 1/20');
    await app.press(KEY.right, KEY.right, KEY.right);
    await vi.waitFor(() => expect(app.screen()).toContain('step 4/20'));
    await app.press('h');
    await vi.waitFor(() => expect(app.screen()).toContain('step 3/20'));
    await app.press('G');
    await vi.waitFor(() => expect(app.screen()).toContain('step 20/20'));
  });

  it('jumps to a typed step on Enter', async () => {
    const app = mount(store());
    await app.press(':', '1', '2');
    await vi.waitFor(() => expect(app.screen()).toContain('go to step (1-20): 12'));
    await app.press(KEY.enter);
    await vi.waitFor(() => expect(app.screen()).toContain('step 12/20'));
  });

  it('selects units and explains the selected one', async () => {
    const app = mount(store());
    await app.press(KEY.down, 'j', 'e');
    await vi.waitFor(() => expect(app.screen()).toContain('explain unit 2'));
    expect(app.screen()).toMatch(/▸2 /);
    await app.press(KEY.esc);
    await vi.waitFor(() => expect(app.screen()).not.toContain('explain unit'));
  });

  it('opens the help and closes it with the next key', async () => {
    const app = mount(store());
    await app.press('?');
    await vi.waitFor(() => expect(app.screen()).toContain('gatescope keys'));
    await app.press(KEY.right);
    await vi.waitFor(() => expect(app.screen()).not.toContain('gatescope keys'));
    expect(app.screen()).toContain('step 1/20');
  });

  it('closes the help with a key that has no binding too, and does nothing else with it', async () => {
    const app = mount(store());
    await app.press('?');
    await vi.waitFor(() => expect(app.screen()).toContain('gatescope keys'));
    await app.press('x');
    await vi.waitFor(() => expect(app.screen()).not.toContain('gatescope keys'));
    await app.press('e');
    await vi.waitFor(() => expect(app.screen()).toContain('explain unit 0'));
  });

  it('cycles layers and directions with Tab', async () => {
    const app = mount(store('gru', 10, { bi: true, layers: 2 }));
    expect(app.screen()).toContain('layer 1/2 forward');
    await app.press(KEY.tab);
    await vi.waitFor(() => expect(app.screen()).toContain('layer 1/2 reverse'));
    await app.press(KEY.tab, KEY.tab);
    await vi.waitFor(() => expect(app.screen()).toContain('layer 2/2 reverse'));
    await app.press('\u001b[Z');
    await vi.waitFor(() => expect(app.screen()).toContain('layer 2/2 forward'));
  });

  it('follows a live stream, leaves on a step back and resumes on f', async () => {
    const live = store('lstm', 0);
    const app = mount(live, { follow: true });
    expect(app.screen()).toContain('step 0/0+');
    for (let t = 0; t < 5; t++) live.append([t / 10, 0], `t${t}`);
    await vi.waitFor(() => expect(app.screen()).toContain('step 5/5+'));
    expect(app.screen()).toContain('follow');
    await app.press(KEY.left);
    await vi.waitFor(() => expect(app.screen()).toContain('step 4/5+'));
    for (let t = 5; t < 9; t++) live.append([t / 10, 0], `t${t}`);
    await vi.waitFor(() => expect(app.screen()).toContain('step 4/9+'));
    await app.press('f');
    await vi.waitFor(() => expect(app.screen()).toContain('step 9/9+'));
    live.finish();
    await vi.waitFor(() => expect(app.screen()).toContain('step 9/9 '));
  });

  it('plays and pauses', async () => {
    const app = mount(store());
    await app.press('+', '+', '+', '+', ' ');
    await vi.waitFor(() => expect(app.screen()).toContain('▶ playing'));
    await vi.waitFor(() => expect(app.screen()).not.toContain('step 1/20'));
    await app.press(' ');
    await vi.waitFor(() => expect(app.screen()).toContain('paused'));
  });

  it('quits on q', async () => {
    const onQuit = vi.fn();
    const app = mount(store(), { onQuit });
    await app.press('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledOnce());
  });

  it('quits on Ctrl-C', async () => {
    const onQuit = vi.fn();
    const app = mount(store(), { onQuit });
    await app.press('\u0003');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledOnce());
  });

  it('shows an input error in the footer, keeping the steps it has', async () => {
    const s = store('lstm', 0);
    s.append([0, 0], 'ok');
    s.fail('x.csv:3: expected 2 values, got 1');
    const app = mount(s);
    await vi.waitFor(() => expect(app.screen()).toContain('input stopped: x.csv:3: expected 2 values, got 1'));
    expect(app.screen()).toContain('step 1/1');
  });
});
