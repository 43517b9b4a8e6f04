/** The tour's chapter logic: what each chapter selects, the reducer's tour keys, the story's scrolling. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDemos } from '../../src/cli/demos.js';
import { ROOT } from '../helpers/build.js';
import { TraceStore } from '../../src/trace/trace-store.js';
import { initialSession, reduce } from '../../src/ui/session.js';
import { CHAPTERS, fitTour, planTour, tourParts, wrapWords } from '../../src/ui/tour.js';
import { textWidth } from '../../src/ui/format.js';
import { helpLines } from '../../src/ui/help-text.js';
import { createTheme } from '../../src/ui/theme.js';
import { stripAnsi } from '../helpers/ansi.js';
import { holding, remember, rememberRows } from '../helpers/remember-engine.js';

function stores(): TraceStore[] {
  return [remember.lstm, remember.rnn, remember.gru].map((r) => {
    const st = new TraceStore(r.model.network, { source: 'remember', head: r.model.head });
    rememberRows.forEach((x, t) => st.append(x, `r${t}`));
    st.finish();
    return st;
  });
}

describe('the guided tour', () => {
  const all = stores();
  const plan = planTour(all)!;

  it('plans nine chapters on the networks they are about, the holding units found from the traces', () => {
    expect(plan).toHaveLength(CHAPTERS);
    expect(plan.map((c) => c.net)).toEqual([1, 1, 0, 0, 0, 0, 0, 2, 0]);
    expect(plan.map((c) => c.mode)).toEqual(['memory', 'diagram', 'gates', 'diagram', 'diagram', 'diagram', 'diagram', 'diagram', 'gates']);
    expect(plan[3]!.unit).toBe(holding(remember.lstm, 'f'));
    expect(plan[7]!.unit).toBe(holding(remember.gru, 'z'));
    expect(plan[4]!.cursor).toBe(0);
    expect(plan[6]!.cursor).toBe(rememberRows.length - 1);
  });

  it("finds the same holding units the demos name: remember's unit 2, remember-gru's holdUnit", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'demos', 'index.json'), 'utf8')) as { demos: { name: string; models: { results: Record<string, number> }[] }[] };
    const gru = manifest.demos.find((d) => d.name === 'remember-gru')!.models[0]!.results['holdUnit'];
    expect(plan[7]!.unit).toBe(gru);
    expect(listDemos().find((d) => d.name === 'remember')!.select!.unit).toBe(plan[3]!.unit);
  });

  it("remember's third network is remember-gru's GRU, run on the very sequence it was shown in training; its own minGRU and sLSTM follow", () => {
    const remember = listDemos().find((d) => d.name === 'remember')!;
    expect(remember.files.more).toEqual(['remember-gru/gru.json', 'remember/mingru.json', 'remember/slstm.json']);
    const gruDemo = listDemos().find((d) => d.name === 'remember-gru')!;
    expect(readFileSync(remember.input, 'utf8')).toBe(readFileSync(gruDemo.input, 'utf8'));
  });

  it('has no tour without an LSTM and a plain RNN', () => {
    expect(planTour([all[0]!, all[2]!])).toBeNull();
  });

  const base = () =>
    initialSession({ H: 8, views: 1, panels: 6, T: 50, done: true, compare: { views: 1, panels: 1 }, more: [{ views: 1, panels: 4 }], chapters: plan });

  it('t opens the tour at the chapter last reached, > and < move and stop at the ends, t closes it', () => {
    let s = reduce({ ...base(), reached: 3 }, { type: 'tour' });
    expect(s.tour).toBe(3);
    expect(s.mode).toBe('diagram');
    s = reduce(s, { type: 'chapter', delta: 1 });
    expect([s.tour, s.reached, s.cursor]).toEqual([4, 4, 0]);
    s = reduce(reduce(reduce(reduce(s, { type: 'chapter', delta: 1 }), { type: 'chapter', delta: 1 }), { type: 'chapter', delta: 1 }), { type: 'chapter', delta: 1 });
    expect(s.tour).toBe(8);
    expect(reduce(s, { type: 'chapter', delta: 1 }).note).toMatch(/last chapter/);
    s = reduce(s, { type: 'tour' });
    expect([s.tour, s.mode]).toEqual([null, 'gates']);
  });

  it('chapter 8 focuses the GRU beside the LSTM; c then cycles LSTM, RNN, GRU', () => {
    const s = initialSession({ ...{ H: 8, views: 1, panels: 6, T: 50, done: true }, compare: { views: 1, panels: 1 }, more: [{ views: 1, panels: 4 }], chapters: plan, tour: 7 });
    expect([s.net, s.partner, s.focus, s.panels]).toEqual([2, 2, 1, 4]);
    const c1 = reduce(s, { type: 'focus' });
    expect([c1.net, c1.focus, c1.panels]).toEqual([0, 0, 6]);
    const c2 = reduce(c1, { type: 'focus' });
    expect([c2.net, c2.partner, c2.panels]).toEqual([1, 1, 1]);
  });

  it('the help offers the tour: t from the help opens it', () => {
    const s = reduce(reduce(base(), { type: 'help' }), { type: 'tour' });
    expect([s.help, s.tour]).toEqual([false, 0]);
  });

  it("chapter 4's text carries the engine's f, c_prev and f·c_prev at the selected unit and step", () => {
    const u = plan[3]!.unit;
    const t = plan[3]!.cursor;
    const parts = tourParts({ chapter: 3, store: all[0]!, cursor: t, unit: u, view: { layer: 0, dir: 0 }, onScreen: [], input: all[0]!, cols: 200, lang: 'en' });
    const f = remember.lstm.states[t]!['f']![u]!;
    const cPrev = remember.lstm.states[t - 1]!['c']![u]!;
    const fmt = (x: number) => `${x < 0 ? '' : '+'}${x.toFixed(3)}`;
    expect(parts.story.join(' ')).toContain(`Here f = ${fmt(f)}: of c_prev = ${fmt(cPrev)} it keeps ${fmt(f * cPrev)}`);
  });

  it('fits the story to the rows there are: look and try stay, ] scrolls the rest, nothing wider than the screen', () => {
    const parts = tourParts({ chapter: 0, store: all[0]!, cursor: 49, unit: 2, view: { layer: 0, dir: 0 }, onScreen: [], input: all[0]!, cols: 80, lang: 'ko' });
    const all8 = fitTour(parts, 100, 0, 'ko', 80);
    expect(all8).toHaveLength(1 + parts.story.length + parts.rest.length);
    const cut = fitTour(parts, 8, 0, 'ko', 80);
    expect(cut).toHaveLength(8);
    expect(cut.slice(-parts.rest.length)).toEqual(parts.rest);
    expect(cut.join('\n')).toMatch(/\] 더 보기/);
    const end = fitTour(parts, 8, 99, 'ko', 80);
    expect(end).toContain(parts.story.at(-1));
    for (const l of [...all8, ...cut]) expect(textWidth(l)).toBeLessThanOrEqual(80);
  });

  it('the help in Korean: headings and keys translated, the tour offered, nothing wider than 80 columns', () => {
    const theme = createTheme(0);
    const lines = helpLines(theme, 80, 21, 0, 'ko').map(stripAnsi);
    const text = lines.join('\n');
    expect(text).toContain('gatescope 키');
    expect(text).toContain('t: 둘러보기');
    expect(text).toContain('이동');
    expect(text).toContain('이전 스텝');
    for (const l of lines) expect(textWidth(l), l).toBeLessThanOrEqual(80);
    expect(helpLines(theme, 80, 21, 0, 'en').map(stripAnsi)[0]).toContain('t: the guided tour');
  });

  it('wraps words by terminal width (a Korean character is two columns)', () => {
    const lines = wrapWords('가나다 라마바 사아자 차카타', 8);
    expect(lines).toEqual(['가나다', '라마바', '사아자', '차카타']);
  });
});
