/** What a system call did, as the model and the engine report it (S9.1). */
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
