/**
 * seccomp-spec: the 2011 seccomp filter-mode proposal as an executable
 * specification (`model`), a fast engine (`Kernel`), the filter language,
 * the x86 tables and the trace tools. Subpaths give each part on its own:
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
  type RegRow,
  type Status,
} from './kernel/index.ts';
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
