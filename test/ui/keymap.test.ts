import { describe, expect, it } from 'vitest';
import { actionFor, BINDINGS, keyPresses, keyTableMarkdown, type Action, type KeyPress } from '../../src/ui/keymap.js';

const k = (input: string, flags: Omit<KeyPress, 'input'> = {}): KeyPress => ({ input, ...flags });

describe('key table', () => {
  const positive: [string, KeyPress, Action][] = [
    ['←', k('', { leftArrow: true }), { type: 'step', delta: -1 }],
    ['h', k('h'), { type: 'step', delta: -1 }],
    ['→', k('', { rightArrow: true }), { type: 'step', delta: 1 }],
    ['l', k('l'), { type: 'step', delta: 1 }],
    ['PgUp', k('', { pageUp: true }), { type: 'step', delta: -10 }],
    ['H', k('H', { shift: true }), { type: 'step', delta: -10 }],
    ['PgDn', k('', { pageDown: true }), { type: 'step', delta: 10 }],
    ['L', k('L', { shift: true }), { type: 'step', delta: 10 }],
    ['Home', k('', { home: true }), { type: 'first' }],
    ['g', k('g'), { type: 'first' }],
    ['End', k('', { end: true }), { type: 'last' }],
    ['G', k('G', { shift: true }), { type: 'last' }],
    ['7', k('7'), { type: 'digit', digit: 7 }],
    ['0', k('0'), { type: 'digit', digit: 0 }],
    ['Enter', k('\r', { return: true }), { type: 'enter' }],
    [':', k(':'), { type: 'prompt', kind: 'step' }],
    ['#', k('#'), { type: 'prompt', kind: 'step' }],
    ['u', k('u'), { type: 'prompt', kind: 'unit' }],
    ['n', k('n'), { type: 'flagged', delta: 1 }],
    ['N', k('N', { shift: true }), { type: 'flagged', delta: -1 }],
    ['o', k('o'), { type: 'sort' }],
    ['!', k('!'), { type: 'flaggedOnly' }],
    ['s', k('s'), { type: 'cellScale' }],
    [']', k(']'), { type: 'scroll', delta: 1 }],
    ['[', k('['), { type: 'scroll', delta: -1 }],
    ['Backspace (DEL)', k('', { delete: true }), { type: 'backspace' }],
    ['space', k(' '), { type: 'togglePlay' }],
    ['+', k('+'), { type: 'speed', delta: 1 }],
    ['=', k('='), { type: 'speed', delta: 1 }],
    ['-', k('-'), { type: 'speed', delta: -1 }],
    ['↑', k('', { upArrow: true }), { type: 'unit', delta: -1 }],
    ['k', k('k'), { type: 'unit', delta: -1 }],
    ['↓', k('', { downArrow: true }), { type: 'unit', delta: 1 }],
    ['j', k('j'), { type: 'unit', delta: 1 }],
    ['J', k('J', { shift: true }), { type: 'unitPage', delta: 1 }],
    ['Tab', k('', { tab: true }), { type: 'view', delta: 1 }],
    ['Shift-Tab', k('', { tab: true, shift: true }), { type: 'view', delta: -1 }],
    ['e', k('e'), { type: 'explain' }],
    ['m', k('m'), { type: 'memory' }],
    ['c', k('c'), { type: 'focus' }],
    ['f', k('f'), { type: 'follow' }],
    ['?', k('?'), { type: 'help' }],
    ['Esc', k('', { escape: true, meta: true }), { type: 'escape' }],
    ['q', k('q'), { type: 'quit' }],
    ['Ctrl-C', k('c', { ctrl: true }), { type: 'quit' }],
  ];
  for (const [name, press, action] of positive) it(`maps ${name}`, () => expect(actionFor(press)).toEqual(action));

  const negative: [string, KeyPress][] = [
    ['C (c switches networks, Ctrl-C quits)', k('C', { shift: true })],
    ['Ctrl-L', k('l', { ctrl: true })],
    ['Ctrl-H is not h', k('h', { ctrl: true })],
    ['Q', k('Q', { shift: true })],
    ['x', k('x')],
    ['an arrow never falls through to its text', k('[C', { rightArrow: false, meta: true })],
    ['a pasted word', k('hello')],
    ['empty', k('')],
  ];
  for (const [name, press] of negative) it(`ignores ${name}`, () => expect(actionFor(press)).toBeNull());

  it('never binds one key twice', () => {
    const seen = new Set<string>();
    for (const b of BINDINGS) {
      for (const key of b.keys) {
        const id = JSON.stringify(key);
        expect(seen.has(id), id).toBe(false);
        seen.add(id);
      }
    }
  });

  it('splits a burst of typed text into one key each, so fast typing loses nothing', () => {
    const actions = keyPresses(k('jj12\r')).map(actionFor);
    expect(actions).toEqual([
      { type: 'unit', delta: 1 },
      { type: 'unit', delta: 1 },
      { type: 'digit', digit: 1 },
      { type: 'digit', digit: 2 },
      { type: 'enter' },
    ]);
    expect(keyPresses(k('GL')).map(actionFor)).toEqual([{ type: 'last' }, { type: 'step', delta: 10 }]);
    expect(keyPresses(k('', { rightArrow: true }))).toEqual([k('', { rightArrow: true })]);
  });

  it('writes the README table from the same bindings', () => {
    const md = keyTableMarkdown();
    const lines = md.split('\n');
    expect(lines[0]).toBe('| Key | Action |');
    expect(lines).toHaveLength(BINDINGS.length + 2);
    expect(md).toContain('| ← / h | previous step |');
    expect(md).toContain('| q / Ctrl-C | quit |');
  });
});
