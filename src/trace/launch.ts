/**
 * Stage 4 of the trace pipeline, what a launcher does with a traced
 * program (S5.2, T4): the root task is the first one that calls; the
 * policy goes in just before its first execve, with `on_next_syscall: 1`
 * so that execve passes, or before its first call when it never calls
 * execve. To decide while streaming, the stage reads ahead at most WINDOW
 * calls (T12); then every call goes on with its phase.
 */
import type { Abi } from '../x86/table.ts';
import { RawCall } from './call.ts';
import type { CallSink, SinkError } from './link.ts';
import type { Trace, TraceCall, TraceEnd, TraceSignal } from './types.ts';

/** Calls read ahead, at most, to find the root's first execve and the policy's ABI (T12). */
export const WINDOW = 65_536;

/** The launcher's decision. */
export interface Launch {
  /** The root's trace pid. */
  readonly root: number;
  /** The root's code bitness (T5, C9): 64-bit when a call read ahead is native. */
  readonly code: Abi;
  /** The policy goes in before the root's first execve (else before its first call). */
  readonly execs: boolean;
  /** The policy's ABI: the given one, else the ABI of the root's first checked call. */
  readonly abi: Abi;
  /** No execve in the first WINDOW calls: the trace is replayed as one whose root never calls execve. */
  readonly windowFull: boolean;
}

/** Where a call stands relative to the install point. */
export const PHASE = { BEFORE: 0, INSTALL: 1, AFTER: 2 } as const;

/** What receives the launcher's decision and then the calls. */
export interface LaunchSink {
  launch(l: Launch): SinkError | null;
  /** The next call and its PHASE; `c` is overwritten after the return. */
  call(c: RawCall, phase: number): SinkError | null;
  event(e: TraceEnd | TraceSignal): void;
  rename(pid: number): void;
  end(): SinkError | null;
}

/** Reads ahead until it can decide, then hands every call on. */
const Call = RawCall;

export class Launcher implements CallSink {
  private ahead: (RawCall | TraceEnd | TraceSignal)[] | null = [];
  private root = -1;
  private execAt: RawCall | null = null;
  private firstRootAbi: Abi | null = null;
  private checkedAbi: Abi | null = null;
  private count = 0;

  constructor(
    private readonly next: LaunchSink,
    /** The policy's ABI when given (--abi). */
    private readonly abi: Abi | undefined,
    private readonly fallback: Abi = 'x86_64',
  ) {}

  call(c: RawCall): SinkError | null {
    if (this.ahead === null) return this.next.call(c, PHASE.AFTER);
    const copy = c.copy();
    this.ahead.push(copy);
    this.count++;
    if (this.root < 0) this.root = c.pid;
    if (c.pid === this.root) {
      this.firstRootAbi ??= c.abi;
      if (this.execAt === null && c.name === 'execve') {
        this.execAt = copy;
        if (this.abi !== undefined) return this.decide();
      } else if (this.execAt !== null) {
        this.checkedAbi = c.abi;
        return this.decide();
      }
    }
    return this.count >= WINDOW ? this.decide() : null;
  }

  event(e: TraceEnd | TraceSignal): void {
    if (this.ahead === null) this.next.event(e);
    else this.ahead.push(e);
  }

  completed(): void {
    // The result of a call that is not a fork changes nothing a launcher does (T7).
  }

  rename(pid: number): void {
    this.next.rename(pid);
  }

  end(): SinkError | null {
    if (this.ahead !== null && this.count > 0) {
      const err = this.decide();
      if (err !== null) return err;
    }
    return this.next.end();
  }

  private decide(): SinkError | null {
    const ahead = this.ahead!;
    this.ahead = null;
    const execs = this.execAt !== null;
    const native = ahead.some((x) => x instanceof Call && x.abi === 'x86_64');
    const abi = this.abi ?? (execs ? this.checkedAbi : this.firstRootAbi) ?? this.fallback;
    const launch: Launch = {
      root: this.root,
      code: native ? 'x86_64' : 'ia32',
      execs,
      abi,
      windowFull: !execs && this.count >= WINDOW,
    };
    const err = this.next.launch(launch);
    if (err !== null) return err;
    let phase: number = execs ? PHASE.BEFORE : PHASE.INSTALL;
    for (const x of ahead) {
      if (!(x instanceof Call)) {
        this.next.event(x);
        continue;
      }
      if (x === this.execAt) phase = PHASE.INSTALL;
      const e = this.next.call(x, phase);
      if (e !== null) return e;
      if (phase === PHASE.INSTALL) phase = PHASE.AFTER;
    }
    return null;
  }
}

/** Where the launcher installs the policy in a parsed trace's calls. */
export interface InstallPoint {
  readonly calls: readonly TraceCall[];
  /** Index in `calls` of the call the policy goes in before (-1: no calls). */
  readonly at: number;
  /** The root calls execve there, so the directive lets it through. */
  readonly execs: boolean;
}

/** The install point of a parsed `trace`. */
export function installPoint(trace: Trace): InstallPoint {
  const calls = trace.events.filter((e): e is TraceCall => e.kind === 'call');
  const root = calls[0]?.pid;
  const exec = calls.findIndex((c) => c.pid === root && c.name === 'execve');
  return { calls, at: exec >= 0 ? exec : calls.length > 0 ? 0 : -1, execs: exec >= 0 };
}

/** The calls the policy checks (S6.4): those after the install point, and the one at it unless it is the execve. */
export function checkedCalls(trace: Trace): readonly TraceCall[] {
  const p = installPoint(trace);
  return p.at < 0 ? [] : p.calls.slice(p.execs ? p.at + 1 : p.at);
}

/** The ABI of the root's first checked call: what a policy for this trace must use (S6.4). */
export function traceAbi(trace: Trace, fallback: Abi): Abi {
  const calls = checkedCalls(trace);
  const root = installPoint(trace).calls[0]?.pid;
  return calls.find((c) => c.pid === root)?.abi ?? fallback;
}
