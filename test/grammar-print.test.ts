/**
 * The canonical printer (S9.8): examples of values, parentheses and the
 * round trip parse(print(e)) = e. The property suite generalises these.
 */
import test from 'ava';
import { parseFilter, printExpr, printFilter, printValue, type Expr } from '../src/grammar/index.ts';
import { syscallTable } from '../src/x86/table.ts';

const READ = syscallTable('x86_64').byNr(0)!.args;
const fd = (v: bigint): Expr => ({ kind: 'pred', field: { kind: 'arg', name: 'fd', index: 0 }, op: '==', value: v });
const nr = (v: bigint): Expr => ({ kind: 'pred', field: { kind: 'nr', name: 'nr' }, op: '!=', value: v });
const or = (left: Expr, right: Expr): Expr => ({ kind: 'or', left, right });
const and = (left: Expr, right: Expr): Expr => ({ kind: 'and', left, right });
const not = (operand: Expr): Expr => ({ kind: 'not', operand });

test('S9.8 printValue: decimal up to 0xffff and for negatives, 0x-hex above', (t) => {
  t.is(printValue(0n), '0');
  t.is(printValue(65535n), '65535');
  t.is(printValue(65536n), '0x10000');
  t.is(printValue((1n << 64n) - 1n), '0xffffffffffffffff');
  t.is(printValue(-1n), '-1');
  t.is(printValue(-(1n << 63n)), '-9223372036854775808');
});

const CASES: readonly (readonly [Expr, string])[] = [
  [fd(1n), 'fd == 1'],
  [nr(-1n), 'nr != -1'],
  [or(fd(1n), fd(2n)), 'fd == 1 || fd == 2'],
  [or(or(fd(1n), fd(2n)), fd(3n)), 'fd == 1 || fd == 2 || fd == 3'],
  [or(fd(1n), or(fd(2n), fd(3n))), 'fd == 1 || (fd == 2 || fd == 3)'],
  [and(fd(1n), and(fd(2n), fd(3n))), 'fd == 1 && (fd == 2 && fd == 3)'],
  [or(fd(1n), and(fd(2n), fd(3n))), 'fd == 1 || fd == 2 && fd == 3'],
  [and(or(fd(1n), fd(2n)), fd(3n)), '(fd == 1 || fd == 2) && fd == 3'],
  [and(fd(3n), or(fd(1n), fd(2n))), 'fd == 3 && (fd == 1 || fd == 2)'],
  [not(fd(1n)), '!(fd == 1)'],
  [not(not(or(fd(1n), nr(0n)))), '!(!(fd == 1 || nr != 0))'],
  [and(not(fd(1n)), not(fd(0x10000n))), '!(fd == 1) && !(fd == 0x10000)'],
];

for (const [e, text] of CASES) {
  test(`S9.8 ${text} prints canonically and parses back to the same tree`, (t) => {
    t.is(printExpr(e), text);
    const r = parseFilter(text, READ);
    t.true(r.ok);
    if (r.ok && r.filter.kind === 'expr') t.deepEqual(r.filter.expr, e);
  });
}

test('S9.8 printFilter prints 1 and 0 as themselves', (t) => {
  t.is(printFilter({ kind: 'allow' }), '1');
  t.is(printFilter({ kind: 'drop' }), '0');
  t.is(printFilter({ kind: 'expr', expr: fd(1n), text: 'fd==1' }), 'fd == 1');
});
