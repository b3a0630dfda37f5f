/**
 * The two rules earlier drafts got wrong (S10), pluggable so a test can
 * plant each bug in an engine instance. The ABI rule is folded into a 2x2
 * table at construction, so the hot path reads a byte, never calls out.
 */
import type { Abi } from '../x86/table.ts';

/** The pluggable rules of S10. */
export interface EngineRules {
  /** S5.4 the text of entry `old` narrowed by `next`. */
  readonly mergeText: (old: string, next: string) => string;
  /** S5.6, S6.4 whether a call through `callAbi` matches the state's `stateAbi`. */
  readonly abiMatches: (stateAbi: Abi, callAbi: Abi) => boolean;
}

/** The rules as spec/ states them (S5.4, S5.6). */
export const CORRECT_RULES: EngineRules = Object.freeze({
  // S5.4 both sides parenthesised, so `a || b` cannot escape the `&&`.
  mergeText: (old: string, next: string) => `(${old}) && (${next})`,
  // S5.6 a call matches only its own ABI.
  abiMatches: (stateAbi: Abi, callAbi: Abi) => stateAbi === callAbi,
});

/** ABI codes used by the engine's tables. */
export const ABI_CODE = { x86_64: 0, ia32: 1 } as const;
/** ABIs by code. */
export const ABI_OF: readonly Abi[] = ['x86_64', 'ia32'];

/** `rules.abiMatches` as a table indexed by `stateAbi * 2 + callAbi`. */
export function abiMatchTable(rules: EngineRules): Uint8Array {
  const t = new Uint8Array(4);
  for (let s = 0; s < 2; s++)
    for (let c = 0; c < 2; c++) t[s * 2 + c] = rules.abiMatches(ABI_OF[s]!, ABI_OF[c]!) ? 1 : 0;
  return t;
}
