/**
 * The per-task seccomp fields the core reads and writes. The core does not
 * know the simulated kernel's task: the kernel's Task (src/kernel/task.ts)
 * has these fields, and the entry path hands its task to secureComputing
 * as a SeccompTask. An interface costs nothing at run time: V8 sees the
 * kernel's Task object, with its one hidden class, as before.
 */
import type { SeccompState } from './state.ts';

/** Bit of `SeccompTask.flags`: S5.2 `on_next_syscall` is pending. */
export const PENDING_BIT = 2;

/** What the seccomp core needs of a task: its state and its flags word. */
export interface SeccompTask {
  /** S4.1 the task's seccomp state (immutable, replaced on change). */
  readonly state: SeccompState;
  /**
   * Small integer of task bits; the core reads and clears PENDING_BIT
   * only (S6.4 a pending grant is spent by the next filtered call). The
   * other bits belong to the task's owner.
   */
  flags: number;
}
