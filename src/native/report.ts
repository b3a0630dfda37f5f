/** The launch helper's report lines (native/launch.c), parsed and checked. */
import { left, right, type Either } from 'fp-ts/lib/Either.js';

/** A call the program denied, as the filter saw it (PTRACE_GET_SYSCALL_INFO at PTRACE_EVENT_SECCOMP). */
export interface Denial {
  /** The calling task's (thread's) id. */
  readonly pid: number;
  /** AUDIT_ARCH_* of the call. */
  readonly arch: number;
  readonly abi: 'x86_64' | 'ia32' | null;
  /** The number as the filter's `nr` (signed 32 bits). */
  readonly nr: number;
  readonly ip: bigint;
  /** The six arguments as the filter saw them (full 64-bit registers, compat calls too). */
  readonly args: readonly bigint[];
  /** The task's comm at the call. */
  readonly comm: string;
}

/** How the command ended. */
export type LaunchEnd =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: number }
  | { readonly kind: 'exec-failed'; readonly errno: string };

/** Everything the helper reported, in order. */
export interface LaunchReport {
  readonly denials: readonly Denial[];
  /** The launcher's own execve went through under on_next_syscall. */
  readonly passedExec: boolean;
  readonly end: LaunchEnd;
  /** The status a shell would show: the exit code, 128 + signal, 127/126 when the command could not be run. */
  readonly status: number;
}

const HEX = /^[0-9a-f]{1,16}$/;

function denial(fields: readonly string[]): Denial | null {
  const [pid, arch, nr, ip, ...rest] = fields;
  const args = rest.slice(0, 6);
  const comm = rest.slice(6).join(' ');
  if (!/^[0-9]+$/.test(pid ?? '') || args.length !== 6 || ![arch, nr, ip, ...args].every((f) => HEX.test(f ?? '')))
    return null;
  const a = Number.parseInt(arch!, 16);
  return {
    pid: Number(pid),
    arch: a,
    abi: a === 0xc000003e ? 'x86_64' : a === 0x40000003 ? 'ia32' : null,
    nr: Number(BigInt.asIntN(32, BigInt(`0x${nr!}`))),
    ip: BigInt(`0x${ip!}`),
    args: args.map((x) => BigInt(`0x${x}`)),
    comm,
  };
}

/**
 * Parse the report and the helper's exit status. A report without an end
 * line, or with an `error` line, is the helper's failure, never a result.
 */
export function parseReport(text: string, status: number | null): Either<string, LaunchReport> {
  const denials: Denial[] = [];
  let passedExec = false;
  let end: LaunchEnd | null = null;
  for (const line of text.split('\n').slice(0, -1)) {
    const [word, ...fields] = line.split(' ');
    const one = fields[0] ?? '';
    if (word === 'error') return left(fields.join(' '));
    if (word === 'deny') {
      const d = denial(fields);
      if (d === null) return left(`bad report line: ${line}`);
      denials.push(d);
    } else if (word === 'pass-exec' && fields.length === 1) passedExec = true;
    else if (word === 'exit' && /^[0-9]+$/.test(one)) end = { kind: 'exit', code: Number(one) };
    else if (word === 'signal' && /^[0-9]+$/.test(one)) end = { kind: 'signal', signal: Number(one) };
    else if (word === 'exec-failed' && fields.length === 1) end = { kind: 'exec-failed', errno: one };
    else return left(`bad report line: ${line}`);
  }
  if (end === null || status === null)
    return left(`the launch helper ended (status ${status ?? 'by a signal'}) without reporting how the command ended`);
  return right({ denials, passedExec, end, status });
}
