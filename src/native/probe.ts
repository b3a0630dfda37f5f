/**
 * Ask Linux how a program answers raw system calls (the helper's
 * probe mode). The program must answer every call with SECCOMP_RET_ERRNO
 * (the helper refuses any other), so no call is ever executed: the errno
 * each call returns says which way the program went.
 */
import { spawnSync } from 'node:child_process';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { SECCOMP_RET } from '../action/index.ts';
import { BPF, type Program } from '../bpf/index.ts';
import { nativeHelper, type BuildOptions, type NativeError } from './build.ts';

/** How a probed call enters the kernel: `syscall`, or `int $0x80` from 64-bit code. */
export type ProbeVector = 'syscall' | 'int80';

/**
 * One raw call: a number `nr` goes to rax sign-extended, a bigint as the
 * whole of rax (the kernel reads its low 32 bits); all six argument
 * registers are full 64-bit values.
 */
export interface ProbeCall {
  readonly vector: ProbeVector;
  readonly nr: number | bigint;
  readonly args: readonly bigint[];
}

/** The most calls one helper run takes. */
export const MAX_PROBE_CALLS = 1 << 20;

/** The helper's stdin: u32 ninsns, u32 ncalls, the raw program, 64-byte call records. */
export function encodeProbe(program: Uint8Array, calls: readonly ProbeCall[]): Buffer {
  const out = Buffer.alloc(8 + program.length + 64 * calls.length);
  out.writeUInt32LE(program.length / 8, 0);
  out.writeUInt32LE(calls.length, 4);
  out.set(program, 8);
  calls.forEach((c, i) => {
    const at = 8 + program.length + 64 * i;
    out.writeUInt32LE(c.vector === 'syscall' ? 0 : 1, at);
    out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(c.nr)), at + 8);
    for (let k = 0; k < 6; k++) out.writeBigUInt64LE(BigInt.asUintN(64, c.args[k] ?? 0n), at + 16 + 8 * k);
  });
  return out;
}

/**
 * Make `calls` under `program` on Linux; the value each call left
 * in rax (signed). A kernel that refuses the program is `refused`.
 */
export function probe(
  program: Uint8Array,
  calls: readonly ProbeCall[],
  opts: BuildOptions = {},
): Either<NativeError, readonly bigint[]> {
  if (program.length === 0 || program.length % 8 !== 0)
    return left({ kind: 'failed', message: `a raw program is a non-empty multiple of 8 bytes, not ${program.length}` });
  if (calls.length > MAX_PROBE_CALLS)
    return left({ kind: 'failed', message: `at most ${MAX_PROBE_CALLS} calls a probe run, not ${calls.length}` });
  const exe = nativeHelper(opts);
  if (isLeft(exe)) return exe;
  const r = spawnSync(exe.right, ['probe'], {
    input: encodeProbe(program, calls),
    encoding: 'latin1',
    maxBuffer: 32 * MAX_PROBE_CALLS,
  });
  const stderr = r.stderr.replace(/^seccomp-native: /, '').trim();
  if (r.status === 1) return left({ kind: 'refused', message: stderr });
  if (r.status !== 0)
    return left({
      kind: 'failed',
      message: `the probe helper failed (${r.error?.message ?? `status ${r.status ?? r.signal}`}): ${stderr}`,
    });
  const lines = r.stdout.split('\n').slice(0, -1);
  if (lines.length !== calls.length || !lines.every((l) => /^-?[0-9]+$/.test(l))) {
    return left({
      kind: 'failed',
      message: `the probe helper answered ${lines.length} lines for ${calls.length} calls`,
    });
  }
  return right(lines.map((l) => BigInt(l)));
}

/**
 * A program the probe takes, made from any program: each distinct return
 * value rewritten to ERRNO(index + 1), so no call runs and the errno a call
 * comes back with names the return the kernel's BPF reached: `rets[errno - 1]`.
 */
export function errnoOnly(p: Program): { readonly program: Program; readonly rets: readonly number[] } {
  const rets = [...new Set(p.filter((i) => i.code === (BPF.RET | BPF.K)).map((i) => i.k >>> 0))];
  const program = p.map((i) =>
    i.code === (BPF.RET | BPF.K) ? { ...i, k: (SECCOMP_RET.ERRNO | (rets.indexOf(i.k >>> 0) + 1)) >>> 0 } : i,
  );
  return { program, rets };
}
