/**
 * The vocabulary shared by the model (src/model) and the engine (src/impl,
 * src/kernel): registers, entry vectors, outcomes and observable views.
 * Pure types and constants only, so the pure model can import this file.
 */
import type { Abi } from './table.ts';

/** The pt_regs fields the simulation keeps (S6.1), each a 64-bit value. */
export const REG_NAMES = [
  'rax',
  'orig_rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'rsp',
  'eflags',
  'cs',
] as const;

/** A pt_regs field name. */
export type RegName = (typeof REG_NAMES)[number];

/** A full register file: every field an unsigned 64-bit bigint in [0, 2^64). */
export type Regs = Readonly<Record<RegName, bigint>>;

/** Registers given to a system call: unspecified fields keep the task's values. */
export type RegsInput = Partial<Regs>;

/**
 * How a system call enters the kernel (S6.1). `syscall` is native from a
 * 64-bit task and compat from a 32-bit one; `int80` and `sysenter` are
 * always compat (TS_COMPAT), from 64-bit tasks too.
 */
export type Vector = 'syscall' | 'int80' | 'sysenter';

/** Every entry vector. */
export const VECTORS: readonly Vector[] = ['syscall', 'int80', 'sysenter'];

/** The ABI a call through `vector` uses, for a task whose code is `taskAbi` (S6.1). */
export const callAbi = (taskAbi: Abi, vector: Vector): Abi => (vector === 'syscall' ? taskAbi : 'ia32');

/** What a system call did, as seen from outside (S9.1). */
export type Outcome =
  /** The call returned; `rax` is the new rax as an unsigned 64-bit value (-errno is 2^64 - errno). */
  | { readonly kind: 'return'; readonly rax: bigint }
  /**
   * The task was killed by seccomp (S6.6); `log` is the kernel log line (mode 2), or null (mode 1).
   * `sigsys` is present when a filter's trap, kill-thread or kill-process ended it (A10, A11); a
   * 2011 kill and a strict-mode kill (SIGKILL) have none.
   */
  | { readonly kind: 'killed'; readonly log: string | null; readonly sigsys?: SigsysDeath }
  /** The task ended by exit or exit_group (S7.2) with this status (low 8 bits of the argument). */
  | { readonly kind: 'exited'; readonly code: number }
  /** No live task has this pid. */
  | { readonly kind: 'no_task' };

/** SIGSYS, the signal of a filter's trap and of kill-thread and kill-process (A10, A11). */
export const SIGSYS = 31;

/** AUDIT_ARCH values a SIGSYS siginfo and an audit line name the call's architecture by. */
export const AUDIT_ARCH = { x86_64: 0xc000003e, ia32: 0x40000003 } as const;

/**
 * How a task died of SIGSYS sent by a filter (A10, A11): the action that
 * sent it, the status a shell reports (128 + SIGSYS = 159), and for a trap
 * the siginfo the kernel fills in (si_syscall, si_arch, and the filter's
 * 16 bits of data in si_errno). No handler is modelled: a trap's SIGSYS
 * is fatal and ends the thread group, as kill-process does.
 */
export interface SigsysDeath {
  readonly action: 'trap' | 'kill-thread' | 'kill-process';
  /** The shell's exit status of a task killed by SIGSYS: 159. */
  readonly status: number;
  /** A trap's siginfo; null for the two kills. */
  readonly siginfo: {
    /** si_syscall: the call's number as the filter saw it. */
    readonly nr: number;
    /** si_arch: AUDIT_ARCH of the call's ABI. */
    readonly arch: number;
    /** si_errno: the trap's data. */
    readonly data: number;
  } | null;
}

/** Seccomp modes (S4.1). */
export type SeccompMode = 0 | 1 | 2;

/** One filter entry as observed: number and text (S4.1, S8). */
export interface FilterView {
  readonly nr: number;
  readonly text: string;
}

/** The seccomp state of a task as observed (S4.1). */
export interface SeccompView {
  readonly mode: SeccompMode;
  /** ABI of the call that installed the first filter; null in mode 0 with no filters. */
  readonly abi: Abi | null;
  /** Entries in ascending nr. */
  readonly filters: readonly FilterView[];
  readonly pending: boolean;
  /** A5 the number of filters installed as rule sets (seccomp(SECCOMP_SET_MODE_FILTER)); absent when none. */
  readonly stack?: number;
}

/** A live task as observed. */
export interface TaskView {
  readonly pid: number;
  /** Thread group id: getpid() (S7.2). */
  readonly tgid: number;
  readonly comm: string;
  /** The task's code bitness: which ABI `syscall` uses (S6.1). */
  readonly abi: Abi;
  readonly regs: Regs;
  readonly seccomp: SeccompView;
  /** Mapped user memory as [address, byte] pairs in ascending address (S7.3). */
  readonly memory: readonly (readonly [bigint, number])[];
}

/** The whole observable machine: live tasks in ascending pid, and the kernel log. */
export interface MachineView {
  readonly tasks: readonly TaskView[];
  readonly log: readonly string[];
}

/** Kernel configuration: the result of every call the simulation does not implement (S6.5). */
export interface KernelConfig {
  /** rax for unimplemented-by-simulation calls, as a signed or unsigned value; default 0. */
  readonly defaultResult: bigint;
}

/** prctl options (S5). */
export const PR = {
  GET_SECCOMP: 21,
  SET_SECCOMP: 22,
  GET_SECCOMP_FILTER: 35,
  SET_SECCOMP_FILTER: 36,
  CLEAR_SECCOMP_FILTER: 37,
} as const;

/** errno values (S5.7). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EACCES: 13,
  EFAULT: 14,
  EINVAL: 22,
  ENOSPC: 28,
  ENOSYS: 38,
} as const;

/** Longest policy or filter text read from user memory, NUL excluded (S5.2). */
export const MAX_USER_TEXT = 64 * 1024;

const UTF8 = new TextEncoder();
/** The length of `s` in UTF-8 bytes, as user memory holds it (Node and browsers alike). */
export const utf8Length = (s: string): number => UTF8.encode(s).length;

/** clone() flag that puts the child in the caller's thread group (S7.2). */
export const CLONE_THREAD = 0x00010000n;

/** TASK_COMM_LEN - 1: the longest comm (S7.2). */
export const COMM_MAX = 15;

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(ERRNO).map(([name, n]) => [n, name]));

/** An errno value by name and number (S5.7), e.g. `{ name: 'EINVAL', number: 22 }`. */
export interface ErrnoInfo {
  /** The errno's name, e.g. `EINVAL`; `E<number>` for one S5.7 does not list. */
  readonly name: string;
  readonly number: number;
}

/** The errno of a -errno rax (-4095 to -1), or null when rax is not one. */
export function errnoOf(rax: bigint): ErrnoInfo | null {
  const v = BigInt.asIntN(64, rax);
  if (v >= 0n || v <= -4096n) return null;
  const number = Number(-v);
  return { name: ERRNO_NAMES.get(number) ?? `E${number}`, number };
}

/** rax as a result: `-ENAME` for the S5.7 errno values, else the signed decimal value. */
export function resultText(rax: bigint): string {
  const e = errnoOf(rax);
  return e === null || !ERRNO_NAMES.has(e.number) ? BigInt.asIntN(64, rax).toString() : `-${e.name}`;
}
