/**
 * Parameters as the optimiser sees them, Adam, and global-norm gradient clipping.
 *
 * Precision: the engine computes with float32 weights (what PyTorch holds and what we export), but
 * Adam's small steps would be lost to float32 rounding if applied to them directly. So every
 * parameter has a float64 master copy that Adam updates; after each update the master is rounded
 * into the float32 array the engine reads. Gradients are float64, taken at the float32 weights.
 * Everything is plain sequential arithmetic, so a seed gives the same bits on every run.
 */

export interface Param {
  /** PyTorch name: `rnn.weight_ih_l0`, `head.weight`, ... */
  readonly name: string;
  readonly shape: readonly number[];
  /** What the engine computes with (and what is exported). */
  readonly value: Float32Array;
  /** The optimiser's float64 copy of `value`. */
  readonly master: Float64Array;
  /** dL/dvalue, float64, same layout. */
  readonly grad: Float64Array;
}

export function makeParam(name: string, shape: readonly number[], value: Float32Array, grad: Float64Array): Param {
  if (value.length !== grad.length) throw new Error(`${name}: ${value.length} values but ${grad.length} gradients`);
  return { name, shape, value, master: Float64Array.from(value), grad };
}

export function zeroGrads(params: readonly Param[]): void {
  for (const p of params) p.grad.fill(0);
}

/** grad *= s for every parameter. */
export function scaleGrads(params: readonly Param[], s: number): void {
  for (const p of params) for (let i = 0; i < p.grad.length; i++) p.grad[i] = p.grad[i]! * s;
}

/** sqrt of the sum of squares of every gradient. */
export function gradNorm(params: readonly Param[]): number {
  let s = 0;
  for (const p of params) for (let i = 0; i < p.grad.length; i++) s += p.grad[i]! * p.grad[i]!;
  return Math.sqrt(s);
}

/**
 * Scales all gradients together so that their global norm is at most maxNorm (PyTorch's
 * clip_grad_norm_): the direction is kept, only the length shrinks. Returns the norm before clipping.
 */
export function clipGradNorm(params: readonly Param[], maxNorm: number): number {
  const norm = gradNorm(params);
  if (norm > maxNorm) scaleGrads(params, maxNorm / (norm + 1e-6));
  return norm;
}

export interface AdamOptions {
  /** @default 1e-2 */
  readonly lr: number;
  /** @default 0.9 */
  readonly beta1: number;
  /** @default 0.999 */
  readonly beta2: number;
  /** @default 1e-8 */
  readonly eps: number;
}

export const ADAM_DEFAULTS: AdamOptions = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Adam (Kingma & Ba), with PyTorch's bias correction. Holds the moment estimates. */
export interface Adam {
  /** Updates taken so far. */
  readonly steps: number;
  /** One update of every parameter from its current gradient; master and value both change. */
  step(): void;
}

export function createAdam(params: readonly Param[], opts: Partial<AdamOptions> = {}): Adam {
  const { lr, beta1, beta2, eps } = { ...ADAM_DEFAULTS, ...opts };
  const m = params.map((p) => new Float64Array(p.grad.length));
  const v = params.map((p) => new Float64Array(p.grad.length));
  let steps = 0;
  return {
    get steps() {
      return steps;
    },
    step() {
      steps++;
      const c1 = 1 - beta1 ** steps;
      const c2 = 1 - beta2 ** steps;
      params.forEach((p, k) => {
        const mk = m[k]!;
        const vk = v[k]!;
        const g = p.grad;
        const w = p.master;
        for (let i = 0; i < g.length; i++) {
          const gi = g[i]!;
          const mi = beta1 * mk[i]! + (1 - beta1) * gi;
          const vi = beta2 * vk[i]! + (1 - beta2) * gi * gi;
          mk[i] = mi;
          vk[i] = vi;
          w[i] = w[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
        }
        p.value.set(w);
      });
    },
  };
}
