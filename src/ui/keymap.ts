/**
 * The one key table. Input handling, the help overlay, the footer's key hints and the README's key
 * table are all read from BINDINGS, so a key cannot do one thing and be documented as another.
 */

/** A key press as Ink's useInput reports it (input text plus flags); every flag defaults to false. */
export interface KeyPress {
  readonly input: string;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
  readonly shift?: boolean;
  readonly tab?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly meta?: boolean;
}

export type Action =
  | { readonly type: 'step'; readonly delta: number }
  | { readonly type: 'first' }
  | { readonly type: 'last' }
  | { readonly type: 'digit'; readonly digit: number }
  /** Open a prompt: a step number (1-based, as the status line counts), a unit (0-based, as the rows are labelled), or an intervention (text). */
  | { readonly type: 'prompt'; readonly kind: 'step' | 'unit' | 'set' | 'signal' }
  | { readonly type: 'enter' }
  | { readonly type: 'backspace' }
  | { readonly type: 'escape' }
  | { readonly type: 'togglePlay' }
  | { readonly type: 'speed'; readonly delta: 1 | -1 }
  | { readonly type: 'unit'; readonly delta: number }
  | { readonly type: 'unitPage'; readonly delta: 1 | -1 }
  | { readonly type: 'view'; readonly delta: 1 | -1 }
  | { readonly type: 'flagged'; readonly delta: 1 | -1 }
  | { readonly type: 'sort' }
  | { readonly type: 'flaggedOnly' }
  | { readonly type: 'cellScale' }
  | { readonly type: 'scroll'; readonly delta: 1 | -1 }
  | { readonly type: 'explain' }
  | { readonly type: 'memory' }
  | { readonly type: 'attribution' }
  | { readonly type: 'diagram' }
  | { readonly type: 'tint' }
  | { readonly type: 'range' }
  | { readonly type: 'focus' }
  /** Open the guided tour (at `chapter`, 0-based, when given by the container) or close it. */
  | { readonly type: 'tour'; readonly chapter?: number }
  | { readonly type: 'chapter'; readonly delta: 1 | -1 }
  | { readonly type: 'follow' }
  | { readonly type: 'help' }
  | { readonly type: 'quit' }
  | { readonly type: 'back' };

type SpecialKey = 'upArrow' | 'downArrow' | 'leftArrow' | 'rightArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete';

/** A special key (with or without shift), a printable character, or a Ctrl+letter. */
export type KeySpec =
  | { readonly special: SpecialKey; readonly shift?: boolean }
  | { readonly char: string }
  | { readonly ctrl: string };

export interface Binding {
  readonly keys: readonly KeySpec[];
  /** How the help and the README write the keys. */
  readonly label: string;
  readonly description: string;
  readonly group: 'Move' | 'Play' | 'Units' | 'View' | 'Other';
  /** The action, or a function of the pressed key (digits). */
  readonly action: Action | ((press: KeyPress) => Action);
  /** The footer's short hint for the key, if it has one. */
  readonly hint?: KeyHint;
}

/** What decides which hints the footer shows: a key that does nothing here gets none. */
export interface HintContext {
  /** Layer/direction views of the network with the most (Tab cycles them). */
  readonly views: number;
  /** Panels of the focused network (keys 1..N pick one). */
  readonly panels: number;
  /** The input has ended (nothing to follow). */
  readonly done: boolean;
  /** Two networks are on screen (c switches). */
  readonly pair: boolean;
  /** The guided tour can open here (the remember demo). @default false */
  readonly tour?: boolean;
  /** Opened from a corpus list (b goes back). */
  readonly corpus?: boolean;
}

export interface KeyHint {
  /** Where the hint goes, most useful first: the footer keeps hints in this order while they fit. */
  readonly rank: number;
  /** The hint, or null where the key does nothing. */
  readonly text: string | ((c: HintContext) => string | null);
}

const chars = (s: string): KeySpec[] => [...s].map((char) => ({ char }));

export const BINDINGS: readonly Binding[] = [
  // (the step hint names both arrows, on the first of them)
  { keys: [{ special: 'leftArrow' }, { char: 'h' }], label: '← / h', description: 'previous step', group: 'Move', action: { type: 'step', delta: -1 }, hint: { rank: 0, text: '←/→ step' } },
  { keys: [{ special: 'rightArrow' }, { char: 'l' }], label: '→ / l', description: 'next step', group: 'Move', action: { type: 'step', delta: 1 } },
  { keys: [{ special: 'pageUp' }, { char: 'H' }], label: 'PgUp / H', description: '10 steps back', group: 'Move', action: { type: 'step', delta: -10 } },
  { keys: [{ special: 'pageDown' }, { char: 'L' }], label: 'PgDn / L', description: '10 steps forward', group: 'Move', action: { type: 'step', delta: 10 } },
  { keys: [{ special: 'home' }, { char: 'g' }], label: 'Home / g', description: 'first step', group: 'Move', action: { type: 'first' } },
  { keys: [{ special: 'end' }, { char: 'G' }], label: 'End / G', description: 'last step', group: 'Move', action: { type: 'last' } },
  { keys: [{ char: ':' }, { char: '#' }], label: ': / #', description: 'go to step N (as the status line counts it), then Enter', group: 'Move', action: { type: 'prompt', kind: 'step' }, hint: { rank: 8, text: ': go to' } },
  {
    keys: chars('0123456789'),
    label: '1..8',
    description: 'that panel in the timeline (cell order: an LSTM has 6, an sLSTM 8); after : or u, a digit',
    group: 'View',
    action: (p) => ({ type: 'digit', digit: Number(p.input) }),
    hint: { rank: 7, text: (c) => (c.panels > 1 ? `1-${c.panels} timeline` : null) },
  },
  { keys: [{ special: 'return' }], label: 'Enter', description: 'go to the number typed', group: 'Move', action: { type: 'enter' } },
  { keys: [{ special: 'backspace' }, { special: 'delete' }], label: 'Backspace', description: 'erase a typed digit', group: 'Move', action: { type: 'backspace' } },
  { keys: [{ char: ' ' }], label: 'space', description: 'play / pause', group: 'Play', action: { type: 'togglePlay' }, hint: { rank: 4, text: 'space play' } },
  { keys: chars('+='), label: '+', description: 'play faster', group: 'Play', action: { type: 'speed', delta: 1 } },
  { keys: chars('-_'), label: '-', description: 'play slower', group: 'Play', action: { type: 'speed', delta: -1 } },
  { keys: [{ char: 'f' }], label: 'f', description: 'follow a live stream (stay on the newest step)', group: 'Play', action: { type: 'follow' }, hint: { rank: 11, text: (c) => (c.done ? null : 'f follow') } },
  { keys: [{ special: 'upArrow' }, { char: 'k' }], label: '↑ / k', description: 'select the previous unit', group: 'Units', action: { type: 'unit', delta: -1 }, hint: { rank: 5, text: '↑/↓ unit' } },
  { keys: [{ special: 'downArrow' }, { char: 'j' }], label: '↓ / j', description: 'select the next unit', group: 'Units', action: { type: 'unit', delta: 1 } },
  { keys: [{ char: 'K' }], label: 'K', description: 'a page of units up', group: 'Units', action: { type: 'unitPage', delta: -1 } },
  { keys: [{ char: 'J' }], label: 'J', description: 'a page of units down', group: 'Units', action: { type: 'unitPage', delta: 1 } },
  { keys: [{ char: 'u' }], label: 'u', description: 'go to unit: type its number, then Enter', group: 'Units', action: { type: 'prompt', kind: 'unit' } },
  { keys: [{ char: 'n' }], label: 'n', description: 'next flagged unit (saturated shut/open, or dead)', group: 'Units', action: { type: 'flagged', delta: 1 }, hint: { rank: 9, text: 'n flagged' } },
  { keys: [{ char: 'N' }], label: 'N', description: 'previous flagged unit', group: 'Units', action: { type: 'flagged', delta: -1 } },
  { keys: [{ char: 'o' }], label: 'o', description: 'order units by index, variance, saturation, |value| here', group: 'Units', action: { type: 'sort' }, hint: { rank: 10, text: 'o order' } },
  { keys: [{ char: '/' }], label: '/', description: 'rank the units by how well they follow a signal: x:FEATURE, regex:PATTERN (text), depth:() or position, then Enter (/ Enter: by index again)', group: 'Units', action: { type: 'prompt', kind: 'signal' } },
  { keys: [{ char: '!' }], label: '!', description: 'show only flagged units (again: all)', group: 'Units', action: { type: 'flaggedOnly' } },
  { keys: [{ special: 'tab', shift: false }], label: 'Tab', description: 'next layer / direction', group: 'View', action: { type: 'view', delta: 1 }, hint: { rank: 6, text: (c) => (c.views > 1 ? 'Tab layer' : null) } },
  { keys: [{ special: 'tab', shift: true }], label: 'Shift-Tab', description: 'previous layer / direction', group: 'View', action: { type: 'view', delta: -1 } },
  { keys: [{ char: 's' }], label: 's', description: 'free scales (c, ReLU h): largest |value| of all steps / this one', group: 'View', action: { type: 'cellScale' } },
  { keys: [{ char: ']' }], label: ']', description: 'scroll the explain panel or this help down', group: 'View', action: { type: 'scroll', delta: 1 } },
  { keys: [{ char: '[' }], label: '[', description: 'scroll the explain panel or this help up', group: 'View', action: { type: 'scroll', delta: -1 } },
  { keys: [{ char: 'e' }], label: 'e', description: 'explain the selected unit with the real numbers', group: 'View', action: { type: 'explain' }, hint: { rank: 2, text: 'e explain' } },
  { keys: [{ char: 'm' }], label: 'm', description: 'memory: how far back the state depends on the input (log scale)', group: 'View', action: { type: 'memory' }, hint: { rank: 3, text: 'm memory' } },
  { keys: [{ char: 'a' }], label: 'a', description: 'attribution: which steps and features the output here came from (integrated gradients)', group: 'View', action: { type: 'attribution' } },
  { keys: [{ char: 'd' }], label: 'd', description: 'the cell diagram with the selected unit’s real numbers at this step', group: 'View', action: { type: 'diagram' } },
  { keys: [{ char: 'v' }], label: 'v', description: 'the text (or the steps) tinted by the selected unit’s value of the timeline’s state', group: 'View', action: { type: 'tint' } },
  { keys: [{ char: 'w' }], label: 'w', description: 'what if: type an intervention as --set writes one (f[3]@20-:=0, c[2]@7:=0, x[0]@5:=1); Enter re-runs the network with it beside the original; w Enter clears', group: 'View', action: { type: 'prompt', kind: 'set' } },
  { keys: [{ char: 'r' }], label: 'r', description: 'mark a range of steps (r at its first, r at its last): find where the units on over it go on together again; r again clears', group: 'View', action: { type: 'range' } },
  { keys: [{ char: 'c' }], label: 'c', description: 'switch between the networks (--compare; the remember demo cycles RNN, GRU, minGRU, sLSTM beside the LSTM)', group: 'View', action: { type: 'focus' }, hint: { rank: 1, text: (c) => (c.pair ? 'c switch' : null) } },
  { keys: [{ char: 't' }], label: 't', description: 'the guided tour: the LSTM story on this demo, chapter by chapter (gatescope learn); again: close it', group: 'Other', action: { type: 'tour' }, hint: { rank: 3.5, text: (c) => (c.tour === true ? 't tour' : null) } },
  { keys: chars('>.'), label: '> / .', description: 'the tour’s next chapter', group: 'Other', action: { type: 'chapter', delta: 1 } },
  { keys: chars('<,'), label: '< / ,', description: 'the tour’s previous chapter', group: 'Other', action: { type: 'chapter', delta: -1 } },
  { keys: [{ char: '?' }], label: '?', description: 'this help', group: 'Other', action: { type: 'help' }, hint: { rank: 12, text: '? help' } },
  { keys: [{ special: 'escape' }], label: 'Esc', description: 'close help / explain, cancel a number', group: 'Other', action: { type: 'escape' } },
  { keys: [{ char: 'b' }], label: 'b', description: 'back to the corpus list (view FOLDER --corpus)', group: 'Other', action: { type: 'back' }, hint: { rank: 0.5, text: (c) => (c.corpus === true ? 'b list' : null) } },
  { keys: [{ char: 'q' }, { ctrl: 'c' }], label: 'q / Ctrl-C', description: 'quit', group: 'Other', action: { type: 'quit' }, hint: { rank: 13, text: 'q quit' } },
];

function matches(spec: KeySpec, p: KeyPress): boolean {
  if ('special' in spec) {
    if (p[spec.special] !== true) return false;
    return spec.shift === undefined || (p.shift ?? false) === spec.shift;
  }
  if ('ctrl' in spec) return p.ctrl === true && p.input === spec.ctrl;
  return p.ctrl !== true && p.input === spec.char && !isSpecial(p);
}

const SPECIALS: readonly SpecialKey[] = ['upArrow', 'downArrow', 'leftArrow', 'rightArrow', 'pageUp', 'pageDown', 'home', 'end', 'return', 'escape', 'tab', 'backspace', 'delete'];

function isSpecial(p: KeyPress): boolean {
  return SPECIALS.some((k) => p[k] === true);
}

/** The action a key press asks for, or null for a key the viewer does not use. */
export function actionFor(p: KeyPress): Action | null {
  for (const b of BINDINGS) {
    if (b.keys.some((k) => matches(k, p))) return typeof b.action === 'function' ? b.action(p) : b.action;
  }
  return null;
}

const CONTROL_CHARS: Readonly<Record<string, Omit<KeyPress, 'input'>>> = {
  '\r': { return: true },
  '\n': { return: true },
  '\t': { tab: true },
  '\u007f': { delete: true },
  '\b': { backspace: true },
  '\u001b': { escape: true },
};

/**
 * The key presses in one input event. A terminal delivers a burst of typing ("12⏎", or keys
 * pressed faster than they are read) as one chunk of text, which Ink passes on as one event:
 * each character is its own key here, so none is lost.
 */
export function keyPresses(p: KeyPress): KeyPress[] {
  if (p.input.length <= 1 || p.ctrl === true || p.meta === true || isSpecial(p)) return [p];
  return [...p.input].map((ch) => {
    const special = CONTROL_CHARS[ch];
    return special !== undefined ? { input: '', ...special } : { input: ch, shift: ch !== ch.toLowerCase() };
  });
}

/** The footer's key hints for keys that do something here, most useful first. */
export function keyHints(c: HintContext): string[] {
  const hinted = BINDINGS.flatMap((b) => (b.hint === undefined ? [] : [b.hint])).sort((a, b) => a.rank - b.rank);
  return hinted.flatMap((h) => {
    const text = typeof h.text === 'function' ? h.text(c) : h.text;
    return text === null ? [] : [text];
  });
}

/** The key table as Markdown, for the README (generated from BINDINGS, never written by hand). */
export function keyTableMarkdown(): string {
  const rows = BINDINGS.map((b) => `| ${b.label.replace(/\|/g, '\\|')} | ${b.description} |`);
  return ['| Key | Action |', '| --- | --- |', ...rows].join('\n');
}
