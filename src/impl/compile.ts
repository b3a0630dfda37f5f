/**
 * Filter compilation (S3), done once at prctl time: an expression becomes a
 * JavaScript function of the six arguments as uint32 halves
 * `(l0, h0, ..., l5, h5) => boolean`, built with `new Function` from a
 * source that embeds only integers this file produced from validated
 * bigints. `nr` and the common fields are folded to constants: an entry is
 * only ever evaluated for its own number (S6.4) and common fields are 0.
 */
import { fieldType, type CmpOp, type Expr, type FieldRef } from '../grammar/index.ts';

/** A compiled expression over the record's arguments as (lo, hi) uint32 halves (S3.1, S3.2). */
export type Predicate = (
  l0: number, h0: number, l1: number, h1: number, l2: number, h2: number,
  l3: number, h3: number, l4: number, h4: number, l5: number, h5: number,
) => boolean;

const PARAMS = ['l0', 'h0', 'l1', 'h1', 'l2', 'h2', 'l3', 'h3', 'l4', 'h4', 'l5', 'h5'];

/** A uint32 or int32 as source text; only safe integers reach the generated code. */
function lit(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${String(n)}`);
  return String(n);
}

// C5 the value at the field's width: truncated, and read as signed for signed fields.
function atWidth(v: bigint, f: FieldRef): bigint {
  const t = fieldType(f);
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** S3.3 a comparison of two known integers, for folded fields. */
function constCompare(op: CmpOp, a: bigint, b: bigint): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '&': return (a & b) !== 0n;
  }
}

/** S3.3 an unsigned 64-bit comparison of argument `i` (as halves) with `v`. */
function argCompare(op: CmpOp, i: number, v: bigint): string {
  const l = `l${i}`;
  const h = `h${i}`;
  const vl = lit(Number(v & 0xffff_ffffn));
  const vh = lit(Number(v >> 32n));
  switch (op) {
    case '==': return `(${l} === ${vl} && ${h} === ${vh})`;
    case '!=': return `(${l} !== ${vl} || ${h} !== ${vh})`;
    case '<': return `(${h} < ${vh} || (${h} === ${vh} && ${l} < ${vl}))`;
    case '<=': return `(${h} < ${vh} || (${h} === ${vh} && ${l} <= ${vl}))`;
    case '>': return `(${h} > ${vh} || (${h} === ${vh} && ${l} > ${vl}))`;
    case '>=': return `(${h} > ${vh} || (${h} === ${vh} && ${l} >= ${vl}))`;
    case '&': return `((${l} & ${vl}) !== 0 || (${h} & ${vh}) !== 0)`;
  }
}

/** JavaScript source of `e` for the entry of number `nr`. */
function source(e: Expr, nr: number): string {
  switch (e.kind) {
    case 'or': return `(${source(e.left, nr)} || ${source(e.right, nr)})`;
    case 'and': return `(${source(e.left, nr)} && ${source(e.right, nr)})`;
    case 'not': return `!${source(e.operand, nr)}`;
    case 'pred': {
      const f = e.field;
      if (f.kind === 'arg') return argCompare(e.op, f.index, BigInt.asUintN(64, e.value));
      // S3.1 nr is this entry's own number; common fields are 0.
      const known = f.kind === 'nr' ? atWidth(BigInt(nr), f) : 0n;
      return constCompare(e.op, known, atWidth(e.value, f)) ? 'true' : 'false';
    }
  }
}

const cache = new Map<string, Predicate>();
const CACHE_LIMIT = 4096;

/**
 * Compile `e`, the filter of system call `nr`, whose text is `text`.
 * Equal (nr, text) pairs of one ABI parse to equal trees, so the function
 * is cached by them and shared between tasks.
 */
export function compile(e: Expr, nr: number, text: string, abiCode: number): Predicate {
  const key = `${abiCode}:${nr}:${text}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  // The generated source contains only operators, parameter names and integers from lit().
  const fn = new Function(...PARAMS, `"use strict"; return ${source(e, nr)};`) as Predicate;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, fn);
  return fn;
}
