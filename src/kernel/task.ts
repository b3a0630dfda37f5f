/**
 * A simulated task (S7): identity, code bitness, seccomp state, user
 * memory and its register row. It is the seccomp core's SeccompTask
 * (src/seccomp/task.ts): `state` and the pending bit of `flags`. Forks share
 * `state` (immutable) and `mem` (copy on write), so a forked task costs
 * this object and one register row (S7.1). To keep the object at seven
 * fields, bitness and the pending flag share one small integer, and the
 * pid is not stored: it is the task's index in the kernel's task table.
 */
import type { SeccompState, SeccompTask } from '../seccomp/index.ts';
import type { UserMemory } from './memory.ts';

/** Bit of `flags`: the task's code is 32-bit (ABI code 1, C9). */
export const CODE_BIT = 1;
/**
 * Bit of `flags` that the seccomp core owns: S5.2 on_next_syscall is
 * pending. The core's PENDING_BIT (src/seccomp/task.ts), copied here so this
 * file imports types only; core.ts checks the two agree at load time.
 */
export const PENDING_BIT = 2;

/**
 * One live task. Fields are `declare`d and set in the constructor: an
 * ES2022 class field (or parameter property) is first defined as
 * undefined, after which V8 keeps the field generic (tagged, any map) and
 * checks it on every read of the entry path.
 */
export class Task implements SeccompTask {
  /** Thread group id: getpid() (C18, C21). */
  declare readonly tgid: number;
  declare comm: string;
  declare state: SeccompState;
  declare mem: UserMemory;
  /** Row of the task's registers in the RegisterFile. */
  declare readonly slot: number;
  /** The RegisterFile chunk holding that row, so the entry path reaches it in one load. */
  declare readonly words: Uint32Array;
  /** CODE_BIT | PENDING_BIT; the hot path reads it directly, everything else through the accessors. */
  declare flags: number;

  constructor(
    tgid: number,
    comm: string,
    code: number,
    state: SeccompState,
    pending: boolean,
    mem: UserMemory,
    slot: number,
    words: Uint32Array,
  ) {
    this.tgid = tgid;
    this.comm = comm;
    this.state = state;
    this.mem = mem;
    this.slot = slot;
    this.words = words;
    this.flags = (code & CODE_BIT) | (pending ? PENDING_BIT : 0);
  }

  /** ABI code of the task's code bitness: 0 x86_64, 1 ia32 (C9). */
  get code(): number {
    return this.flags & CODE_BIT;
  }

  /** S5.2 on_next_syscall: the next filtered call is allowed unchecked. */
  get pending(): boolean {
    return (this.flags & PENDING_BIT) !== 0;
  }

  set pending(on: boolean) {
    this.flags = on ? this.flags | PENDING_BIT : this.flags & ~PENDING_BIT;
  }
}
