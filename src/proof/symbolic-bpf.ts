/**
 * V2 of spec/19-proofs.md: classic seccomp BPF run on symbolic data. The
 * registers A and X and the scratch words M[0..15] hold terms; a load of
 * `struct seccomp_data` yields the term of that 32-bit word; each ALU
 * operation builds its term; a conditional jump whose condition folds to a
 * constant follows one edge, any other becomes an if-then-else of both
 * edges' results; a RET yields its value. The program's answer is one
 * 32-bit term over the words of seccomp_data. Jumps go forward only, so
 * every path ends; results from the same instruction and register state
 * are shared, so a program's term grows with its paths' distinct states,
 * not their number.
 */
import { SECCOMP_RET } from '../action/index.ts';
import { BPF, SECCOMP_DATA, type Program } from '../bpf/index.ts';
import { BPF_MEMWORDS } from '../bpf/insn.ts';
import type { Builder, Term } from './term.ts';

/** The name of the seccomp_data word at byte offset `off`: nr, arch, ip.lo, ip.hi, a0.lo .. a5.hi. */
export function wordName(off: number): string {
  if (off === SECCOMP_DATA.nr) return 'nr';
  if (off === SECCOMP_DATA.arch) return 'arch';
  const half = (off & 4) === 0 ? 'lo' : 'hi';
  if (off < SECCOMP_DATA.args) return `ip.${half}`;
  return `a${(off - SECCOMP_DATA.args) >> 3}.${half}`;
}

/** Every word name, in offset order. */
export const WORD_NAMES: readonly string[] = Array.from({ length: SECCOMP_DATA.size / 4 }, (_, i) => wordName(i * 4));

/** The terms a program reads: one per 32-bit word of seccomp_data, by byte offset. */
export type Words = (off: number) => Term;

/** Every word a free 32-bit variable, except those `fixed` gives (by name). */
export const freeWords =
  (b: Builder, fixed: Readonly<Record<string, Term>> = {}): Words =>
  (off) =>
    fixed[wordName(off)] ?? b.var(wordName(off));

interface State {
  readonly a: Term;
  readonly x: Term;
  readonly mem: readonly Term[];
}

const key = (pc: number, s: State): string => `${pc}:${s.a.id}:${s.x.id}:${s.mem.map((m) => m.id).join(',')}`;

/**
 * V2 the 32-bit value `p` returns, as a term over `words`. `p` should have
 * passed `validate`; an instruction the kernel would refuse, and running
 * off the end, return KILL_PROCESS as the emulator does.
 */
export function symbolicRun(b: Builder, p: Program, words: Words): Term {
  const memo = new Map<string, Term>();
  const kill = b.bv(SECCOMP_RET.KILL_PROCESS);
  const zero = b.bv(0);

  const run = (start: number, s0: State): Term => {
    let { a, x } = s0;
    let mem = s0.mem;
    for (let pc = start; pc < p.length; pc++) {
      const ins = p[pc]!;
      const cls = ins.code & 0x07;
      const src = (): Term => (ins.code & BPF.X ? x : b.bv(ins.k));
      switch (cls) {
        case BPF.RET:
          return ins.code & BPF.A ? a : b.bv(ins.k);
        case BPF.LD:
        case BPF.LDX: {
          const mode = ins.code & 0xe0;
          let v: Term;
          if (mode === BPF.ABS && cls === BPF.LD && (ins.code & 0x18) === BPF.W) {
            if (ins.k >= SECCOMP_DATA.size || ins.k % 4 !== 0) return kill;
            v = words(ins.k);
          } else if (mode === BPF.IMM) v = b.bv(ins.k);
          else if (mode === BPF.LEN) v = b.bv(SECCOMP_DATA.size);
          else if (mode === BPF.MEM && ins.k < BPF_MEMWORDS) v = mem[ins.k]!;
          else return kill;
          if (cls === BPF.LD) a = v;
          else x = v;
          break;
        }
        case BPF.ST:
        case BPF.STX: {
          if (ins.k >= BPF_MEMWORDS) return kill;
          const next = mem.slice();
          next[ins.k] = cls === BPF.ST ? a : x;
          mem = next;
          break;
        }
        case BPF.ALU: {
          const op = ins.code & 0xf0;
          const v = src();
          if (op === BPF.DIV) {
            // A division by a zero X ends the program with 0.
            if (v.op === 'const' && v.value === 0n) return zero;
            if (v.op !== 'const') {
              const s: State = { a: b.udiv(a, v), x, mem };
              return cached(pc + 1, s, () => b.ite(b.eq(v, zero), zero, run(pc + 1, s)));
            }
            a = b.udiv(a, v);
          } else a = aluTerm(b, op, a, v);
          break;
        }
        case BPF.JMP: {
          const op = ins.code & 0xf0;
          if (op === BPF.JA) {
            pc += ins.k;
            break;
          }
          const c = jumpTerm(b, op, a, src());
          if (c.op === 'const') {
            pc += c.value !== 0n ? ins.jt : ins.jf;
            break;
          }
          const s: State = { a, x, mem };
          const at = pc;
          return cached(at, s, () => b.ite(c, run(at + 1 + ins.jt, s), run(at + 1 + ins.jf, s)));
        }
        default: // BPF_MISC
          if ((ins.code & 0xf8) === BPF.TXA) a = x;
          else x = a;
      }
    }
    return kill;
  };

  const cached = (pc: number, s: State, f: () => Term): Term => {
    const k = key(pc, s);
    const old = memo.get(k);
    if (old !== undefined) return old;
    const t = f();
    memo.set(k, t);
    return t;
  };

  return run(0, { a: zero, x: zero, mem: new Array<Term>(BPF_MEMWORDS).fill(zero) });
}

function aluTerm(b: Builder, op: number, a: Term, v: Term): Term {
  switch (op) {
    case BPF.ADD:
      return b.add(a, v);
    case BPF.SUB:
      return b.sub(a, v);
    case BPF.MUL:
      return b.mul(a, v);
    case BPF.OR:
      return b.or(a, v);
    case BPF.AND:
      return b.and(a, v);
    case BPF.XOR:
      return b.xor(a, v);
    case BPF.LSH:
      return b.shl(a, v);
    case BPF.RSH:
      return b.lshr(a, v);
    default: // BPF_NEG (validate admits no other)
      return b.neg(a);
  }
}

function jumpTerm(b: Builder, op: number, a: Term, v: Term): Term {
  switch (op) {
    case BPF.JEQ:
      return b.eq(a, v);
    case BPF.JGT:
      return b.ult(v, a);
    case BPF.JGE:
      return b.ule(v, a);
    default: // BPF_JSET
      return b.not(b.eq(b.and(a, v), b.bv(0)));
  }
}
