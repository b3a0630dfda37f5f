/**
 * The engine's seccomp core (S4 to S6.4): per-task seccomp states with
 * their decision tables, filters compiled once at prctl time, the
 * reduce-only drafts that change a state, the S10-pluggable rules, and the
 * decision `secureComputing` that the entry path calls. It knows nothing
 * of the simulated kernel (src/kernel), which calls into it; the kernel's
 * tasks hand it their seccomp fields as a `SeccompTask`. The public engine
 * class `Kernel` lives in src/kernel (`seccomp-spec/kernel`, and the
 * package root). This file is the whole public face of src/seccomp.
 */
export { compileState, type ExprEntry, type StateTests } from './compile.ts';
export { ABI_CODE, ABI_OF, CORRECT_RULES, abiMatchTable, type EngineRules } from './rules.ts';
export { decideArgs, decideStack, filterAllowsArgs, secureComputing, strictAllows } from './secure.ts';
export {
  ALLOW_CODE,
  KILL_CODE,
  LOG_CODE,
  CompiledArch,
  CompiledRules,
  actionCode,
  codeAction,
  compileRules,
  type RuleTest,
} from './layer.ts';
export {
  Draft,
  INITIAL_STATE,
  KIND_ALLOW,
  KIND_EXPR,
  KIND_NONE,
  NO_ABI,
  SeccompState,
  filterText,
  type ActiveFilter,
  type Errno,
} from './state.ts';
export { PENDING_BIT, type SeccompTask } from './task.ts';
/** A1 the actions that action codes (layer.ts) stand for. */
export type { Action } from '../action/index.ts';
