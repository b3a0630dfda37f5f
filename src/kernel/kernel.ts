/**
 * `Kernel`, the fast engine's public class: a mutable simulated x86_64
 * kernel (the entry path, tasks, prctl, /proc) on top of the seccomp core
 * of src/seccomp. Its machinery (tasks, registers, the entry path) is
 * `KernelCore` in core.ts; this class adds the public API, whose
 * arguments it checks.
 */
import { ALLOW, KILL_2011, actionRank, type Action } from '../action/index.ts';
import type { Filter } from '../grammar/index.ts';
import {
  ABI_CODE,
  ABI_OF,
  CORRECT_RULES,
  Draft,
  NO_ABI,
  SeccompState,
  codeAction,
  compileRules,
  type EngineRules,
} from '../seccomp/index.ts';
// decide()'s calls straight from their module, not through the index:
// measured (side by side, one engine per process) a quarter faster so.
import { decideArgs, filterAllowsArgs, strictAllows } from '../seccomp/secure.ts';
import { decideRules, ruleSetOf2011, ruleSetProblem, type Rule, type RuleSet } from '../ruleset/index.ts';
import { checkAbi, checkBigint, checkPid, checkRegs, checkString, checkVector } from '../api/index.ts';
import { R, RegisterFile, join, type RegRow } from '../x86/regs.ts';
import type { Abi } from '../x86/table.ts';
import type { KernelConfig } from '../x86/config.ts';
import { ERRNO, errnoOf, type ErrnoInfo } from '../x86/errno.ts';
import type { Outcome } from '../x86/outcome.ts';
import { PR } from '../x86/prctl.ts';
import type { RegsInput } from '../x86/registers.ts';
import { callAbi, type Vector } from '../x86/vectors.ts';
import type { MachineView, SeccompView } from '../x86/views.ts';
import { KernelCore, STATUS, type Status } from './core.ts';
import { UserMemory } from './memory.ts';
import { procText, seccompView, taskView } from './observe.ts';
import { CODE_BIT, PENDING_BIT } from './task.ts';
import { installResult, noTask, type InstallResult } from './install.ts';

/** ESRCH: installRules' errno for a pid without a task. */
const ESRCH = 3;

/** Where `installPolicy` writes its text: below 4 GiB, so compat pointers reach it. */
export const SCRATCH_ADDR = 0x7ff0_0000n;

/**
 * The answers of `decide` a 2011 policy gives, as the shared Action objects
 * `decide` returns for them (compare with `===`): allow, the 2011 kill
 * (also strict mode's kill), and undefined for a pid without a task.
 */
export const VERDICT = { ALLOW: ALLOW as Action, KILL: KILL_2011 as Action, NO_TASK: undefined } as const;
/** What `decide` returns: the action (A1), or undefined without a task. */
export type Verdict = Action | undefined;

/** What `decideRule` returns: the action, the rule that chose it, and the stacked filter it came from. */
export interface RuleDecision {
  readonly action: Action;
  /** The rule that answered; absent when a default, strict mode or the pending grant did. */
  readonly rule?: Rule;
  /** The index of the stacked rule set (0 the newest) that answered; absent for the 2011 map. */
  readonly layer?: number;
}

/** What `lastAnswer` returns: a call the filters answered other than with allow, as it met its caller. */
export interface Answer {
  readonly pid: number;
  /** The filters' answer (A1); the shared object `decide` returns for it. */
  readonly action: Action;
  /** The call wrote a kernel log line (S6.6, A7, A11): `lastLogLine()` while no later call wrote one. */
  readonly logged: boolean;
  /** The caller's code bitness (C9). */
  readonly abi: Abi;
  /** The caller's seccomp state at the call (S4.1). */
  seccomp(): SeccompView;
  /** The filter of that state for `nr` (S4.1), undefined if none. */
  filter(nr: number): Filter | undefined;
  /** `decideRule` on that state for the call (A6). */
  rule(vector: Vector, nr: number, args: ArrayLike<number>): RuleDecision;
}

/** The result of `installRules` (A5): success, or the errno with why. */
export type InstallRulesResult =
  { readonly ok: true } | { readonly ok: false; readonly errno: ErrnoInfo; readonly message: string };

/** Engine options beyond KernelConfig; `rules` exists for S10 mutation tests only. */
export interface EngineOptions extends KernelConfig {
  /** S10 the merge and ABI rules; defaults to CORRECT_RULES. */
  readonly rules: EngineRules;
}

/** The simulated kernel with the fast seccomp engine. */
export class Kernel extends KernelCore {
  /** A kernel with no tasks. `config.defaultResult` is rax of unimplemented calls (S6.5). */
  constructor(config: Partial<EngineOptions> = {}) {
    super({ defaultResult: config.defaultResult ?? 0n, rules: config.rules ?? CORRECT_RULES });
  }

  /** A new task of code bitness `abi` (C9) in mode 0; returns its pid (C21). */
  spawn(abi: Abi, comm: string): number {
    checkAbi('Kernel.spawn', abi);
    checkString('Kernel.spawn', 'comm', comm);
    return this.spawnTask(ABI_CODE[abi], comm);
  }

  /** Host write of `bytes` into `pid`'s memory (S7.3); false if no task, a bad byte or a range beyond 2^64. */
  writeMemory(pid: number, addr: bigint, bytes: Uint8Array | readonly number[]): boolean {
    checkPid('Kernel.writeMemory', pid);
    checkBigint('Kernel.writeMemory', 'addr', addr);
    const t = this.tasks[pid];
    if (t === undefined || !UserMemory.inRange(addr, bytes.length)) return false;
    for (let i = 0; i < bytes.length; i++) {
      const v = bytes[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 255) return false;
    }
    t.mem = t.mem.writable();
    t.mem.write(addr, bytes);
    return true;
  }

  /** The `len` mapped bytes at `addr`, or undefined if any is unmapped or there is no task (C16). */
  readMemory(pid: number, addr: bigint, len: number): Uint8Array | undefined {
    checkPid('Kernel.readMemory', pid);
    checkBigint('Kernel.readMemory', 'addr', addr);
    return this.tasks[pid]?.mem.read(addr, len);
  }

  /** A system call through `vector` after setting `regs` (others keep their values): S6. */
  syscall(pid: number, vector: Vector, regs: RegsInput): Outcome {
    checkPid('Kernel.syscall', pid);
    checkVector('Kernel.syscall', vector);
    checkRegs('Kernel.syscall', regs);
    const t = this.tasks[pid];
    if (t === undefined) return { kind: 'no_task' };
    this.regs.apply(t.slot, regs);
    return this.outcome(t.slot, this.enter(pid, vector));
  }

  private outcome(slot: number, s: Status): Outcome {
    switch (s) {
      case STATUS.RETURNED: {
        const w = this.regs.words(slot);
        const b = RegisterFile.base(slot);
        return { kind: 'return', rax: join(w[b + R.rax]!, w[b + R.rax + 1]!) };
      }
      case STATUS.KILLED: {
        const log = this.lastKillLogged ? this.kernelLog.last() : null;
        return this.lastSigsys === undefined
          ? { kind: 'killed', log }
          : { kind: 'killed', log, sigsys: this.lastSigsys };
      }
      case STATUS.EXITED:
        return { kind: 'exited', code: this.lastExit };
      default:
        return { kind: 'no_task' };
    }
  }

  /**
   * `pid`'s pt_regs row for `enter`: uint32 words, register `r` at
   * `base + R[r]` (low half) and `+1` (high half); undefined without a
   * task. A row is valid while its task lives.
   */
  registers(pid: number): RegRow | undefined {
    const t = this.tasks[pid];
    return t === undefined ? undefined : this.regs.row(t.slot);
  }

  /**
   * Decision only (S6.3, S6.4, A6): the action `pid`'s filters give call
   * `nr` (eax: taken as a signed 32-bit int, C8) through `vector` with
   * arguments `args` = `[lo0, hi0, ..., lo5, hi5]` (uint32 halves in
   * argument order; missing words are 0; compat calls ignore the high
   * halves, S3.2); undefined without a task. Allow and the 2011 kill
   * (strict mode's too) are the shared VERDICT.ALLOW and VERDICT.KILL;
   * every action is one shared object per value. Does not consume
   * `on_next_syscall` (a pending task is reported as allowed) and changes
   * nothing. No allocation, no BigInt.
   */
  decide(pid: number, vector: Vector, nr: number, args: ArrayLike<number>): Verdict {
    checkVector('Kernel.decide', vector);
    const t = this.tasks[pid];
    if (t === undefined) return undefined;
    const st = t.state;
    const abi = vector === 'syscall' ? t.code : 1;
    const n = nr | 0;
    if (st.tif === 0) return ALLOW;
    if (st.mode === 1) return strictAllows(abi, n) ? ALLOW : KILL_2011;
    if (t.pending) return ALLOW;
    if (st.stacked) return codeAction(decideArgs(st, abi, n, args));
    return filterAllowsArgs(st, abi, n, args) ? ALLOW : KILL_2011;
  }

  /**
   * `decide` with the rule that answered, for explanations (A6): the
   * action, the rule (a stacked rule set's, or the 2011 map's entry read as
   * a rule, R5) and which stacked filter it came from. Slower than decide.
   */
  decideRule(pid: number, vector: Vector, nr: number, args: ArrayLike<number>): RuleDecision | undefined {
    const action = this.decide(pid, vector, nr, args);
    const t = this.tasks[pid];
    if (action === undefined || t === undefined) return undefined;
    return this.ruleOf(t.state, t.code, t.pending, vector, nr, args, action);
  }

  /** The rule of state `st` (a task of code bitness `code`) that answered `action` for the call (A6). */
  private ruleOf(
    st: SeccompState,
    code: number,
    pending: boolean,
    vector: Vector,
    nr: number,
    args: ArrayLike<number>,
    action: Action,
  ): RuleDecision {
    if (st.mode === 1 || pending || st.tif === 0) return { action };
    const abi = vector === 'syscall' ? code : 1;
    const n = nr | 0;
    const rank = actionRank(action);
    for (const [layer, c] of st.layers.entries()) {
      if (actionRank(codeAction(c.code(abi, n, args, 0, false))) !== rank) continue;
      const a = c.archOf(abi, n);
      const i = a === null ? -1 : a.ruleIndex(n, args, 0, false);
      return i < 0 ? { action, layer } : { action, rule: a!.rules[i]!, layer };
    }
    // The 2011 map answered: its entry, read as a rule (R5), when the call is of its ABI.
    if (st.abi !== abi || !this.env.rules.abiMatches(ABI_OF[st.abi]!, ABI_OF[abi]!)) return { action };
    const filter = st.filters.get(n);
    if (filter === undefined || n < 0) return { action };
    const words = Array.from({ length: 6 }, (_, i) => join(args[2 * i] ?? 0, abi === 1 ? 0 : (args[2 * i + 1] ?? 0)));
    const rs = ruleSetOf2011(
      ABI_OF[st.abi]!,
      new Map([[n, filter]]),
      (x, f) => `${x}: ${f.kind === 'expr' ? f.text : '1'}`,
    );
    const answer = decideRules(rs, ABI_OF[abi]!, n, words);
    return answer.rule === undefined ? { action } : { action, rule: answer.rule };
  }

  /**
   * Calls the filters have answered other than with allow so far (A7 to
   * A12: kills, trap, errno, trace, user-notif, log), counted by the entry
   * path's slow path. Compare it across `enter` to learn whether a call
   * was so answered, then read `lastAnswer()`; counting costs the fast
   * path nothing.
   */
  get answered(): number {
    return this.answers;
  }

  /**
   * The last call counted by `answered`, as it met its caller (kept past a
   * kill, for explainers, A6): the caller's pid, the action (A1), whether
   * the call wrote a kernel log line (`lastLogLine()`), and the caller's
   * bitness, seccomp state (S4.1), 2011 filters and rules as they were at
   * the call. Undefined before the first such call.
   */
  lastAnswer(): Answer | undefined {
    if (this.answers === 0) return undefined;
    const st = this.answerState;
    const code = this.answerFlags & CODE_BIT;
    const pending = (this.answerFlags & PENDING_BIT) !== 0;
    const action = codeAction(this.answerCode);
    return {
      pid: this.answerPid,
      action,
      logged: this.kernelLog.size > this.answerLogSize,
      abi: ABI_OF[code]!,
      seccomp: () => seccompView(st, pending),
      filter: (nr) => st.filters.get(nr),
      rule: (vector, nr, args) => this.ruleOf(st, code, pending, vector, nr, args, action),
    };
  }

  /**
   * A5 install a filter in the decision form on `pid`, as
   * seccomp(SECCOMP_SET_MODE_FILTER) does once the call runs: compiled
   * once (shared by every task that installs the same object), it goes on
   * top of the task's stack, and forks inherit it. A host operation: the
   * call itself passes no filter. Refused with EINVAL in strict mode and
   * for a rule set outside the decision form's bounds, ESRCH without a task.
   */
  installRules(pid: number, rs: RuleSet): InstallRulesResult {
    checkPid('Kernel.installRules', pid);
    const t = this.tasks[pid];
    const refuse = (number: number, message: string): InstallRulesResult => ({
      ok: false,
      errno: errnoOf(BigInt(-number)) ?? { name: `E${number}`, number },
      message,
    });
    if (t === undefined) return refuse(ESRCH, `no live task has pid ${pid}`);
    const st = t.state;
    if (st.mode === 1)
      return refuse(ERRNO.EINVAL, 'the task is in strict mode (mode 1), which never becomes filter mode (A5)');
    const problem = ruleSetProblem(rs);
    if (problem !== undefined) return refuse(ERRNO.EINVAL, `the rule set cannot be installed: ${problem} (A5)`);
    t.state = new SeccompState(st.mode, st.abi, st.filters, this.env.matches, [compileRules(rs), ...st.layers]);
    return { ok: true };
  }

  /** The filter of `pid`'s current state for `nr` (S4.1), for explainers; undefined if none. */
  filterFor(pid: number, nr: number): Filter | undefined {
    return this.tasks[pid]?.state.filters.get(nr);
  }

  /** The ABI `pid`'s filters are bound to (C12), null without one, undefined without a task. */
  filterAbi(pid: number): Abi | null | undefined {
    const st = this.tasks[pid]?.state;
    return st === undefined ? undefined : st.abi === NO_ABI ? null : ABI_OF[st.abi]!;
  }

  /**
   * Write `text` (UTF-8) and a NUL at SCRATCH_ADDR of `pid`'s memory and
   * call prctl(PR_SET_SECCOMP, 2, SCRATCH_ADDR) through `vector` (S5.2),
   * as a task would: the write stays in its memory, the call goes through
   * the entry path (and its filters, in mode 2). A text containing a NUL is
   * refused with -EINVAL before anything happens (C33): the kernel would
   * read only the part before it, and the rest would silently be lost.
   * The result is `ok: true`, or the errno by name and number with why and
   * where (InstallResult); `kind` and `rax` are the prctl call's outcome.
   */
  installPolicy(pid: number, text: string, vector: Vector = 'syscall'): InstallResult {
    checkPid('Kernel.installPolicy', pid);
    checkString('Kernel.installPolicy', 'text', text);
    checkVector('Kernel.installPolicy', vector);
    const t = this.tasks[pid];
    if (t === undefined) return noTask(pid);
    const abi = callAbi(ABI_OF[t.code]!, vector);
    const { state, pending } = t;
    const prctlNr = abi === 'x86_64' ? 157 : 172;
    const words = [PR.SET_SECCOMP, 0, 2, 0, Number(SCRATCH_ADDR), 0];
    const action = this.decide(pid, vector, prctlNr, words) ?? ALLOW;
    const ctx = { pid, text, abi, action, draft: () => new Draft(state, pending, this.env.rules, this.env.matches) };
    if (text.includes('\0'))
      return installResult({ kind: 'return', rax: BigInt.asUintN(64, BigInt(-ERRNO.EINVAL)) }, ctx);
    const bytes = new TextEncoder().encode(`${text}\0`);
    this.writeMemory(pid, SCRATCH_ADDR, bytes);
    // S6.1 prctl's number and argument registers in the ABI of this vector.
    const regs: RegsInput =
      abi === 'x86_64'
        ? { rax: 157n, rdi: BigInt(PR.SET_SECCOMP), rsi: 2n, rdx: SCRATCH_ADDR }
        : { rax: 172n, rbx: BigInt(PR.SET_SECCOMP), rcx: 2n, rdx: SCRATCH_ADDR };
    return installResult(this.syscall(pid, vector, regs), ctx);
  }

  /** S8 the text of /proc/<pid>/seccomp_filter, or undefined without a task. */
  procSeccompFilter(pid: number): string | undefined {
    const t = this.tasks[pid];
    return t === undefined ? undefined : procText(t);
  }

  /** The kernel log (S6.6), oldest first. */
  get log(): readonly string[] {
    // A frozen copy: a caller holding it sees a snapshot and cannot rewrite the kernel's log.
    return Object.freeze([...this.kernelLog.read()]);
  }

  /** Number of kernel log lines so far: `log.length` without copying the log. */
  get logLength(): number {
    return this.kernelLog.size;
  }

  /** The newest kernel log line, or undefined while the log is empty. */
  lastLogLine(): string | undefined {
    return this.kernelLog.size === 0 ? undefined : this.kernelLog.last();
  }

  /** Live pids in ascending order. */
  pids(): readonly number[] {
    const out: number[] = [];
    this.tasks.forEach((t, pid) => t !== undefined && out.push(pid));
    return out;
  }

  /** The whole observable machine (S9.1). */
  view(): MachineView {
    const tasks = this.pids().map((pid) => taskView(pid, this.tasks[pid]!, this.regs.read(this.tasks[pid]!.slot)));
    return { tasks, log: [...this.kernelLog.read()] };
  }
}
