/**
 * Where everything goes for a terminal of cols x rows: a pure function, so every size (80x24,
 * 200x60, a 300-column ultrawide, a too-small window) is tested without a terminal.
 *
 * The frame is one line shorter than the terminal: Ink repaints the whole screen whenever its
 * output reaches the terminal's height, and that costs a full clear on every frame.
 *
 *   status           1 row       the prediction and the step first when it is narrow
 *   banner           0..1 row    a demo's task, or a hint about the input's range (when there is room)
 *   x strip          1..3 rows   the input x_t: name, value, bar per feature
 *   guesses          0..6 rows   a classifier head's top guesses per step (fewer ranks when short)
 *   panel grid       per grid row: a title row, then one row per unit; panels side by side when
 *                    wide, wrapped onto more grid rows when narrow
 *   timeline         axis row, heatmap rows (units x steps), sparkline (1 or 2 rows)
 *     or explain     the selected unit's equations with numbers
 *   footer           1 row
 *
 * Space goes by priority: status and footer, then the panels (as many units as fit), then the
 * timeline (axis and sparkline, then heatmap rows, then more heatmaps).
 *
 * With a second network (--compare) the grid holds both: side by side with a divider when all
 * their panels fit in one row, else one grid under the other, each under a row naming it; when
 * not even that fits, only the focused one, its name row saying so.
 */

export const MIN_COLS = 40;
export const MIN_ROWS = 10;
/** Panel columns besides the bar: space, value (6), space, ..., saturation mark. */
export const PANEL_CHROME = 9;
const MIN_HALF = 3;
const MAX_HALF = 16;
const X_NAME_MAX = 10;
const X_HALF = 3;
const HEATMAP_MAX_ROWS = 16;

export interface LayoutInput {
  readonly cols: number;
  readonly rows: number;
  /** Panels of the cell (1..6). */
  readonly panels: number;
  /** Units per panel. */
  readonly H: number;
  /** Input features. */
  readonly D: number;
  /** Longest feature name, in columns. */
  readonly xNameWidth: number;
  /** Rows the explain panel wants, or 0 when it is closed. */
  readonly explainRows: number;
  /** Whether the timeline's sparkline takes 2 rows (a signed panel) rather than 1. */
  readonly signedSpark: boolean;
  /** Text input: a row of the tokens under the timeline's axis. */
  readonly tokenRow?: boolean;
  /** Static snapshot: no height limit, every unit shown, no footer. */
  readonly snapshot?: boolean;
  /**
   * A second network shown with the first: its panel count (`panels` is the first's) and which of
   * the two keys act on (the one shown when only one fits).
   */
  readonly compare?: { readonly panels: number; readonly focus: 0 | 1 } | null;
  /** A banner line is wanted under the status line. @default false */
  readonly banner?: boolean;
  /** Rows the top-guess strip wants (0: no classifier head). @default 0 */
  readonly guessRows?: number;
}

/** How two networks share the grid (null: one network). */
export type PairLayout = 'beside' | 'below' | 'focused' | null;

/** Columns between the two networks' panels when they sit side by side: a space and a divider. */
export const PAIR_GAP = 2;

export interface Layout {
  readonly cols: number;
  /** Lines in the frame. */
  readonly height: number;
  /** Why the terminal cannot hold the minimum layout, or null. */
  readonly tooSmall: string | null;
  /** Columns before the first panel: selection mark, unit index, space. */
  readonly gutter: number;
  readonly indexWidth: number;
  readonly panelCols: number;
  readonly gridRows: number;
  /** Bar half-width: diverging bars are 2*half+1, sequential ones the same. */
  readonly half: number;
  readonly panelWidth: number;
  /** Unit rows per grid row. */
  readonly unitRows: number;
  /** A scrollbar column at the right of the grid (more units than rows). */
  readonly scrollbar: boolean;
  readonly xRows: number;
  readonly xPerRow: number;
  readonly xNameWidth: number;
  readonly xHalf: number;
  readonly xCellWidth: number;
  /** Heatmap unit rows (0: sparkline only). */
  readonly heatRows: number;
  /** Sparkline rows (0 when the timeline is not shown). */
  readonly sparkRows: number;
  /** Whether the timeline is shown at all (its axis row). */
  readonly timeline: boolean;
  /** A row of the input tokens under the axis (text input). */
  readonly tokenRow: boolean;
  /** Steps across the timeline. */
  readonly timelineWidth: number;
  /**
   * Heatmaps of further panels under the chosen one's sparkline, each a title row and H unit rows:
   * rows a tall window would otherwise leave empty (0 when the chosen heatmap is not whole).
   */
  readonly extraHeats: number;
  readonly explainRows: number;
  /** Rows between status/x strip and footer that the help overlay may use. */
  readonly bodyRows: number;
  readonly footer: boolean;
  /** The static plain-text view: no play state, no key hints. */
  readonly snapshot: boolean;
  /** How two networks share the grid; null for one network. */
  readonly pair: PairLayout;
  /** Rows naming the networks above their grids: 1 per grid shown (0 for one network). */
  readonly nameRows: number;
  /** The banner row under the status line: 1 or 0. */
  readonly bannerRows: number;
  /** Rows of the top-guess strip: its text row and the ranks (0: none). */
  readonly guessRows: number;
}

function digits(n: number): number {
  return String(Math.max(0, n)).length;
}

export function computeLayout(input: LayoutInput): Layout {
  const { cols, panels, H, D } = input;
  const snapshot = input.snapshot ?? false;
  const indexWidth = digits(H - 1);
  const gutter = 1 + indexWidth + 1;
  const base = {
    cols,
    snapshot,
    gutter,
    indexWidth,
    xNameWidth: Math.max(1, Math.min(X_NAME_MAX, input.xNameWidth)),
    xHalf: X_HALF,
  };
  const tooSmall = (why: string): Layout => ({
    ...base,
    height: Math.max(1, input.rows - 1),
    tooSmall: why,
    pair: null,
    nameRows: 0,
    panelCols: 0,
    gridRows: 0,
    half: 0,
    panelWidth: 0,
    unitRows: 0,
    scrollbar: false,
    xRows: 0,
    xPerRow: 0,
    xCellWidth: 0,
    heatRows: 0,
    sparkRows: 0,
    timeline: false,
    tokenRow: false,
    timelineWidth: 0,
    extraHeats: 0,
    explainRows: 0,
    bodyRows: 0,
    footer: false,
    bannerRows: 0,
    guessRows: 0,
  });
  if (cols < MIN_COLS) return tooSmall(`terminal too narrow (${cols} columns): gatescope needs at least ${MIN_COLS} columns`);
  if (!snapshot && input.rows < MIN_ROWS) return tooSmall(`terminal too short (${input.rows} rows): gatescope needs at least ${MIN_ROWS} rows`);

  const usable = cols - gutter - 1; // one column kept for the scrollbar
  const minPanel = PANEL_CHROME + 2 * MIN_HALF + 1;
  const sideBySide = (n: number, room: number) => Math.min(MAX_HALF, Math.floor((Math.floor(room / n) - PANEL_CHROME - 1) / 2));
  // Columns: as many panels side by side as fit with bars of at least 2*MIN_HALF+1 cells.
  const gridOf = (n: number) => {
    const panelCols = Math.max(1, Math.min(n, Math.floor(usable / minPanel)));
    return { panelCols, gridRows: Math.ceil(n / panelCols), half: sideBySide(panelCols, usable) };
  };
  const cmp = input.compare ?? null;
  interface Arrangement {
    pair: PairLayout;
    panelCols: number;
    gridRows: number;
    half: number;
    nameRows: number;
  }
  const arrangements: Arrangement[] = [];
  if (cmp === null) {
    const g = gridOf(panels);
    arrangements.push({ pair: null, ...g, nameRows: 0 });
  } else {
    const both = panels + cmp.panels;
    if (Math.floor((usable - PAIR_GAP) / minPanel) >= both) {
      arrangements.push({ pair: 'beside', panelCols: both, gridRows: 1, half: sideBySide(both, usable - PAIR_GAP), nameRows: 1 });
    }
    const g = gridOf(Math.max(panels, cmp.panels));
    arrangements.push({ pair: 'below', panelCols: g.panelCols, gridRows: Math.ceil(panels / g.panelCols) + Math.ceil(cmp.panels / g.panelCols), half: g.half, nameRows: 2 });
    const focused = gridOf(cmp.focus === 0 ? panels : cmp.panels);
    arrangements.push({ pair: 'focused', ...focused, nameRows: 1 });
  }
  const narrow = (a: Arrangement) => a.half < MIN_HALF;
  if (arrangements.every(narrow)) return tooSmall(`terminal too narrow (${cols} columns) for these panels: gatescope needs more columns`);
  const fitting = arrangements.filter((a) => !narrow(a));

  const xCellWidth = base.xNameWidth + 1 + 6 + 1 + (2 * X_HALF + 1) + 2;
  const xPerRow = Math.max(1, Math.floor((cols - gutter) / xCellWidth));
  // Text input: its one-hot x is one row (the token is the point, and the guess strip reads the text).
  const xNeeded = input.tokenRow === true ? 1 : Math.max(1, Math.ceil(D / xPerRow));
  const timelineWidth = Math.max(1, cols - gutter - 1);
  const sparkWant = input.signedSpark ? 2 : 1;
  const axisRows = input.tokenRow === true ? 2 : 1;
  const gridFields = (a: Arrangement) => ({
    panelCols: a.panelCols,
    gridRows: a.gridRows,
    half: a.half,
    panelWidth: PANEL_CHROME + 2 * a.half + 1,
    pair: a.pair,
    nameRows: a.nameRows,
  });
  const bannerWant = input.banner === true ? 1 : 0;
  const guessWant = Math.max(0, input.guessRows ?? 0);

  if (snapshot) {
    // No height limit: both networks, whichever arrangement fits the width first.
    const a = fitting[0]!;
    const xRows = Math.min(xNeeded, 4);
    const heatRows = Math.min(H, HEATMAP_MAX_ROWS);
    const timelineRows = axisRows + heatRows + sparkWant;
    const gridHeight = a.nameRows + a.gridRows * (1 + H);
    const height = 1 + bannerWant + xRows + guessWant + gridHeight + timelineRows;
    return {
      ...base,
      ...gridFields(a),
      bannerRows: bannerWant,
      guessRows: guessWant,
      height,
      tooSmall: null,
      unitRows: H,
      scrollbar: false,
      xRows,
      xPerRow,
      xCellWidth,
      heatRows,
      sparkRows: sparkWant,
      timeline: true,
      tokenRow: axisRows === 2,
      timelineWidth,
      extraHeats: 0,
      explainRows: 0,
      bodyRows: gridHeight + timelineRows,
      footer: false,
    };
  }

  const height = input.rows - 1;
  const minUnits = Math.min(H, 2);
  const minGrid = (a: Arrangement) => a.nameRows + a.gridRows * (1 + minUnits);
  // status + footer, one x row, the smallest grid: below that, say how many rows it takes.
  const smallest = fitting.at(-1)!;
  const needRows = 1 + 2 + 1 + minGrid(smallest);
  if (height - 2 - 1 < minGrid(smallest)) {
    return tooSmall(`terminal too short (${input.rows} rows): at ${cols} columns gatescope needs at least ${needRows} rows`);
  }
  // The banner only when the smallest grid keeps a unit row more than its minimum.
  const bannerRows = bannerWant > 0 && height - 2 - 1 - 1 >= minGrid(smallest) + fitting.at(-1)!.gridRows ? 1 : 0;
  const avail = height - 2 - bannerRows; // status + footer
  const xRows = Math.min(xNeeded, avail >= 40 ? 3 : avail >= 20 ? 2 : 1);
  let body = avail - xRows;
  // Two networks: side by side, else stacked, else only the focused one, as the height allows.
  const a = fitting.find((c) => minGrid(c) <= body) ?? smallest;
  const gridRows = a.gridRows;
  const gridMin = minGrid(a);
  // The top guesses: up to a third of what the smallest grid leaves, at least the top one.
  const guessRows = guessWant === 0 ? 0 : Math.min(guessWant, Math.max(0, Math.floor((body - gridMin) / 3)) + 1);
  const useGuess = guessRows >= 2 && body - guessRows >= gridMin ? guessRows : 0;
  body -= useGuess;
  const gridFull = a.nameRows + gridRows * (1 + H);
  const timelineMin = axisRows + sparkWant; // axis (and tokens) and sparkline, no heatmap
  const timelineWant = timelineMin + Math.min(H, HEATMAP_MAX_ROWS);

  // The explain panel is what was asked for: it may take everything but the smallest grid.
  const explainRows = input.explainRows > 0 ? Math.max(0, Math.min(input.explainRows, body - gridMin)) : 0;
  const rest = body - explainRows;
  // Panels before the timeline: as many units as fit with the timeline's axis and sparkline
  // below, else as many as fit alone.
  const gridAt = (u: number): number => a.nameRows + gridRows * (1 + u);
  let unitRows = Math.min(H, Math.floor((rest - a.nameRows - timelineMin) / gridRows) - 1);
  if (unitRows < minUnits) unitRows = Math.max(minUnits, Math.min(H, Math.floor((rest - a.nameRows) / gridRows) - 1));
  const leftover = rest - gridAt(unitRows);
  const timeline = leftover >= timelineMin;
  const timelineRows = timeline ? Math.min(leftover, gridFull + timelineWant <= rest ? leftover : timelineWant) : 0;
  const sparkRows = timeline ? sparkWant : 0;
  const heatRows = timeline ? Math.max(0, Math.min(H, timelineRows - axisRows - sparkRows)) : 0;
  // Rows still empty once every unit has a row everywhere: more panels' heatmaps, on the same
  // time axis, rather than a blank half screen (a 200x60 window with H = 8).
  const left = timeline ? timelineRows - axisRows - sparkRows - heatRows : 0;
  const extraHeats = timeline && heatRows === H && unitRows === H ? Math.max(0, Math.min(input.panels - 1, Math.floor(left / (1 + H)))) : 0;
  return {
    ...base,
    ...gridFields(a),
    height,
    tooSmall: null,
    unitRows,
    scrollbar: unitRows < H,
    xRows,
    xPerRow,
    xCellWidth,
    heatRows,
    sparkRows,
    timeline,
    tokenRow: timeline && axisRows === 2,
    timelineWidth,
    extraHeats,
    explainRows,
    bodyRows: body + useGuess,
    footer: true,
    bannerRows,
    guessRows: useGuess,
  };
}

/**
 * computeLayout that hands back its last layout while the input stays the same: the live view's
 * sections compare layouts by identity, so an unchanged one must be the same object.
 */
export function layoutCache(): (input: LayoutInput) => Layout {
  let last: { readonly input: LayoutInput; readonly layout: Layout } | null = null;
  return (input) => {
    if (last === null || !sameLayoutInput(last.input, input)) last = { input, layout: computeLayout(input) };
    return last.layout;
  };
}

function sameLayoutInput(a: LayoutInput, b: LayoutInput): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof LayoutInput)[]);
  for (const k of keys) {
    if (k === 'compare') {
      const x = a.compare ?? null;
      const y = b.compare ?? null;
      if (x === y || (x !== null && y !== null && x.panels === y.panels && x.focus === y.focus)) continue;
      return false;
    }
    if (a[k] !== b[k]) return false;
  }
  return true;
}
