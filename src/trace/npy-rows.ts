/**
 * An .npy file in memory read as rows on demand (a RowSource): the viewer of a long sequence keeps
 * the file's bytes (shared with the worker that runs the full pass) and nothing per step, where
 * reading the whole file into records would hold several times the file in objects and take
 * seconds before the first frame.
 *
 * The same rules as io's .npy reader (parseNpyRows): the header checked by io's parseNpyHeader,
 * shapes (T,), (T, D) and batches (T, B, D) / (B, T, D), --columns and the feature names through
 * io's RowShaper, non-finite values refused unless allowed, and each step's label exactly as io
 * writes it (row 0 and labels go through the RowShaper itself). Rows are checked as they are read:
 * a bad value stops the rows there with the message io would give.
 */
import { InputError, visible } from '../io/errors.js';
import { defaultFeatureNames, DEFAULT_MAX_VALUES, type InputOptions } from '../io/input.js';
import { npyItemReader, npyLayout, parseNpyHeader, type NpyHeader } from '../io/npy.js';
import { noTimeSteps } from '../io/read-input.js';
import { RowShaper } from '../io/rows.js';
import type { RowSource } from './trace-store.js';

export interface NpyRows extends RowSource {
  /** Names of the D features (after --columns). */
  readonly featureNames: readonly string[];
  /** The header as io read it. */
  readonly header: NpyHeader;
}

/** The file's rows. Throws io's InputError for a bad header, shape, column or first row. */
export function npyRows(bytes: Uint8Array, source: string, opts: InputOptions = {}): NpyRows {
  const h = parseNpyHeader(bytes, source, opts.maxValues ?? DEFAULT_MAX_VALUES);
  const shape = h.shape;
  const err = (message: string, tensor: string, hint?: string) => new InputError(message, { source, tensor, hint });
  const { T, D: rawD, base, tStride } = npyLayout(h, source, opts);
  if (T === 0) throw noTimeSteps(source);
  if (rawD === 0) throw err(`(${shape.join(', ')}) has no features`, 'header.shape');
  if (opts.expectedWidth !== undefined && opts.columns === undefined && rawD !== opts.expectedWidth) {
    throw err(`expected ${opts.expectedWidth} features (the weights' input size), got ${rawD}`, 'header.shape', rawD > opts.expectedWidth ? 'pick features with --columns' : undefined);
  }
  const rawNames = defaultFeatureNames(rawD);
  const newShaper = () => new RowShaper(source, rawNames, { ...opts, namesPlace: { tensor: 'header.shape' } });
  const shaper = newShaper();
  const featureNames = shaper.featureNames;
  // the shaper resolved --columns to names of the default list: their positions are the raw columns
  const pick = featureNames.map((n) => rawNames.indexOf(n));
  const D = pick.length;
  const item = npyItemReader(bytes, h);
  const raw = new Float64Array(rawD);
  const allowNonFinite = opts.allowNonFinite === true;
  const place = (t: number) => (i: number) => ({ tensor: i < 0 ? 'header.shape' : `data[t=${t}, ${i}]` });
  const rawRow = (t: number): Float64Array => {
    const at = base + t * tStride;
    for (let i = 0; i < rawD; i++) raw[i] = item(at + i);
    return raw;
  };
  // Row 0 through io's own checks (width against the weights, a non-finite first value).
  newShaper().record(rawRow(0), null, 1, place(0));

  const read = (t0: number, n: number, out: Float32Array): { rows: number; error: string | null } => {
    for (let r = 0; r < n; r++) {
      const t = t0 + r;
      const at = base + t * tStride;
      for (let k = 0; k < D; k++) {
        const i = pick[k]!;
        const v = item(at + i);
        if (!allowNonFinite && !Number.isFinite(v)) {
          const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
          const e = new InputError(`${what} at t=${t} (feature ${visible(featureNames[k]!)}): expected a finite number`, {
            source,
            tensor: `data[t=${t}, ${i}]`,
            hint: 'pass --allow-nan to accept it',
          });
          return { rows: r, error: e.format() };
        }
        out[r * D + k] = v;
      }
    }
    return { rows: n, error: null };
  };
  const labeller = newShaper();
  return {
    length: T,
    featureNames,
    header: h,
    read,
    label: (t) => labeller.record(rawRow(t), null, t + 1, place(t)).label,
  };
}
