/**
 * What every numeric reader shares: strict number cells, --columns, the width checks, the
 * non-finite check and the short label of a row. Each reader parses its own syntax and hands rows
 * of raw values here, with a way to name where each value was written.
 */
import { InputError, visible } from './errors.js';
import type { InputOptions, InputRecord } from './input.js';

/** A decimal number as numpy, pandas and printf write them; hex, '1_000' and '' are not numbers. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** numpy's nan/inf, Python's float('inf') repr, JavaScript's Infinity. */
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

/** The number in a cell (surrounding spaces allowed), or null when it is not one. */
export function parseNumberCell(cell: string): number | null {
  const s = cell.trim();
  if (DECIMAL.test(s)) return Number(s);
  const m = NON_FINITE.exec(s);
  if (m) return m[2]!.toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  return null;
}

/** The error for a cell that is not a number: quotes it safely, or says it is empty. */
export function notANumber(cell: string, source: string, line: number, column: number | undefined): InputError {
  const s = cell.trim();
  const got = s === '' ? 'an empty field' : `"${visible(s)}"`;
  return new InputError(`expected a number, got ${got}`, { source, line, column });
}

const MAX_LABEL = 60;
/** 64 KiB of float64 per slab. */
const SLAB_VALUES = 8192;
const PLAIN = /^[\x20-\x7e]*$/;

/** "0.5, -1" from the cells as written; cut with an ellipsis when long. */
export function rowLabel(cells: readonly string[]): string {
  let out = '';
  for (let i = 0; i < cells.length && out.length <= MAX_LABEL; i++) out += (i > 0 ? ', ' : '') + cells[i]!.trim();
  return finishLabel(out);
}

/**
 * A number read from a binary file, as short as it can be written: a value that is exactly a
 * float32 (every f2/f4 .npy value) gets the shortest decimal that reads back as the same float32
 * ("0.1", not the float64 widening "0.10000000149011612"); anything else prints as JavaScript does.
 */
export function numberText(v: number): string {
  if (!Number.isFinite(v) || Math.fround(v) !== v) return String(v);
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(v.toPrecision(digits));
    if (Math.fround(short) === v) return String(short);
  }
  return String(Number(v.toPrecision(9)));
}

/** The label of a row of numbers (the selected features), as a RowShaper writes it when there are no cells. */
export function numbersLabel(values: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < values.length && out.length <= MAX_LABEL; i++) out += (i > 0 ? ', ' : '') + numberText(values[i]!);
  return finishLabel(out);
}

function finishLabel(out: string): string {
  if (out.length <= MAX_LABEL && PLAIN.test(out)) return out;
  return visible(out, MAX_LABEL);
}

/** Where a value was written, for messages: a line and optionally a column for text formats, a tensor for binary. */
export interface Place {
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly tensor?: string | undefined;
}

/** The error for a NaN or infinite value at step t (counted from 0) when non-finite values are not allowed. */
export function nonFiniteError(v: number, t: number, feature: string, source: string, place: Place): InputError {
  const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return new InputError(`${what} at t=${t} (feature ${visible(feature)}): expected a finite number`, {
    source,
    line: place.line,
    column: place.column,
    tensor: place.tensor,
    hint: 'pass --allow-nan to accept it',
  });
}

export interface RowShaperOptions extends InputOptions {
  /** Where the feature names came from (a header line), for an unknown --columns name. */
  readonly namesPlace?: Place;
}

/**
 * Turns raw rows (all columns of the file) into records (the selected features), checking the row
 * width, the expected width at the first record and finiteness of the selected values.
 */
export class RowShaper {
  /** Names of the selected features, in output order. */
  readonly featureNames: readonly string[];
  /** Columns per raw row. */
  readonly rawWidth: number;
  private readonly pick: readonly number[] | null;
  private readonly pickSet: ReadonlySet<number> | null;
  private readonly source: string;
  private readonly allowNonFinite: boolean;
  private readonly expectedWidth: number | undefined;
  private steps = 0;

  constructor(source: string, names: readonly string[], opts: RowShaperOptions) {
    this.source = source;
    this.rawWidth = names.length;
    this.allowNonFinite = opts.allowNonFinite === true;
    this.expectedWidth = opts.expectedWidth;
    if (opts.columns !== undefined && opts.columns.length > 0) {
      const pick = opts.columns.map((c) => resolveColumn(c, names, source, opts.namesPlace));
      this.pick = pick;
      this.pickSet = new Set(pick);
      this.featureNames = pick.map((i) => names[i]!);
    } else {
      this.pick = null;
      this.pickSet = null;
      this.featureNames = names;
    }
  }

  // Records' values are views into shared slabs: one ArrayBuffer per record would make a long
  // series mostly garbage-collector work.
  private slab = new Float64Array(0);
  private slabAt = 0;

  private alloc(width: number): Float64Array {
    if (this.slabAt + width > this.slab.length) {
      this.slab = new Float64Array(Math.max(width, Math.min(SLAB_VALUES, width * 2 ** Math.min(this.steps + 1, 20))));
      this.slabAt = 0;
    }
    const v = this.slab.subarray(this.slabAt, this.slabAt + width);
    this.slabAt += width;
    return v;
  }

  /**
   * Whether raw column i feeds a feature: a column --columns does not pick (a timestamp beside the
   * numbers) is never parsed, so it may hold anything.
   */
  uses(i: number): boolean {
    return this.pick === null || this.pickSet!.has(i);
  }

  /** Records made so far. */
  get count(): number {
    return this.steps;
  }

  /**
   * One time step from a raw row. `cells` are the texts as written (for the label), or null to render
   * the numbers. `placeOf(i)` names where raw value i was written, `placeOf(-1)` the row as a whole.
   */
  record(raw: ArrayLike<number>, cells: readonly string[] | null, line: number, placeOf: (rawIndex: number) => Place): InputRecord {
    if (raw.length !== this.rawWidth) {
      const p = placeOf(-1);
      throw new InputError(`expected ${this.rawWidth} fields, got ${raw.length}`, { source: this.source, line: p.line, tensor: p.tensor });
    }
    const width = this.featureNames.length;
    if (this.steps === 0 && this.expectedWidth !== undefined && width !== this.expectedWidth) {
      const p = placeOf(-1);
      throw new InputError(`expected ${this.expectedWidth} features (the weights' input size), got ${width}`, {
        source: this.source,
        line: p.line,
        tensor: p.tensor,
        hint: width > this.expectedWidth ? 'pick features with --columns' : undefined,
      });
    }
    const values = this.alloc(width);
    let label = '';
    for (let k = 0; k < width; k++) {
      const i = this.pick === null ? k : this.pick[k]!;
      const v = raw[i]!;
      if (!this.allowNonFinite && !Number.isFinite(v)) throw nonFiniteError(v, this.steps, this.featureNames[k]!, this.source, placeOf(i));
      values[k] = v;
      if (cells !== null && label.length <= MAX_LABEL) label += (k > 0 ? ', ' : '') + cells[i]!.trim();
    }
    this.steps++;
    return { values, label: cells !== null ? finishLabel(label) : numbersLabel(values), line };
  }
}

/** A --columns entry as a raw column index: a name first, then a 0-based index. */
function resolveColumn(c: string, names: readonly string[], source: string, place: Place | undefined): number {
  const byName = names.indexOf(c);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(c)) {
    const i = Number(c);
    if (i < names.length) return i;
    throw new InputError(`column index ${i} is out of range: the input has ${names.length} column${names.length === 1 ? '' : 's'} (0-${names.length - 1})`, {
      source,
      line: place?.line,
      tensor: place?.tensor,
    });
  }
  throw new InputError(`unknown column "${visible(c)}"; available: ${listNames(names)}`, { source, line: place?.line, tensor: place?.tensor });
}

/** "a, b, c" quoted and cut after 20 names. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).map((n) => visible(n, 24));
  return shown.join(', ') + (names.length > 20 ? `, … (${names.length} in all)` : '');
}
