/** Helpers shared by the filter-string tests (grammar-filter.test.ts, grammar-values.test.ts). */
import { parseFilter, type Expr } from '../../src/grammar/index.ts';
import { syscallTable, type ArgInfo } from '../../src/x86/table.ts';

/** The x86_64 table, and the argument lists of read and mmap. */
export const x64 = syscallTable('x86_64');
export const READ = x64.byNr(0)!.args;
export const MMAP = x64.byNr(9)!.args;

export const err = (text: string, args: readonly ArgInfo[] = READ): { message: string; column: number } | 'ok' => {
  const r = parseFilter(text, args);
  return r.ok ? 'ok' : { message: r.error.message, column: r.error.column };
};
export const expr = (text: string, args: readonly ArgInfo[] = READ): Expr => {
  const r = parseFilter(text, args);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: ${r.error.message} at ${r.error.column}`);
  if (r.filter.kind !== 'expr') throw new Error(`${JSON.stringify(text)} is ${r.filter.kind}`);
  return r.filter.expr;
};
export const fd = (op: string, value: bigint): Expr => ({
  kind: 'pred',
  field: { kind: 'arg', name: 'fd', index: 0 },
  op: op as '==',
  value,
});
export const count = (op: string, value: bigint): Expr => ({
  kind: 'pred',
  field: { kind: 'arg', name: 'count', index: 2 },
  op: op as '==',
  value,
});
