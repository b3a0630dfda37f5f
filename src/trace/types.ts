/**
 * The vocabulary of traces: what a recorded run of a process tree did, as
 * the replay, the explainer and the policy generator see it. Two input
 * formats (strace text, JSON lines) parse to the same events.
 */
import type { Abi } from '../x86/table.ts';

/** One system call made by one task: entry position, number, raw arguments, result. */
export interface TraceCall {
  readonly kind: 'call';
  /** 1-based line of the call's entry (its complete line or its `<unfinished ...>` line). */
  readonly line: number;
  /** The task's pid in the trace (not the engine's pid). */
  readonly pid: number;
  /** The ABI of this call (S1.1): the trace's ABI, or ia32 after strace's 32-bit mode notice. */
  readonly abi: Abi;
  readonly nr: number;
  /** unistd name from the ABI's table (S1.1). */
  readonly name: string;
  /** Raw argument values as printed, each an unsigned 64-bit value (S3.1). */
  readonly args: readonly bigint[];
  /** The result as printed (signed: `-1` for an error), or null when unknown (`?`, never resumed). */
  readonly ret: bigint | null;
  /** The instruction pointer at the call (strace -i), for the kill log (S6.6); null when not recorded. */
  readonly ip: bigint | null;
  /** The program an execve ran, when the trace shows its path as a string (recorded with `-e raw=!execve`). */
  readonly path?: string;
}

/** A task ended: `+++ exited with N +++`, `+++ killed by SIG +++` or `+++ superseded by execve +++`. */
export interface TraceEnd {
  readonly kind: 'end';
  readonly line: number;
  readonly pid: number;
  /** `exited with <code>`, `killed by <SIGNAL>` or `superseded` (another thread's execve took its pid). */
  readonly how: 'exited' | 'killed' | 'superseded';
  /** Exit code, signal name, or the pid of the execve caller. */
  readonly detail: string;
}

/** A signal delivered to a task: `--- SIGCHLD {...} ---`. */
export interface TraceSignal {
  readonly kind: 'signal';
  readonly line: number;
  readonly pid: number;
  readonly signal: string;
}

/** Everything a trace records, in the order of the calls' entries. */
export type TraceEvent = TraceCall | TraceEnd | TraceSignal;

/** A line the parser could not read, or an inconsistency between lines. */
export interface TraceError {
  /** 1-based line number. */
  readonly line: number;
  /** 0-based column within the line. */
  readonly column: number;
  readonly message: string;
  /** The offending line, for rendering a caret. */
  readonly source: string;
}

/** Input formats: strace text output, or one JSON object per line. */
export type TraceFormat = 'strace' | 'jsonl';

/** A parsed trace. */
export interface Trace {
  readonly format: TraceFormat;
  readonly events: readonly TraceEvent[];
  /** Number of lines read. */
  readonly lines: number;
  /** Lines skipped in lenient mode, each with its error (empty when strict). */
  readonly skipped: readonly TraceError[];
}

/** Result of parsing a trace: the trace, or the first error (strict mode). */
export type TraceResult =
  { readonly ok: true; readonly trace: Trace } | { readonly ok: false; readonly error: TraceError };

/** Options of the trace parsers. */
export interface TraceOptions {
  /** The ABI of calls not otherwise marked (strace's default tracee ABI). */
  readonly abi: Abi;
  /** Skip bad lines and list them, instead of stopping at the first. */
  readonly lenient: boolean;
}
