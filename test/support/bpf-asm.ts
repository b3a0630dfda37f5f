/** A tiny classic BPF assembler for tests that must not depend on src/bpf: raw little-endian sock_filters. */

/** One instruction as seccomp(2) takes it. */
export interface Insn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** `ld [k]`: a 32-bit word of struct seccomp_data (0 nr, 4 arch, 16 + 8i args[i] low, 20 + 8i high). */
export const ld = (k: number): Insn => ({ code: 0x20, jt: 0, jf: 0, k });
/** `jeq #k, jt, jf`. */
export const jeq = (k: number, jt: number, jf: number): Insn => ({ code: 0x15, jt, jf, k: k >>> 0 });
/** `ret #k`. */
export const ret = (k: number): Insn => ({ code: 0x06, jt: 0, jf: 0, k: k >>> 0 });

/** SECCOMP_RET_* values the tests use. */
export const RET = {
  ALLOW: 0x7fff0000,
  KILL_PROCESS: 0x80000000,
  errno: (e: number) => 0x00050000 | e,
  trace: (d: number) => 0x7ff00000 | d,
} as const;
export const ARCH = { X86_64: 0xc000003e, I386: 0x40000003 } as const;

/** The raw bytes of a program. */
export function assemble(insns: readonly Insn[]): Uint8Array {
  const b = Buffer.alloc(8 * insns.length);
  insns.forEach((i, n) => {
    b.writeUInt16LE(i.code, 8 * n);
    b.writeUInt8(i.jt, 8 * n + 2);
    b.writeUInt8(i.jf, 8 * n + 3);
    b.writeUInt32LE(i.k >>> 0, 8 * n + 4);
  });
  return new Uint8Array(b);
}

/** A program that answers TRACE(1) to the numbers in `denied` (native arch) and ALLOW to everything else. */
export function denyNumbers(denied: readonly number[]): Uint8Array {
  const body = denied.flatMap((nr) => [jeq(nr, 0, 1), ret(RET.trace(1))]);
  return assemble([ld(0), ...body, ret(RET.ALLOW)]);
}
