/**
 * The whole simulated machine as a value (S6, S7): tasks with registers,
 * memory and seccomp state, the kernel log, and host operations that
 * return a new machine.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { checkAbi, checkString } from '../api/index.ts';
import type { Abi } from '../x86/table.ts';
import type { KernelConfig } from '../x86/config.ts';
import { REG_NAMES, type Regs, type RegsInput } from '../x86/registers.ts';
import { COMM_MAX } from '../x86/task.ts';
import { readBytes, writeBytes, EMPTY_MEMORY, type Memory } from './memory.ts';
import type { RuleSet } from '../ruleset/index.ts';
import { INITIAL_STATE, installRules as pushRules, type Errno, type SeccompState } from './state.ts';

/** One task (S7). */
export interface Task {
  readonly pid: number;
  readonly tgid: number;
  readonly comm: string;
  /** C9 the bitness of the task's code, fixed at spawn. */
  readonly abi: Abi;
  readonly regs: Regs;
  readonly memory: Memory;
  readonly seccomp: SeccompState;
}

/** The machine: live tasks by pid, the kernel log, the next pid (C21), the configuration (S6.5). */
export interface Machine {
  readonly tasks: ReadonlyMap<number, Task>;
  readonly log: readonly string[];
  readonly nextPid: number;
  readonly config: KernelConfig;
}

/** The default configuration: unimplemented calls return 0 (S6.5). */
export const DEFAULT_CONFIG: KernelConfig = Object.freeze({ defaultResult: 0n });

/** A machine with no tasks and an empty log; pids start at 1 (C21). */
export const initialMachine = (config: Partial<KernelConfig> = {}): Machine => ({
  tasks: new Map(),
  log: [],
  nextPid: 1,
  config: { ...DEFAULT_CONFIG, ...config },
});

const ZERO_REGS: Regs = Object.freeze(Object.fromEntries(REG_NAMES.map((r) => [r, 0n])) as Record<keyof Regs, bigint>);

/** Registers with every given field set, each reduced to 64 bits (S6.1). */
export const mergeRegs = (regs: Regs, input: RegsInput): Regs =>
  Object.fromEntries(REG_NAMES.map((r) => [r, BigInt.asUintN(64, input[r] ?? regs[r])])) as Record<keyof Regs, bigint>;

/** The machine with `task` stored under its pid. */
export const putTask = (m: Machine, task: Task): Machine => ({ ...m, tasks: new Map([...m.tasks, [task.pid, task]]) });

/** The machine without the tasks `gone` selects. */
export const dropTasks = (m: Machine, gone: (t: Task) => boolean): Machine => ({
  ...m,
  tasks: new Map([...m.tasks].filter(([, t]) => !gone(t))),
});

/** The task `pid`, if it is alive. */
export const findTask = (m: Machine, pid: number): O.Option<Task> => O.fromNullable(m.tasks.get(pid));

/**
 * A fresh task of `abi` code named `comm` (cut to 15 characters): its own
 * thread group, mode 0, registers 0 except cs (0x33 for 64-bit code, 0x23 for 32-bit).
 */
export function spawn(m: Machine, abi: Abi, comm: string): readonly [Machine, number] {
  checkAbi('model.spawn', abi);
  checkString('model.spawn', 'comm', comm);
  const pid = m.nextPid;
  const regs = mergeRegs(ZERO_REGS, { cs: abi === 'x86_64' ? 0x33n : 0x23n });
  const task: Task = {
    pid,
    tgid: pid,
    comm: comm.slice(0, COMM_MAX),
    abi,
    regs,
    memory: EMPTY_MEMORY,
    seccomp: INITIAL_STATE,
  };
  return [putTask({ ...m, nextPid: pid + 1 }, task), pid];
}

/** Host write into a task's memory (maps the bytes); an error for a dead pid or bad bytes. */
export const writeMemory = (
  m: Machine,
  pid: number,
  addr: bigint,
  bytes: readonly number[],
): E.Either<string, Machine> => {
  const task = m.tasks.get(pid);
  if (task === undefined) return E.left(`no task with pid ${pid}`);
  return E.map((memory: Memory) => putTask(m, { ...task, memory }))(writeBytes(task.memory, addr, bytes));
};

/** Host read of `len` mapped bytes of a task's memory; none if the task is gone or a byte is unmapped. */
export const readMemory = (m: Machine, pid: number, addr: bigint, len: number): O.Option<readonly number[]> => {
  const task = m.tasks.get(pid);
  return task === undefined ? O.none : readBytes(task.memory, addr, len);
};

/** ESRCH: what installRules returns for a pid without a live task. */
export const ESRCH = 3;

/**
 * A5 host install of a filter in the decision form on task `pid`, as
 * seccomp(SECCOMP_SET_MODE_FILTER) does once the call runs: the rule set
 * goes on top of the task's stack. The call itself is not filtered: the
 * simulation has no BPF loader, so the install is a host operation.
 * Left: the positive errno (EINVAL in strict mode or for a bad rule set,
 * ESRCH without a task).
 */
export function installRules(m: Machine, pid: number, rs: RuleSet): E.Either<Errno, Machine> {
  const task = m.tasks.get(pid);
  if (task === undefined) return E.left(ESRCH);
  return E.map((seccomp: SeccompState) => putTask(m, { ...task, seccomp }))(pushRules(task.seccomp, rs));
}
