/**
 * Deterministic pseudo-random numbers for seeded initialisation and training.
 *
 * The generator is mulberry32 (Tommy Ettinger's 32-bit state mixer): state += 0x6D2B79F5, then
 * two xorshift-multiply rounds; each call yields a uint32, divided by 2^32 for a float in [0, 1).
 * The same seed gives the same numbers on every platform (only 32-bit integer ops are used).
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** A standard normal (Box-Muller). */
  normal(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
  };
}
