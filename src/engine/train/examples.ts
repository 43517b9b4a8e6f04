/**
 * Training examples and the tasks that make them. An example is one sequence with a target at
 * some of its steps; the loss is averaged over the steps that have one.
 */

/** How a prediction is scored. */
export type LossKind = 'mse' | 'cross_entropy';

export interface Example {
  /** (T, D) */
  readonly inputs: readonly ArrayLike<number>[];
  /** For `mse`: (T, O), the target at each step, or null where the step is not scored. */
  readonly targets?: readonly (ArrayLike<number> | null)[];
  /** For `cross_entropy`: (T), the class index at each step, or -1 where the step is not scored. */
  readonly labels?: ArrayLike<number>;
}

/** A float64 one-hot row of `size` with a 1 at `index`. */
export function oneHot(index: number, size: number): Float64Array {
  const v = new Float64Array(size);
  v[index] = 1;
  return v;
}

/** Cuts [0, n) into consecutive [start, end) pieces of at most `window` (all of it when window is null). */
function pieces(n: number, window: number | null | undefined): [number, number][] {
  const w = window ?? n;
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += w) out.push([s, Math.min(n, s + w)]);
  return out;
}

/**
 * Task `next`: from x_t predict x_{t+1} (the given columns of it; all by default), scored at every
 * step but the last, which has no successor. A long series can be cut into independent windows of
 * `window` steps (each starting from a zero state).
 *   series: (T, D)
 */
export function nextValueExamples(
  series: readonly ArrayLike<number>[],
  opts: { columns?: readonly number[]; window?: number | null } = {},
): Example[] {
  const cols = opts.columns ?? Array.from({ length: series[0]?.length ?? 0 }, (_, j) => j);
  return pieces(series.length - 1, opts.window).map(([s, e]) => ({
    inputs: series.slice(s, e),
    targets: series.slice(s + 1, e + 1).map((row) => Float64Array.from(cols, (j) => row[j]!)),
  }));
}

/**
 * Task `target`: predict given target values, at every step (`every`) or only at the last step of
 * each example (`last`: a sequence-level answer, like remembering what came first).
 *   inputs: (T, D)  targets: (T, O)
 */
export function targetExamples(
  inputs: readonly ArrayLike<number>[],
  targets: readonly ArrayLike<number>[],
  opts: { at: 'every' | 'last'; window?: number | null },
): Example[] {
  if (targets.length !== inputs.length) throw new Error(`${inputs.length} input rows but ${targets.length} target rows`);
  return pieces(inputs.length, opts.window).map(([s, e]) => ({
    inputs: inputs.slice(s, e),
    targets: targets.slice(s, e).map((row, i) => (opts.at === 'every' || s + i === e - 1 ? row : null)),
  }));
}

/**
 * Next-token prediction over a vocabulary (char-level language modelling): x_t is the one-hot
 * of token t and the label is token t+1, trained with cross-entropy.
 *   tokens: (T) indices into a vocabulary of `vocabSize`
 */
export function nextTokenExamples(tokens: ArrayLike<number>, vocabSize: number, opts: { window?: number | null } = {}): Example[] {
  const all = Array.from(tokens);
  return pieces(all.length - 1, opts.window).map(([s, e]) => ({
    inputs: all.slice(s, e).map((tok) => oneHot(tok, vocabSize)),
    labels: Int32Array.from(all.slice(s + 1, e + 1)),
  }));
}
