/**
 * A disassembler in the style of seccomp-tools: one line per instruction
 * with its index, opcode, jt, jf and k, and a readable form annotated with
 * the names of the ABI: `A = fd >> 32 # read(fd, buf, count)`,
 * `if (A == read) goto 0012`, `return KILL_PROCESS`.
 */
import { syscallTable, type Abi, type SyscallInfo } from '../x86/index.ts';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF,
  describeAction,
  SECCOMP_DATA,
  type Program,
  type SockFilter,
} from './insn.ts';

/** What is known at one instruction: the word A holds (offset, or null) and the range nr is in. */
interface Known {
  readonly a: number | null;
  readonly lo: number;
  readonly hi: number;
}

const hex = (n: number, width: number): string => `0x${(n >>> 0).toString(16).padStart(width, '0')}`;
const pcText = (pc: number): string => pc.toString().padStart(4, '0');

const ALU_OPS: Readonly<Record<number, string>> = {
  [BPF.ADD]: '+=',
  [BPF.SUB]: '-=',
  [BPF.MUL]: '*=',
  [BPF.DIV]: '/=',
  [BPF.OR]: '|=',
  [BPF.AND]: '&=',
  [BPF.LSH]: '<<=',
  [BPF.RSH]: '>>=',
  [BPF.XOR]: '^=',
  [BPF.MOD]: '%=',
};
const JMP_OPS: Readonly<Record<number, readonly [string, string]>> = {
  [BPF.JEQ]: ['==', '!='],
  [BPF.JGT]: ['>', '<='],
  [BPF.JGE]: ['>=', '<'],
  [BPF.JSET]: ['&', '&'],
};

// The names of what A holds, for a jump's constant.
function constant(k: number, known: Known, abi: Abi): string {
  if (known.a === SECCOMP_DATA.arch)
    return k === AUDIT_ARCH_X86_64 ? 'ARCH_X86_64' : k === AUDIT_ARCH_I386 ? 'ARCH_I386' : hex(k, 1);
  if (known.a === SECCOMP_DATA.nr) return syscallTable(abi).byNr(k)?.name ?? hex(k, 1);
  return hex(k, 1);
}

const signature = (c: SyscallInfo): string => `${c.name}(${c.args.map((a) => a.name).join(', ')})`;

// The readable form of a load of seccomp_data, named after the call when nr is known there.
function load(k: number, known: Known, abi: Abi): string {
  if (k === SECCOMP_DATA.nr) return 'A = sys_number';
  if (k === SECCOMP_DATA.arch) return 'A = arch';
  if (k < SECCOMP_DATA.args) return `A = instruction_pointer${k & 4 ? ' >> 32' : ''}`;
  const i = (k - SECCOMP_DATA.args) >> 3;
  const call = known.lo === known.hi ? syscallTable(abi).byNr(known.lo) : undefined;
  const name = call?.args[i]?.name ?? `args[${i}]`;
  return `A = ${name}${k & 4 ? ' >> 32' : ''}${call === undefined ? '' : ` # ${signature(call)}`}`;
}

function text(ins: SockFilter, pc: number, known: Known, abi: Abi): string {
  const { code, k, jt, jf } = ins;
  const cls = code & 0x07;
  const src = code & BPF.X ? 'X' : hex(k, 1);
  switch (cls) {
    case BPF.RET:
      return code & BPF.A ? 'return A' : `return ${describeAction(k)}`;
    case BPF.LD:
    case BPF.LDX: {
      const reg = cls === BPF.LD ? 'A' : 'X';
      const mode = code & 0xe0;
      if (mode === BPF.ABS && cls === BPF.LD && (code & 0x18) === BPF.W) return load(k, known, abi);
      if (mode === BPF.IMM) return `${reg} = ${hex(k, 1)}`;
      if (mode === BPF.LEN) return `${reg} = ${SECCOMP_DATA.size}`;
      return mode === BPF.MEM ? `${reg} = mem[${k}]` : `${reg} = ??? (opcode ${hex(code, 2)})`;
    }
    case BPF.ST:
      return `mem[${k}] = A`;
    case BPF.STX:
      return `mem[${k}] = X`;
    case BPF.ALU:
      return (code & 0xf0) === BPF.NEG ? 'A = -A' : `A ${ALU_OPS[code & 0xf0] ?? '?='} ${src}`;
    case BPF.JMP: {
      if ((code & 0xf0) === BPF.JA) return `goto ${pcText(pc + 1 + k)}`;
      const [op, neg] = JMP_OPS[code & 0xf0] ?? ['?', '?'];
      const kText = code & BPF.X ? 'X' : constant(k, known, abi);
      const cond = (o: string, positive: boolean): string =>
        o === '&' ? (positive ? `(A & ${kText})` : `!(A & ${kText})`) : `(A ${o} ${kText})`;
      const to = (d: number): string => pcText(pc + 1 + d);
      if (jt === 0 && jf !== 0) return `if ${cond(neg, false)} goto ${to(jf)}`;
      if (jf === 0) return `if ${cond(op, true)} goto ${to(jt)}`;
      return `if ${cond(op, true)} goto ${to(jt)} else goto ${to(jf)}`;
    }
    default:
      return (code & 0xf8) === BPF.TXA ? 'A = X' : 'X = A';
  }
}

// The range of nr on each edge out of a jump on nr.
function narrow(known: Known, ins: SockFilter, taken: boolean): Known {
  if (known.a !== SECCOMP_DATA.nr || (ins.code & 0x07) !== BPF.JMP || ins.code & BPF.X) return known;
  const k = ins.k >>> 0;
  switch (ins.code & 0xf0) {
    case BPF.JEQ:
      return taken ? { ...known, lo: k, hi: k } : known;
    case BPF.JGT:
      return taken ? { ...known, lo: Math.max(known.lo, k + 1) } : { ...known, hi: Math.min(known.hi, k) };
    case BPF.JGE:
      return taken ? { ...known, lo: Math.max(known.lo, k) } : { ...known, hi: Math.min(known.hi, k - 1) };
    default:
      return known;
  }
}

/** What is known at each instruction, over every path into it (jumps only go forward). */
function analyse(p: Program): readonly (Known | undefined)[] {
  const at: (Known | undefined)[] = new Array<Known | undefined>(p.length).fill(undefined);
  at[0] = { a: null, lo: 0, hi: 0xffffffff };
  const flow = (to: number, k: Known): void => {
    if (to >= p.length) return;
    const old = at[to];
    at[to] =
      old === undefined ? k : { a: old.a === k.a ? k.a : null, lo: Math.min(old.lo, k.lo), hi: Math.max(old.hi, k.hi) };
  };
  p.forEach((ins, pc) => {
    const known = at[pc];
    if (known === undefined) return;
    const cls = ins.code & 0x07;
    if (cls === BPF.RET) return;
    if (cls === BPF.JMP && (ins.code & 0xf0) === BPF.JA) flow(pc + 1 + ins.k, known);
    else if (cls === BPF.JMP) {
      flow(pc + 1 + ins.jt, narrow(known, ins, true));
      flow(pc + 1 + ins.jf, narrow(known, ins, false));
    } else {
      const a =
        ins.code === (BPF.LD | BPF.W | BPF.ABS)
          ? ins.k
          : cls === BPF.LD || cls === BPF.ALU || ins.code === (BPF.MISC | BPF.TXA)
            ? null
            : known.a;
      flow(pc + 1, { ...known, a });
    }
  });
  return at;
}

/** The readable form of each instruction of `p` (`A = fd >> 32 # read(fd, buf, count)`), named for `abi`. */
export function describeInstructions(p: Program, abi: Abi): readonly string[] {
  const known = analyse(p);
  return p.map((ins, pc) => text(ins, pc, known[pc] ?? { a: null, lo: 0, hi: 0xffffffff }, abi));
}

/** seccomp-tools style text of `p`, one line per instruction, annotated with the names of `abi`. */
export function disassemble(p: Program, abi: Abi): string {
  const texts = describeInstructions(p, abi);
  const header = ' line  CODE  JT   JF      K\n=================================\n';
  return (
    header +
    p
      .map(
        (ins, pc) =>
          ` ${pcText(pc)}: ${hex(ins.code, 2)} ${hex(ins.jt, 2)} ${hex(ins.jf, 2)} ${hex(ins.k, 8)}  ${texts[pc]!}\n`,
      )
      .join('')
  );
}
