/**
 * The machine as observed (S4.1, S9.1): a task's seccomp state, its
 * registers and memory, and the kernel log. The model and the engine
 * both give these views, and the tests compare them.
 */
import type { Abi } from './table.ts';
import type { Regs } from './registers.ts';

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
