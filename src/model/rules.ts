/**
 * The two rules that earlier drafts of the proposal got wrong (S10), as a
 * value the model functions take, so a test can plant each bug in a copy of
 * the model without touching its real behaviour.
 */
import type { Abi } from '../x86/table.ts';

/** The pluggable rules of S10. */
export interface Rules {
  /** S5.4: the text of an entry `old` narrowed by `next`. */
  readonly mergeText: (old: string, next: string) => string;
  /** S5.6, S6.4: whether a call through `callAbi` matches the state's `stateAbi`. */
  readonly abiMatches: (stateAbi: Abi, callAbi: Abi) => boolean;
}

/** The rules as spec/ states them (S5.4, S5.6). */
export const CORRECT_RULES: Rules = Object.freeze({
  // S5.4 both sides parenthesised: `a || b` must not escape the `&&`.
  mergeText: (old: string, next: string) => `(${old}) && (${next})`,
  // S5.6 a call matches only its own ABI.
  abiMatches: (stateAbi: Abi, callAbi: Abi) => stateAbi === callAbi,
});
