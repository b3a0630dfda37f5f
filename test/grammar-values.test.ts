/**
 * Filter strings, continued (S2.1, S2.2, C1, C4): values and their
 * ranges, fields, operators, precedence and whitespace. Forms, messages,
 * limits and carets are in grammar-filter.test.ts.
 */
import test from 'ava';
import { COMMON_FIELDS, MSG, parseFilter, parseInteger } from '../src/grammar/index.ts';
import { syscallTable } from '../src/x86/table.ts';
import { count, err, expr, fd, MMAP, READ, x64 } from './support/filters.ts';

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
          t.fail(
            `${abi} ${call.sysName} arg ${i} ${a.name}: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
          );
        }
        n++;
      });
    }
  }
  t.true(n > 1500);
});

test('S2.2 argument index follows the table order (mmap has six)', (t) => {
  const names = ['addr', 'len', 'prot', 'flags', 'fd', 'off'];
  t.deepEqual(
    MMAP.map((a) => a.name),
    names,
  );
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

test("S2.2 an argument named nr (io_submit, futex_wake) is the argument, as in ftrace's field lookup", (t) => {
  const ioSubmit = x64.byNr(x64.resolve('io_submit')!)!.args;
  const idx = ioSubmit.findIndex((a) => a.name === 'nr');
  t.true(idx >= 0);
  t.deepEqual(expr('nr == 1', ioSubmit), {
    kind: 'pred',
    field: { kind: 'arg', name: 'nr', index: idx },
    op: '==',
    value: 1n,
  });
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
  t.deepEqual(expr('! ( fd == 1 || count > 2 )'), {
    kind: 'not',
    operand: { kind: 'or', left: fd('==', 1n), right: count('>', 2n) },
  });
  t.deepEqual(expr('!!fd == 1'), { kind: 'not', operand: { kind: 'not', operand: fd('==', 1n) } });
  // `!` binds tighter than &&
  t.deepEqual(expr('!fd == 1 && count > 2'), {
    kind: 'and',
    left: { kind: 'not', operand: fd('==', 1n) },
    right: count('>', 2n),
  });
});

test('S2.1 [ext] `&` is a bit test, distinct from `&&`', (t) => {
  t.deepEqual(expr('prot & 4', MMAP), {
    kind: 'pred',
    field: { kind: 'arg', name: 'prot', index: 2 },
    op: '&',
    value: 4n,
  });
  t.deepEqual(expr('!(prot & 4)', MMAP), {
    kind: 'not',
    operand: { kind: 'pred', field: { kind: 'arg', name: 'prot', index: 2 }, op: '&', value: 4n },
  });
  t.deepEqual(expr('fd&1&&count&2'), { kind: 'and', left: fd('&', 1n), right: count('&', 2n) });
});

// ---------------------------------------------------------------- S2.1 precedence and grouping

test('S2.1 precedence: `a || b && c` groups as `a || (b && c)`', (t) => {
  const a = fd('==', 1n);
  const b = fd('==', 2n);
  const c = count('>', 3n);
  t.deepEqual(expr('fd == 1 || fd == 2 && count > 3'), {
    kind: 'or',
    left: a,
    right: { kind: 'and', left: b, right: c },
  });
  t.deepEqual(expr('fd == 1 && fd == 2 || count > 3'), {
    kind: 'or',
    left: { kind: 'and', left: a, right: b },
    right: c,
  });
  t.deepEqual(expr('(fd == 1 || fd == 2) && count > 3'), {
    kind: 'and',
    left: { kind: 'or', left: a, right: b },
    right: c,
  });
});

test('S2.1 || and && group to the left; parentheses override', (t) => {
  const a = fd('==', 1n);
  const b = fd('==', 2n);
  const c = fd('==', 3n);
  t.deepEqual(expr('fd == 1 || fd == 2 || fd == 3'), { kind: 'or', left: { kind: 'or', left: a, right: b }, right: c });
  t.deepEqual(expr('fd == 1 && fd == 2 && fd == 3'), {
    kind: 'and',
    left: { kind: 'and', left: a, right: b },
    right: c,
  });
  t.deepEqual(expr('fd == 1 || (fd == 2 || fd == 3)'), {
    kind: 'or',
    left: a,
    right: { kind: 'or', left: b, right: c },
  });
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
