/**
 * Filter evaluation (S3): the record of one call and the value of an
 * expression on it. Total and free of effects.
 */
// C5 and S3.3: atFieldWidth truncates to the field's width (signed fields read as signed);
// compareValues is the comparison itself, `&` true when some bit is common.
import { atFieldWidth, compareValues, type Expr, type FieldRef, type Filter } from '../grammar/index.ts';

/** The record a filter sees (S3.1): `nr` as a signed 32-bit int, six unsigned 64-bit arguments. */
export interface CallRecord {
  readonly nr: number;
  readonly args: readonly bigint[];
}

// S3.1 common fields are always 0; S3.2 arguments are already u64 (or zero-extended u32).
const fieldValue = (f: FieldRef, r: CallRecord): bigint =>
  f.kind === 'arg' ? BigInt.asUintN(64, r.args[f.index] ?? 0n) : f.kind === 'nr' ? BigInt(r.nr) : 0n;

/** S3.3 the truth of `expr` for the call `record`. */
export function evaluate(expr: Expr, record: CallRecord): boolean {
  switch (expr.kind) {
    case 'pred':
      return compareValues(
        expr.op,
        atFieldWidth(fieldValue(expr.field, record), expr.field),
        atFieldWidth(expr.value, expr.field),
      );
    case 'not':
      return !evaluate(expr.operand, record);
    case 'and':
      return evaluate(expr.left, record) && evaluate(expr.right, record);
    case 'or':
      return evaluate(expr.left, record) || evaluate(expr.right, record);
  }
}

/** S3.4 a filter allows the call: `1` always, `0` never, else its expression. */
export const filterAllows = (filter: Filter, record: CallRecord): boolean =>
  filter.kind === 'allow' ? true : filter.kind === 'drop' ? false : evaluate(filter.expr, record);
