/**
 * Filter compilation (S3), done once at prctl time. The expression entries
 * of a state become JavaScript functions `(nr, w, b) => boolean`, a
 * decision tree on nr whose leaves read only the argument words they need: from a pt_regs
 * row (native registers at full width, compat ones zero-extended, S3.2) or
 * from a 12-word argument array. Built with `new Function` from a source
 * that embeds only integers this file produced from validated bigints.
 * `nr` and the common fields are folded to constants: an entry is only
 * evaluated for its own number (S6.4) and common fields are 0 (S3.1).
 */
import { atFieldWidth, compareValues, type CmpOp, type Expr } from '../grammar/index.ts';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS } from '../x86/regs.ts';

/** The value of nr's expression for the arguments found at `w[b...]`; false for a number without one. */
export type StateTest = (nr: number, w: ArrayLike<number>, b: number) => boolean;

/** The four ways a state's expressions read their arguments. */
export interface StateTests {
  /** From a pt_regs row, native call: rdi, rsi, rdx, r10, r8, r9. */
  readonly nativeRegs: StateTest;
  /** From a pt_regs row, compat call: ebx, ecx, edx, esi, edi, ebp, zero-extended. */
  readonly compatRegs: StateTest;
  /** From 12 uint32 words [lo0, hi0, ..., lo5, hi5]. */
  readonly nativeArgs: StateTest;
  /** From 12 uint32 words, high halves ignored (S3.2 zero extension). */
  readonly compatArgs: StateTest;
}

/** One expression entry to compile. */
export interface ExprEntry {
  readonly nr: number;
  readonly expr: Expr;
  readonly text: string;
}

/** Source text of the low or high half of argument i. */
export type Access = (i: number, high: boolean) => string;

/** A uint32 or int32 as source text; only safe integers reach the generated code. */
export function lit(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${String(n)}`);
  return String(n);
}

export const ACCESS: Readonly<Record<keyof StateTests, Access>> = {
  nativeRegs: (i, high) => `w[b + ${lit(NATIVE_ARG_REGS[i]! + (high ? 1 : 0))}]`,
  compatRegs: (i, high) => (high ? '0' : `w[b + ${lit(COMPAT_ARG_REGS[i]!)}]`),
  nativeArgs: (i, high) => `(w[b + ${lit(2 * i + (high ? 1 : 0))}] >>> 0)`,
  compatArgs: (i, high) => (high ? '0' : `(w[b + ${lit(2 * i)}] >>> 0)`),
};

/** S3.3 an unsigned 64-bit comparison of argument `i` (as halves) with `v`. */
export function argCompare(op: CmpOp, i: number, v: bigint, at: Access): string {
  const l = at(i, false);
  const h = at(i, true);
  const vl = lit(Number(v & 0xffff_ffffn));
  const vh = lit(Number(v >> 32n));
  switch (op) {
    case '==':
      return `(${l} === ${vl} && ${h} === ${vh})`;
    case '!=':
      return `(${l} !== ${vl} || ${h} !== ${vh})`;
    case '<':
      return `(${h} < ${vh} || (${h} === ${vh} && ${l} < ${vl}))`;
    case '<=':
      return `(${h} < ${vh} || (${h} === ${vh} && ${l} <= ${vl}))`;
    case '>':
      return `(${h} > ${vh} || (${h} === ${vh} && ${l} > ${vl}))`;
    case '>=':
      return `(${h} > ${vh} || (${h} === ${vh} && ${l} >= ${vl}))`;
    case '&':
      return `((${l} & ${vl}) !== 0 || (${h} & ${vh}) !== 0)`;
  }
}

/** JavaScript source of `e` for the entry of number `nr` (depth is bounded by the 32-term limit, S2.3). */
function source(e: Expr, nr: number, at: Access): string {
  switch (e.kind) {
    case 'or':
      return `(${source(e.left, nr, at)} || ${source(e.right, nr, at)})`;
    case 'and':
      return `(${source(e.left, nr, at)} && ${source(e.right, nr, at)})`;
    case 'not':
      return `!${source(e.operand, nr, at)}`;
    case 'pred': {
      const f = e.field;
      if (f.kind === 'arg') return argCompare(e.op, f.index, BigInt.asUintN(64, e.value), at);
      // S3.1 nr is this entry's own number; common fields are 0.
      const known = f.kind === 'nr' ? atFieldWidth(BigInt(nr), f) : 0n;
      return compareValues(e.op, known, atFieldWidth(e.value, f)) ? 'true' : 'false';
    }
  }
}

/**
 * A balanced decision tree on nr over `entries[lo, hi)` (ascending nr):
 * about log2(n) comparisons to reach an entry, where a switch over sparse
 * numbers would compare them one by one.
 */
function tree(entries: readonly ExprEntry[], lo: number, hi: number, at: Access): string {
  if (hi - lo === 1) {
    const e = entries[lo]!;
    return `return nr === ${lit(e.nr)} && ${source(e.expr, e.nr, at)};`;
  }
  const mid = (lo + hi) >>> 1;
  return `if (nr < ${lit(entries[mid]!.nr)}) { ${tree(entries, lo, mid, at)} } else { ${tree(entries, mid, hi, at)} }`;
}

function build(entries: readonly ExprEntry[], at: Access): StateTest {
  // The generated source contains only operators, the parameter names and integers from lit().
  return new Function('nr', 'w', 'b', `"use strict";\n${tree(entries, 0, entries.length, at)}`) as StateTest;
}

const NEVER: StateTest = () => false;
const NONE: StateTests = { nativeRegs: NEVER, compatRegs: NEVER, nativeArgs: NEVER, compatArgs: NEVER };
const cache = new Map<string, StateTests>();
const CACHE_LIMIT = 1024;

/**
 * Compile the expression entries of one state (ascending nr). Equal entry
 * lists of one ABI give equal functions, so they are cached by their texts
 * and shared between tasks.
 */
export function compileState(entries: readonly ExprEntry[], abiCode: number): StateTests {
  if (entries.length === 0) return NONE;
  const key = `${abiCode}\n${entries.map((e) => `${e.nr}:${e.text}`).join('\n')}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const tests: StateTests = {
    nativeRegs: build(entries, ACCESS.nativeRegs),
    compatRegs: build(entries, ACCESS.compatRegs),
    nativeArgs: build(entries, ACCESS.nativeArgs),
    compatArgs: build(entries, ACCESS.compatArgs),
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, tests);
  return tests;
}
