/**
 * The kernel's checks on a seccomp program, as `bpf_check_classic` and
 * `seccomp_check_filter` make them (net/core/filter.c, kernel/seccomp.c):
 * a length of 1 to BPF_MAXINSNS, only the opcodes seccomp allows, 32-bit
 * aligned loads inside `struct seccomp_data`, no division by a zero
 * constant, scratch words in range and stored before they are loaded,
 * jumps inside the program, and a RET at the end.
 */
import * as E from 'fp-ts/lib/Either.js';
import { BPF, BPF_MAXINSNS, BPF_MEMWORDS, SECCOMP_DATA, type Program, type SockFilter } from './insn.ts';

const { LD, LDX, ST, STX, ALU, JMP, RET, MISC, W, IMM, ABS, MEM, LEN, K, X, A } = BPF;

/** Every opcode seccomp_check_filter lets through (after bpf_check_classic). */
export const SECCOMP_OPCODES: ReadonlySet<number> = new Set([
  LD | W | ABS,
  LD | W | LEN,
  LDX | W | LEN,
  RET | K,
  RET | A,
  ...[BPF.ADD, BPF.SUB, BPF.MUL, BPF.DIV, BPF.AND, BPF.OR, BPF.XOR, BPF.LSH, BPF.RSH].flatMap((op) => [
    ALU | op | K,
    ALU | op | X,
  ]),
  ALU | BPF.NEG,
  LD | IMM,
  LDX | IMM,
  MISC | BPF.TAX,
  MISC | BPF.TXA,
  LD | MEM,
  LDX | MEM,
  ST,
  STX,
  JMP | BPF.JA,
  ...[BPF.JEQ, BPF.JGE, BPF.JGT, BPF.JSET].flatMap((op) => [JMP | op | K, JMP | op | X]),
]);

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

// One instruction's own checks; null when it is fine.
function checkInsn(ins: SockFilter, pc: number, len: number): string | null {
  const { code, k } = ins;
  if (!SECCOMP_OPCODES.has(code)) return `opcode ${hex(code)} is not allowed in a seccomp filter`;
  if (code === (LD | W | ABS) && (k >= SECCOMP_DATA.size || k % 4 !== 0)) {
    return `load at offset ${k} is outside struct seccomp_data or not 32-bit aligned`;
  }
  if (code === (ALU | BPF.DIV | K) && k === 0) return 'division by the constant 0';
  if ((code === (LD | MEM) || code === (LDX | MEM) || code === ST || code === STX) && k >= BPF_MEMWORDS) {
    return `scratch word ${k} is past M[${BPF_MEMWORDS - 1}]`;
  }
  if (code === (JMP | BPF.JA)) return k >= len - pc - 1 ? `jump by ${k} leaves the program` : null;
  if ((code & 0x07) === JMP && (pc + ins.jt + 1 >= len || pc + ins.jf + 1 >= len)) {
    return `jump (jt ${ins.jt}, jf ${ins.jf}) leaves the program`;
  }
  return null;
}

// bpf_check_classic's check_load_and_stores: M[k] is loaded only where every path into it stored M[k].
function loadsAfterStores(p: Program): string | null {
  const masks: number[] = new Array<number>(p.length).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < p.length; pc++) {
    const ins = p[pc]!;
    valid &= masks[pc]!;
    if (ins.code === ST || ins.code === STX) valid |= 1 << ins.k;
    else if ((ins.code === (LD | MEM) || ins.code === (LDX | MEM)) && (valid & (1 << ins.k)) === 0) {
      return `instruction ${pc} loads M[${ins.k}] before any store to it`;
    } else if (ins.code === (JMP | BPF.JA)) {
      masks[pc + 1 + ins.k] = masks[pc + 1 + ins.k]! & valid;
      valid = 0xffff;
    } else if ((ins.code & 0x07) === JMP) {
      masks[pc + 1 + ins.jt] = masks[pc + 1 + ins.jt]! & valid;
      masks[pc + 1 + ins.jf] = masks[pc + 1 + ins.jf]! & valid;
      valid = 0xffff;
    }
  }
  return null;
}

/** Validate `p` as the kernel would before loading it; the error names the instruction. */
export function validate(p: Program): E.Either<string, void> {
  if (p.length === 0) return E.left('empty program');
  if (p.length > BPF_MAXINSNS)
    return E.left(`program of ${p.length} instructions is longer than BPF_MAXINSNS (${BPF_MAXINSNS})`);
  for (let pc = 0; pc < p.length; pc++) {
    const ins = p[pc]!;
    const bad =
      !Number.isInteger(ins.code) ||
      ins.code < 0 ||
      ins.code > 0xffff ||
      !Number.isInteger(ins.k) ||
      ins.k < 0 ||
      ins.k > 0xffffffff ||
      !Number.isInteger(ins.jt) ||
      ins.jt < 0 ||
      ins.jt > 255 ||
      !Number.isInteger(ins.jf) ||
      ins.jf < 0 ||
      ins.jf > 255
        ? 'field out of range'
        : checkInsn(ins, pc, p.length);
    if (bad !== null) return E.left(`instruction ${pc}: ${bad}`);
  }
  if ((p[p.length - 1]!.code & 0x07) !== RET) return E.left(`the last instruction (${p.length - 1}) is not a RET`);
  const mem = loadsAfterStores(p);
  return mem === null ? E.right(undefined) : E.left(mem);
}
