/**
 * Filter strings (S2.1 to S2.4, C1 to C6): every ftrace message with its
 * exact 0-based column, the limits, values, fields, operators, precedence,
 * whitespace and caret rendering.
 */
import test from 'ava';
import {
  COMMON_FIELDS,
  MAX_FILTER_LENGTH,
  MAX_TERMS,
  MSG,
  caret,
  parseFilter,
  parseInteger,
  termCount,
  type Expr,
  type FilterResult,
} from '../src/grammar/index.ts';
import { syscallTable, type ArgInfo } from '../src/x86/table.ts';

const x64 = syscallTable('x86_64');
const READ = x64.byNr(0)!.args;
const MMAP = x64.byNr(9)!.args;

const err = (text: string, args: readonly ArgInfo[] = READ): { message: string; column: number } | 'ok' => {
  const r = parseFilter(text, args);
  return r.ok ? 'ok' : { message: r.error.message, column: r.error.column };
};
const expr = (text: string, args: readonly ArgInfo[] = READ): Expr => {
  const r = parseFilter(text, args);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: ${r.error.message} at ${r.error.column}`);
  if (r.filter.kind !== 'expr') throw new Error(`${JSON.stringify(text)} is ${r.filter.kind}`);
  return r.filter.expr;
};
const fd = (op: string, value: bigint): Expr => ({ kind: 'pred', field: { kind: 'arg', name: 'fd', index: 0 }, op: op as '==', value });
const count = (op: string, value: bigint): Expr => ({ kind: 'pred', field: { kind: 'arg', name: 'count', index: 2 }, op: op as '==', value });

// ---------------------------------------------------------------- S2.1 / C2: 1, 0, expressions

test('S2.1 `1` allows and `0` drops; C2: only when the trimmed text is exactly that', (t) => {
  t.deepEqual(parseFilter('1', READ), { ok: true, filter: { kind: 'allow' } });
  t.deepEqual(parseFilter('0', READ), { ok: true, filter: { kind: 'drop' } });
  t.deepEqual(parseFilter(' \t1\n ', READ), { ok: true, filter: { kind: 'allow' } });
  t.deepEqual(parseFilter('\r\n0\x0b\x0c', READ), { ok: true, filter: { kind: 'drop' } });
  t.deepEqual(parseFilter('1', []), { ok: true, filter: { kind: 'allow' } });
  t.deepEqual(err('(1)'), { message: MSG.meaningless, column: 2 });
  t.deepEqual(err('(0)'), { message: MSG.meaningless, column: 2 });
  t.deepEqual(err('01'), { message: MSG.meaningless, column: 2 });
  t.deepEqual(err('0x1'), { message: MSG.meaningless, column: 3 });
});

test('S2.1 an expression keeps its trimmed text', (t) => {
  const r = parseFilter('  fd == 0 || fd == 2\n', READ);
  t.true(r.ok);
  if (r.ok && r.filter.kind === 'expr') t.is(r.filter.text, 'fd == 0 || fd == 2');
  else t.fail();
});

// ---------------------------------------------------------------- S2.3 / C3 messages and columns

const ERRORS: readonly (readonly [string, string, number])[] = [
  // Invalid operator
  ['fd = 1', MSG.invalidOperator, 3],
  ['fd === 1', MSG.invalidOperator, 5],
  ['fd =! 1', MSG.invalidOperator, 3],
  ['fd <> 1', MSG.invalidOperator, 4],
  ['fd ! 1', MSG.invalidOperator, 3],
  ['fd && 1', MSG.invalidOperator, 3],
  ['fd == 1 | fd == 2', MSG.invalidOperator, 8],
  ['fd == 1 &&& fd == 2', MSG.invalidOperator, 10],
  // Unbalanced parens
  ['(fd == 1', MSG.unbalancedParens, 0],
  ['((fd == 1)', MSG.unbalancedParens, 0],
  ['fd == 1)', MSG.unbalancedParens, 7],
  ['(fd == 1))', MSG.unbalancedParens, 9],
  [')(fd == 1', MSG.unbalancedParens, 0],
  ['  (fd == 1', MSG.unbalancedParens, 2],
  // Too many operands
  ['fd == 1 fd', MSG.tooManyOperands, 8],
  ['fd == 1 2', MSG.tooManyOperands, 8],
  ['fd fd == 1', MSG.tooManyOperands, 3],
  // Field not found
  ['foo == 1', MSG.fieldNotFound, 0],
  ['1 == fd', MSG.fieldNotFound, 0],
  ['fd == 1 || bogus < 2', MSG.fieldNotFound, 11],
  ['  Fd == 1', MSG.fieldNotFound, 2],
  ['common_foo == 0', MSG.fieldNotFound, 0],
  // Illegal integer value
  ['fd == 08', MSG.illegalInteger, 6],
  ['fd == 0x', MSG.illegalInteger, 6],
  ['fd == abc', MSG.illegalInteger, 6],
  ['fd == 1a', MSG.illegalInteger, 6],
  ['fd == -1', MSG.illegalInteger, 6],
  ['fd == 18446744073709551616', MSG.illegalInteger, 6],
  ['fd == 0x10000000000000000', MSG.illegalInteger, 6],
  ['fd == 2000000000000000000000', MSG.illegalInteger, 6],
  ['fd == 0 || count > 0xg', MSG.illegalInteger, 19],
  // Meaningless filter expression
  ['fd', MSG.meaningless, 2],
  ['(1)', MSG.meaningless, 2],
  ['fd ==', MSG.meaningless, 5],
  ['', MSG.meaningless, 0],
  ['()', MSG.meaningless, 1],
  ['fd == 0 ||', MSG.meaningless, 10],
  ['fd == 1 && ', MSG.meaningless, 10],
  ['!', MSG.meaningless, 1],
  // Invalid character (C3)
  ['fd == 1 $', MSG.invalidCharacter, 8],
  ['fd\0== 1', MSG.invalidCharacter, 2],
  ['fd == 1\0', MSG.invalidCharacter, 7],
  ['\0fd == 1', MSG.invalidCharacter, 0],
  ['é', MSG.invalidCharacter, 0],
  ['fd == 1é', MSG.invalidCharacter, 7],
  ['fd == "1"', MSG.invalidCharacter, 6],
  ['fd == 1\u00a0', MSG.invalidCharacter, 7],
];

for (const [text, message, column] of ERRORS) {
  test(`S2.3 ${JSON.stringify(text)}: ${message} at column ${column}`, (t) => {
    t.deepEqual(err(text), { message, column });
  });
}

test('S2.4 whitespace-only filters are meaningless, the column within the input', (t) => {
  for (const s of [' ', '   ', '\t\n', '\r\n\x0b\x0c']) {
    const r = err(s);
    t.not(r, 'ok');
    if (r !== 'ok') {
      t.is(r.message, MSG.meaningless);
      t.true(r.column >= 0 && r.column <= s.length);
    }
  }
});

test('S2.4 error columns are offsets into the untrimmed input', (t) => {
  t.deepEqual(err('   fd = 1'), { message: MSG.invalidOperator, column: 6 });
  t.deepEqual(err('\t\tfoo == 1'), { message: MSG.fieldNotFound, column: 2 });
  t.deepEqual(err('\n fd == 08 '), { message: MSG.illegalInteger, column: 8 });
});

// ---------------------------------------------------------------- S2.3 term limit (C6)

test('S2.3/C6 32 terms parse, 33 fail at the 33rd node in source order', (t) => {
  const p16 = Array(16).fill('fd==1').join('||'); // 16 preds + 15 ors = 31 terms
  const p17 = Array(17).fill('fd==1').join('||'); // 33 terms
  t.is(MAX_TERMS, 32);
  const ok = parseFilter(`!(${p16})`, READ); // 32 terms
  t.true(ok.ok);
  if (ok.ok && ok.filter.kind === 'expr') t.is(termCount(ok.filter.expr), 32);
  t.true(parseFilter(p16, READ).ok);
  // 33rd node: pred 16, at 16 * 7
  t.deepEqual(err(p17), { message: MSG.tooManyTerms, column: 112 });
  // `!` counts: two nots + 31 = 33; 33rd node is pred 15 at 2 + 15 * 7
  t.deepEqual(err(`!!${p16}`), { message: MSG.tooManyTerms, column: 107 });
  // && counts too, and the column is after any leading whitespace
  const a17 = Array(17).fill('fd==1').join('&&');
  t.deepEqual(err(`  ${a17}`), { message: MSG.tooManyTerms, column: 114 });
  // 33 nots over one predicate
  t.deepEqual(err(`${'!'.repeat(32)}fd==1`), { message: MSG.tooManyTerms, column: 32 });
  t.true(parseFilter(`${'!'.repeat(31)}fd==1`, READ).ok);
});

// ---------------------------------------------------------------- S2.3 length limit (C1)

test('S2.3/C1 255 characters parse, 256 fail; surrounding whitespace is trimmed first', (t) => {
  t.is(MAX_FILTER_LENGTH, 255);
  const f255 = `fd ==${' '.repeat(249)}1`;
  t.is(f255.length, 255);
  t.true(parseFilter(f255, READ).ok);
  t.true(parseFilter(` \t\n${f255}\r\n \x0b\x0c`, READ).ok);
  const f256 = `fd ==${' '.repeat(250)}1`;
  t.deepEqual(err(f256), { message: MSG.filterTooLong, column: 255 });
  t.deepEqual(err(`   ${f256}`), { message: MSG.filterTooLong, column: 258 });
  // NUL is not whitespace (C1): it is not trimmed and counts.
  t.deepEqual(err(`${f255}\0`), { message: MSG.filterTooLong, column: 255 });
  t.is(MSG.filterTooLong, 'Filter string too long (at most 255 characters)');
});

// ---------------------------------------------------------------- S2.1 / C4 values

const value = (text: string, field = 'fd'): bigint | string => {
  const r = parseFilter(`${field} == ${text}`, READ);
  if (!r.ok) return r.error.message;
  return r.filter.kind === 'expr' && r.filter.expr.kind === 'pred' ? r.filter.expr.value : 'not a pred';
};

test('S2.1 values: decimal, 0x-hex (either case), 0-octal', (t) => {
  t.is(value('0'), 0n);
  t.is(value('42'), 42n);
  t.is(value('0x2a'), 42n);
  t.is(value('0X2A'), 42n);
  t.is(value('0xfFfF'), 0xffffn);
  t.is(value('052'), 42n);
  t.is(value('00'), 0n);
  t.is(value('0777'), 0o777n);
  t.is(value('08'), MSG.illegalInteger);
  t.is(value('09'), MSG.illegalInteger);
  t.is(value('0o7'), MSG.illegalInteger);
  t.is(value('0b1'), MSG.illegalInteger);
  t.is(value('1_000'), MSG.illegalInteger);
});

test('C4 64-bit range for unsigned fields: 2^64-1 ok, 2^64 illegal', (t) => {
  t.is(value('18446744073709551615'), (1n << 64n) - 1n);
  t.is(value('0xffffffffffffffff'), (1n << 64n) - 1n);
  t.is(value('01777777777777777777777'), (1n << 64n) - 1n);
  t.is(value('18446744073709551616'), MSG.illegalInteger);
  t.is(value('0x10000000000000000'), MSG.illegalInteger);
  t.is(value('02000000000000000000000'), MSG.illegalInteger);
  t.is(value('0x0000000000000000000ffffffffffffffff'), (1n << 64n) - 1n, 'leading zeros do not count');
  // kstrtoull takes any number of leading zeros: a long value is legal while the filter fits in 255.
  t.is(value(`0x${'0'.repeat(200)}ffffffffffffffff`), (1n << 64n) - 1n, 'long hex with leading zeros');
  t.is(value(`${'0'.repeat(240)}7`), 7n, 'long octal with leading zeros');
  t.is(value(`-${'0'.repeat(200)}1`, 'nr'), -1n, 'long negative with leading zeros');
});

test('C4 `-` only for nr and common_pid; signed range -2^63..2^63-1', (t) => {
  t.is(value('-1', 'nr'), -1n);
  t.is(value('-1', 'common_pid'), -1n);
  t.is(value('-0x10', 'nr'), -16n);
  t.is(value('-010', 'nr'), -8n);
  t.is(value('-0', 'nr'), 0n);
  t.is(value('-9223372036854775808', 'nr'), -(1n << 63n));
  t.is(value('-0x8000000000000000', 'nr'), -(1n << 63n));
  t.is(value('-9223372036854775809', 'nr'), MSG.illegalInteger);
  t.is(value('9223372036854775807', 'nr'), (1n << 63n) - 1n);
  t.is(value('9223372036854775808', 'nr'), MSG.illegalInteger);
  t.is(value('0x8000000000000000', 'common_pid'), MSG.illegalInteger);
  for (const f of ['fd', 'count', 'common_type', 'common_flags', 'common_preempt_count']) {
    t.is(value('-1', f), MSG.illegalInteger, f);
    t.is(value('-0x1', f), MSG.illegalInteger, f);
  }
  t.not(value('--1', 'nr'), -1n);
  t.not(value('- 1', 'nr'), -1n);
});

test('C4 unsigned narrow common fields still take 64-bit values (truncation is C5, at evaluation)', (t) => {
  t.is(value('0x10000', 'common_type'), 0x10000n);
  t.is(value('0x1ff', 'common_flags'), 0x1ffn);
  t.is(value('18446744073709551615', 'common_preempt_count'), (1n << 64n) - 1n);
  t.is(value('0x100000000', 'nr'), 0x100000000n);
});

test('parseInteger is total and exact', (t) => {
  t.is(parseInteger('', false), undefined);
  t.is(parseInteger('-', true), undefined);
  t.is(parseInteger('0x', false), undefined);
  t.is(parseInteger(' 1', false), undefined);
  t.is(parseInteger('1 ', false), undefined);
  t.is(parseInteger('+1', false), undefined);
  t.is(parseInteger('-1', false), undefined);
  t.is(parseInteger('-1', true), -1n);
  t.is(parseInteger('9'.repeat(100_000), false), undefined);
  t.is(parseInteger(`0x${'f'.repeat(100_000)}`, false), undefined);
});

// ---------------------------------------------------------------- S2.2 fields

test('S2.2 every argument name of every system call of both ABIs is a field', (t) => {
  let n = 0;
  for (const abi of ['x86_64', 'ia32'] as const) {
    for (const call of syscallTable(abi).calls) {
      call.args.forEach((a, i) => {
        const r = parseFilter(`${a.name} != 0`, call.args);
        const e = r.ok && r.filter.kind === 'expr' ? r.filter.expr : undefined;
        const want = call.args.findIndex((b) => b.name === a.name);
        if (!(e?.kind === 'pred' && e.field.kind === 'arg' && e.field.name === a.name && e.field.index === want)) {
          t.fail(`${abi} ${call.sysName} arg ${i} ${a.name}: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        }
        n++;
      });
    }
  }
  t.true(n > 1500);
});

test('S2.2 argument index follows the table order (mmap has six)', (t) => {
  const names = ['addr', 'len', 'prot', 'flags', 'fd', 'off'];
  t.deepEqual(MMAP.map((a) => a.name), names);
  names.forEach((name, index) => {
    t.deepEqual(expr(`${name} == 1`, MMAP), { kind: 'pred', field: { kind: 'arg', name, index }, op: '==', value: 1n });
  });
});

test('S2.2 nr and the common fields are fields of every call, even one with no arguments', (t) => {
  for (const args of [READ, []]) {
    t.deepEqual(expr('nr == 0', args), { kind: 'pred', field: { kind: 'nr', name: 'nr' }, op: '==', value: 0n });
    for (const name of COMMON_FIELDS) {
      t.deepEqual(expr(`${name} == 0`, args), { kind: 'pred', field: { kind: 'common', name }, op: '==', value: 0n });
    }
  }
  t.deepEqual([...COMMON_FIELDS].sort(), ['common_flags', 'common_pid', 'common_preempt_count', 'common_type']);
  t.deepEqual(err('fd == 0', []), { message: MSG.fieldNotFound, column: 0 });
});

test('S2.2 unknown fields, wrong case and other calls\' arguments are "Field not found"', (t) => {
  for (const f of ['foo', 'FD', 'Nr', 'filename', 'arg3', 'arg6', 'a0', 'common_', 'common_types', 'rdi', '_']) {
    t.deepEqual(err(`${f} == 1`), { message: MSG.fieldNotFound, column: 0 }, f);
  }
});

test('S2.2 an argument named nr (io_submit, futex_wake) is the argument, as in ftrace\'s field lookup', (t) => {
  const ioSubmit = x64.byNr(x64.resolve('io_submit')!)!.args;
  const idx = ioSubmit.findIndex((a) => a.name === 'nr');
  t.true(idx >= 0);
  t.deepEqual(expr('nr == 1', ioSubmit), { kind: 'pred', field: { kind: 'arg', name: 'nr', index: idx }, op: '==', value: 1n });
  // The argument is unsigned 64-bit: no `-`.
  t.deepEqual(err('nr == -1', ioSubmit), { message: MSG.illegalInteger, column: 6 });
});

// ---------------------------------------------------------------- S2.1 operators, ! and & [ext]

test('S2.1 every comparison operator, with and without spaces', (t) => {
  for (const op of ['==', '!=', '<', '<=', '>', '>=', '&']) {
    t.deepEqual(expr(`fd ${op} 3`), fd(op, 3n), op);
    t.deepEqual(expr(`fd${op}3`), fd(op, 3n), `${op} unspaced`);
  }
});

test('S2.1 [ext] `!` negates a predicate or a parenthesised expression, and nests', (t) => {
  t.deepEqual(expr('!fd == 1'), { kind: 'not', operand: fd('==', 1n) });
  t.deepEqual(expr('!(fd == 1)'), { kind: 'not', operand: fd('==', 1n) });
  t.deepEqual(expr('! ( fd == 1 || count > 2 )'), { kind: 'not', operand: { kind: 'or', left: fd('==', 1n), right: count('>', 2n) } });
  t.deepEqual(expr('!!fd == 1'), { kind: 'not', operand: { kind: 'not', operand: fd('==', 1n) } });
  // `!` binds tighter than &&
  t.deepEqual(expr('!fd == 1 && count > 2'), { kind: 'and', left: { kind: 'not', operand: fd('==', 1n) }, right: count('>', 2n) });
});

test('S2.1 [ext] `&` is a bit test, distinct from `&&`', (t) => {
  t.deepEqual(expr('prot & 4', MMAP), { kind: 'pred', field: { kind: 'arg', name: 'prot', index: 2 }, op: '&', value: 4n });
  t.deepEqual(expr('!(prot & 4)', MMAP), { kind: 'not', operand: { kind: 'pred', field: { kind: 'arg', name: 'prot', index: 2 }, op: '&', value: 4n } });
  t.deepEqual(expr('fd&1&&count&2'), { kind: 'and', left: fd('&', 1n), right: count('&', 2n) });
});

// ---------------------------------------------------------------- S2.1 precedence and grouping

test('S2.1 precedence: `a || b && c` groups as `a || (b && c)`', (t) => {
  const a = fd('==', 1n);
  const b = fd('==', 2n);
  const c = count('>', 3n);
  t.deepEqual(expr('fd == 1 || fd == 2 && count > 3'), { kind: 'or', left: a, right: { kind: 'and', left: b, right: c } });
  t.deepEqual(expr('fd == 1 && fd == 2 || count > 3'), { kind: 'or', left: { kind: 'and', left: a, right: b }, right: c });
  t.deepEqual(expr('(fd == 1 || fd == 2) && count > 3'), { kind: 'and', left: { kind: 'or', left: a, right: b }, right: c });
});

test('S2.1 || and && group to the left; parentheses override', (t) => {
  const a = fd('==', 1n);
  const b = fd('==', 2n);
  const c = fd('==', 3n);
  t.deepEqual(expr('fd == 1 || fd == 2 || fd == 3'), { kind: 'or', left: { kind: 'or', left: a, right: b }, right: c });
  t.deepEqual(expr('fd == 1 && fd == 2 && fd == 3'), { kind: 'and', left: { kind: 'and', left: a, right: b }, right: c });
  t.deepEqual(expr('fd == 1 || (fd == 2 || fd == 3)'), { kind: 'or', left: a, right: { kind: 'or', left: b, right: c } });
  t.deepEqual(expr('((((fd == 1))))'), a);
});

// ---------------------------------------------------------------- S2.1 / C1 whitespace

test('C1 every isspace character separates tokens, inside filters too', (t) => {
  const want = { kind: 'and', left: fd('==', 1n), right: count('>', 2n) };
  t.deepEqual(expr(' \t\n fd\t==\n1\r\n&&\x0bcount\x0c>\t2 \n'), want);
  t.deepEqual(expr('fd\n==\n1\n&&\ncount\n>\n2'), want);
  t.deepEqual(expr('(\tfd == 1\t)\t&&\t(\ncount > 2\n)'), want);
});

test('C1 NUL and other control or Unicode spaces are not whitespace', (t) => {
  for (const c of ['\0', '\x01', '\x1f', '\x7f', '\u00a0', '\u2028', '\ufeff', '\u3000']) {
    const r = err(`fd ==${c}1`);
    t.not(r, 'ok', JSON.stringify(c));
    if (r !== 'ok') t.is(r.column, 5, JSON.stringify(c));
  }
  const lead = err('\0 1');
  t.deepEqual(lead, { message: MSG.invalidCharacter, column: 0 });
});

test('S2.1 tokens cannot be split by whitespace', (t) => {
  t.not(err('fd = = 1'), 'ok');
  t.not(err('fd == 1 | | fd == 2'), 'ok');
  t.not(err('fd == 1 & & fd == 2'), 'ok');
  t.not(err('f d == 1'), 'ok');
});

// ---------------------------------------------------------------- S2.4 caret rendering

test('S2.4 caret() puts the caret under the column', (t) => {
  t.is(caret('sys_read: fd = 1', 13), 'sys_read: fd = 1\n             ^');
  t.is(caret('fd', 2), 'fd\n  ^');
  t.is(caret('', 0), '\n^');
  // Out-of-range columns are clamped, not thrown.
  t.is(caret('ab', 99), 'ab\n  ^');
  t.is(caret('ab', -5), 'ab\n^');
});

test('S2.4 caret() shows control characters and lone surrogates one cell each', (t) => {
  const [line, mark] = caret('a\tb\0c\ud800d', 5).split('\n');
  t.is(line, 'a b?c?d');
  t.is(mark, '     ^');
});

test('S2.4 caret() windows long lines so the caret stays visible', (t) => {
  const s = `${'x'.repeat(250)}Y${'x'.repeat(300)}`;
  const [line, mark] = caret(s, 250).split('\n');
  t.true(line!.length < 120);
  t.is(line![mark!.length - 1], 'Y');
  t.true(line!.startsWith('...'));
  t.true(line!.endsWith('...'));
  t.notThrows(() => caret('z'.repeat(1_000_000), 999_999));
});

test('S2.4 parseFilter error columns render with a caret at the offending token', (t) => {
  const text = 'fd == 1 || bogus < 2';
  const r = parseFilter(text, READ) as Extract<FilterResult, { ok: false }>;
  t.false(r.ok);
  const [, mark] = caret(text, r.error.column).split('\n');
  t.is(text.slice(mark!.length - 1), 'bogus < 2');
});
