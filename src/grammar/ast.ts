/**
 * The typed, immutable AST of a resolved filter (S2). Values are exact
 * bigints; fields are resolved against one system call's arguments.
 */

/** Comparison operators (S2.1; `&` is [ext]). */
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&';

/** The zeroed common fields of every ftrace event record (S2.2). */
export type CommonFieldName = 'common_type' | 'common_flags' | 'common_preempt_count' | 'common_pid';

/** Where a predicate's left-hand value comes from in the call record (S3.1). */
export type FieldRef =
  | { readonly kind: 'arg'; readonly name: string; readonly index: number }
  | { readonly kind: 'nr'; readonly name: 'nr' }
  | { readonly kind: 'common'; readonly name: CommonFieldName };

/** A boolean filter expression (S2.1). */
export type Expr =
  | { readonly kind: 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'and'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'pred'; readonly field: FieldRef; readonly op: CmpOp; readonly value: bigint };

/** A filter: `1` allows, `0` drops (S5), otherwise an expression with its text. */
export type Filter =
  | { readonly kind: 'allow' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'expr'; readonly expr: Expr; readonly text: string };

/** Width in bits and signedness of a field, for comparisons (S3.3) and value checks (S2.1). */
export interface FieldType {
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
}

const COMMON_TYPES: Readonly<Record<CommonFieldName, FieldType>> = {
  common_type: { bits: 16, signed: false },
  common_flags: { bits: 8, signed: false },
  common_preempt_count: { bits: 8, signed: false },
  common_pid: { bits: 32, signed: true },
};

/** Names of the common fields (S2.2). */
export const COMMON_FIELDS: readonly CommonFieldName[] = Object.keys(COMMON_TYPES) as CommonFieldName[];

/**
 * The ftrace field type of `f`: arguments are recorded as unsigned long
 * (64-bit unsigned), `nr` as int, common fields at their own widths (S3.3).
 */
export function fieldType(f: FieldRef): FieldType {
  switch (f.kind) {
    case 'arg':
      return { bits: 64, signed: false };
    case 'nr':
      return { bits: 32, signed: true };
    case 'common':
      return COMMON_TYPES[f.name];
  }
}

/** Number of predicate and logical nodes in `e` (the S2.3 limit counts these). */
export function termCount(e: Expr): number {
  switch (e.kind) {
    case 'pred':
      return 1;
    case 'not':
      return 1 + termCount(e.operand);
    default:
      return 1 + termCount(e.left) + termCount(e.right);
  }
}

/** C5 `v` at the width of field `f`: truncated, and read as signed for signed fields. */
export function atFieldWidth(v: bigint, f: FieldRef): bigint {
  const t = fieldType(f);
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** S3.3 `a op b` for two values already at their field's width; `&` is true when a bit is common. */
export function compareValues(op: CmpOp, a: bigint, b: bigint): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '&':
      return (a & b) !== 0n;
  }
}
