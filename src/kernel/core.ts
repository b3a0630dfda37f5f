/**
 * The simulated x86_64 kernel (S6, S7): tasks, the entry vectors, the
 * slow path that runs secure_computing first, dispatch through the ABI's
 * table, and the handlers the simulation implements. The hot path
 * (`enter`) works on uint32 register words: no BigInt, no allocation.
 */
import {
  ALLOW,
  actionRank,
  actionRet,
  errno,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  trace,
  trap,
  USER_NOTIF,
} from '../action/index.ts';
import * as core from '../seccomp/index.ts';
import { abiMatchTable, codeAction, CORRECT_RULES, INITIAL_STATE, type EngineRules } from '../seccomp/index.ts';
import * as regs from '../x86/regs.ts';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS, R, RegisterFile, halves, join } from '../x86/regs.ts';
import { ERRNO } from '../x86/errno.ts';
import { AUDIT_ARCH, SIGSYS, type SigsysDeath } from '../x86/outcome.ts';
import { CLONE_THREAD, COMM_MAX } from '../x86/task.ts';
import type { Vector } from '../x86/vectors.ts';
import { HANDLERS, HANDLER } from './handlers.ts';
import { UserMemory } from './memory.ts';
import { prctl, type PrctlEnv } from './prctl.ts';
import { KernelLog } from './log.ts';
import * as task from './task.ts';
import { Task } from './task.ts';

/** What `enter` did; details are in the register row, the log (`lastKillLogged`) or `lastExit`. */
export const STATUS = { RETURNED: 0, KILLED: 1, EXITED: 2, NO_TASK: 3 } as const;
/** A STATUS value. */
export type Status = (typeof STATUS)[keyof typeof STATUS];

/** Engine construction options. */
export interface CoreOptions {
  /** S6.5, C11 rax of calls the simulation does not implement. */
  readonly defaultResult: bigint;
  /** S10 the pluggable rules (tests plant bugs here). */
  readonly rules: EngineRules;
}

const COMPAT = 1;
// The hot path reads plain module constants (checked against the tables
// below at load time): V8 folds them, while a property of a shared object
// is a load on every call, and so is an imported binding (a live module
// cell, loaded and checked for TDZ each time).
const RETURNED = 0;
const NO_TASK = 3;
const HANDLER_NI = 0;
const HANDLER_DEFAULT = 1;
const RAX = 0;
const ORIG_RAX = 2;
const CHUNK_MASK = 1023;
const ROW_WORDS = 40;
const CODE_BIT = 1;
// The same for a function: a local const is a known target that V8 inlines unchecked.
const secureComputing = core.secureComputing;
if (
  RETURNED !== STATUS.RETURNED ||
  NO_TASK !== STATUS.NO_TASK ||
  HANDLER_NI !== HANDLER.NI ||
  HANDLER_DEFAULT !== HANDLER.DEFAULT ||
  RAX !== R.rax ||
  ORIG_RAX !== R.orig_rax ||
  CHUNK_MASK !== regs.CHUNK_MASK ||
  ROW_WORDS !== regs.ROW_WORDS ||
  CODE_BIT !== task.CODE_BIT ||
  task.PENDING_BIT !== core.PENDING_BIT ||
  (task.CODE_BIT & task.PENDING_BIT) !== 0
) {
  throw new Error('core.ts constants disagree with their tables');
}
const CLONE_THREAD_BIT = Number(CLONE_THREAD);
const ALLOW_CODE = 8 << 16;
// A3 ranks (src/action) of the actions act handles.
const RANK_KILL_PROCESS = 1;
const RANK_KILL_THREAD = 2;
const RANK_TRAP = 3;
const RANK_ERRNO = 4;
const RANK_USER_NOTIF = 5;
const RANK_TRACE = 6;
const RANK_LOG = 7;
const RANK_ALLOW = 8;
const KILL_CODE = 0;
const decideStack = core.decideStack;
if (
  KILL_CODE !== core.KILL_CODE ||
  RANK_ALLOW !== actionRank(ALLOW) ||
  ALLOW_CODE !== core.ALLOW_CODE ||
  RANK_KILL_PROCESS !== actionRank(KILL_PROCESS) ||
  RANK_KILL_THREAD !== actionRank(KILL_THREAD) ||
  RANK_TRAP !== actionRank(trap()) ||
  RANK_ERRNO !== actionRank(errno(0)) ||
  RANK_USER_NOTIF !== actionRank(USER_NOTIF) ||
  RANK_TRACE !== actionRank(trace()) ||
  RANK_LOG !== actionRank(LOG)
) {
  throw new Error('kernel.ts action ranks disagree with src/action');
}
const HANDLERS_NATIVE = HANDLERS[0]!;
const HANDLERS_COMPAT = HANDLERS[1]!;

/** Store a small signed result (|v| < 2^31) as an unsigned 64-bit rax (C11). */
function setResult(w: Uint32Array, b: number, v: number): void {
  w[b + R.rax] = v >>> 0;
  w[b + R.rax + 1] = v < 0 ? 0xffff_ffff : 0;
}

/**
 * The kernel state and its entry path. The public Kernel (index.ts)
 * extends this class, so `enter` is called without a forwarding layer.
 */
export class KernelCore {
  protected readonly regs = new RegisterFile();
  /** Tasks by pid; dead or unused pids are undefined (C21: never reused). */
  protected readonly tasks: (Task | undefined)[] = [undefined];
  protected readonly kernelLog = new KernelLog();
  // `declare`d fields are set in the constructor only (see Task for why).
  /** S10 the rules in force, for prctl. */
  declare protected readonly env: PrctlEnv;
  /** Whether the last kill wrote a log line (mode 2) or not (strict mode). */
  protected lastKillLogged = false;
  /** Status of the last exit or exit_group. */
  protected lastExit = 0;
  /** A10, A11 how the last kill by SIGSYS went; undefined after a 2011 or strict-mode kill. */
  protected lastSigsys: SigsysDeath | undefined = undefined;
  /**
   * A7 to A12 calls the filters answered other than with allow (act ran
   * with another code), and what the last one met, kept past a kill for
   * explainers: its pid, action code, the caller's seccomp state, flags
   * (bitness, pending) and the log's size before the call. Written on the
   * slow path only.
   */
  protected answers = 0;
  protected answerPid = 0;
  protected answerCode = ALLOW_CODE;
  protected answerState = INITIAL_STATE;
  protected answerFlags = 0;
  protected answerLogSize = 0;
  /** The default result's halves as int32 (the same bits): always small integers, so V8 stores them untagged in the row. */
  declare private readonly defaultLo: number;
  declare private readonly defaultHi: number;

  constructor(options: Partial<CoreOptions> = {}) {
    const rules = options.rules ?? CORRECT_RULES;
    this.env = { rules, matches: abiMatchTable(rules) };
    const [lo, hi] = halves(options.defaultResult ?? 0n);
    this.defaultLo = lo | 0;
    this.defaultHi = hi | 0;
  }

  /** Create a task in mode 0 with registers 0 but cs, and no memory; returns its pid (C21). */
  protected spawnTask(code: number, comm: string): number {
    const pid = this.tasks.length;
    const slot = this.regs.alloc();
    this.regs.clear(slot);
    const words = this.regs.words(slot);
    // The code segment of the task's bitness: 0x33 for 64-bit code, 0x23 for 32-bit.
    words[RegisterFile.base(slot) + R.cs] = code === 0 ? 0x33 : 0x23;
    this.tasks.push(new Task(pid, comm.slice(0, COMM_MAX), code, INITIAL_STATE, false, new UserMemory(), slot, words));
    return pid;
  }

  /**
   * The fast full entry path (S6.1, S6.2): a system call through `vector`
   * on `pid`'s current registers (write them as words through
   * `registers(pid)`): orig_rax = rax, nr = eax as a signed int (C8); with
   * TIF_SECCOMP (mode 1 or 2) secure_computing runs before anything else;
   * then dispatch (S6.5). The result is in the row's rax; returns a STATUS.
   * No allocation and no BigInt unless a handler other than the default runs.
   */
  enter(pid: number, vector: Vector): Status {
    const t = this.tasks[pid];
    if (t === undefined) return NO_TASK;
    // Inline arithmetic, not helper calls: this keeps the path within V8's inlining budget.
    const w = t.words;
    const b = (t.slot & CHUNK_MASK) * ROW_WORDS;
    const callAbi = vector === 'syscall' ? t.flags & CODE_BIT : COMPAT;
    const lo = w[b + RAX]!;
    // S6.2 orig_rax = rax (C8: the full register).
    w[b + ORIG_RAX] = lo;
    w[b + ORIG_RAX + 1] = w[b + RAX + 1]!;
    const nr = lo | 0;
    const st = t.state;
    // A7 to A12 anything but allow leaves the fast path (log runs the call from there).
    let code: number;
    if (st.tif !== 0 && (code = secureComputing(t, st, callAbi, nr, w, b)) !== ALLOW_CODE)
      return this.act(pid, t, code, callAbi, nr, w, b);
    const table = callAbi === 0 ? HANDLERS_NATIVE : HANDLERS_COMPAT;
    // S6.5 out of range or a not-implemented slot: -ENOSYS.
    const h = nr >= 0 && nr < table.length ? table[nr]! : HANDLER_NI;
    if (h !== HANDLER_DEFAULT) return this.handle(pid, t, h, callAbi, w, b);
    w[b + RAX] = this.defaultLo;
    w[b + RAX + 1] = this.defaultHi;
    return RETURNED;
  }

  /**
   * A7 to A12 what the entry path does with a filter's answer other than
   * allow (an action code, src/seccomp/layer.ts): log writes an audit line and
   * returns GO_ON (the call runs); errno, trace and user-notif skip the call
   * with a result (no tracer and no listener exist here); kill-thread
   * ends the thread by SIGSYS, trap (no handler) and kill-process its group;
   * the 2011 kill (and strict mode's) is S6.6.
   */
  private act(pid: number, t: Task, code: number, callAbi: number, nr: number, w: Uint32Array, b: number): Status {
    // A6 a stacked state's calls reach here from the 2011 path at once (src/seccomp/secure.ts): decide over the stack.
    if (code === KILL_CODE && t.state.stacked) code = decideStack(t.state, callAbi, nr, w, b, true);
    if (code !== ALLOW_CODE) {
      this.answers++;
      this.answerPid = pid;
      this.answerCode = code;
      this.answerState = t.state;
      this.answerFlags = t.flags;
      this.answerLogSize = this.kernelLog.size;
    }
    const rank = code >>> 16;
    switch (rank) {
      case RANK_KILL_PROCESS:
      case RANK_KILL_THREAD: {
        this.audit(t, pid, code, SIGSYS, callAbi, nr, w, b);
        const action = rank === RANK_KILL_PROCESS ? 'kill-process' : 'kill-thread';
        this.lastSigsys = { action, status: 128 + SIGSYS, siginfo: null };
        this.lastKillLogged = true;
        if (rank === RANK_KILL_THREAD) this.remove(pid, t);
        else this.removeGroup(t.tgid);
        return STATUS.KILLED;
      }
      case RANK_TRAP: {
        const siginfo = { nr, arch: callAbi === COMPAT ? AUDIT_ARCH.ia32 : AUDIT_ARCH.x86_64, data: code & 0xffff };
        this.lastSigsys = { action: 'trap', status: 128 + SIGSYS, siginfo };
        this.lastKillLogged = false;
        // SIGSYS with no handler is fatal: its default action ends the whole thread group.
        this.removeGroup(t.tgid);
        return STATUS.KILLED;
      }
      case RANK_ERRNO:
        setResult(w, b, -(code & 0xffff));
        return STATUS.RETURNED;
      case RANK_USER_NOTIF:
      case RANK_TRACE:
        setResult(w, b, -ERRNO.ENOSYS);
        return STATUS.RETURNED;
      case RANK_ALLOW:
        return this.run(pid, t, callAbi, nr, w, b);
      case RANK_LOG:
        this.audit(t, pid, code, 0, callAbi, nr, w, b);
        return this.run(pid, t, callAbi, nr, w, b);
      default:
        return this.kill(pid, t, callAbi, nr, w, b);
    }
  }

  /** S6.5 dispatch of a call that runs after the slow path, as on the fast path. */
  private run(pid: number, t: Task, callAbi: number, nr: number, w: Uint32Array, b: number): Status {
    const table = callAbi === 0 ? HANDLERS_NATIVE : HANDLERS_COMPAT;
    const h = nr >= 0 && nr < table.length ? table[nr]! : HANDLER_NI;
    if (h !== HANDLER_DEFAULT) return this.handle(pid, t, h, callAbi, w, b);
    w[b + RAX] = this.defaultLo;
    w[b + RAX + 1] = this.defaultHi;
    return RETURNED;
  }

  /** A7, A11 the audit line of a logged call: signal `sig`, the action's 32-bit value. */
  private audit(
    t: Task,
    pid: number,
    code: number,
    sig: number,
    callAbi: number,
    nr: number,
    w: Uint32Array,
    b: number,
  ): void {
    const ret = actionRet(codeAction(code));
    this.kernelLog.audit(t.comm, pid, sig, callAbi, nr, join(w[b + R.rip]!, w[b + R.rip + 1]!), ret);
  }

  /** Every task of thread group `tgid` ends. */
  protected removeGroup(tgid: number): void {
    this.tasks.forEach((o, p) => {
      if (o !== undefined && o.tgid === tgid) this.remove(p, o);
    });
  }

  /** S6.6 the task ends as if by SIGKILL; mode 2 (or a stack) logs a line (C22). */
  private kill(pid: number, t: Task, callAbi: number, nr: number, w: Uint32Array, b: number): Status {
    this.lastSigsys = undefined;
    if (t.state.mode !== 1) {
      this.kernelLog.kill(t.comm, pid, nr, callAbi, w[b + R.rip]!, w[b + R.rip + 1]!);
      this.lastKillLogged = true;
    } else this.lastKillLogged = false;
    this.remove(pid, t);
    return STATUS.KILLED;
  }

  /** Task `pid` (that is `t`) ends. */
  protected remove(pid: number, t: Task): void {
    this.tasks[pid] = undefined;
    this.regs.release(t.slot);
    t.mem.release();
  }

  /** Argument `i` of the call as the handler sees it: full width natively, zero-extended in compat (S3.2). */
  private arg(callAbi: number, w: Uint32Array, b: number, i: number): bigint {
    const r = (callAbi === COMPAT ? COMPAT_ARG_REGS : NATIVE_ARG_REGS)[i]!;
    return callAbi === COMPAT ? BigInt(w[b + r]!) : join(w[b + r]!, w[b + r + 1]!);
  }

  /** S6.5 the handlers the simulation implements. */
  private handle(pid: number, t: Task, h: number, callAbi: number, w: Uint32Array, b: number): Status {
    switch (h) {
      case HANDLER.NI:
        setResult(w, b, -ERRNO.ENOSYS);
        return STATUS.RETURNED;
      case HANDLER.PRCTL: {
        const args = [0, 1, 2, 3].map((i) => this.arg(callAbi, w, b, i));
        setResult(w, b, prctl(t, callAbi, args, this.env));
        return STATUS.RETURNED;
      }
      case HANDLER.FORK:
      case HANDLER.VFORK:
        setResult(w, b, this.fork(t, false));
        return STATUS.RETURNED;
      case HANDLER.CLONE: {
        const r = callAbi === COMPAT ? R.rbx : R.rdi;
        setResult(w, b, this.fork(t, (w[b + r]! & CLONE_THREAD_BIT) !== 0));
        return STATUS.RETURNED;
      }
      case HANDLER.EXECVE:
        setResult(w, b, this.execve(t, this.arg(callAbi, w, b, 0)));
        return STATUS.RETURNED;
      case HANDLER.EXIT:
      case HANDLER.EXIT_GROUP: {
        // C20 the status is the low 8 bits of the first argument.
        this.lastExit = w[b + (callAbi === COMPAT ? R.rbx : R.rdi)]! & 0xff;
        if (h === HANDLER.EXIT) this.remove(pid, t);
        else this.removeGroup(t.tgid);
        return STATUS.EXITED;
      }
      case HANDLER.GETPID:
        setResult(w, b, t.tgid);
        return STATUS.RETURNED;
      default:
        setResult(w, b, pid);
        return STATUS.RETURNED;
    }
  }

  /**
   * S7.1, C18 fork/vfork/clone: the child gets the caller's registers with
   * rax = 0, shared memory (copy on write), the same seccomp state
   * (immutable, so shared), comm and bitness. Returns the child's pid.
   */
  private fork(t: Task, thread: boolean): number {
    const pid = this.tasks.length;
    const slot = this.regs.alloc();
    this.regs.copy(t.slot, slot);
    const cw = this.regs.words(slot);
    const cb = RegisterFile.base(slot);
    cw[cb + R.rax] = 0;
    cw[cb + R.rax + 1] = 0;
    this.tasks.push(new Task(thread ? t.tgid : pid, t.comm, t.code, t.state, t.pending, t.mem.share(), slot, cw));
    return pid;
  }

  /** S7.2, C19 execve(path): comm becomes the path's base name, memory is emptied. */
  private execve(t: Task, path: bigint): number {
    const s = t.mem.readCString(path);
    if (typeof s === 'number') return s;
    t.comm = s.slice(s.lastIndexOf('/') + 1).slice(0, COMM_MAX);
    t.mem.release();
    t.mem = new UserMemory();
    return 0;
  }
}
