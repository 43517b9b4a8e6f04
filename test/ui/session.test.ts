import { describe, expect, it } from 'vitest';
import { initialSession, playbackTimer, reduce, SPEEDS, type Session, type SessionAction } from '../../src/ui/session.js';

function run(s: Session, ...actions: SessionAction[]): Session {
  return actions.reduce(reduce, s);
}

const base = (over: Partial<Parameters<typeof initialSession>[0]> = {}): Session =>
  initialSession({ H: 8, views: 2, panels: 6, T: 40, done: true, unitRows: 4, ...over });

const digit = (d: number): SessionAction => ({ type: 'digit', digit: d });
const goStep: SessionAction = { type: 'prompt', kind: 'step' };
const goUnit: SessionAction = { type: 'prompt', kind: 'unit' };

describe('session reducer: the cursor', () => {
  it('clamps the cursor at the first and the last step', () => {
    expect(run(base(), { type: 'step', delta: -1 }).cursor).toBe(0);
    expect(run(base(), { type: 'step', delta: 10 }, { type: 'step', delta: 100 }).cursor).toBe(39);
    expect(run(base(), { type: 'last' }, { type: 'step', delta: 1 }).cursor).toBe(39);
    expect(run(base(), { type: 'step', delta: 15 }, { type: 'first' }).cursor).toBe(0);
  });

  it('stays at step 0 while there is no data', () => {
    const s = run(base({ T: 0, done: false }), { type: 'step', delta: 3 }, { type: 'last' });
    expect(s.cursor).toBe(0);
    expect(run(s, { type: 'data', T: 5, done: false }).cursor).toBe(0);
  });

  it('jumps to a typed number on Enter, 1-based, clamped with a note', () => {
    expect(run(base(), goStep, digit(1), digit(2), { type: 'enter' }).cursor).toBe(11);
    const past = run(base(), goStep, digit(9), digit(9), { type: 'enter' });
    expect(past.cursor).toBe(39);
    expect(past.note).toMatch(/past the end/);
    expect(run(base(), goStep, digit(0), { type: 'enter' }).cursor).toBe(0);
    expect(run(base(), goStep, digit(0), { type: 'enter' }).note).toMatch(/steps start at 1 \(t=0\)/);
    expect(run(base(), { type: 'enter' }).cursor).toBe(0);
    expect(run(base(), goStep, { type: 'enter' }).entry).toBeNull();
  });

  it('edits and cancels a number', () => {
    const s = run(base(), goStep, digit(3), digit(4), { type: 'backspace' });
    expect(s.entry).toBe('3');
    expect(run(s, { type: 'enter' }).cursor).toBe(2);
    expect(run(s, { type: 'escape' }).entry).toBeNull();
    expect(run(s, { type: 'escape' }).cursor).toBe(0);
  });

  it('lets a digit choose the timeline panel and nothing else; Esc leaves it chosen', () => {
    expect(run(base(), digit(3)).timeline).toBe(2);
    expect(run(base(), digit(3)).entry).toBeNull();
    expect(run(base(), digit(3), digit(4)).timeline).toBe(3);
    expect(run(base(), digit(3), { type: 'escape' }).timeline).toBe(2);
    expect(run(base(), digit(3), { type: 'enter' }).cursor).toBe(0);
    expect(run(base({ panels: 4 }), digit(6)).timeline).toBe(0);
    expect(run(base({ panels: 4 }), digit(6)).note).toMatch(/panels are 1-4/);
    // inside a prompt, a digit is part of the number: the timeline stays
    expect(run(base(), goStep, digit(3)).timeline).toBe(0);
  });
});

describe('session reducer: finding units', () => {
  it('goes to a typed unit (0-based), clamped with a note', () => {
    expect(run(base(), goUnit, digit(6), { type: 'enter' }).unit).toBe(6);
    expect(run(base(), goUnit, digit(6), { type: 'enter' }).unitTop).toBe(3);
    const past = run(base(), goUnit, digit(4), digit(0), { type: 'enter' });
    expect(past.unit).toBe(7);
    expect(past.note).toMatch(/units are 0-7/);
  });

  it('steps through flagged units with n and N, wrapping round', () => {
    const s = run(base(), { type: 'order', order: null, flagged: [2, 5] });
    expect(run(s, { type: 'flagged', delta: 1 }).unit).toBe(2);
    expect(run(s, { type: 'flagged', delta: 1 }, { type: 'flagged', delta: 1 }).unit).toBe(5);
    expect(run(s, { type: 'flagged', delta: 1 }, { type: 'flagged', delta: 1 }, { type: 'flagged', delta: 1 }).unit).toBe(2);
    expect(run(s, { type: 'flagged', delta: -1 }).unit).toBe(5);
    expect(run(base(), { type: 'flagged', delta: 1 }).note).toMatch(/no flagged unit/);
  });

  it('moves along the order the container gives: ↑ ↓ and pages follow the rows, not the indices', () => {
    let s = run(base(), { type: 'sort' });
    expect(s.sort).toBe('variance');
    s = run(s, { type: 'order', order: [5, 1, 7, 0, 2, 3, 4, 6], flagged: [] });
    expect(s.unit).toBe(0);
    expect(s.unitTop).toBe(0);
    expect(run(s, { type: 'unit', delta: 1 }).unit).toBe(2);
    expect(run(s, { type: 'unit', delta: -1 }).unit).toBe(7);
    expect(run(s, { type: 'first' }, { type: 'unitPage', delta: -1 }).unit).toBe(5);
    expect(run(base(), { type: 'sort' }, { type: 'sort' }, { type: 'sort' }, { type: 'sort' }).sort).toBe('index');
  });

  it('keeps flagged units only on !, and says so when there are none', () => {
    const s = run(base(), { type: 'order', order: null, flagged: [3] });
    expect(run(s, { type: 'flaggedOnly' }).flaggedOnly).toBe(true);
    expect(run(s, { type: 'flaggedOnly' }, { type: 'order', order: [3], flagged: [3] }).unit).toBe(3);
    expect(run(base(), { type: 'flaggedOnly' }).flaggedOnly).toBe(false);
    expect(run(base(), { type: 'flaggedOnly' }).note).toMatch(/no flagged unit/);
  });

  it('toggles the free scale between all steps and this step', () => {
    expect(run(base(), { type: 'cellScale' }).localScale).toBe(true);
    expect(run(base(), { type: 'cellScale' }, { type: 'cellScale' }).localScale).toBe(false);
  });

  it('scrolls the help with ] [ and the arrows; any other key closes it', () => {
    const h = run(base(), { type: 'help' });
    expect(run(h, { type: 'scroll', delta: 1 }).scrollTop).toBe(5);
    expect(run(h, { type: 'scroll', delta: 1 }).help).toBe(true);
    expect(run(h, { type: 'unit', delta: 1 }, { type: 'unit', delta: 1 }).scrollTop).toBe(2);
    expect(run(h, { type: 'scroll', delta: -1 }).scrollTop).toBe(0);
    expect(run(h, { type: 'scroll', delta: 1 }, { type: 'step', delta: 1 }).help).toBe(false);
    expect(run(h, { type: 'scroll', delta: 1 }, { type: 'step', delta: 1 }).cursor).toBe(0);
  });
});

describe('session reducer: follow mode', () => {
  const live = (): Session => base({ T: 3, done: false, follow: true });

  it('keeps the cursor on the newest step as data arrives', () => {
    const s = run(live(), { type: 'data', T: 10, done: false });
    expect(s.cursor).toBe(9);
    expect(s.follow).toBe(true);
  });

  it('leaves follow mode on a step back and stays put as data arrives', () => {
    const s = run(live(), { type: 'step', delta: -1 }, { type: 'data', T: 10, done: false });
    expect(s.follow).toBe(false);
    expect(s.cursor).toBe(1);
  });

  it('resumes following on f', () => {
    const s = run(live(), { type: 'first' }, { type: 'data', T: 7, done: false }, { type: 'follow' });
    expect(s.follow).toBe(true);
    expect(s.cursor).toBe(6);
    expect(run(s, { type: 'data', T: 8, done: false }).cursor).toBe(7);
  });

  it('jumping to a number leaves follow mode', () => {
    expect(run(live(), goStep, digit(1), { type: 'enter' }).follow).toBe(false);
  });

  it('never loses steps it already has', () => {
    expect(run(live(), { type: 'data', T: 1, done: true }).T).toBe(3);
  });
});

describe('session reducer: playback', () => {
  it('advances on ticks while playing and stops at the end of a finished input', () => {
    let s = run(base({ T: 5 }), { type: 'togglePlay' });
    expect(s.playing).toBe(true);
    s = run(s, { type: 'tick', steps: 1 }, { type: 'tick', steps: 2 });
    expect(s.cursor).toBe(3);
    s = run(s, { type: 'tick', steps: 1 });
    expect(s.cursor).toBe(4);
    expect(s.playing).toBe(false);
  });

  it('waits at the newest step of a live input instead of stopping', () => {
    let s = run(base({ T: 2, done: false }), { type: 'togglePlay' }, { type: 'tick', steps: 5 });
    expect(s.cursor).toBe(1);
    expect(s.playing).toBe(true);
    s = run(s, { type: 'data', T: 4, done: false }, { type: 'tick', steps: 1 });
    expect(s.cursor).toBe(2);
  });

  it('ignores ticks while paused', () => {
    expect(run(base(), { type: 'tick', steps: 3 }).cursor).toBe(0);
  });

  it('starts again from the first step when played from the end', () => {
    expect(run(base(), { type: 'last' }, { type: 'togglePlay' }).cursor).toBe(0);
  });

  it('changes speed within the table', () => {
    let s = base();
    for (let i = 0; i < 20; i++) s = reduce(s, { type: 'speed', delta: 1 });
    expect(s.speed).toBe(SPEEDS.length - 1);
    for (let i = 0; i < 20; i++) s = reduce(s, { type: 'speed', delta: -1 });
    expect(s.speed).toBe(0);
  });

  it('never ticks faster than the frame rate, moving several steps per tick instead', () => {
    const fast = { ...base(), speed: SPEEDS.indexOf(240) };
    expect(playbackTimer(fast, 30)).toEqual({ intervalMs: 1000 / 30, steps: 8 });
    const slow = { ...base(), speed: SPEEDS.indexOf(2) };
    expect(playbackTimer(slow, 30)).toEqual({ intervalMs: 500, steps: 1 });
  });
});

describe('session reducer: units, views and overlays', () => {
  it('selects units within H and scrolls to keep the selection on screen', () => {
    let s = base();
    s = run(s, { type: 'unit', delta: 5 });
    expect(s.unit).toBe(5);
    expect(s.unitTop).toBe(2);
    s = run(s, { type: 'unit', delta: 100 });
    expect(s.unit).toBe(7);
    expect(s.unitTop).toBe(4);
    s = run(s, { type: 'unit', delta: -6 });
    expect(s.unit).toBe(1);
    expect(s.unitTop).toBe(1);
    expect(run(s, { type: 'unit', delta: -5 }).unit).toBe(0);
  });

  it('pages through units', () => {
    const s = run(base(), { type: 'unitPage', delta: 1 });
    expect(s.unit).toBe(4);
    expect(s.unitTop).toBe(4);
    expect(run(s, { type: 'unitPage', delta: 1 }).unitTop).toBe(4);
    expect(run(s, { type: 'unitPage', delta: -1 }).unit).toBe(0);
  });

  it('keeps the selection visible when the viewport shrinks', () => {
    const s = run(base({ unitRows: 8 }), { type: 'unit', delta: 7 }, { type: 'viewport', unitRows: 3 });
    expect(s.unitTop).toBe(5);
  });

  it('cycles views both ways', () => {
    expect(run(base(), { type: 'view', delta: 1 }).view).toBe(1);
    expect(run(base(), { type: 'view', delta: 1 }, { type: 'view', delta: 1 }).view).toBe(0);
    expect(run(base(), { type: 'view', delta: -1 }).view).toBe(1);
  });

  it('closes the help with the next key, which does nothing else', () => {
    const s = run(base(), { type: 'help' });
    expect(s.help).toBe(true);
    const after = run(s, { type: 'step', delta: 1 });
    expect(after.help).toBe(false);
    expect(after.cursor).toBe(0);
    expect(run(s, { type: 'quit' }).quit).toBe(true);
  });

  it('toggles explain, and Esc closes it', () => {
    const s = run(base(), { type: 'explain' });
    expect(s.explain).toBe(true);
    expect(run(s, { type: 'escape' }).explain).toBe(false);
    expect(run(s, { type: 'explain' }).explain).toBe(false);
  });

  it('clears a note on the next key but not on data', () => {
    const s = run(base(), goStep, digit(9), digit(9), { type: 'enter' });
    expect(run(s, { type: 'data', T: 41, done: true }).note).not.toBeNull();
    expect(run(s, { type: 'unit', delta: 1 }).note).toBeNull();
  });
});

describe('session reducer: a history that dropped its beginning', () => {
  const trimmed = (): Session => run(base({ T: 10, done: false }), { type: 'data', T: 50, done: false, first: 20 });

  it('keeps the cursor at or after the oldest step held', () => {
    const s = trimmed();
    expect(s.cursor).toBe(20);
    expect(run(s, { type: 'step', delta: -5 }).cursor).toBe(20);
    expect(run(s, { type: 'last' }, { type: 'first' }).cursor).toBe(20);
  });

  it('says so when a typed step is no longer kept', () => {
    const s = run(trimmed(), goStep, digit(5), { type: 'enter' });
    expect(s.cursor).toBe(20);
    expect(s.note).toMatch(/no longer kept/);
  });
});

describe('session reducer: the memory view and a second network', () => {
  const pair = (over: Partial<Parameters<typeof initialSession>[0]> = {}): Session =>
    initialSession({ H: 8, views: 2, panels: 6, T: 40, done: true, unitRows: 4, compare: { views: 1, panels: 1 }, ...over });

  it('toggles the memory view with m and keeps the cursor', () => {
    const s = run(base(), { type: 'step', delta: 5 }, { type: 'memory' });
    expect(s.mode).toBe('memory');
    expect(s.cursor).toBe(5);
    expect(run(s, { type: 'memory' }).mode).toBe('gates');
    expect(initialSession({ H: 2, views: 1, panels: 1, mode: 'memory' }).mode).toBe('memory');
  });

  it('switches focus between two networks, each keeping its own layer and timeline panel', () => {
    let s = run(pair(), { type: 'view', delta: 1 }, digit(3), { type: 'first' });
    expect(s.view).toBe(1);
    s = run(s, { type: 'focus' });
    expect(s.focus).toBe(1);
    // The RNN twin: one view, one panel; Tab and digits act on it now.
    expect(s.views).toBe(1);
    expect(s.panels).toBe(1);
    expect(run(s, { type: 'view', delta: 1 }).view).toBe(0);
    expect(s.other).toEqual({ views: 2, view: 1, panels: 6, timeline: 2 });
    s = run(s, { type: 'focus' });
    expect(s.focus).toBe(0);
    expect(s.view).toBe(1);
    expect(s.timeline).toBe(2);
  });

  it('shares the cursor and the selected unit between the two networks', () => {
    const s = run(pair(), { type: 'step', delta: 7 }, { type: 'unit', delta: 2 }, { type: 'focus' });
    expect(s.cursor).toBe(7);
    expect(s.unit).toBe(2);
  });

  it('says how to add a second network when there is none', () => {
    const s = run(base(), { type: 'focus' });
    expect(s.focus).toBe(0);
    expect(s.note).toMatch(/--compare/);
  });
});
