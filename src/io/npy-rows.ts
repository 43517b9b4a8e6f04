/**
 * An .npy file in memory read as rows on demand (the trace's RowSource): the viewer of a long sequence keeps
 * the file's bytes (shared with the worker that runs the full pass) and nothing per step, where
 * reading the whole file into records would hold several times the file in objects and take
 * seconds before the first frame.
 *
 * The same rules as io's .npy reader (parseNpyRows): the header checked by io's parseNpyHeader,
 * shapes (T,), (T, D) and batches (T, B, D) / (B, T, D), --columns and the feature names through
 * io's RowShaper, non-finite values refused unless allowed (io's nonFiniteError), and each step's
 * label exactly as io writes it (io's numbersLabel). Row 0 goes through the RowShaper itself; the
 * other rows are checked as they are read: a bad value stops the rows there with io's message.
 */
import { defaultFeatureNames, DEFAULT_MAX_VALUES, type InputOptions } from './input.js';
import { npyItemReader, npyLayout, parseNpyHeader, type NpyHeader } from './npy.js';
import { noTimeSteps } from './read-input.js';
import { nonFiniteError, numbersLabel, RowShaper } from './rows.js';

/** The rows of an .npy file (the trace's RowSource). */
export interface NpyRows {
  /** Steps in the input (T). */
  readonly length: number;
  /** Reads rows t0 .. t0+n-1 as float32 values into out (n x D), stopping at a bad row (with why). */
  readonly read: (t0: number, n: number, out: Float32Array) => { rows: number; error: string | null };
  /** The label of step t, as io writes it. */
  label(t: number): string;
  /** Names of the D features (after --columns). */
  readonly featureNames: readonly string[];
  /** The header as io read it. */
  readonly header: NpyHeader;
}

/** The file's rows. Throws io's InputError for a bad header, shape, column or first row. */
export function npyRows(bytes: Uint8Array, source: string, opts: InputOptions = {}): NpyRows {
  const h = parseNpyHeader(bytes, source, opts.maxValues ?? DEFAULT_MAX_VALUES);
  const { T, D: rawD, base, tStride } = npyLayout(h, source, opts);
  if (T === 0) throw noTimeSteps(source);
  const rawNames = defaultFeatureNames(rawD);
  const shaper = new RowShaper(source, rawNames, { ...opts, namesPlace: { tensor: 'header.shape' } });
  const featureNames = shaper.featureNames;
  // the shaper resolved --columns to names of the default list: their positions are the raw columns
  const pick = featureNames.map((n) => rawNames.indexOf(n));
  const D = pick.length;
  const item = npyItemReader(bytes, h);
  const raw = new Float64Array(rawD);
  const allowNonFinite = opts.allowNonFinite === true;
  for (let i = 0; i < rawD; i++) raw[i] = item(base + i);
  // Row 0 through io's own checks (width against the weights, a non-finite first value).
  shaper.record(raw, null, 1, (i) => ({ tensor: i < 0 ? 'header.shape' : `data[t=0, ${i}]` }));

  const read = (t0: number, n: number, out: Float32Array): { rows: number; error: string | null } => {
    for (let r = 0; r < n; r++) {
      const t = t0 + r;
      const at = base + t * tStride;
      for (let k = 0; k < D; k++) {
        const i = pick[k]!;
        const v = item(at + i);
        if (!allowNonFinite && !Number.isFinite(v)) {
          return { rows: r, error: nonFiniteError(v, t, featureNames[k]!, source, { tensor: `data[t=${t}, ${i}]` }).format() };
        }
        out[r * D + k] = v;
      }
    }
    return { rows: n, error: null };
  };
  const picked = new Float64Array(D);
  const label = (t: number): string => {
    const at = base + t * tStride;
    for (let k = 0; k < D; k++) picked[k] = item(at + pick[k]!);
    return numbersLabel(picked);
  };
  return { length: T, featureNames, header: h, read, label };
}
