/**
 * The words the learning screens say (the cell diagram, the guided tour, the help, the explain
 * panel), one table per language: en.ts and ko.ts fill the same shape, so a missing Korean string
 * is a type error, not an English word in a Korean screen. Formulas and numbers are not
 * translated: `c = f*c_prev + i*g` reads the same in both.
 */

export type Lang = 'en' | 'ko';
export const LANGS: readonly Lang[] = ['en', 'ko'];

export interface DiagramStrings {
  /** `cell diagram` (title) */
  readonly title: string;
  readonly unit: string;
  readonly step: string;
  /** The closing hint in the title. */
  readonly close: string;
  /** One line each: what the wires' glyphs and colours mean. */
  readonly legend: string;
  readonly legendColour: string;
  /** Under the h output: h and c go on to the next step. */
  readonly nextStep: string;
  /** LSTM: the cell state's top line, the tutorial's conveyor belt. */
  readonly belt: string;
  readonly noSteps: string;
  readonly notHeld: string;
  readonly outOfRange: (H: number) => string;
  /** The diagram is of the focused network; with two, c switches. */
  readonly switchHint: string;
}

export interface ExplainStrings {
  readonly forget: string;
  readonly input: string;
  readonly candidate: string;
  readonly newCell: string;
  readonly output: string;
  readonly kept: string;
  readonly wrote: string;
  readonly pre: string;
  readonly largest: string;
  readonly reset: string;
  readonly update: string;
  readonly newState: string;
  readonly resetNote: string;
  readonly updateNote: string;
  readonly hidden: string;
  readonly previous: string;
  readonly previousNote: (act: string) => string;
  readonly preOne: string;
  readonly bias: string;
  readonly peephole: string;
  /** The panel's title: `explain`, and its closing hint `(e or Esc closes)`. */
  readonly title: string;
  readonly close: string;
  /** Where the panel is: `layer`, and the lines of a long panel with ] [ to scroll. */
  readonly layer: string;
  readonly lines: (first: number, last: number, of: number, more: boolean) => string;
}

export interface ChapterStrings {
  readonly title: string;
  /** Paragraphs of the story; `{name}` slots are filled with real numbers by the chapter. */
  readonly text: readonly string[];
  /** What to look at on this screen. */
  readonly look: string;
  /** The key to try and what it shows. */
  readonly tryKey: string;
  /** Commands with what each does (the last chapter). */
  readonly commands?: readonly (readonly [string, string])[];
}

export interface TourStrings {
  readonly tour: string;
  readonly chapters: readonly ChapterStrings[];
  readonly lookLabel: string;
  readonly tryLabel: string;
  readonly footer: readonly string[];
  readonly end: string;
  /** Chapter 2's table headings. */
  readonly times3: string;
  readonly throughTanh: string;
  readonly afterSteps: string;
  /** Chapter 3: the sigmoid curve's caption. */
  readonly sigmoidCaption: string;
  readonly shut: string;
  readonly open: string;
  /** Chapter 1's lines under the memory figure. */
  readonly reachLstm: (steps: number, pred: string, target: string) => string;
  readonly reachRnn: (steps: number, pred: string) => string;
  readonly network: string;
  /** Under a story cut to the rows there are: which lines are shown, and ] [ to scroll. */
  readonly storyMore: (first: number, last: number, of: number) => string;
  /** Chapter 8: the GRU unit's h at step 1 and now, the value it holds. */
  readonly holds: (unit: number, first: string, step: number, now: string) => string;
}

export interface HelpStrings {
  readonly title: string;
  readonly more: string;
  readonly groups: Readonly<Record<'Move' | 'Play' | 'Units' | 'View' | 'Other', string>>;
  /** Key descriptions by the binding's label; a label missing here keeps the English. */
  readonly keys: Readonly<Record<string, string>>;
  readonly legend: readonly string[];
}

export interface Strings {
  readonly lang: Lang;
  readonly diagram: DiagramStrings;
  readonly explain: ExplainStrings;
  readonly tour: TourStrings;
  readonly help: HelpStrings | null;
}

/**
 * The language asked for by the environment, as POSIX locales order it: LC_ALL, then
 * LC_MESSAGES, then LANG; `ko`, `ko_KR.UTF-8` mean Korean, anything else English.
 */
export function langFromEnv(env: Readonly<Record<string, string | undefined>>): Lang {
  for (const key of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const v = env[key];
    if (v === undefined || v === '') continue;
    return /^ko([_.@-]|$)/i.test(v) ? 'ko' : 'en';
  }
  return 'en';
}
