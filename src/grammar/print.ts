/** The canonical printer (S9.8): parse(print(e)) gives back e. */
import type { Expr, Filter } from './ast.ts';

const prec = (e: Expr): number => (e.kind === 'or' ? 1 : e.kind === 'and' ? 2 : 3);
const wrap = (e: Expr, atLeast: number, args: readonly ArgShape[] | undefined): string =>
  prec(e) >= atLeast ? printExpr(e, args) : `(${printExpr(e, args)})`;

/** Canonical integer text: decimal up to 0xffff and for negatives, 0x-hex above. */
export const printValue = (v: bigint): string => (v >= 0n && v > 0xffffn ? `0x${v.toString(16)}` : v.toString());

/** What formatValue needs to know of an argument: its name and C type, as the tables give them. */
export interface ArgShape {
  readonly name: string;
  readonly type: string;
}

/** U3 an argument holding flags or an address: a pointer type, or a name that says flags, prot or mask. */
export const isHexArg = (arg: ArgShape): boolean => arg.type.includes('*') || /(?:flags|^prot|mask)$/.test(arg.name);

/**
 * U3 the one style for numbers in every command: 0 to 9 are one digit; a
 * pointer or flags argument is 0x-hex from 10 up; anything else is decimal
 * up to 0xffff (counts, lengths, file descriptors) and 0x-hex above
 * (addresses, masks, sign-extended negatives), as printValue. Every form
 * parses back as a filter value (C4).
 */
export const formatValue = (v: bigint, arg?: ArgShape): string =>
  v > 9n && arg !== undefined && isHexArg(arg) ? `0x${v.toString(16)}` : printValue(v);

/**
 * Print an expression with the fewest parentheses that keep its tree:
 * `&&` binds tighter than `||`, both group to the left, `!` wraps its operand.
 * With the call's `args` (the table's names and C types) values follow U3.
 */
export function printExpr(e: Expr, args?: readonly ArgShape[]): string {
  switch (e.kind) {
    case 'pred':
      return `${e.field.name} ${e.op} ${formatValue(e.value, e.field.kind === 'arg' ? args?.[e.field.index] : undefined)}`;
    case 'not':
      return `!(${printExpr(e.operand, args)})`;
    case 'and':
      return `${wrap(e.left, 2, args)} && ${wrap(e.right, 3, args)}`;
    case 'or':
      return `${wrap(e.left, 1, args)} || ${wrap(e.right, 2, args)}`;
  }
}

/** Print a filter: `1`, `0`, or its canonical expression; with the call's `args`, values follow U3. */
export const printFilter = (f: Filter, args?: readonly ArgShape[]): string =>
  f.kind === 'allow' ? '1' : f.kind === 'drop' ? '0' : printExpr(f.expr, args);
