/** The cell diagram (d): the cell drawn with the selected unit's numbers, the engine's own. */
import { describe, expect, it } from 'vitest';
import { createRng, randomNetwork, type CellKind } from '../../src/engine/index.js';
import { explainUnit } from '../../src/trace/explain.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { composeFrame, frameInput, frameSections } from '../../src/ui/frame.js';
import { initialSession, reduce, type Session } from '../../src/ui/session.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';
import { textWidth } from '../../src/ui/format.js';
import { runCli } from '../helpers/cli.js';

const fmt = (x: number): string => `${x < 0 ? '' : '+'}${x.toFixed(3)}`;

function screen(kind: CellKind, cols = 80, rows = 24, lang: 'en' | 'ko' = 'en'): { text: string; store: TraceStore; s: Session; ids: string[] } {
  const net = randomNetwork({ kind, inputSize: 2, hiddenSize: 4, seed: 3 });
  const store = new TraceStore(net, { source: 'walk.csv' });
  const rng = createRng(1);
  for (let t = 0; t < 12; t++) store.append([rng.uniform(-1, 1), rng.uniform(-1, 1)], `r${t}`);
  store.finish();
  let s: Session = initialSession({ H: 4, views: 1, panels: 6, T: 12, done: true });
  s = reduce(reduce(reduce(s, { type: 'step', delta: 6 }), { type: 'unit', delta: 1 } as never), { type: 'diagram' });
  const f = frameInput({ stores: [store], session: s, cols, rows, theme: createTheme(0), lang });
  return { text: composeFrame(f).map(stripAnsi).join('\n'), store, s: f.session, ids: frameSections(f).body.map((x) => x.id) };
}

describe('the cell diagram', () => {
  it('d puts the diagram in the body, with the timeline under it', () => {
    expect(screen('lstm').ids).toEqual(['status', 'banner', 'input', 'diagram', 'timeline']);
  });

  it('LSTM: c_prev, f, i, g, o, the products, c, tanh(c) and h on the wires, as the engine computed them, within 80 columns', () => {
    const { text, store, s } = screen('lstm');
    const e = explainUnit(store, 0, 0, s.cursor, s.unit);
    const gate = (n: string) => e.gates.find((x) => x.gate === n)!.value;
    expect(text).toContain(`cell diagram · unit ${s.unit} · layer 1 forward (l0) · step ${s.cursor + 1}/12`);
    expect(text).toContain(`c_prev ${fmt(e.cPrev!)} ─▶(×)`);
    expect(text).toContain(`┬──▶ c ${fmt(e.c!)}`);
    expect(text).toContain(`f·c_prev ${fmt(gate('f') * e.cPrev!)}`);
    expect(text).toContain(`i·g ${fmt(gate('i') * gate('g'))}`);
    expect(text).toContain(`tanh ${fmt(Math.tanh(e.c!))}`);
    expect(text).toContain(`o ${fmt(gate('o'))} σ ─▶(×)──▶ h ${fmt(e.h)}`);
    expect(text).toContain(`f ${fmt(gate('f'))} σ`);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    // the wires line up: the forget × above its │, the + above the input ×
    const rows = text.split('\n');
    const top = rows.findIndex((r) => r.includes('c_prev'));
    expect([...rows[top]!].indexOf('×')).toBe([...rows[top + 1]!].indexOf('│'));
    expect([...rows[top]!].indexOf('+', 20)).toBe([...rows[top + 2]!].indexOf('×'));
  });

  it('GRU: h = (1−z)·n + z·h_prev with its numbers; RNN: tanh(W·x + U·h_prev + b)', () => {
    const gru = screen('gru');
    const e = explainUnit(gru.store, 0, 0, gru.s.cursor, gru.s.unit);
    const z = e.gates.find((x) => x.gate === 'z')!.value;
    expect(gru.text).toContain(`──────▶ h ${fmt(e.h)}`);
    expect(gru.text).toContain(`z·h_prev ${fmt(z * e.hPrev)}`);
    const rnn = screen('rnn_tanh');
    const r = explainUnit(rnn.store, 0, 0, rnn.s.cursor, rnn.s.unit);
    expect(rnn.text).toContain(`──▶ h ${fmt(r.h)}`);
    expect(rnn.text).toContain('tanh keeps h in −1…1');
  });

  it('GRU at 80 columns: the state line whole, its × and + over their wires, z, r and n with the engine numbers', () => {
    for (const lang of ['en', 'ko'] as const) {
      const { text, store, s } = screen('gru', 80, 24, lang);
      const e = explainUnit(store, 0, 0, s.cursor, s.unit);
      const gate = (n: string) => e.gates.find((x) => x.gate === n)!.value;
      const rows = text.split('\n');
      const top = rows.findIndex((r) => r.includes('h_prev') && r.includes('┬'));
      expect(rows[top]).toContain(`──────▶ h ${fmt(e.h)}`);
      const col = (row: string, ch: string, from = 0) => [...row].indexOf(ch, from);
      // columns, not string offsets: a Korean label further down takes two cells a character
      const cells = (row: string): string[] => [...row].flatMap((ch) => (textWidth(ch) === 2 ? [ch, ''] : [ch]));
      const under = (r: number, c: number) => cells(rows[r]!)[c];
      expect(under(top + 1, col(rows[top]!, '┬'))).toBe('│');
      expect(under(top + 1, col(rows[top]!, '×'))).toBe('│');
      expect(under(top + 1, col(rows[top]!, '+'))).toBe('│');
      expect(under(top + 2, col(rows[top]!, '+'))).toBe('×');
      expect(text).toContain(`z ${fmt(gate('z'))} σ`);
      expect(text).toContain(`r ${fmt(gate('r'))} σ`);
      expect(text).toContain(`(×)◀── n ${fmt(gate('n'))}`);
      for (const line of rows) expect(textWidth(line)).toBeLessThanOrEqual(80);
    }
  });

  it('in Korean at 80x24: the words translated, the wide characters measured, the wires still aligned', () => {
    const { text } = screen('lstm', 80, 24, 'ko');
    expect(text).toContain('셀 다이어그램 · 유닛');
    expect(text).toContain('셀 상태 c: 컨베이어 벨트');
    expect(text).toMatch(/망각 게이트\s+입력 게이트\s+출력 게이트/);
    const rows = text.split('\n');
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const line of rows) expect(textWidth(line)).toBeLessThanOrEqual(80);
    // the labels' row: each label starts under its gate's value, as in English
    const en = screen('lstm', 80, 24, 'en').text.split('\n');
    const col = (lines: string[], needle: string) => {
      const line = lines.find((l) => l.includes(needle))!;
      return textWidth(line.slice(0, line.indexOf(needle)));
    };
    expect(col(rows, '입력 게이트')).toBe(col(en, 'input gate'));
    expect(col(rows, '출력 게이트')).toBe(col(en, 'output gate'));
  });

  it('--diagram --snapshot prints it; --lang ko or LANG=ko_KR in Korean; Esc closes it', async () => {
    const args = ['fixtures/demos/remember/input.csv', '-w', 'fixtures/demos/remember/lstm.json', '--snapshot', '--diagram', '--step', '30', '--unit', '2', '--width', '80'];
    const en = await runCli(args);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toContain('cell diagram · unit 2 · layer 1 forward (l0) · step 30/50 (t=29)');
    expect(en.stdout).toContain('c_prev +5.464 ─▶(×)');
    const ko = await runCli([...args, '--lang', 'ko']);
    expect(ko.stdout).toContain('셀 다이어그램 · 유닛 2');
    const env = await runCli(args, { env: { LANG: 'ko_KR.UTF-8' } });
    expect(env.stdout).toContain('셀 다이어그램');
    const bad = await runCli([...args, '--lang', 'fr']);
    expect(bad.code).toBe(2);
    let s = initialSession({ H: 4, views: 1, panels: 6, T: 12, done: true, mode: 'diagram' });
    s = reduce(s, { type: 'escape' });
    expect(s.mode).toBe('gates');
  });
});
