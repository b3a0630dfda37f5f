/**
 * Filter strings (S2.1 to S2.4, C1 to C6): the forms `1`, `0` and
 * expressions, every ftrace message with its exact 0-based column, the
 * limits, and caret rendering. Values, fields, operators, precedence and
 * whitespace are in grammar-values.test.ts.
 */
import test from 'ava';
import {
  MAX_FILTER_LENGTH,
  MAX_TERMS,
  MSG,
  caret,
  parseFilter,
  termCount,
  type FilterResult,
} from '../src/grammar/index.ts';
import { err, READ } from './support/filters.ts';

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
