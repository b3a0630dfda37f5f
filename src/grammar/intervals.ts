/**
 * Interval reasoning for the linter (S10a [ext]): whether a filter can
 * never be true, or is true for every call, over the values each field can
 * take. Comparisons are exact as intervals per field; `&` tests are taken
 * as free (either way), so the answers are sound: "never" and "always"
 * are only said when they hold for every call.
 */
import type { Abi } from '../x86/table.ts';
import { atFieldWidth, type CmpOp, type Expr, type FieldRef } from './ast.ts';

/** A closed interval of field values. */
type Interval = readonly [bigint, bigint];
/** A literal of negation normal form: a predicate, possibly negated (only `&` keeps a negation). */
type Literal = { readonly pred: Extract<Expr, { kind: 'pred' }>; readonly negated: boolean };

const U32_MAX = 0xffffffffn;
const U64_MAX = (1n << 64n) - 1n;
/** DNF size past which the linter gives up (the 32-term limit keeps real filters far below). */
const MAX_CONJUNCTS = 4096;

const NEGATE: Readonly<Record<Exclude<CmpOp, '&'>, CmpOp>> = {
  '==': '!=',
  '!=': '==',
  '<': '>=',
  '<=': '>',
  '>': '<=',
  '>=': '<',
};

/** The value range of a field in a call of `nr` through `abi` (S3.1, S3.2). */
export function fieldRange(f: FieldRef, nr: number, abi: Abi): Interval {
  switch (f.kind) {
    case 'common':
      return [0n, 0n];
    case 'nr':
      return [BigInt(nr), BigInt(nr)];
    case 'arg':
      return [0n, abi === 'ia32' ? U32_MAX : U64_MAX];
  }
}

/** Disjunctive normal form of `e` (negated when `neg`), or undefined past MAX_CONJUNCTS. */
function dnf(e: Expr, neg: boolean): Literal[][] | undefined {
  switch (e.kind) {
    case 'pred':
      if (!neg) return [[{ pred: e, negated: false }]];
      return e.op === '&' ? [[{ pred: e, negated: true }]] : [[{ pred: { ...e, op: NEGATE[e.op] }, negated: false }]];
    case 'not':
      return dnf(e.operand, !neg);
    default: {
      const l = dnf(e.left, neg);
      const r = dnf(e.right, neg);
      if (l === undefined || r === undefined) return undefined;
      // De Morgan: a negated `&&` is an `||` of the negations, and the other way round.
      const union = (e.kind === 'or') !== neg;
      if (union) return l.length + r.length > MAX_CONJUNCTS ? undefined : [...l, ...r];
      if (l.length * r.length > MAX_CONJUNCTS) return undefined;
      return l.flatMap((a) => r.map((b) => [...a, ...b]));
    }
  }
}

/** The values of [lo, hi] for which `x op v` holds, as intervals. */
function allowed(op: Exclude<CmpOp, '&'>, v: bigint, [lo, hi]: Interval): Interval[] {
  const cut = (a: bigint, b: bigint): Interval[] => {
    const x = a > lo ? a : lo;
    const y = b < hi ? b : hi;
    return x <= y ? [[x, y]] : [];
  };
  switch (op) {
    case '==':
      return cut(v, v);
    case '!=':
      return [...cut(lo, v - 1n), ...cut(v + 1n, hi)];
    case '<':
      return cut(lo, v - 1n);
    case '<=':
      return cut(lo, v);
    case '>':
      return cut(v + 1n, hi);
    case '>=':
      return cut(v, hi);
  }
}

const intersect = (a: readonly Interval[], b: readonly Interval[]): Interval[] =>
  a.flatMap(([x, y]) =>
    b.flatMap(([p, q]): Interval[] => {
      const lo = x > p ? x : p;
      const hi = y < q ? y : q;
      return lo <= hi ? [[lo, hi]] : [];
    }),
  );

/** Whether one conjunct of literals can hold for some call of `nr` through `abi`. */
function satisfiable(conj: readonly Literal[], nr: number, abi: Abi): boolean {
  const sets = new Map<string, Interval[]>();
  for (const { pred, negated } of conj) {
    const range = fieldRange(pred.field, nr, abi);
    const key = pred.field.name;
    const v = atFieldWidth(pred.value, pred.field);
    const have = sets.get(key) ?? [range];
    if (pred.op === '&') {
      // `f & 0` is never true; on a field that has one value the test is decided; else it is free.
      const [lo, hi] = range;
      const truth = v === 0n ? false : lo === hi ? (lo & v) !== 0n : undefined;
      if (truth !== undefined && truth === negated) return false;
      continue;
    }
    const next = intersect(have, allowed(pred.op, v, range));
    if (next.length === 0) return false;
    sets.set(key, next);
  }
  return true;
}

/** `false`: `e` is never true for a call of `nr` through `abi`; `true`: always; undefined: it depends (or too big to tell). */
export function constantTruth(e: Expr, nr: number, abi: Abi): boolean | undefined {
  const yes = dnf(e, false);
  if (yes !== undefined && !yes.some((c) => satisfiable(c, nr, abi))) return false;
  const no = dnf(e, true);
  if (no !== undefined && !no.some((c) => satisfiable(c, nr, abi))) return true;
  return undefined;
}
