/**
 * The classic BPF vocabulary seccomp uses: `struct sock_filter`, `struct
 * seccomp_data` and the audit architectures of x86 (linux/filter.h,
 * linux/seccomp.h, linux/audit.h). The actions and their SECCOMP_RET_*
 * values are src/action's (`actionRet`, `retAction`).
 */
import { RET_ACTION_FULL, RET_DATA, SECCOMP_RET } from '../action/index.ts';
import type { Abi } from '../x86/index.ts';

/** One classic BPF instruction, `struct sock_filter`: 16-bit code, 8-bit jt and jf, 32-bit k. */
export interface SockFilter {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A BPF program: what `struct sock_fprog` points to. */
export type Program = readonly SockFilter[];

/** The longest program the kernel loads (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

/** Instruction classes, sizes, modes, operations and sources (linux/bpf_common.h). */
export const BPF = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  MISC: 0x07,
  W: 0x00,
  H: 0x08,
  B: 0x10,
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  LEN: 0x80,
  MSH: 0xa0,
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  K: 0x00,
  X: 0x08,
  A: 0x10,
  TAX: 0x00,
  TXA: 0x80,
} as const;

/** Scratch memory words (BPF_MEMWORDS). */
export const BPF_MEMWORDS = 16;

/** `struct seccomp_data` offsets: nr, arch, instruction_pointer, args[6] (64 bytes). */
export const SECCOMP_DATA = { nr: 0, arch: 4, ip: 8, args: 16, size: 64 } as const;

/** Offset of the low (`hi` false) or high 32-bit word of args[i], little-endian. */
export const argWord = (i: number, hi: boolean): number => SECCOMP_DATA.args + 8 * i + (hi ? 4 : 0);

/** AUDIT_ARCH_X86_64: the arch of native calls. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** AUDIT_ARCH_I386: the arch of compat calls (int $0x80, sysenter, 32-bit syscall). */
export const AUDIT_ARCH_I386 = 0x40000003;

/** The audit arch a filter sees for calls of `abi`. */
export const auditArch = (abi: Abi): number => (abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386);

/** `struct seccomp_data` as the kernel hands it to a filter. */
export interface SeccompData {
  /** The system call number, a signed 32-bit int. */
  readonly nr: number;
  /** The AUDIT_ARCH_* of the call. */
  readonly arch: number;
  readonly instructionPointer: bigint;
  /** Six unsigned 64-bit arguments: the full registers, upper halves included, on every entry path. */
  readonly args: readonly bigint[];
}

const NAMES: readonly (readonly [number, string])[] = Object.entries(SECCOMP_RET).map(([n, v]) => [v, n] as const);

/** A filter result as text: `KILL_PROCESS`, `ERRNO(13)`, `TRACE(7)`, `ALLOW`; unknown actions in hex. */
export function describeAction(ret: number): string {
  const action = (ret & RET_ACTION_FULL) >>> 0;
  const data = ret & RET_DATA;
  const name = NAMES.find(([v]) => v === action)?.[1];
  if (name === undefined) return `0x${(ret >>> 0).toString(16).padStart(8, '0')}`;
  return data === 0 && name !== 'ERRNO' && name !== 'TRACE' ? name : `${name}(${data})`;
}

/** Whether a filter result lets the call run (ALLOW, LOG). */
export const retAllows = (ret: number): boolean => {
  const action = (ret & RET_ACTION_FULL) >>> 0;
  return action === SECCOMP_RET.ALLOW || action === SECCOMP_RET.LOG;
};

/** BPF_STMT(code, k). */
export const stmt = (code: number, k: number): SockFilter => ({ code, jt: 0, jf: 0, k: k >>> 0 });
/** BPF_JUMP(code, k, jt, jf). */
export const jump = (code: number, k: number, jt: number, jf: number): SockFilter => ({ code, jt, jf, k: k >>> 0 });
