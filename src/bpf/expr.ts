/**
 * Filter expressions (S2, S3) as BPF: short-circuit jumps over 32-bit
 * words. `&&` and `||` chain continuations, `!` swaps them; an argument
 * predicate is a 64-bit unsigned comparison split into its high and low
 * words (on ia32 the high word is the constant 0, S3.2: the kernel hands
 * the filter the full register, the model reads the low half); `nr` and
 * the zero common fields compare at 32 bits, signed ones through a XOR
 * with the sign bit.
 */
import { atFieldWidth, compareValues, fieldType, type CmpOp, type Expr, type FieldRef } from '../grammar/index.ts';
import type { Abi } from '../x86/index.ts';
import { argWord, SECCOMP_DATA } from './insn.ts';
import { readsA, type Graph, type JmpOp, type Ref } from './ir.ts';

/** What an expression is compiled for: one entry `nr` of one ABI. */
export interface ExprContext {
  readonly g: Graph;
  readonly abi: Abi;
  readonly nr: number;
  /** Fold what the constants decide: `nr` and common-field predicates, tests that cannot fail or succeed. */
  readonly fold: boolean;
  /** Planted bugs, for the tests that show the properties catch them (never set otherwise). */
  readonly faults?: Faults;
}

/** Compiler bugs a test can plant, to show the property suite finds each. */
export interface Faults {
  /** Compare the high words of arguments signed (`<` as a signed comparison). */
  readonly signedArgs?: boolean;
  /** Leave out the high-word test of argument comparisons. */
  readonly dropHighWord?: boolean;
  /** Jump one instruction too far on every true branch that has room. */
  readonly offByOne?: boolean;
}

/** Where a 32-bit word comes from: seccomp_data, or a constant; `xor` flips the sign bit first. */
type Word =
  | { readonly kind: 'load'; readonly off: number; readonly xor: boolean }
  | { readonly kind: 'const'; readonly v: number; readonly xor: boolean };

const SIGN = 0x80000000;

const jmpTest = (op: JmpOp, a: number, k: number): boolean =>
  op === 'jeq' ? a === k : op === 'jgt' ? a > k : op === 'jge' ? a >= k : (a & k) !== 0;

/** A test of A (holding `w`) against `k`; folded when `w` is a constant or the constant alone decides. */
function test(c: ExprContext, w: Word, op: JmpOp, k: number, t: Ref, f: Ref): Ref {
  const kk = k >>> 0;
  if (c.fold && w.kind === 'const') return jmpTest(op, (w.xor ? w.v ^ SIGN : w.v) >>> 0, kk) ? t : f;
  if (c.fold && ((op === 'jge' && kk === 0) || (op === 'jgt' && kk === 0xffffffff) || (op === 'jset' && kk === 0))) {
    return op === 'jge' ? t : f;
  }
  return c.g.jmp(op, kk, t, f);
}

/** Put `w` in A before `body`, unless body does not read A. */
function load(c: ExprContext, w: Word, body: Ref): Ref {
  if (!readsA(c.g.node(body))) return body;
  const after = w.xor ? c.g.alu('xor', SIGN, body) : body;
  return w.kind === 'load' ? c.g.ld(w.off, after) : c.g.imm(w.v, after);
}

/** A 32-bit comparison `w op k`, unsigned (for signed fields `w` and `k` already have the sign bit flipped). */
function cmp32(c: ExprContext, w: Word, op: CmpOp, k: number, t: Ref, f: Ref): Ref {
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
    case '&':
      return load(c, w, test(c, w, 'jset', k, t, f));
  }
}

/** A 64-bit unsigned comparison of (hi, lo) with `k`: the high word decides unless equal, then the low word. */
function cmp64(c: ExprContext, hiWord: Word, lo: Word, op: CmpOp, k: bigint, t: Ref, f: Ref): Ref {
  if (c.faults?.dropHighWord === true) return cmp32(c, lo, op, Number(k & 0xffffffffn), t, f);
  const signed = c.faults?.signedArgs === true && hiWord.kind === 'load' && op !== '==' && op !== '!=' && op !== '&';
  const hi: Word = signed ? { ...hiWord, xor: true } : hiWord;
  const khi = Number(k >> 32n) ^ (signed ? SIGN : 0);
  const klo = Number(k & 0xffffffffn);
  switch (op) {
    case '==':
      return load(c, hi, test(c, hi, 'jeq', khi, cmp32(c, lo, '==', klo, t, f), f));
    case '!=':
      return load(c, hi, test(c, hi, 'jeq', khi, cmp32(c, lo, '!=', klo, t, f), t));
    case '&':
      return load(c, hi, test(c, hi, 'jset', khi, t, cmp32(c, lo, '&', klo, t, f)));
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

// S3.1/S3.3 one predicate: arguments at 64 bits (ia32: high word 0), nr and common fields at 32.
function pred(c: ExprContext, field: FieldRef, op: CmpOp, value: bigint, t: Ref, f: Ref): Ref {
  const v = atFieldWidth(value, field);
  if (field.kind === 'arg') {
    const hi: Word =
      c.abi === 'ia32'
        ? { kind: 'const', v: 0, xor: false }
        : { kind: 'load', off: argWord(field.index, true), xor: false };
    return cmp64(c, hi, { kind: 'load', off: argWord(field.index, false), xor: false }, op, v, t, f);
  }
  const known = field.kind === 'nr' ? BigInt(c.nr) : 0n;
  if (c.fold) return compareValues(op, atFieldWidth(known, field), v) ? t : f;
  const signed = fieldType(field).signed;
  const ordered = op !== '==' && op !== '!=' && op !== '&';
  const xor = signed && ordered;
  const w: Word = field.kind === 'nr' ? { kind: 'load', off: SECCOMP_DATA.nr, xor } : { kind: 'const', v: 0, xor };
  const k = Number(BigInt.asUintN(32, v)) ^ (xor ? SIGN : 0);
  return cmp32(c, w, op, k >>> 0, t, f);
}

/** Compile `e` so that it continues at `t` when true and at `f` when false. */
export function compileExpr(c: ExprContext, e: Expr, t: Ref, f: Ref): Ref {
  switch (e.kind) {
    case 'pred':
      return pred(c, e.field, e.op, e.value, t, f);
    case 'not':
      return compileExpr(c, e.operand, f, t);
    case 'and':
      return compileExpr(c, e.left, compileExpr(c, e.right, t, f), f);
    case 'or':
      return compileExpr(c, e.left, t, compileExpr(c, e.right, t, f));
  }
}
