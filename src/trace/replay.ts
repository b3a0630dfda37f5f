/**
 * Stage 5 of the trace pipeline: replay a traced process tree through the
 * engine as a launcher would. A task is spawned, the policy is installed
 * with `on_next_syscall: 1` just before the root's first execve (S5.2),
 * and every traced call runs through the engine's entry path (S6), its
 * arguments written straight into the task's register row, so forks
 * inherit seccomp state (S7.1). Per task and per system call it keeps
 * counts, not lists.
 */
import { formatAction, type Action } from '../action/index.ts';
import { VERDICT, Kernel, R, STATUS, type Answer } from '../kernel/index.ts';
import type { RuleSet } from '../ruleset/index.ts';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS } from '../x86/regs.ts';
import type { Abi } from '../x86/table.ts';
import type { TaskView } from '../x86/views.ts';
import { callAbi, type Vector } from '../x86/vectors.ts';
import { isFork, RawCall } from './call.ts';
import { recordOfCall, explainDecision, type CallExplanation } from './explain.ts';
import { Launcher, PHASE, WINDOW, type Launch, type LaunchSink } from './launch.ts';
import type { SinkError } from './link.ts';
import type { Trace, TraceEnd, TraceSignal } from './types.ts';
import { namedArgs } from './names.ts';
import type { Kill, ReplayOptions, ReplayReport, ReplayResult } from './replay-report.ts';

/** A kill the launcher's policy did not make (the traced program's own prctl, before the install): the engine's word stands, unexplained. */
const ENGINE_ONLY: CallExplanation = {
  allowed: false,
  step: 'engine',
  reason: 'the engine killed the call',
  entry: null,
  why: null,
};

interface TaskState {
  tracePid: number;
  readonly pid: number;
  /** The task's register row (it never moves while the task lives); null once the task is gone. */
  words: Uint32Array | null;
  base: number;
  /** The replayer's `deaths` when `words` was last known good. */
  checked: number;
  allowed: number;
  kill: Kill | null;
  denials: Map<number, { count: number; first: Kill }> | null;
  answers: Map<number, { count: number; first: Kill }>;
}

interface Row {
  readonly abi: Abi;
  readonly nr: number;
  readonly name: string;
  allowed: number;
  killed: number;
  answered: number;
  /** A call that creates a task (S7.1): its result is the child's pid. */
  readonly fork: boolean;
}

const encoder = new TextEncoder();
// Imported values the per-call path reads, as module constants: under tsx every
// read of an imported binding is a getter call, and these are read per call.
const [RAX, RIP, ALLOW, KILL, KILLED, RETURNED, EXITED, INSTALL] = [
  R.rax,
  R.rip,
  VERDICT.ALLOW,
  VERDICT.KILL,
  STATUS.KILLED,
  STATUS.RETURNED,
  STATUS.EXITED,
  PHASE.INSTALL,
];
const [RDI, RSI, RDX, R10, R8, R9, RBX, RCX, RBP] = [R.rdi, R.rsi, R.rdx, R.r10, R.r8, R.r9, R.rbx, R.rcx, R.rbp];
// S3.2 the argument registers enter() writes, checked against the tables at load time.
if (
  [RDI, RSI, RDX, R10, R8, R9].join() !== NATIVE_ARG_REGS.join() ||
  [RBX, RCX, RDX, RSI, RDI, RBP].join() !== COMPAT_ARG_REGS.join()
)
  throw new Error('replay.ts argument registers disagree with src/x86/regs.ts');

/** The engine stage: a LaunchSink that replays each call and builds the report. */
export class Replayer implements LaunchSink {
  readonly kernel = new Kernel();
  private readonly pids = new Map<number, number>();
  private readonly tasks = new Map<number, TaskState>();
  private readonly rows = new Map<number, Row>();
  private readonly unreachable = new Set<number>();
  private readonly notes: string[] = [];
  private unreached = 0;
  private installed = false;
  /** A rule set installed once the root's execve has run (A5 has no on_next_syscall). */
  private pendingRules = false;
  private logged = 0;
  /** Calls that ended a task or more (a kill, an exit): a cached register row is checked again after one. */
  private deaths = 0;
  private launched: Launch | null = null;
  private lastPid = -1;
  private lastTask: TaskState | undefined = undefined;
  /** Rows of numbers 0 to 1023 by number, per ABI (x86_64 first); others in `rows` only. */
  private readonly rowIndex: (Row | undefined)[][] = [[], []];

  constructor(
    /** A 2011 policy text (installed with prctl), or a rule set of any dialect (installed with installRules, A5). */
    private readonly policy: string | RuleSet,
    private readonly opts: ReplayOptions,
  ) {}

  launch(l: Launch): SinkError | null {
    this.launched = l;
    return this.opts.onLaunch === undefined || this.opts.onLaunch(l) ? null : { message: '', about: 'policy' };
  }

  event(_e: TraceEnd | TraceSignal): void {
    // Ends and signals change nothing: the engine's own results count (T7).
  }

  rename(pid: number): void {
    const root = this.pids.get(0);
    const t = root === undefined ? undefined : this.tasks.get(root);
    if (t !== undefined && t.tracePid === 0) t.tracePid = pid;
  }

  end(): null {
    return null;
  }

  call(c: RawCall, phase: number): SinkError | null {
    const l = this.launched!;
    // Runs of one task's calls are the common case: its state is looked up once per run.
    let task = c.pid === this.lastPid ? this.lastTask : undefined;
    if (task === undefined) {
      let pid = this.pids.get(c.pid);
      if (pid === undefined) {
        if (this.tasks.size > 0 || c.pid !== l.root) return this.stranger(c);
        pid = this.kernel.spawn(l.code, this.opts.comm);
        this.pids.set(c.pid, pid);
        this.tasks.set(pid, this.taskState(c.pid, pid));
      }
      task = this.tasks.get(pid)!;
      this.lastPid = c.pid;
      this.lastTask = task;
    }
    const pid = task.pid;
    if (task.kill !== null) return this.skip(c);
    if (phase === INSTALL && !this.installed) {
      const err = this.install(pid);
      if (err !== null) return { message: err, about: 'policy' };
    }
    if (c.abi === 'x86_64' && l.code === 'ia32') {
      return {
        message: 'a native (x86_64) call, but the root runs 32-bit code: the calls read ahead were all ia32 (T5, C9)',
        about: 'trace',
      };
    }
    if (c.name === 'execve') this.kernel.writeMemory(pid, c.arg(0), encoder.encode(`${c.path ?? this.opts.comm}\0`));
    // Arguments not printed are 0 (a loop: fill() is a builtin call that costs more on six words).
    const h = c.halves;
    for (let k = 2 * c.nargs; k < 12; k++) h[k] = 0;
    // S6.1 `syscall` enters in the task's own ABI, `int $0x80` in ia32 (T5).
    const vector: Vector = c.abi === l.code ? 'syscall' : 'int80';
    // With `all` a denied call is listed and not made, so its answer is needed before the call.
    if (task.denials !== null && this.installed) {
      const predicted = this.kernel.decide(pid, vector, c.nr, c.halves) ?? ALLOW;
      if (predicted !== ALLOW && predicted.kind !== 'log') return this.deny(task, c, vector, predicted);
    }
    return this.entered(task, c, vector);
  }

  /** enter, then the pending rule set goes in once the root's execve has run. */
  private entered(task: TaskState, c: RawCall, vector: Vector): SinkError | null {
    const r = this.enter(task, c, vector);
    if (this.pendingRules) {
      this.pendingRules = false;
      const o = this.kernel.installRules(task.pid, this.policy as RuleSet);
      if (!o.ok)
        return {
          message: `the engine refused the policy: installRules returned -${o.errno.name}: ${o.message}`,
          about: 'policy',
        };
    }
    return r;
  }

  /** The report so far. */
  report(): ReplayReport {
    const summary = [...this.rows.values()]
      .sort((a, b) => (a.abi === b.abi ? a.nr - b.nr : a.abi === 'x86_64' ? -1 : 1))
      .map(({ abi, nr, name, allowed, killed, answered }) => ({ abi, nr, name, allowed, killed, answered }));
    const tasks = [...this.tasks.values()].map(({ tracePid, pid, allowed, kill, denials, answers }) => ({
      tracePid,
      pid,
      allowed,
      kill,
      denials: denials === null ? [] : [...denials.values()].map((d) => ({ ...d })),
      answers: [...answers.values()].map((d) => ({ ...d })),
    }));
    const notes =
      this.logged > 0
        ? [
            ...this.notes,
            `${this.logged === 1 ? '1 call was' : `${this.logged} calls were`} answered with log: they ran and wrote a log line`,
          ]
        : this.notes;
    return { tasks, summary, unreached: this.unreached, notes, log: this.kernel.log, logged: this.logged };
  }

  /** The launcher's prctl, with the directive so the execve itself passes (S5.2, S6.4). */
  private install(pid: number): string | null {
    const l = this.launched!;
    this.installed = true;
    const vector: Vector = l.abi === l.code ? 'syscall' : 'int80';
    if (l.windowFull)
      this.notes.push(
        `the root task makes no execve in the first ${WINDOW} calls (T12): the policy was installed before its first call`,
      );
    else if (!l.execs)
      this.notes.push('the root task never calls execve: the policy was installed before its first call');
    if (typeof this.policy !== 'string') {
      // A5 has no on_next_syscall: the rule set goes in once the execve has run, before the next call.
      if (l.execs) {
        this.pendingRules = true;
        return null;
      }
      const o = this.kernel.installRules(pid, this.policy);
      return o.ok ? null : `the engine refused the policy: installRules returned -${o.errno.name}: ${o.message}`;
    }
    const o = this.kernel.installPolicy(pid, `${this.policy}\n${l.execs ? 'on_next_syscall: 1\n' : ''}`, vector);
    if (o.ok) return null;
    return `the engine refused the policy: prctl(PR_SET_SECCOMP, 2) ${o.kind === 'return' ? `returned -${o.errno.name}` : o.kind}: ${o.message}`;
  }

  private row(c: RawCall): Row {
    const index = this.rowIndex[c.abi === 'ia32' ? 1 : 0]!;
    const fast = c.nr >= 0 && c.nr < 1024;
    let r = fast ? index[c.nr] : undefined;
    if (r !== undefined) return r;
    const key = c.nr * 2 + (c.abi === 'ia32' ? 1 : 0);
    r = this.rows.get(key);
    if (r === undefined) {
      r = { abi: c.abi, nr: c.nr, name: c.name, allowed: 0, killed: 0, answered: 0, fork: isFork(c.name) };
      this.rows.set(key, r);
    }
    if (fast) index[c.nr] = r;
    return r;
  }

  /**
   * S6.1 nr in rax, the arguments in the ABI's registers, then the engine's
   * entry path. A call the entry path answers other than with allow (A7 to
   * A12) is told by the engine's `answered` count, and explained with the
   * state it met (`lastAnswer`), so an allowed call costs one decision.
   */
  private enter(task: TaskState, c: RawCall, vector: Vector): SinkError | null {
    if (task.checked !== this.deaths) {
      // A task can end by another's call (exit_group, a kill of the group): look its row up again.
      task.checked = this.deaths;
      if (this.kernel.registers(task.pid) === undefined) task.words = null;
    }
    const w = task.words;
    if (w === null) return this.skip(c);
    const b = task.base;
    const h = c.halves;
    w[b + RAX] = c.nr >>> 0;
    w[b + RAX + 1] = 0;
    // S6.6 the kill log shows rip: strace -i's address, else 0.
    w[b + RIP] = c.ipKnown ? c.ipLo : 0;
    w[b + RIP + 1] = c.ipKnown ? c.ipHi : 0;
    // S3.2 the ABI's argument registers, written one by one with constant offsets.
    if (c.abi === 'x86_64') {
      w[b + RDI] = h[0]!;
      w[b + RDI + 1] = h[1]!;
      w[b + RSI] = h[2]!;
      w[b + RSI + 1] = h[3]!;
      w[b + RDX] = h[4]!;
      w[b + RDX + 1] = h[5]!;
      w[b + R10] = h[6]!;
      w[b + R10 + 1] = h[7]!;
      w[b + R8] = h[8]!;
      w[b + R8 + 1] = h[9]!;
      w[b + R9] = h[10]!;
      w[b + R9 + 1] = h[11]!;
    } else {
      w[b + RBX] = h[0]!;
      w[b + RBX + 1] = h[1]!;
      w[b + RCX] = h[2]!;
      w[b + RCX + 1] = h[3]!;
      w[b + RDX] = h[4]!;
      w[b + RDX + 1] = h[5]!;
      w[b + RSI] = h[6]!;
      w[b + RSI + 1] = h[7]!;
      w[b + RDI] = h[8]!;
      w[b + RDI + 1] = h[9]!;
      w[b + RBP] = h[10]!;
      w[b + RBP + 1] = h[11]!;
    }
    const kernel = this.kernel;
    const answers = kernel.answered;
    const s = kernel.enter(task.pid, vector);
    const r = this.row(c);
    if (s !== RETURNED) this.deaths++;
    if (kernel.answered !== answers) return this.answered(task, c, vector, s, r, kernel.lastAnswer()!);
    if (s === KILLED) {
      r.killed++;
      task.kill = this.kill(c, ENGINE_ONLY, null, KILL);
      return this.unreachableChild(c, r);
    }
    return this.ran(task, c, s, r, false);
  }

  /** After the call: the counts of a call that ran (or was answered with a result), and its fork's child. */
  private ran(task: TaskState, c: RawCall, s: number, r: Row, answered: boolean): SinkError | null {
    if (s !== RETURNED && s !== EXITED) return this.skip(c);
    if (answered) r.answered++;
    else {
      r.allowed++;
      task.allowed++;
    }
    const child = r.fork || c.name !== r.name ? c.childPid() : 0;
    // A fork the policy answered with an errno made no child: the traced child's calls are not reached.
    if (child > 0 && answered) this.unreachable.add(child);
    else if (s === RETURNED && child > 0) this.forked(c, child, task.pid, task.words![task.base + RAX]!);
    return null;
  }

  private unreachableChild(c: RawCall, r: Row): null {
    const child = r.fork || c.name !== r.name ? c.childPid() : 0;
    if (child > 0) this.unreachable.add(child);
    return null;
  }

  /** A call the filters answered other than with allow (A7 to A12): `a` says how, with the state it met. */
  private answered(task: TaskState, c: RawCall, vector: Vector, s: number, r: Row, a: Answer): SinkError | null {
    // Before the launcher's install only the engine's word stands (the trace's own prctl may have set a mode).
    const action = this.installed ? a.action : ALLOW;
    if (s === KILLED) {
      r.killed++;
      const log = a.logged ? (this.kernel.lastLogLine() ?? null) : null;
      const decision = action === ALLOW ? ENGINE_ONLY : this.explain(a, c, vector);
      task.kill = this.kill(c, decision, log, action === ALLOW ? KILL : action);
      return this.unreachableChild(c, r);
    }
    if (action === ALLOW) return this.ran(task, c, s, r, false);
    if (action.kind === 'log') {
      this.logged++;
      return this.ran(task, c, s, r, false);
    }
    if (action.kind === 'errno' || action.kind === 'trace' || action.kind === 'user-notif') {
      const decision = this.explain(a, c, vector);
      const key = c.nr * 2 + (c.abi === 'ia32' ? 1 : 0);
      const first = task.answers.get(key);
      if (first === undefined) task.answers.set(key, { count: 1, first: this.kill(c, decision, null, action) });
      else first.count++;
      return this.ran(task, c, s, r, true);
    }
    return this.ran(task, c, s, r, false);
  }

  /** With `all`: a denied call is listed and not made; a denied fork still makes its child, so the audit goes on there. */
  private deny(task: TaskState, c: RawCall, vector: Vector, action: Action): null {
    const r = this.row(c);
    r.killed++;
    const key = c.nr * 2 + (c.abi === 'ia32' ? 1 : 0);
    const d = task.denials!.get(key);
    if (d === undefined)
      task.denials!.set(key, {
        count: 1,
        first: this.kill(c, this.explain(this.live(task.pid, action), c, vector), null, action),
      });
    else d.count++;
    const child = r.fork || c.name !== r.name ? c.childPid() : 0;
    if (child > 0) {
      const note =
        "--all: a denied fork still makes its child, with a copy of the parent's seccomp state, so the audit goes on in it";
      this.forked(c, child, task.pid, this.rebuild(task.pid, note));
    }
    return null;
  }

  private kill(c: RawCall, decision: CallExplanation, log: string | null, action: Action): Kill {
    const call = c.toCall();
    return {
      line: c.line,
      abi: c.abi,
      nr: c.nr,
      name: c.name,
      args: namedArgs(c.abi, c.nr, call.args),
      decision,
      log,
      action,
    };
  }

  /** The answer `action` of a live task, read from the kernel as it stands (for a call not made). */
  private live(pid: number, action: Action): Answer {
    const k = this.kernel;
    const view = (): TaskView => k.view().tasks.find((t) => t.pid === pid)!;
    return {
      pid,
      action,
      logged: false,
      abi: view().abi,
      seccomp: () => view().seccomp,
      filter: (nr) => k.filterFor(pid, nr),
      rule: (vector, nr, args) => k.decideRule(pid, vector, nr, args)!,
    };
  }

  private explain(a: Answer, c: RawCall, vector: Vector): CallExplanation {
    if (typeof this.policy !== 'string') {
      // A6 the rule that answered, from the engine's own stack.
      const d = a.rule(vector, c.nr, c.halves);
      const o = d.rule?.origin;
      const at = o === undefined ? '' : `${o.file ?? 'policy'}${o.line !== undefined ? `:${o.line}` : ''}: `;
      return {
        allowed: false,
        step: 'rule',
        reason:
          o === undefined
            ? `no rule of the policy matches: its default answers ${formatAction(d.action)}`
            : `${at}${o.text} answers ${formatAction(d.action)}`,
        entry: null,
        why: null,
      };
    }
    const abi = callAbi(a.abi, vector);
    return explainDecision(a.seccomp(), abi, recordOfCall(abi, c.nr, c.toCall().args), a.filter(c.nr));
  }

  /** S7.1 map the traced child to the engine's; clone3 is not simulated (S6.5), so its child is rebuilt. */
  private forked(c: RawCall, tracePid: number, parent: number, rax: number): void {
    const child =
      c.name === 'clone3'
        ? this.rebuild(
            parent,
            "clone3 is not simulated (S6.5): its children get a copy of the parent's seccomp state, re-installed",
          )
        : rax;
    this.pids.set(tracePid, child);
    this.unreachable.delete(tracePid);
    this.tasks.set(child, this.taskState(tracePid, child));
  }

  /** A task with a copy of `parent`'s seccomp state, installed the way the parent's was (S7.1). */
  private rebuild(parent: number, note: string): number {
    const view = this.kernel.view().tasks.find((t) => t.pid === parent)!;
    const child = this.kernel.spawn(view.abi, view.comm);
    const st = view.seccomp;
    // The launcher's install precedes every traced fork of the root, and mode 2
    // cannot become mode 1 (S5.1), so a parent is in mode 0 or 2 here.
    if (typeof this.policy !== 'string') {
      if (this.installed && !this.pendingRules) this.kernel.installRules(child, this.policy);
    } else if (st.mode === 2) {
      const text = st.filters.map((f) => `${f.nr}: ${f.text}`).join('\n');
      this.kernel.installPolicy(child, text, st.abi === view.abi ? 'syscall' : 'int80');
    }
    if (!this.notes.includes(note)) this.notes.push(note);
    return child;
  }

  private taskState(tracePid: number, pid: number): TaskState {
    const row = this.kernel.registers(pid);
    return {
      tracePid,
      pid,
      words: row === undefined ? null : row.words,
      base: row === undefined ? 0 : row.base,
      checked: this.deaths,
      allowed: 0,
      kill: null,
      denials: this.opts.all === true ? new Map() : null,
      answers: new Map(),
    };
  }

  private stranger(c: RawCall): null {
    if (!this.unreachable.has(c.pid)) {
      this.unreachable.add(c.pid);
      this.notes.push(
        `line ${c.line}: pid ${c.pid} was not created by a traced clone, fork or vfork; its calls were not replayed`,
      );
    }
    return this.skip(c);
  }

  private skip(c: RawCall): null {
    const child = c.childPid();
    if (child > 0) this.unreachable.add(child);
    this.unreached++;
    return null;
  }
}

/** Replay a parsed `trace` against `policy` (a policy text, S2.5). */
export function replay(trace: Trace, policy: string | RuleSet, opts: ReplayOptions): ReplayResult {
  const r = new Replayer(policy, opts);
  const launcher = new Launcher(r, opts.abi);
  for (const e of trace.events) {
    const err = e.kind === 'call' ? launcher.call(RawCall.from(e)) : (launcher.event(e), null);
    if (err !== null) return { ok: false, message: err.message };
  }
  const err = launcher.end();
  return err === null ? { ok: true, report: r.report() } : { ok: false, message: err.message };
}
