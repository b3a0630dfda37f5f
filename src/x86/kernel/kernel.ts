/**
 * The simulated x86_64 kernel (S6, S7): tasks, the entry vectors, the
 * slow path that runs secure_computing first, dispatch through the ABI's
 * table, and the handlers the simulation implements. The hot path
 * (`enter`) works on uint32 register words: no BigInt, no allocation.
 */
import { abiMatchTable, CORRECT_RULES, type EngineRules } from '../../impl/rules.ts';
import { filterAllowsRegs, strictAllows } from '../../impl/secure.ts';
import { INITIAL_STATE } from '../../impl/state.ts';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS, R, RegisterFile, halves, join } from '../regs.ts';
import { CLONE_THREAD, COMM_MAX, ERRNO, type Vector } from '../types.ts';
import { HANDLERS, H } from './handlers.ts';
import { UserMemory } from './memory.ts';
import { prctl, type PrctlEnv } from './prctl.ts';
import { killLine } from './observe.ts';
import { Task } from './task.ts';

/** What `enter` did; details are in the register row, `lastLog` or `lastExit`. */
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
const CLONE_THREAD_BIT = Number(CLONE_THREAD);

/** Store a small signed result (|v| < 2^31) as an unsigned 64-bit rax (C11). */
function setResult(w: Uint32Array, b: number, v: number): void {
  w[b + R.rax] = v >>> 0;
  w[b + R.rax + 1] = v < 0 ? 0xffff_ffff : 0;
}

/** The kernel state and its entry path. */
export class KernelCore implements PrctlEnv {
  readonly regs = new RegisterFile();
  /** Tasks by pid; dead or unused pids are undefined (C21: never reused). */
  readonly tasks: (Task | undefined)[] = [undefined];
  readonly log: string[] = [];
  readonly rules: EngineRules;
  readonly matches: Uint8Array;
  /** Log line of the last kill (null for a strict-mode kill). */
  lastLog: string | null = null;
  /** Status of the last exit or exit_group. */
  lastExit = 0;
  private readonly defaultLo: number;
  private readonly defaultHi: number;

  constructor(options: Partial<CoreOptions> = {}) {
    this.rules = options.rules ?? CORRECT_RULES;
    this.matches = abiMatchTable(this.rules);
    [this.defaultLo, this.defaultHi] = halves(options.defaultResult ?? 0n);
  }

  /** Create a task in mode 0 with registers 0 but cs, and no memory; returns its pid (C21). */
  spawn(code: number, comm: string): number {
    const pid = this.tasks.length;
    this.regs.clear(pid);
    // The code segment of the task's bitness: 0x33 for 64-bit code, 0x23 for 32-bit.
    this.regs.words(pid)[RegisterFile.base(pid) + R.cs] = code === 0 ? 0x33 : 0x23;
    this.tasks.push(new Task(pid, pid, comm.slice(0, COMM_MAX), code, INITIAL_STATE, false, new UserMemory()));
    return pid;
  }

  /**
   * S6.1, S6.2 a system call through `vector` on `pid`'s current
   * registers: orig_rax = rax, nr = eax as a signed int (C8); with
   * TIF_SECCOMP (mode 1 or 2) secure_computing runs before anything else.
   */
  enter(pid: number, vector: Vector): Status {
    const t = this.tasks[pid];
    if (t === undefined) return STATUS.NO_TASK;
    const w = this.regs.live(pid);
    const b = RegisterFile.base(pid);
    const callAbi = vector === 'syscall' ? t.code : COMPAT;
    const lo = w[b + R.rax]!;
    w[b + R.orig_rax] = lo;
    w[b + R.orig_rax + 1] = w[b + R.rax + 1]!;
    const nr = lo | 0;
    const st = t.state;
    if (st.mode !== 0 && !this.secureComputing(t, callAbi, nr, w, b)) return this.kill(t, callAbi, nr, w, b);
    const table = HANDLERS[callAbi]!;
    // S6.5 out of range or a not-implemented slot: -ENOSYS.
    const h = nr >= 0 && nr < table.length ? table[nr]! : H.NI;
    if (h === H.DEFAULT) {
      w[b + R.rax] = this.defaultLo;
      w[b + R.rax + 1] = this.defaultHi;
      return STATUS.RETURNED;
    }
    return this.handle(t, h, callAbi, w, b);
  }

  /** S6.3, S6.4 secure_computing(nr): whether the call may proceed. */
  private secureComputing(t: Task, callAbi: number, nr: number, w: Uint32Array, b: number): boolean {
    const st = t.state;
    if (st.mode === 1) return strictAllows(callAbi, nr);
    if (t.pending) {
      t.pending = false;
      return true;
    }
    return filterAllowsRegs(st, this.matches, callAbi, nr, w, b);
  }

  /** S6.6 the task ends as if by SIGKILL; mode 2 logs a line (C22). */
  private kill(t: Task, callAbi: number, nr: number, w: Uint32Array, b: number): Status {
    if (t.state.mode === 2) {
      this.lastLog = killLine(t, callAbi, nr, join(w[b + R.rip]!, w[b + R.rip + 1]!));
      this.log.push(this.lastLog);
    } else this.lastLog = null;
    this.remove(t);
    return STATUS.KILLED;
  }

  private remove(t: Task): void {
    this.tasks[t.pid] = undefined;
    t.mem.release();
  }

  /** Argument `i` of the call as the handler sees it: full width natively, zero-extended in compat (S3.2). */
  private arg(callAbi: number, w: Uint32Array, b: number, i: number): bigint {
    const r = (callAbi === COMPAT ? COMPAT_ARG_REGS : NATIVE_ARG_REGS)[i]!;
    return callAbi === COMPAT ? BigInt(w[b + r]!) : join(w[b + r]!, w[b + r + 1]!);
  }

  /** S6.5 the handlers the simulation implements. */
  private handle(t: Task, h: number, callAbi: number, w: Uint32Array, b: number): Status {
    switch (h) {
      case H.NI:
        setResult(w, b, -ERRNO.ENOSYS);
        return STATUS.RETURNED;
      case H.PRCTL: {
        const args = [0, 1, 2, 3].map((i) => this.arg(callAbi, w, b, i));
        setResult(w, b, prctl(t, callAbi, args, this));
        return STATUS.RETURNED;
      }
      case H.FORK:
      case H.VFORK:
        setResult(w, b, this.fork(t, false));
        return STATUS.RETURNED;
      case H.CLONE: {
        const r = callAbi === COMPAT ? R.rbx : R.rdi;
        setResult(w, b, this.fork(t, (w[b + r]! & CLONE_THREAD_BIT) !== 0));
        return STATUS.RETURNED;
      }
      case H.EXECVE:
        setResult(w, b, this.execve(t, this.arg(callAbi, w, b, 0)));
        return STATUS.RETURNED;
      case H.EXIT:
      case H.EXIT_GROUP: {
        // C20 the status is the low 8 bits of the first argument.
        this.lastExit = w[b + (callAbi === COMPAT ? R.rbx : R.rdi)]! & 0xff;
        if (h === H.EXIT) this.remove(t);
        else for (const o of this.tasks) if (o !== undefined && o.tgid === t.tgid) this.remove(o);
        return STATUS.EXITED;
      }
      case H.GETPID:
        setResult(w, b, t.tgid);
        return STATUS.RETURNED;
      default:
        setResult(w, b, t.pid);
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
    this.regs.copy(t.pid, pid);
    const cw = this.regs.words(pid);
    const cb = RegisterFile.base(pid);
    cw[cb + R.rax] = 0;
    cw[cb + R.rax + 1] = 0;
    this.tasks.push(new Task(pid, thread ? t.tgid : pid, t.comm, t.code, t.state, t.pending, t.mem.share()));
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
