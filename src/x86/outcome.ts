/** What a system call did, as the model and the engine report it (S9.1). */
/** What a system call did, as seen from outside (S9.1). */
export type Outcome =
  /** The call returned; `rax` is the new rax as an unsigned 64-bit value (-errno is 2^64 - errno). */
  | { readonly kind: 'return'; readonly rax: bigint }
  /** The task was killed by seccomp (S6.6); `log` is the kernel log line (mode 2), or null (mode 1). */
  | { readonly kind: 'killed'; readonly log: string | null }
  /** The task ended by exit or exit_group (S7.2) with this status (low 8 bits of the argument). */
  | { readonly kind: 'exited'; readonly code: number }
  /** No live task has this pid. */
  | { readonly kind: 'no_task' };
