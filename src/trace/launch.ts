/**
 * What a launcher does with a traced program (S5.2): the root task is the
 * first one that calls; the policy goes in just before its first execve,
 * with `on_next_syscall: 1` so that execve passes, or before its first call
 * when it never calls execve.
 */
import type { Abi } from '../x86/table.ts';
import type { Trace, TraceCall } from './types.ts';

/** Where the launcher installs the policy in a trace's calls. */
export interface InstallPoint {
  readonly calls: readonly TraceCall[];
  /** Index in `calls` of the call the policy goes in before (-1: no calls). */
  readonly at: number;
  /** The root calls execve there, so the directive lets it through. */
  readonly execs: boolean;
}

/** The install point of `trace`. */
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
