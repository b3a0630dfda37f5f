/**
 * The fast engine's public face: `Kernel`, a mutable simulated
 * x86_64 kernel (the entry path, tasks, prctl, /proc) on top of the
 * seccomp core of src/seccomp, whose filters are compiled once at prctl time
 * into per-ABI decision tables, and whose stacked rule sets (A5) are
 * compiled once at install. This file is the whole public face of
 * src/kernel (`seccomp-spec/kernel`; the package root re-exports it).
 */
export { CORRECT_RULES, type EngineRules } from '../seccomp/index.ts';
/** A1 what `decide` returns and `installPolicy` reports: the action of a filter. */
export type { Action } from '../action/index.ts';
/** R1 what `installRules` takes: a filter in the decision form. */
export type { RuleSet, Rule } from '../ruleset/index.ts';
export type { InstallResult } from './install.ts';
export { R, ROW_WORDS, type RegRow } from '../x86/regs.ts';
export { STATUS, type Status } from './core.ts';
export {
  Kernel,
  SCRATCH_ADDR,
  VERDICT,
  type EngineOptions,
  type InstallRulesResult,
  type RuleDecision,
  type Answer,
  type Verdict,
} from './kernel.ts';
