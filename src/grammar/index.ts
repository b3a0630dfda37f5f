/** The filter language (S2): grammar, AST, parser, resolver, printer, policy texts. */
export type { CmpOp, CommonFieldName, Expr, FieldRef, FieldType, Filter } from './ast.ts';
export { COMMON_FIELDS, atFieldWidth, compareValues, fieldType, termCount } from './ast.ts';
export type { FilterError, PolicyError } from './errors.ts';
export { MSG, caret } from './errors.ts';
export type { FilterOptions, FilterResult } from './parse.ts';
export {
  GRAMMAR_NAMESPACE,
  MAX_FILTER_LENGTH,
  MAX_TERMS,
  isSpace,
  parseFilter,
  parseInteger,
  trimBounds,
} from './parse.ts';
export type { ArgShape } from './print.ts';
export { formatValue, isHexArg, printExpr, printFilter, printValue } from './print.ts';
export type { Policy, PolicyEntry, PolicyOptions, PolicyResult } from './policy.ts';
export { ON_NEXT_SYSCALL, parsePolicy } from './policy.ts';
export type { LintWarning } from './lint.ts';
export { lintPolicy } from './lint.ts';
