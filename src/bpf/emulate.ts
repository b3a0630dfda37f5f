/**
 * A classic BPF interpreter for seccomp programs, and the kernel's
 * constant-action cache check (`seccomp_is_const_allow`, Linux 5.11).
 */
import { SECCOMP_RET } from '../action/index.ts';
import { syscallTable } from '../x86/index.ts';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF,
  BPF_MEMWORDS,
  SECCOMP_DATA,
  type Program,
  type SeccompData,
} from './insn.ts';

// The kernel keeps a bitmap for the native and the compat arch only.
const bitmapOf = (arch: number): number =>
  arch === AUDIT_ARCH_X86_64
    ? syscallTable('x86_64').nrSyscalls
    : arch === AUDIT_ARCH_I386
      ? syscallTable('ia32').nrSyscalls
      : 0;

/** The result of running a program: its 32-bit return value and the instructions executed. */
export interface Run {
  readonly ret: number;
  readonly executed: number;
}

/** The 32-bit word of `d` at byte offset `off` (little-endian, 32-bit aligned). */
export function dataWord(d: SeccompData, off: number): number {
  if (off === SECCOMP_DATA.nr) return d.nr >>> 0;
  if (off === SECCOMP_DATA.arch) return d.arch >>> 0;
  const v = off < SECCOMP_DATA.args ? d.instructionPointer : (d.args[(off - SECCOMP_DATA.args) >> 3] ?? 0n);
  const word = (off & 4) === 0 ? v : v >> 32n;
  return Number(BigInt.asUintN(32, word));
}

function alu(op: number, a: number, v: number): number | null {
  switch (op) {
    case BPF.ADD:
      return (a + v) >>> 0;
    case BPF.SUB:
      return (a - v) >>> 0;
    case BPF.MUL:
      return Math.imul(a, v) >>> 0;
    case BPF.DIV:
      return v === 0 ? null : Math.floor(a / v) >>> 0;
    case BPF.OR:
      return (a | v) >>> 0;
    case BPF.AND:
      return (a & v) >>> 0;
    case BPF.XOR:
      return (a ^ v) >>> 0;
    case BPF.LSH:
      return v >= 32 ? 0 : (a << v) >>> 0;
    case BPF.RSH:
      return v >= 32 ? 0 : a >>> v;
    default:
      return -a >>> 0; // BPF_NEG
  }
}

function test(op: number, a: number, v: number): boolean {
  switch (op) {
    case BPF.JEQ:
      return a === v;
    case BPF.JGT:
      return a > v;
    case BPF.JGE:
      return a >= v;
    default:
      return (a & v) !== 0; // BPF_JSET
  }
}

/**
 * Run `p` on `d` as the kernel does. `p` should have passed `validate`;
 * anything it would have refused (an unknown opcode, a load outside the
 * data, running off the end) stops the run with KILL_PROCESS, so an
 * invalid program never allows. A division by a zero X returns 0, as
 * classic BPF does.
 */
export function emulate(p: Program, d: SeccompData): Run {
  let a = 0;
  let x = 0;
  const mem = new Uint32Array(BPF_MEMWORDS);
  let executed = 0;
  const kill = (): Run => ({ ret: SECCOMP_RET.KILL_PROCESS, executed });
  for (let pc = 0; pc < p.length; pc++) {
    const ins = p[pc]!;
    executed++;
    const cls = ins.code & 0x07;
    const src = ins.code & BPF.X ? x : ins.k >>> 0;
    switch (cls) {
      case BPF.RET:
        return { ret: (ins.code & BPF.A ? a : ins.k) >>> 0, executed };
      case BPF.LD:
      case BPF.LDX: {
        const mode = ins.code & 0xe0;
        let v: number;
        if (
          mode === BPF.ABS &&
          cls === BPF.LD &&
          (ins.code & 0x18) === BPF.W &&
          ins.k < SECCOMP_DATA.size &&
          ins.k % 4 === 0
        )
          v = dataWord(d, ins.k);
        else if (mode === BPF.IMM) v = ins.k >>> 0;
        else if (mode === BPF.LEN) v = SECCOMP_DATA.size;
        else if (mode === BPF.MEM && ins.k < BPF_MEMWORDS) v = mem[ins.k]!;
        else return kill();
        if (cls === BPF.LD) a = v;
        else x = v;
        break;
      }
      case BPF.ST:
      case BPF.STX:
        if (ins.k >= BPF_MEMWORDS) return kill();
        mem[ins.k] = cls === BPF.ST ? a : x;
        break;
      case BPF.ALU: {
        const r = alu(ins.code & 0xf0, a, src);
        if (r === null) return { ret: 0, executed };
        a = r;
        break;
      }
      case BPF.JMP:
        if ((ins.code & 0xf0) === BPF.JA) pc += ins.k;
        else pc += test(ins.code & 0xf0, a, src) ? ins.jt : ins.jf;
        break;
      default: // BPF_MISC
        if ((ins.code & 0xf8) === BPF.TXA) a = x;
        else x = a;
    }
  }
  return kill();
}

/**
 * The kernel's `seccomp_is_const_allow` for (`arch`, `nr`): follow the
 * program knowing only nr and arch, through `ld [nr]`, `ld [arch]`, `ja`,
 * `jeq`/`jge`/`jgt`/`jset` with a constant, `and` with a constant and
 * `ret K`; true only if that reaches `ret ALLOW` with nothing else on the
 * way. Numbers outside the cache's bitmap (negative, x32) are never cached;
 * the bitmap has NR_syscalls bits of the arch's ABI unless `bitmapSize` says.
 */
export function constAllowed(p: Program, arch: number, nr: number, bitmapSize: number = bitmapOf(arch)): boolean {
  if (!Number.isInteger(nr) || nr < 0 || nr >= bitmapSize) return false;
  let a = 0;
  for (let pc = 0; pc < p.length; pc++) {
    const { code, k, jt, jf } = p[pc]!;
    switch (code) {
      case BPF.LD | BPF.W | BPF.ABS:
        if (k === SECCOMP_DATA.nr) a = nr >>> 0;
        else if (k === SECCOMP_DATA.arch) a = arch >>> 0;
        else return false;
        break;
      case BPF.RET | BPF.K:
        return k >>> 0 === SECCOMP_RET.ALLOW;
      case BPF.JMP | BPF.JA:
        pc += k;
        break;
      case BPF.JMP | BPF.JEQ | BPF.K:
      case BPF.JMP | BPF.JGE | BPF.K:
      case BPF.JMP | BPF.JGT | BPF.K:
      case BPF.JMP | BPF.JSET | BPF.K:
        pc += test(code & 0xf0, a, k >>> 0) ? jt : jf;
        break;
      case BPF.ALU | BPF.AND | BPF.K:
        a = (a & k) >>> 0;
        break;
      default:
        return false;
    }
  }
  return false;
}
