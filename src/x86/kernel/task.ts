/**
 * A simulated task (S7): identity, code bitness, seccomp state and user
 * memory. Registers live in the kernel's RegisterFile row of `pid`.
 * Forks share `state` (immutable) and `mem` (copy on write), so a forked
 * task costs this object and one register row (S7.1).
 */
import type { SeccompState } from '../../impl/state.ts';
import type { UserMemory } from './memory.ts';

/** One live task. */
export class Task {
  constructor(
    readonly pid: number,
    /** Thread group id: getpid() (C18, C21). */
    readonly tgid: number,
    public comm: string,
    /** ABI code of the task's code bitness: 0 x86_64, 1 ia32 (C9). */
    readonly code: number,
    public state: SeccompState,
    /** S5.2 on_next_syscall: the next filtered call is allowed unchecked. */
    public pending: boolean,
    public mem: UserMemory,
  ) {}
}
