/**
 * seccomp-spec: the 2011 seccomp filter-mode proposal as an executable
 * specification (`model`), a fast engine (`Kernel`), the filter language,
 * the x86 tables and the trace tools, with today's seccomp actions
 * (`Action`) and filters in the decision form (`RuleSet`) stacked on a
 * task (spec/16-actions.md). Subpaths give each part on its own:
 * `seccomp-spec/model`, `/kernel` (the engine: `Kernel`), `/seccomp` (the
 * engine's seccomp core, without the simulated kernel; `/impl` is an alias),
 * `/grammar`, `/x86`.
 */
export {
  Kernel,
  VERDICT,
  STATUS,
  R,
  SCRATCH_ADDR,
  type Verdict,
  type EngineOptions,
  type InstallResult,
  type InstallRulesResult,
  type RegRow,
  type RuleDecision,
  type Answer,
  type Status,
} from './kernel/index.ts';
/** A1 to A4 what a filter answers: one Action type for every layer, its spellings and precedence. */
export {
  ALLOW,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  USER_NOTIF,
  actionRank,
  combine,
  errno,
  formatAction,
  isActionError,
  parseAction,
  trace as traceAction,
  trap,
  type Action,
  type ActionError,
  type ActionKind,
} from './action/index.ts';
/** R1 to R5 the decision form every policy dialect is read into. */
export {
  decideRules,
  ruleSetOf2011,
  ruleSetProblem,
  type ArchRules,
  type Cond,
  type Origin,
  type Rule,
  type RuleAnswer,
  type RuleSet,
} from './ruleset/index.ts';
export {
  caret,
  lintPolicy,
  parseFilter,
  parsePolicy,
  printExpr,
  printFilter,
  type Expr,
  type Filter,
  type FilterError,
  type LintWarning,
  type Policy,
  type PolicyEntry,
  type PolicyError,
} from './grammar/index.ts';
export * from './x86/index.ts';
/** The executable specification (pure functions; see spec/). */
export * as model from './model/index.ts';
/** Traces: strace and JSON-lines parsing, replay, explanations, policy generation. */
export * as trace from './trace/index.ts';
