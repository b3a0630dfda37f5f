/** The canonical printer (S9.8): parse(print(e)) gives back e. */
import type { Expr, Filter } from './ast.ts';

const prec = (e: Expr): number => (e.kind === 'or' ? 1 : e.kind === 'and' ? 2 : 3);
const wrap = (e: Expr, atLeast: number): string => (prec(e) >= atLeast ? printExpr(e) : `(${printExpr(e)})`);

/** Canonical integer text: decimal up to 0xffff and for negatives, 0x-hex above. */
export const printValue = (v: bigint): string => (v >= 0n && v > 0xffffn ? `0x${v.toString(16)}` : v.toString());

/**
 * Print an expression with the fewest parentheses that keep its tree:
 * `&&` binds tighter than `||`, both group to the left, `!` wraps its operand.
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'pred':
      return `${e.field.name} ${e.op} ${printValue(e.value)}`;
    case 'not':
      return `!(${printExpr(e.operand)})`;
    case 'and':
      return `${wrap(e.left, 2)} && ${wrap(e.right, 3)}`;
    case 'or':
      return `${wrap(e.left, 1)} || ${wrap(e.right, 2)}`;
  }
}

/** Print a filter: `1`, `0`, or its canonical expression. */
export const printFilter = (f: Filter): string => (f.kind === 'allow' ? '1' : f.kind === 'drop' ? '0' : printExpr(f.expr));
