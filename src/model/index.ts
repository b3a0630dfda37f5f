/**
 * The executable model: a pure, total specification of seccomp filter mode
 * on a simulated x86_64 kernel, one small function per rule of spec/
 * and choice of spec/choices.md. Nothing here mutates or caches; every
 * operation returns a new value. The engine (src/kernel on src/seccomp) must
 * agree with it on every observable (S9.1).
 */

/** S3 the call record and filter evaluation. */
export { evaluate, filterAllows, type CallRecord } from './evaluate.ts';
/** S4, S5.2 to S5.6 seccomp state and the changes prctl makes to it. */
export {
  abiAllowsSet,
  applyPolicy,
  clearEntry,
  filterText,
  INITIAL_STATE,
  installRules as installRulesState,
  reduceOnlyMerge,
  setEntry,
  type ActiveFilter,
  type Errno,
  type SeccompState,
} from './state.ts';
/** S5 the prctl options on one caller's state and memory. */
export {
  clearFilter,
  effectiveMode,
  getFilter,
  prctl,
  setFilter,
  setSeccomp,
  type PrctlCaller,
  type PrctlEffect,
} from './prctl.ts';
/** S6.2 to S6.4, S6.6, A6 the seccomp check of the entry path; A7, A11 the audit line. */
export {
  auditLog,
  decide,
  killLog,
  recordOfRegs,
  ruleSetOfState,
  strictAllowed,
  syscallNr,
  type FilterDecision,
} from './secure.ts';
/** S7.3, C16 user memory. */
export { readCString, type Memory } from './memory.ts';
/** S7 the machine and its host operations. */
export {
  DEFAULT_CONFIG,
  ESRCH,
  initialMachine,
  installRules,
  mergeRegs,
  readMemory,
  spawn,
  writeMemory,
  type Machine,
  type Task,
} from './machine.ts';
/** S6 one system call. */
export { syscall, type Step } from './syscall.ts';
/** S8, S9.1 observation. */
export { procSeccompFilter, seccompView, view } from './proc.ts';
/** S10 the pluggable rules. */
export { CORRECT_RULES, type Rules } from './rules.ts';
/** A1 what `decide` returns, R1 what `installRules` takes. */
export type { Action } from '../action/index.ts';
export type { RuleSet, Rule } from '../ruleset/index.ts';
