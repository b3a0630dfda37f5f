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

const envCap = Number(process.env['PROPS_CAP'] ?? '');

/**
 * Runs of a property that must hold: `runs(ciDefault)`, cut to PROPS_CAP
 * when that is set (at least 10). Only `npm run mutants` sets it, to run
 * the suite once per mutant in minutes; searches that must find a planted
 * bug (S10) use `runs` and are never cut.
 */
export const holdRuns = (ciDefault: number): number =>
  Number.isFinite(envCap) && envCap >= 10 ? Math.min(envCap, runs(ciDefault)) : runs(ciDefault);

/** Parameters for fc.assert: the run count, a replayable seed, verbose counterexamples. */
export function params<T>(ciDefault: number): fc.Parameters<T> {
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : undefined;
  return seed === undefined
    ? { numRuns: holdRuns(ciDefault), verbose: 1 }
    : { numRuns: holdRuns(ciDefault), verbose: 1, seed };
}

const M64 = (1n << 64n) - 1n;

/** Edges of the 64-bit range, of each 32-bit half, and of the small widths (C4, C5, S3.2). */
export const U64_EDGES: readonly bigint[] = [
  0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x100n, 0xffffn, 0x7fff_ffffn, 0x8000_0000n, 0xffff_fffen, 0xffff_ffffn,
  0x1_0000_0000n, 0x1_0000_0001n, 0x1_ffff_ffffn, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n,
  0x8000_0000_0000_0001n, 0xffff_ffff_0000_0000n, 0x8000_0000_8000_0000n, 0x0000_0001_8000_0000n,
  0xffff_ffff_ffff_fffen, M64,
];

/** Boundary-biased unsigned 64-bit values: the edges above and their neighbours, small values, anything. */
export const u64 = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...U64_EDGES) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 20n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: M64 }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...U64_EDGES), fc.constantFrom(-1n, 0n, 1n)).map(([e, d]) => (e + d) & M64) },
  );
