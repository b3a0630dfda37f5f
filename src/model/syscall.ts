/**
 * The system call entry path (S6) and the handlers the simulation
 * implements (S5, S7): one call of one task, as a function from machine to
 * machine and outcome.
 */
import * as E from 'fp-ts/lib/Either.js';
import { checkPid, checkRegs, checkVector } from '../api/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { actionRet, type Action } from '../action/index.ts';
import { ERRNO } from '../x86/errno.ts';
import { AUDIT_ARCH, SIGSYS, type Outcome, type SigsysDeath } from '../x86/outcome.ts';
import type { RegsInput } from '../x86/registers.ts';
import { CLONE_THREAD, COMM_MAX } from '../x86/task.ts';
import { callAbi, type Vector } from '../x86/vectors.ts';
import type { CallRecord } from './evaluate.ts';
import { dropTasks, mergeRegs, putTask, type Machine, type Task } from './machine.ts';
import { EMPTY_MEMORY, readCString } from './memory.ts';
import { prctl } from './prctl.ts';
import { CORRECT_RULES, type Rules } from './rules.ts';
import { auditLog, recordOfRegs, decide, killLog, strictAllowed } from './secure.ts';

/** A machine after a call, and what the caller saw. */
export interface Step {
  readonly machine: Machine;
  readonly outcome: Outcome;
}

const toRax = (v: bigint): bigint => BigInt.asUintN(64, v);
const errno = (e: number): bigint => toRax(-BigInt(e)); // C11

// S6.5/C11 the call returns `rax` to its caller, and the task keeps it.
const returns = (m: Machine, task: Task, rax: bigint): Step => ({
  machine: putTask(m, { ...task, regs: { ...task.regs, rax: toRax(rax) } }),
  outcome: { kind: 'return', rax: toRax(rax) },
});

// S6.6 a killed task ends at once; filter-mode kills log a line (C22).
const killed = (m: Machine, task: Task, log: string | null): Step => ({
  machine: { ...dropTasks(m, (t) => t.pid === task.pid), log: log === null ? m.log : [...m.log, log] },
  outcome: { kind: 'killed', log },
});

const logged = (m: Machine, line: string): Machine => ({ ...m, log: [...m.log, line] });

// A10, A11 SIGSYS ends the thread (kill-thread) or, fatal with no handler, its whole thread group (trap, kill-process).
function sigsys(m: Machine, task: Task, death: SigsysDeath, log: string | null): Step {
  const group = death.action !== 'kill-thread';
  const left = dropTasks(m, (t) => (group ? t.tgid === task.tgid : t.pid === task.pid));
  return { machine: log === null ? left : logged(left, log), outcome: { kind: 'killed', log, sigsys: death } };
}

/**
 * A7 to A12 what the entry path does with the action the filters gave a
 * call: allow runs it; log runs it after an audit line; errno skips it and
 * returns -N; trace and user-notif, with no tracer and no listener in the
 * simulation, skip it and return -ENOSYS; trap sends SIGSYS (no handler is
 * modelled, so the signal is fatal and the thread group dies); kill-thread
 * and kill-process end the thread or its group by SIGSYS with an audit
 * line; the 2011 kill is S6.6's.
 */
function act(m: Machine, task: Task, abi: Abi, record: CallRecord, action: Action, rules: Rules): Step {
  const audit = (sig: number): string =>
    auditLog(task.comm, task.pid, record.nr, abi, task.regs.rip, sig, actionRet(action));
  switch (action.kind) {
    case 'allow':
      return dispatch(m, task, abi, record, rules);
    case 'log':
      return dispatch(logged(m, audit(0)), task, abi, record, rules);
    case 'errno':
      return returns(m, task, -BigInt(action.errno));
    case 'trace':
    case 'user-notif':
      return returns(m, task, errno(ERRNO.ENOSYS));
    case 'trap': {
      const siginfo = { nr: record.nr, arch: AUDIT_ARCH[abi], data: action.data };
      return sigsys(m, task, { action: 'trap', status: 128 + SIGSYS, siginfo }, null);
    }
    case 'kill-thread':
    case 'kill-process':
      return sigsys(m, task, { action: action.kind, status: 128 + SIGSYS, siginfo: null }, audit(SIGSYS));
    case 'kill':
      return killed(m, task, killLog(task.comm, task.pid, record.nr, abi, task.regs.rip));
  }
}

// S7.1/C18 fork, vfork and clone: the child copies registers (rax 0), memory, seccomp state, comm, bitness.
function forkTask(m: Machine, task: Task, thread: boolean): Step {
  const pid = m.nextPid;
  const child: Task = { ...task, pid, tgid: thread ? task.tgid : pid, regs: { ...task.regs, rax: 0n } };
  return returns(putTask({ ...m, nextPid: pid + 1 }, child), task, BigInt(pid));
}

// S7.2/C19 execve keeps the seccomp state, renames the task, empties its memory.
function execve(m: Machine, task: Task, path: bigint): Step {
  const read = readCString(task.memory, path);
  if (E.isLeft(read)) return returns(m, task, errno(read.left));
  const comm = read.right.slice(read.right.lastIndexOf('/') + 1).slice(0, COMM_MAX);
  return returns(m, { ...task, comm, memory: EMPTY_MEMORY }, 0n);
}

// S7.2/C20 exit ends the task, exit_group its whole thread group.
const exit = (m: Machine, task: Task, code: bigint, group: boolean): Step => ({
  machine: dropTasks(m, (t) => (group ? t.tgid === task.tgid : t.pid === task.pid)),
  outcome: { kind: 'exited', code: Number(code & 0xffn) },
});

// S5 prctl, atomically: an error changes nothing (S5.5).
function prctlCall(m: Machine, task: Task, abi: Abi, args: readonly bigint[], rules: Rules): Step {
  const r = prctl({ state: task.seccomp, memory: task.memory, abi }, args, rules);
  if (E.isLeft(r)) return returns(m, task, errno(r.left));
  return returns(m, { ...task, seccomp: r.right.state, memory: r.right.memory }, r.right.result);
}

// S6.5 dispatch an allowed call by the unistd name of nr in the call's ABI.
function dispatch(m: Machine, task: Task, abi: Abi, record: CallRecord, rules: Rules): Step {
  const info = syscallTable(abi).byNr(record.nr);
  if (info === undefined) return returns(m, task, errno(ERRNO.ENOSYS));
  const a = record.args;
  switch (info.name) {
    case 'prctl':
      return prctlCall(m, task, abi, a, rules);
    case 'fork':
    case 'vfork':
      return forkTask(m, task, false);
    case 'clone':
      return forkTask(m, task, ((a[0] ?? 0n) & CLONE_THREAD) !== 0n);
    case 'execve':
      return execve(m, task, a[0] ?? 0n);
    case 'exit':
      return exit(m, task, a[0] ?? 0n, false);
    case 'exit_group':
      return exit(m, task, a[0] ?? 0n, true);
    case 'getpid':
      return returns(m, task, BigInt(task.tgid));
    case 'gettid':
      return returns(m, task, BigInt(task.pid));
    default:
      return returns(m, task, m.config.defaultResult);
  }
}

/**
 * S6 one system call of task `pid` through `vector` with `regs` (fields not
 * given keep the task's values): entry (S6.1), orig_rax (S6.2), the seccomp
 * check of strict (S6.3) or filter mode (S6.4, A6, for a 2011 map or a
 * stack of rule sets), then what the action says (A7 to A12): dispatch
 * (S6.5), a result without the call, or the end of the task (S6.6).
 */
export function syscall(m: Machine, pid: number, vector: Vector, regs: RegsInput, rules: Rules = CORRECT_RULES): Step {
  checkPid('model.syscall', pid);
  checkVector('model.syscall', vector);
  checkRegs('model.syscall', regs);
  const found = m.tasks.get(pid);
  if (found === undefined) return { machine: m, outcome: { kind: 'no_task' } };
  const entered = mergeRegs(found.regs, regs);
  const task: Task = { ...found, regs: { ...entered, orig_rax: entered.rax } };
  const abi = callAbi(task.abi, vector);
  const record = recordOfRegs(task.regs, abi);
  if (task.seccomp.mode === 1) {
    return strictAllowed(abi, record.nr) ? dispatch(m, task, abi, record, rules) : killed(m, task, null);
  }
  if (task.seccomp.mode === 2 || task.seccomp.stack.length > 0) {
    const d = decide(task.seccomp, abi, record, rules);
    return act(m, { ...task, seccomp: d.state }, abi, record, d.action, rules);
  }
  return dispatch(m, task, abi, record, rules);
}
