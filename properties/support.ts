/**
 * Shared fast-check settings for every property suite. PROPS_RUNS scales the
 * run counts (`npm run props`); CI uses each suite's own default. fast-check
 * reports the seed and path of every failure; `PROPS_SEED` replays one.
 */
import type fc from 'fast-check';

const envRuns = Number(process.env['PROPS_RUNS'] ?? '');
const envSeed = process.env['PROPS_SEED'];

/** Number of runs: the suite's CI default, or PROPS_RUNS when that is larger (`npm run props` only adds cases). */
export const runs = (ciDefault: number): number =>
  Number.isFinite(envRuns) && envRuns > ciDefault ? envRuns : ciDefault;

const envCap = Number(process.env['PROPS_CAP'] ?? '');

/**
 * Runs of a property that must hold: `runs(ciDefault)`, cut to PROPS_CAP
 * when that is set (at least 10). `npm run test:quick` and `npm run
 * mutants` set it, to run the suite in about a minute (once per mutant for
 * the latter); searches that must find a planted bug (S10) use `runs` and
 * are never cut. Tests with floors on what the runs covered scale them by
 * `holdRuns` too.
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

/** Boundary-biased 64-bit values, shared with `seccomp-spec conform` (src/conform). */
export { U64_EDGES, u64 } from '../src/conform/index.ts';
