/**
 * Shared fast-check settings for every property suite. PROPS_RUNS scales the
 * run counts (`npm run props`); CI uses each suite's own default. fast-check
 * reports the seed and path of every failure; `PROPS_SEED` replays one.
 */
import fc from 'fast-check';

const envRuns = Number(process.env['PROPS_RUNS'] ?? '');
const envSeed = process.env['PROPS_SEED'];

/** Number of runs: the suite's CI default, or PROPS_RUNS when that is larger (`npm run props` only adds cases). */
export const runs = (ciDefault: number): number => (Number.isFinite(envRuns) && envRuns > ciDefault ? envRuns : ciDefault);

/** Parameters for fc.assert: the run count, a replayable seed, verbose counterexamples. */
export function params<T>(ciDefault: number): fc.Parameters<T> {
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : undefined;
  return seed === undefined
    ? { numRuns: runs(ciDefault), verbose: 1 }
    : { numRuns: runs(ciDefault), verbose: 1, seed };
}

/** Boundary-biased unsigned 64-bit values (0, 1, 2^31±1, 2^32±1, 2^63±1, 2^64-1, ...). */
export const u64 = (): fc.Arbitrary<bigint> => {
  const edges = [0n, 1n, 2n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, (1n << 32n) + 1n,
    (1n << 63n) - 1n, 1n << 63n, (1n << 63n) + 1n, (1n << 64n) - 2n, (1n << 64n) - 1n];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 16n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
  );
};
