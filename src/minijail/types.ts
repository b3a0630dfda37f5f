/** The public shapes of a minijail reading: options, errors with their include chains, the result. */
import type { Action } from '../action/index.ts';
import type { RuleSet } from '../ruleset/index.ts';
import type { Abi } from '../x86/table.ts';

/** M5 how deep `@include` nests: minijail's default `--include-depth-limit`. */
export const INCLUDE_DEPTH_LIMIT = 10;

/** Reads a file of a policy's include tree: its text, an Error, or undefined when there is none. */
export type ReadFile = (path: string) => string | Error | undefined;

/** One `@include` line on the way to a file, outermost first. */
export interface IncludeStep {
  readonly file: string;
  readonly line: number;
}

/** An error in a minijail policy: where (file, 1-based line, 0-based column), what, and how the file was reached. */
export interface MinijailError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The offending physical line, for the caret. */
  readonly source: string;
  /** Nearest known names, for an unknown call or constant. */
  readonly suggestions?: readonly string[];
  /** The `@include` lines that led to `file` (empty for the main file). */
  readonly chain: readonly IncludeStep[];
}

/** Something a minijail policy does that its author may not expect (the policy still reads). */
export interface MinijailWarning {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** How a minijail policy is read. */
export interface MinijailOptions {
  /** The ABI whose names, constants and word size apply (default x86_64). */
  readonly abi?: Abi;
  /** The main file's name, as errors show it and includes resolve against (default `-`, the current folder). */
  readonly file?: string;
  /** Reads included and frequency files; without it `@include` and `@frequency` are errors. */
  readonly readFile?: ReadFile;
  /** M7 what `kill`, the default default and a foreign architecture get (compile_seccomp_policy.py: kill-thread; --use-kill-process). */
  readonly kill?: 'kill-thread' | 'kill-process';
  /** M8 read as a denylist even without an `@denylist` line (minijail's --denylist). */
  readonly denylist?: boolean;
  /** M5 the include depth limit (default INCLUDE_DEPTH_LIMIT). */
  readonly includeDepthLimit?: number;
}

/** A minijail policy read for one ABI. */
export interface MinijailPolicy {
  readonly abi: Abi;
  /** The decision form: first match per call, the default for the rest (M6, M7). */
  readonly ruleSet: RuleSet;
  /** The action when no rule of a listed architecture holds. */
  readonly defaultAction: Action;
  /** Whether the policy is a denylist (M8). */
  readonly denylist: boolean;
  /** M4 the summed counts of the `@frequency` files, by call number (empty without one). */
  readonly frequencies: ReadonlyMap<number, number>;
  /** Every file read, main first. */
  readonly files: readonly string[];
  readonly warnings: readonly MinijailWarning[];
}

/** The outcome of reading a minijail policy. */
export type MinijailResult =
  | { readonly ok: true; readonly policy: MinijailPolicy }
  | { readonly ok: false; readonly errors: readonly MinijailError[] };

// ---------------------------------------------------------------- reading
