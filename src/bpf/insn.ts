/**
 * The classic BPF vocabulary seccomp uses: `struct sock_filter`, `struct
 * seccomp_data`, the SECCOMP_RET_* actions and the audit architectures of
 * x86 (linux/filter.h, linux/seccomp.h, linux/audit.h).
 */
import * as E from 'fp-ts/lib/Either.js';
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

/** SECCOMP_RET_* action values (the top 16 bits of a filter's result). */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** SECCOMP_RET_ACTION_FULL and SECCOMP_RET_DATA masks. */
export const RET_ACTION_FULL = 0xffff0000;
export const RET_DATA = 0x0000ffff;

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

/** A seccomp action as the CLI spells it: kill-process, kill-thread, trap, errno:N, trace:N, log, allow. */
export type Action =
  | { readonly kind: 'kill-process' }
  | { readonly kind: 'kill-thread' }
  | { readonly kind: 'trap' }
  | { readonly kind: 'errno'; readonly errno: number }
  | { readonly kind: 'trace'; readonly data: number }
  | { readonly kind: 'log' }
  | { readonly kind: 'allow' };

const SIMPLE: Readonly<Record<string, Action>> = {
  'kill-process': { kind: 'kill-process' },
  'kill-thread': { kind: 'kill-thread' },
  trap: { kind: 'trap' },
  log: { kind: 'log' },
  allow: { kind: 'allow' },
};

/** The action spellings parseAction accepts, for messages. */
export const ACTION_SPELLINGS = 'kill-process, kill-thread, trap, errno:N, trace:N, log, allow';

/** Parse an action: `kill-process`, `kill-thread`, `trap`, `errno:N` (0..4095), `trace:N` (0..65535), `log`, `allow`. */
export function parseAction(text: string): E.Either<string, Action> {
  const simple = Object.hasOwn(SIMPLE, text) ? SIMPLE[text] : undefined;
  if (simple !== undefined) return E.right(simple);
  const m = /^(errno|trace):(\d{1,5})$/.exec(text);
  if (m !== null) {
    const n = Number(m[2]);
    if (m[1] === 'errno')
      return n <= 4095
        ? E.right({ kind: 'errno', errno: n })
        : E.left(`errno:${m[2]}: an errno is at most 4095 (MAX_ERRNO)`);
    return n <= RET_DATA
      ? E.right({ kind: 'trace', data: n })
      : E.left(`trace:${m[2]}: trace data is at most 65535 (16 bits)`);
  }
  return E.left(`unknown action '${text.slice(0, 40)}': expected one of ${ACTION_SPELLINGS}`);
}

/** The 32-bit SECCOMP_RET_* value of an action. */
export function actionValue(a: Action): number {
  switch (a.kind) {
    case 'kill-process':
      return SECCOMP_RET.KILL_PROCESS;
    case 'kill-thread':
      return SECCOMP_RET.KILL_THREAD;
    case 'trap':
      return SECCOMP_RET.TRAP;
    case 'errno':
      return SECCOMP_RET.ERRNO | a.errno;
    case 'trace':
      return (SECCOMP_RET.TRACE | a.data) >>> 0;
    case 'log':
      return SECCOMP_RET.LOG;
    case 'allow':
      return SECCOMP_RET.ALLOW;
  }
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
