/**
 * How long a property test runs. CI uses each test's own bounded count (and seed, where it pins
 * one); `npm run fuzz` sets FUZZ_RUNS to run every property that many times with a fresh random
 * seed, which fast-check prints with any counterexample so it can be replayed.
 */

const fromEnv = Number(process.env['FUZZ_RUNS'] ?? '');
/** FUZZ_RUNS when set to a positive whole number, else null. */
export const FUZZ_RUNS: number | null = Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : null;

/** `{ numRuns, seed }` for fc.assert: the bounded CI run, or FUZZ_RUNS runs unseeded. */
export function fuzzParams(numRuns: number, seed?: number): { numRuns: number; seed?: number } {
  if (FUZZ_RUNS !== null) return { numRuns: FUZZ_RUNS };
  return seed === undefined ? { numRuns } : { numRuns, seed };
}
