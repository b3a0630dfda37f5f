/**
 * Conditions of the decision form (R2) as BPF: short-circuit jumps over
 * 32-bit words. `and` and `or` chain continuations, `not` swaps them; a
 * comparison is a 64-bit unsigned comparison split into its high and low
 * words, and a masked test `(arg & mask) == value` one test per word. On
 * ia32 the high word is the constant 0: the kernel hands the filter the
 * full register on `int $0x80` from 64-bit code, and the rule set speaks of
 * the low 32 bits (S3.2, R2), so only the low word is ever loaded.
 */
import type { CmpOp, Cond } from '../ruleset/index.ts';
import { argWord } from './insn.ts';
import { readsA, type Graph, type JmpOp, type Ref } from './ir.ts';

/** What a condition is compiled for: the graph, and whether its arguments are 64-bit (x86_64, x32) or 32-bit (ia32). */
export interface CondContext {
  readonly g: Graph;
  /** Whether the high words of the arguments are loaded (x86_64, x32) or the constant 0 (ia32). */
  readonly wide: boolean;
  /** Fold what the constants decide and specialise masks; off, every test is the plain form (the twin). */
  readonly fold: boolean;
  /** Planted bugs, for the tests that show the properties catch them (never set otherwise). */
  readonly faults?: Faults;
}

/** Compiler bugs a test can plant, to show the property suites find each. */
export interface Faults {
  /** Compare the high words of arguments signed (`<` as a signed comparison). */
  readonly signedArgs?: boolean;
  /** Leave out the high-word test of argument comparisons. */
  readonly dropHighWord?: boolean;
  /** Jump one instruction too far on every true branch that has room. */
  readonly offByOne?: boolean;
  /** Load the high word of ia32 arguments from seccomp_data, as if they were 64-bit. */
  readonly ia32HighWord?: boolean;
  /** Dispatch x32 numbers (bit 30) in the x86_64 search, as if x32 were not an arch of its own. */
  readonly noX32Split?: boolean;
  /** Test only the low word of a masked condition. */
  readonly maskLowOnly?: boolean;
  /** Try a number's rules last to first. */
  readonly rulesReversed?: boolean;
}

/** Where a 32-bit word comes from: seccomp_data, or a constant; `xor` flips the sign bit first. */
type Word =
  | { readonly kind: 'load'; readonly off: number; readonly xor: boolean }
  | { readonly kind: 'const'; readonly v: number; readonly xor: boolean };

const SIGN = 0x80000000;
const ALL = 0xffffffff;

const jmpTest = (op: JmpOp, a: number, k: number): boolean =>
  op === 'jeq' ? a === k : op === 'jgt' ? a > k : op === 'jge' ? a >= k : (a & k) !== 0;

/** A test of A (holding `w`) against `k`; folded when `w` is a constant or the constant alone decides. */
function test(c: CondContext, w: Word, op: JmpOp, k: number, t: Ref, f: Ref): Ref {
  const kk = k >>> 0;
  if (c.fold && w.kind === 'const') return jmpTest(op, (w.xor ? w.v ^ SIGN : w.v) >>> 0, kk) ? t : f;
  if (c.fold && ((op === 'jge' && kk === 0) || (op === 'jgt' && kk === ALL) || (op === 'jset' && kk === 0))) {
    return op === 'jge' ? t : f;
  }
  return c.g.jmp(op, kk, t, f);
}

/** Put `w` in A before `body`, unless body does not read A. */
function load(c: CondContext, w: Word, body: Ref): Ref {
  if (!readsA(c.g.node(body))) return body;
  const after = w.xor ? c.g.alu('xor', SIGN, body) : body;
  return w.kind === 'load' ? c.g.ld(w.off, after) : c.g.imm(w.v, after);
}

/** A 32-bit unsigned comparison `w op k`. */
function cmp32(c: CondContext, w: Word, op: CmpOp, k: number, t: Ref, f: Ref): Ref {
  switch (op) {
    case '==':
      return load(c, w, test(c, w, 'jeq', k, t, f));
    case '!=':
      return load(c, w, test(c, w, 'jeq', k, f, t));
    case '<':
      return load(c, w, test(c, w, 'jge', k, f, t));
    case '<=':
      return load(c, w, test(c, w, 'jgt', k, f, t));
    case '>':
      return load(c, w, test(c, w, 'jgt', k, t, f));
    case '>=':
      return load(c, w, test(c, w, 'jge', k, t, f));
  }
}

/** A 64-bit unsigned comparison of (hi, lo) with `k`: the high word decides unless equal, then the low word. */
function cmp64(c: CondContext, hiWord: Word, lo: Word, op: CmpOp, k: bigint, t: Ref, f: Ref): Ref {
  if (c.faults?.dropHighWord === true) return cmp32(c, lo, op, Number(k & 0xffffffffn), t, f);
  const signed = c.faults?.signedArgs === true && hiWord.kind === 'load' && op !== '==' && op !== '!=';
  const hi: Word = signed ? { ...hiWord, xor: true } : hiWord;
  const khi = Number(k >> 32n) ^ (signed ? SIGN : 0);
  const klo = Number(k & 0xffffffffn);
  switch (op) {
    case '==':
      return load(c, hi, test(c, hi, 'jeq', khi, cmp32(c, lo, '==', klo, t, f), f));
    case '!=':
      return load(c, hi, test(c, hi, 'jeq', khi, cmp32(c, lo, '!=', klo, t, f), t));
    case '<':
    case '<=': {
      const eq = cmp32(c, lo, op, klo, t, f);
      return load(c, hi, test(c, hi, 'jgt', khi, f, test(c, hi, 'jeq', khi, eq, t)));
    }
    case '>':
    case '>=': {
      const eq = cmp32(c, lo, op, klo, t, f);
      return load(c, hi, test(c, hi, 'jgt', khi, t, test(c, hi, 'jeq', khi, eq, f)));
    }
  }
}

const oneBit = (m: number): boolean => m !== 0 && (m & (m - 1)) === 0;

/**
 * `(w & m) == v` on one word. Folded: a value with a bit outside the mask
 * never matches, an empty mask always does, `v == 0` is one `jset`, a full
 * mask one `jeq`, a one-bit mask equal to the value one `jset`; otherwise
 * (and always in the plain form) `and` then `jeq`.
 */
function maskedWord(c: CondContext, w: Word, m: number, v: number, t: Ref, f: Ref): Ref {
  if (t === f) return t;
  const mm = m >>> 0;
  const vv = v >>> 0;
  if (c.fold) {
    if (w.kind === 'const') return (w.v & mm) >>> 0 === vv ? t : f;
    if ((vv & ~mm) >>> 0 !== 0) return f;
    if (mm === 0) return t;
    if (vv === 0) return load(c, w, test(c, w, 'jset', mm, f, t));
    if (mm === ALL) return load(c, w, test(c, w, 'jeq', vv, t, f));
    if (oneBit(mm)) return load(c, w, test(c, w, 'jset', mm, t, f));
  }
  const body = c.g.alu('and', mm, c.g.jmp('jeq', vv, t, f));
  return w.kind === 'load' ? c.g.ld(w.off, body) : c.g.imm(w.v, body);
}

/** The high and low words of argument `i` in this context. */
function words(c: CondContext, i: number): readonly [Word, Word] {
  const hi: Word =
    c.wide || c.faults?.ia32HighWord === true
      ? { kind: 'load', off: argWord(i, true), xor: false }
      : { kind: 'const', v: 0, xor: false };
  return [hi, { kind: 'load', off: argWord(i, false), xor: false }];
}

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const hiOf = (v: bigint): number => Number(U64(v) >> 32n);
const loOf = (v: bigint): number => Number(U64(v) & 0xffffffffn);

/** R2 compile `cond` so that it continues at `t` when it holds and at `f` when it does not. */
export function compileCond(c: CondContext, cond: Cond, t: Ref, f: Ref): Ref {
  // Where both ways lead to the same place the condition is not tested at all, in every layout.
  if (t === f) return t;
  switch (cond.kind) {
    case 'true':
      return t;
    case 'false':
      return f;
    case 'cmp': {
      const [hi, lo] = words(c, cond.arg);
      return cmp64(c, hi, lo, cond.op, U64(cond.value), t, f);
    }
    case 'masked': {
      const [hi, lo] = words(c, cond.arg);
      const low = maskedWord(c, lo, loOf(cond.mask), loOf(cond.value), t, f);
      if (c.faults?.maskLowOnly === true) return low;
      return maskedWord(c, hi, hiOf(cond.mask), hiOf(cond.value), low, f);
    }
    case 'not':
      return compileCond(c, cond.of, f, t);
    case 'and':
      return cond.of.reduceRight((rest, x) => compileCond(c, x, rest, f), t);
    case 'or':
      return cond.of.reduceRight((rest, x) => compileCond(c, x, t, rest), f);
  }
}
