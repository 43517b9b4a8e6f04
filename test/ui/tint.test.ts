/** The tinted text (v, sections/tint.ts): every token around the cursor coloured by the selected unit's value, the cursor inverse, NO_COLOR underlines. */
import { describe, expect, it } from 'vitest';
import { randomNetwork } from '../../src/engine/index.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { textWidth } from '../../src/ui/format.js';
import { composeFrame, frameInput } from '../../src/ui/frame.js';
import { panelsFor } from '../../src/ui/panels.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme, type ColorLevel } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';

const text = 'the cat sat on the mat\nand the dog ran';

function textStore(): TraceStore {
  const vocab = [...new Set(text)];
  const net = randomNetwork({ kind: 'lstm', inputSize: vocab.length, hiddenSize: 4, seed: 2 });
  const store = new TraceStore(net, { source: 't.txt', featureNames: vocab, tokens: true });
  for (const ch of text) store.append(vocab.map((v) => (v === ch ? 1 : 0)), ch);
  store.finish();
  return store;
}

function tinted(level: ColorLevel, cursor: number, unit = 2): { lines: string[]; store: TraceStore } {
  const store = textStore();
  const theme = createTheme(level);
  const at = (s: Session) => frameInput({ stores: [store], session: s, cols: 80, rows: 24, theme });
  let s = at(initialSession({ H: 4, views: 1, panels: panelsFor('lstm').length, T: store.length, done: true, cursor })).session;
  s = reduce(s, { type: 'tint' });
  for (let u = 0; u < unit; u++) s = reduce(s, { type: 'unit', delta: 1 });
  return { lines: composeFrame(at(s)), store };
}

describe('the tinted text', () => {
  it('shows the text line by line with its newline, and the unit\'s value at the cursor', () => {
    const { lines, store } = tinted(3, 5);
    const plain = lines.map(stripAnsi);
    const title = plain.findIndex((l) => l.includes('text tinted by f[2] (forget)'));
    expect(title).toBeGreaterThan(-1);
    expect(plain[title + 1]).toBe(' the␣cat␣sat␣on␣the␣mat⏎');
    expect(plain[title + 2]).toBe(' and␣the␣dog␣ran');
    const v = store.value('f', 0, 0, 5, 2);
    expect(plain.some((l) => l.includes(`step 6/${text.length} (t=5) f[2] = ${v.toFixed(4)}`))).toBe(true);
    for (const l of lines) expect(textWidth(stripAnsi(l))).toBeLessThanOrEqual(80);
  });

  it('colours each token by its value and marks the cursor in inverse', () => {
    const { lines, store } = tinted(3, 5);
    const row = lines.find((l) => stripAnsi(l) === ' the␣cat␣sat␣on␣the␣mat⏎')!;
    const theme = createTheme(3);
    // the token at t=5 ('a' of "cat") in inverse, in its value's colour
    expect(row).toContain(`${theme.inverseOn}${theme.seq(store.value('f', 0, 0, 5, 2))}a`);
  });

  it('without colour underlines the values past the middle of the scale instead', () => {
    const { lines, store } = tinted(0, 0);
    const row = lines.find((l) => stripAnsi(l) === ' the␣cat␣sat␣on␣the␣mat⏎')!;
    // the first line's tokens and its newline
    const past = Array.from({ length: text.indexOf('\n') + 1 }, (_, t) => store.value('f', 0, 0, t, 2) > 0.5);
    expect((row.match(/\u001b\[4m/g) ?? []).length).toBe(past.filter(Boolean).length);
  });
});
