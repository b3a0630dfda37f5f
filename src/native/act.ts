/**
 * Let the real kernel carry out a program's actions (the helper's act
 * mode): the program may return any action, and the calls are made for
 * real, so only harmless calls are taken (the helper refuses others):
 * numbers that only read the caller's ids, and numbers no kernel has.
 * Each call's outcome is what the kernel did: the value it returned, the
 * SIGSYS a trap raised, or the signal the child died of.
 */
import { spawnSync } from 'node:child_process';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { nativeHelper, type BuildOptions, type NativeError } from './build.ts';
import { encodeProbe, MAX_PROBE_CALLS, type ProbeCall } from './probe.ts';

/** What the kernel did with one call, and the child (pid) that made it. */
export type ActOutcome =
  | { readonly kind: 'ret'; readonly pid: number; readonly rax: bigint }
  | {
      readonly kind: 'trap';
      readonly pid: number;
      /** siginfo's si_syscall, si_arch (unsigned), si_errno (the trap's data) and si_code (1, SYS_SECCOMP). */
      readonly nr: number;
      readonly arch: number;
      readonly data: number;
      readonly code: number;
    }
  | { readonly kind: 'killed'; readonly pid: number; readonly signal: number };

/** Native and compat numbers that only read the caller's ids: getpid, getppid, gettid, getpgrp. */
export const HARMLESS: Readonly<Record<'syscall' | 'int80', readonly number[]>> = {
  syscall: [39, 110, 186, 111],
  int80: [20, 64, 224, 65],
};

/** Whether the helper takes `c` for act: a harmless number, or one at or above 1024 (x32's bit taken off). */
export function actHarmless(c: ProbeCall): boolean {
  let nr = Number(BigInt.asUintN(32, BigInt(c.nr)));
  if (c.vector === 'syscall') nr = (nr & ~0x40000000) >>> 0;
  return HARMLESS[c.vector].includes(nr) || nr >= 1024;
}

const LINE = /^(?:ret (\d+) (-?\d+)|trap (\d+) (-?\d+) (\d+) (-?\d+) (-?\d+)|killed (\d+) (\d+))$/;

/** The most programs `act` stacks. */
export const MAX_ACT_STACK = 8;

/**
 * Make harmless `calls` under `program` on the real kernel, with its real
 * actions; or under a stack of programs, oldest first (installed in that
 * order, so the kernel runs the last one first and its A3 precedence picks
 * the answer).
 */
export function act(
  program: Uint8Array | readonly Uint8Array[],
  calls: readonly ProbeCall[],
  opts: BuildOptions = {},
): Either<NativeError, readonly ActOutcome[]> {
  const stack = program instanceof Uint8Array ? [program] : program;
  if (stack.length === 0 || stack.length > MAX_ACT_STACK)
    return left({ kind: 'failed', message: `act stacks 1 to ${MAX_ACT_STACK} programs, not ${stack.length}` });
  for (const p of stack)
    if (p.length === 0 || p.length % 8 !== 0)
      return left({ kind: 'failed', message: `a raw program is a non-empty multiple of 8 bytes, not ${p.length}` });
  if (calls.length > MAX_PROBE_CALLS)
    return left({ kind: 'failed', message: `at most ${MAX_PROBE_CALLS} calls an act run, not ${calls.length}` });
  const exe = nativeHelper(opts);
  if (isLeft(exe)) return exe;
  const older = stack.slice(0, -1).map((p) => {
    const sized = new Uint8Array(4 + p.length);
    new DataView(sized.buffer).setUint32(0, p.length / 8, true);
    sized.set(p, 4);
    return sized;
  });
  const r = spawnSync(exe.right, ['act', String(stack.length)], {
    input: Buffer.concat([...older, encodeProbe(stack[stack.length - 1]!, calls)]),
    encoding: 'latin1',
    maxBuffer: 64 * MAX_PROBE_CALLS,
  });
  const stderr = r.stderr.replace(/^seccomp-native: /, '').trim();
  if (r.status === 1) return left({ kind: 'refused', message: stderr });
  if (r.status !== 0)
    return left({
      kind: 'failed',
      message: `the act helper failed (${r.error?.message ?? `status ${r.status ?? r.signal}`}): ${stderr}`,
    });
  const lines = r.stdout.split('\n').slice(0, -1);
  const out: ActOutcome[] = [];
  for (const l of lines) {
    const m = LINE.exec(l);
    if (m === null) return left({ kind: 'failed', message: `the act helper answered '${l.slice(0, 80)}'` });
    if (m[1] !== undefined) out.push({ kind: 'ret', pid: Number(m[1]), rax: BigInt(m[2]!) });
    else if (m[3] !== undefined)
      out.push({
        kind: 'trap',
        pid: Number(m[3]),
        nr: Number(m[4]),
        arch: Number(m[5]),
        data: Number(m[6]),
        code: Number(m[7]),
      });
    else out.push({ kind: 'killed', pid: Number(m[8]), signal: Number(m[9]) });
  }
  if (out.length !== calls.length)
    return left({ kind: 'failed', message: `the act helper answered ${out.length} lines for ${calls.length} calls` });
  return right(out);
}
