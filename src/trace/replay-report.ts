/**
 * What a replay reports (T7, T16): per task its first kill or its denials
 * and answers, per system call its counts, the notes and the kernel log;
 * and how a program would see an answer other than allow.
 */
import { formatAction, type Action } from '../action/index.ts';
import type { Abi } from '../x86/table.ts';
import { errnoName } from '../x86/errno-names.ts';
import type { CallExplanation } from './explain.ts';
import type { Launch } from './launch.ts';
import type { NamedArg } from './names.ts';

/** The first call of a task that the policy kills (or, with `all`, denies). */
export interface Kill {
  readonly line: number;
  readonly abi: Abi;
  readonly nr: number;
  readonly name: string;
  readonly args: readonly NamedArg[];
  readonly decision: CallExplanation;
  /** The kernel log line (S6.6); null for a denial an audit let through. */
  readonly log: string | null;
  /** The policy's answer (A1): the 2011 kill, a kill, a trap, an errno, trace or user-notif. */
  readonly action: Action;
}

/**
 * What the program would see of `a` at that call (A2): an errno return,
 * a SIGSYS from a trap, -ENOSYS for trace or user-notif with no tracer
 * or listener; empty for a kill.
 */
export function answerText(a: Action): string {
  const later = "; the program's later calls may differ from the trace";
  switch (a.kind) {
    case 'errno':
      return `would return ${errnoName(a.errno)}${later}`;
    case 'trap':
      return `would get SIGSYS (trap, data ${a.data})`;
    case 'trace':
    case 'user-notif':
      return `would return ENOSYS (${formatAction(a)} with no tracer or listener)${later}`;
    default:
      return '';
  }
}

/** The calls of one system call a task made that the policy denies (`all`): how many, and the first. */
export interface Denial {
  readonly count: number;
  readonly first: Kill;
}

/** One traced task. */
export interface TaskReport {
  readonly tracePid: number;
  /** The engine's pid (C21). */
  readonly pid: number;
  /** Calls that ran (allowed) before the end or the kill. */
  readonly allowed: number;
  readonly kill: Kill | null;
  /** With `all`: every system call the policy denies this task, in the order first met. */
  readonly denials: readonly Denial[];
  /** Without `all`: the system calls answered with an errno (or ENOSYS) that the task went on past, in the order first met. */
  readonly answers: readonly Denial[];
}

/** Calls per system call: allowed, killed (denied, with `all`). */
export interface SyscallRow {
  readonly abi: Abi;
  readonly nr: number;
  readonly name: string;
  readonly allowed: number;
  readonly killed: number;
  /** Calls answered with an errno (or ENOSYS) that their task went on past. */
  readonly answered: number;
}

/** Everything a replay found. */
export interface ReplayReport {
  readonly tasks: readonly TaskReport[];
  readonly summary: readonly SyscallRow[];
  /** Calls never reached: their task (or an ancestor) was killed first. */
  readonly unreached: number;
  /** Things the reader should know: no execve, clone3 emulation, orphan pids. */
  readonly notes: readonly string[];
  readonly log: readonly string[];
  /** Calls the policy answered with `log` (they ran, and wrote a log line). */
  readonly logged: number;
}

/** Replay settings. */
export interface ReplayOptions {
  /** The policy's ABI; by default the ABI of the root's first checked call (T5). */
  readonly abi?: Abi;
  /** The root's name when the trace does not show the program an execve ran (C19, T14). */
  readonly comm: string;
  /** Audit (T16): go on past a denied call instead of killing the task, and list every denial. */
  readonly all?: boolean;
  /** Told the launcher's decision before the policy goes in; false stops the replay (the policy is bad for that ABI). */
  readonly onLaunch?: (l: Launch) => boolean;
}

/** Result of a replay: the report, or why it could not go on. */
export type ReplayResult =
  { readonly ok: true; readonly report: ReplayReport } | { readonly ok: false; readonly message: string };
