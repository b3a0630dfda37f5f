/**
 * Replay a traced process tree through the engine as a launcher would: a
 * task is spawned, the policy is installed with `on_next_syscall: 1` just
 * before the root's first execve (S5.2), and every traced call runs through
 * the engine's entry path (S6), so forks inherit seccomp state (S7.1).
 */
import { DECISION, Kernel, R, STATUS } from '../impl/index.ts';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS, join } from '../x86/regs.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { callAbi, type Vector } from '../x86/types.ts';
import { callRecord, explainDecision, type Decision } from './explain.ts';
import { installPoint } from './launch.ts';
import { isFork } from './link.ts';
import type { Trace, TraceCall } from './types.ts';

/** A named argument of a reported call. */
export interface NamedArg {
  readonly name: string;
  /** The argument's C type from the table (`unsigned long` for one the table does not list). */
  readonly type: string;
  readonly value: bigint;
}

/** The first call of a task that the policy kills. */
export interface Kill {
  readonly line: number;
  readonly abi: Abi;
  readonly nr: number;
  readonly name: string;
  readonly args: readonly NamedArg[];
  readonly decision: Decision;
  /** The kernel log line (S6.6). */
  readonly log: string | null;
}

/** One traced task. */
export interface TaskReport {
  readonly tracePid: number;
  /** The engine's pid (C21). */
  readonly pid: number;
  /** Calls that ran (allowed) before the end or the kill. */
  readonly allowed: number;
  readonly kill: Kill | null;
}

/** Calls per system call: allowed, killed. */
export interface SyscallRow {
  readonly abi: Abi;
  readonly nr: number;
  readonly name: string;
  readonly allowed: number;
  readonly killed: number;
}

/** Everything a replay found. */
export interface ReplayReport {
  readonly tasks: readonly TaskReport[];
  readonly summary: readonly SyscallRow[];
  /** Calls never reached: their task (or an ancestor) was killed first. */
  readonly unreached: number;
  /** Things the reader should know: no execve, clone3 emulation, orphan pids. */
  readonly notes: readonly string[];
  readonly log: readonly string[];
}

/** Replay settings. */
export interface ReplayOptions {
  /**
   * The policy's ABI. The root's code is 64-bit when the trace has any native call, else 32-bit; the
   * launcher installs through `syscall` when they match, else `int $0x80` (S6.1).
   */
  readonly abi: Abi;
  /** The root's comm, also written as the path of each traced execve (C19). */
  readonly comm: string;
  /** Called every PROGRESS_EVERY events with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Result of a replay: the report, or why the policy could not be installed. */
export type ReplayResult = { readonly ok: true; readonly report: ReplayReport } | { readonly ok: false; readonly message: string };

/** How often onProgress is called. */
export const PROGRESS_EVERY = 50_000;

const TWO32 = 0x1_0000_0000;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** uint32 halves of the six arguments into `out` (Kernel.decide and the register row take them). */
function fillHalves(args: readonly bigint[], out: number[]): void {
  for (let k = 0; k < 6; k++) {
    const v = args[k] ?? 0n;
    if (v <= SAFE) {
      const n = Number(v);
      out[2 * k] = n % TWO32;
      out[2 * k + 1] = Math.floor(n / TWO32);
    } else {
      out[2 * k] = Number(v & 0xffff_ffffn);
      out[2 * k + 1] = Number(v >> 32n);
    }
  }
}

/** Argument names from the table of the call's ABI; `a<k>` beyond them. */
export function namedArgs(abi: Abi, nr: number, args: readonly bigint[]): readonly NamedArg[] {
  const info = syscallTable(abi).byNr(nr)?.args ?? [];
  return args.map((value, k) => ({ name: info[k]?.name ?? `a${k}`, type: info[k]?.type ?? 'unsigned long', value }));
}

/** A kill that decide() did not predict: the engine's word stands, without an explanation. */
const ENGINE_ONLY: Decision = { allowed: false, step: 'engine', reason: 'the engine killed the call', entry: null, why: null };

/** What one call did, as the replay needs it (the engine's Outcome without the exit code). */
type Entered =
  | { readonly kind: 'return'; readonly rax: bigint }
  | { readonly kind: 'killed'; readonly log: string | null }
  | { readonly kind: 'exited' | 'no_task' };

/** A replayed task: its report so far. */
interface TaskState {
  readonly tracePid: number;
  readonly pid: number;
  allowed: number;
  kill: Kill | null;
}

class Replayer {
  readonly kernel = new Kernel();
  readonly pids = new Map<number, number>();
  readonly tasks = new Map<number, TaskState>();
  readonly halves = new Array<number>(12).fill(0);
  readonly rows = new Map<string, { abi: Abi; nr: number; name: string; allowed: number; killed: number }>();
  readonly unreachable = new Set<number>();
  readonly notes: string[] = [];
  readonly encoder = new TextEncoder();
  unreached = 0;
  installed = false;
  root: number | null = null;
  /** The code bitness of every replayed task (C9): the root's, inherited by forks (C18). */
  code: Abi = 'x86_64';
  /** The trace makes at least one native call. */
  readonly native: boolean;
  /** Whether the root calls execve at all; if not, the policy goes in before its first call. */
  readonly rootExecs: boolean;

  constructor(
    trace: Trace,
    readonly policy: string,
    readonly opts: ReplayOptions,
  ) {
    this.rootExecs = installPoint(trace).execs;
    this.native = trace.events.some((e) => e.kind === 'call' && e.abi === 'x86_64');
  }

  /** The engine task of a trace pid, spawning the root on first sight. */
  taskOf(c: TraceCall): number | undefined {
    const pid = this.pids.get(c.pid);
    if (pid !== undefined || this.root !== null) return pid;
    this.root = c.pid;
    // T5, C9 64-bit code when the trace makes any native call (only 64-bit code can,
    // and it makes compat calls through int $0x80 too); 32-bit code otherwise. A
    // bitness taken from the first call alone sent native calls through int80,
    // where they were judged as compat numbers.
    this.code = this.native ? 'x86_64' : 'ia32';
    const root = this.kernel.spawn(this.code, this.opts.comm);
    this.pids.set(c.pid, root);
    this.tasks.set(root, { tracePid: c.pid, pid: root, allowed: 0, kill: null });
    return root;
  }

  /** S6.1 `syscall` enters in the task's own ABI, `int $0x80` in ia32 (a native call implies 64-bit code, see taskOf). */
  private vectorFor(abi: Abi): Vector {
    return abi === this.code ? 'syscall' : 'int80';
  }

  /** The launcher's prctl, with the directive so the execve itself passes (S5.2, S6.4). */
  install(pid: number): string | null {
    this.installed = true;
    const vector = this.vectorFor(this.opts.abi);
    if (!this.rootExecs) this.notes.push('the root task never calls execve: the policy was installed before its first call');
    const o = this.kernel.installPolicy(pid, `${this.policy}\n${this.rootExecs ? 'on_next_syscall: 1\n' : ''}`, vector);
    if (o.ok) return null;
    return `the engine refused the policy: prctl(PR_SET_SECCOMP, 2) ${o.kind === 'return' ? `returned -${o.errno.name}` : o.kind}: ${o.message}`;
  }

  row(c: TraceCall): { allowed: number; killed: number } {
    const key = `${c.abi}:${c.nr}`;
    let r = this.rows.get(key);
    if (r === undefined) {
      r = { abi: c.abi, nr: c.nr, name: c.name, allowed: 0, killed: 0 };
      this.rows.set(key, r);
    }
    return r;
  }

  call(c: TraceCall): string | null {
    const pid = this.taskOf(c);
    if (pid === undefined) {
      if (!this.unreachable.has(c.pid)) {
        this.unreachable.add(c.pid);
        this.notes.push(`line ${c.line}: pid ${c.pid} was not created by a traced clone, fork or vfork; its calls were not replayed`);
      }
      return this.skip(c);
    }
    const task = this.tasks.get(pid)!;
    if (task.kill !== null) return this.skip(c);
    if (!this.installed && c.pid === this.root && (c.name === 'execve' || !this.rootExecs)) {
      const err = this.install(pid);
      if (err !== null) return err;
    }
    if (c.name === 'execve') this.kernel.writeMemory(pid, c.args[0] ?? 0n, this.encoder.encode(`${this.opts.comm}\0`));
    const vector = this.vectorFor(c.abi);
    const h = this.halves;
    fillHalves(c.args, h);
    const predicted = this.installed ? this.kernel.decide(pid, vector, c.nr, h) : DECISION.ALLOW;
    const decision = predicted === DECISION.KILL ? this.explain(pid, c, vector) : null;
    return this.after(c, task, this.enter(task, c, vector), decision);
  }

  /** S6.1 nr in rax, the arguments in the ABI's registers, then the engine's entry path. */
  private enter(task: TaskState, c: TraceCall, vector: Vector): Entered {
    // The row is looked up per call: an exited task's slot may already hold another task's registers.
    const row = this.kernel.registers(task.pid);
    if (row === undefined) return { kind: 'no_task' };
    const { words: w, base: b } = row;
    const h = this.halves;
    w[b + R.rax] = c.nr >>> 0;
    w[b + R.rax + 1] = 0;
    // S6.6 the kill log shows rip: strace -i's address, else 0.
    const ip = c.ip ?? 0n;
    w[b + R.rip] = Number(ip & 0xffff_ffffn);
    w[b + R.rip + 1] = Number(ip >> 32n);
    const regs = c.abi === 'x86_64' ? NATIVE_ARG_REGS : COMPAT_ARG_REGS;
    for (let k = 0; k < 6; k++) {
      w[b + regs[k]!] = h[2 * k]!;
      w[b + regs[k]! + 1] = h[2 * k + 1]!;
    }
    const logged = this.kernel.logLength;
    const s = this.kernel.enter(task.pid, vector);
    if (s === STATUS.RETURNED) return { kind: 'return', rax: join(w[b + R.rax]!, w[b + R.rax + 1]!) };
    if (s === STATUS.KILLED) return { kind: 'killed', log: this.kernel.logLength > logged ? (this.kernel.lastLogLine() ?? null) : null };
    return { kind: s === STATUS.EXITED ? 'exited' : 'no_task' };
  }

  private explain(pid: number, c: TraceCall, vector: Vector): Decision {
    const view = this.kernel.view().tasks.find((t) => t.pid === pid)!;
    const abi = callAbi(view.abi, vector);
    return explainDecision(view.seccomp, abi, callRecord(abi, c.nr, c.args), this.kernel.filterFor(pid, c.nr));
  }

  private after(c: TraceCall, task: TaskState, o: Entered, decision: Decision | null): string | null {
    const row = this.row(c);
    if (o.kind === 'killed') {
      row.killed++;
      const d = decision ?? ENGINE_ONLY;
      task.kill = { line: c.line, abi: c.abi, nr: c.nr, name: c.name, args: namedArgs(c.abi, c.nr, c.args), decision: d, log: o.log };
      if (isFork(c.name) && c.ret !== null && c.ret > 0n) this.unreachable.add(Number(c.ret));
      return null;
    }
    if (o.kind === 'no_task') return this.skip(c);
    row.allowed++;
    task.allowed++;
    if (o.kind === 'return' && isFork(c.name) && c.ret !== null && c.ret > 0n) this.forked(c, task.pid, o.rax);
    return null;
  }

  /** S7.1 map the traced child to the engine's; clone3 is not simulated (S6.5), so its child is rebuilt. */
  private forked(c: TraceCall, parent: number, rax: bigint): void {
    const child = c.name === 'clone3' ? this.rebuild(parent) : Number(rax);
    const tracePid = Number(c.ret);
    this.pids.set(tracePid, child);
    this.unreachable.delete(tracePid);
    this.tasks.set(child, { tracePid, pid: child, allowed: 0, kill: null });
  }

  /** A task with a copy of `parent`'s seccomp state, installed the way the parent's was (S7.1). */
  private rebuild(parent: number): number {
    const view = this.kernel.view().tasks.find((t) => t.pid === parent)!;
    const child = this.kernel.spawn(view.abi, view.comm);
    const st = view.seccomp;
    // The launcher's install precedes every traced fork of the root, and mode 2
    // cannot become mode 1 (S5.1), so a parent is in mode 0 or 2 here.
    if (st.mode === 2) {
      const text = st.filters.map((f) => `${f.nr}: ${f.text}`).join('\n');
      this.kernel.installPolicy(child, text, st.abi === view.abi ? 'syscall' : 'int80');
    }
    if (!this.notes.some((n) => n.startsWith('clone3'))) {
      this.notes.push('clone3 is not simulated (S6.5): its children get a copy of the parent\'s seccomp state, re-installed');
    }
    return child;
  }

  private skip(c: TraceCall): null {
    if (isFork(c.name) && c.ret !== null && c.ret > 0n) this.unreachable.add(Number(c.ret));
    this.unreached++;
    return null;
  }

  report(): ReplayReport {
    const summary = [...this.rows.values()].sort((a, b) => (a.abi === b.abi ? a.nr - b.nr : a.abi === 'x86_64' ? -1 : 1));
    const tasks = [...this.tasks.values()].map(({ tracePid, pid, allowed, kill }) => ({ tracePid, pid, allowed, kill }));
    return { tasks, summary, unreached: this.unreached, notes: this.notes, log: this.kernel.log };
  }
}

/** Replay `trace` against `policy` (a policy text, S2.5). */
export function replay(trace: Trace, policy: string, opts: ReplayOptions): ReplayResult {
  const r = new Replayer(trace, policy, opts);
  const events = trace.events;
  for (let k = 0; k < events.length; k++) {
    const e = events[k]!;
    if (e.kind === 'call') {
      const err = r.call(e);
      if (err !== null) return { ok: false, message: err };
    }
    if (opts.onProgress !== undefined && k % PROGRESS_EVERY === PROGRESS_EVERY - 1) opts.onProgress(k + 1, events.length);
  }
  return { ok: true, report: r.report() };
}
