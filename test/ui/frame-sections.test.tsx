import { describe, expect, it, vi } from 'vitest';
import { createRng, randomNetwork } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { composeFrame, frameInput, frameSections } from '../../src/ui/frame.js';
import { BINDINGS, keyHints } from '../../src/ui/keymap.js';
import { computeLayout, layoutCache, type LayoutInput } from '../../src/ui/layout.js';
import { initialSession, reduce, type Session, type SessionAction } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';
import { appHarness } from '../helpers/app.js';

function makeStore(T = 30): TraceStore {
  const net = randomNetwork({ kind: 'lstm', inputSize: 2, hiddenSize: 6, numLayers: 2, seed: 4 });
  const store = new TraceStore(net, { source: 'walk.csv', featureNames: ['a', 'b'] });
  const rng = createRng(1);
  for (let t = 0; t < T; t++) store.append([rng.uniform(-1, 1), rng.uniform(-1, 1)], `r${t}`);
  store.finish();
  return store;
}

const store = makeStore();
const theme = createTheme(0);

function frameAfter(actions: SessionAction[], cols = 100, rows = 24, snapshot = false) {
  let s: Session = initialSession({ H: 6, views: store.viewCount, panels: 6, T: store.length, done: true });
  s = frameInput({ stores: [store], session: s, cols, rows, theme }).session;
  for (const a of actions) s = reduce(s, a);
  return frameInput({ stores: [store], session: s, cols, rows, theme, snapshot });
}

const ids = (actions: SessionAction[], cols?: number, rows?: number, snapshot?: boolean) => {
  const { body, footer } = frameSections(frameAfter(actions, cols, rows, snapshot));
  return [...body.map((x) => x.id), footer?.id ?? '-'];
};

describe('the sections of a frame', () => {
  it('switches the body by mode, the status, banner and x strip always on top', () => {
    expect(ids([])).toEqual(['status', 'banner', 'input', 'guesses', 'grid', 'timeline', 'footer']);
    expect(ids([{ type: 'explain' }])).toEqual(['status', 'banner', 'input', 'guesses', 'grid', 'explain', 'timeline', 'footer']);
    expect(ids([{ type: 'memory' }])).toEqual(['status', 'banner', 'input', 'memory', 'footer']);
    expect(ids([{ type: 'help' }])).toEqual(['status', 'banner', 'input', 'help', 'footer']);
  });

  it('has no footer in a snapshot, and only the warning in a window too small', () => {
    expect(ids([], 100, 0, true).at(-1)).toBe('-');
    expect(ids([], 30, 24)).toEqual(['tooSmall', '-']);
  });

  it('writes the memo keys so a step, a unit or a scroll redraws the sections that show it', () => {
    const keys = (actions: SessionAction[]) => {
      const f = frameAfter(actions);
      return Object.fromEntries(frameSections(f).body.map((x) => [x.id, x.memoKey(f)]));
    };
    const base = keys([{ type: 'explain' }]);
    const stepped = keys([{ type: 'explain' }, { type: 'step', delta: 1 }]);
    const unit = keys([{ type: 'explain' }, { type: 'unit', delta: 1 }]);
    for (const id of ['status', 'input', 'guesses', 'grid', 'explain', 'timeline']) expect(stepped[id], id).not.toBe(base[id]);
    for (const id of ['grid', 'explain', 'timeline']) expect(unit[id], id).not.toBe(base[id]);
    expect(unit['status']).toBe(base['status']);
  });
});

describe('the layout cache', () => {
  it('hands back the same layout for the same input, a new one when anything changes', () => {
    const layoutOf = layoutCache();
    const input: LayoutInput = { cols: 120, rows: 40, panels: 6, H: 8, D: 2, xNameWidth: 5, explainRows: 0, signedSpark: false, compare: { panels: 1, focus: 0 } };
    const a = layoutOf(input);
    expect(a).toEqual(computeLayout(input));
    expect(layoutOf({ ...input, compare: { panels: 1, focus: 0 } })).toBe(a);
    const focusMoved = layoutOf({ ...input, compare: { panels: 1, focus: 1 } });
    expect(focusMoved).not.toBe(a);
    expect(focusMoved).toEqual(computeLayout({ ...input, compare: { panels: 1, focus: 1 } }));
    expect(layoutOf({ ...input, compare: { panels: 1, focus: 1 }, explainRows: 9 })).not.toBe(focusMoved);
  });
});

describe('the footer hints', () => {
  it('come from the key table, most useful first, in the words they always had', () => {
    expect(keyHints({ views: 2, panels: 6, done: false, pair: false }).join(' · ')).toBe(
      '←/→ step · e explain · m memory · space play · ↑/↓ unit · Tab layer · 1-6 timeline · : go to · n flagged · o order · f follow · ? help · q quit',
    );
    expect(keyHints({ views: 1, panels: 4, done: true, pair: true }).join(' · ')).toBe(
      '←/→ step · c switch · e explain · m memory · space play · ↑/↓ unit · 1-4 timeline · : go to · n flagged · o order · ? help · q quit',
    );
    expect(keyHints({ views: 1, panels: 1, done: true, pair: false })).not.toContain('1-1 timeline');
  });

  it('belong each to a bound key whose label names it', () => {
    for (const b of BINDINGS) {
      if (b.hint === undefined || typeof b.hint.text !== 'string') continue;
      const key = b.hint.text.split(' ')[0]!.split('/')[0]!;
      expect(b.label, b.hint.text).toContain(key);
    }
  });
});

const mountApp = appHarness();

describe('the live view', () => {
  it('draws the same sections as the composed frame', async () => {
    // ink-testing-library's terminal: 100 columns; the App reads 24 rows when it is told none.
    const app = mountApp({ store, colorLevel: 0 });
    await app.press('\u001b[C', '\u001b[C', 'j', 'e');
    const composed = composeFrame(frameAfter([{ type: 'step', delta: 1 }, { type: 'step', delta: 1 }, { type: 'unit', delta: 1 }, { type: 'explain' }]));
    const trim = (text: string) => text.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
    await vi.waitFor(() => expect(trim(app.screen())).toBe(trim(stripAnsi(composed.join('\n')))));
  });
});
