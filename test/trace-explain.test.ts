/**
 * Explanations: the deciding subexpression and the field values
 * it read, evaluated exactly as S3.3 and C4/C5 say; the S6.3/S6.4 steps.
 */
import test from 'ava';
import { parseFilter, type Filter } from '../src/grammar/index.ts';
import { recordOfCall, explainDecision, showWhy, why, type DecisionState } from '../src/trace/index.ts';
import { syscallTable } from '../src/x86/table.ts';

const WRITE = syscallTable('x86_64').byNr(1)!.args;

function expr(text: string): Extract<Filter, { kind: 'expr' }> {
  const r = parseFilter(text, WRITE);
  if (!r.ok || r.filter.kind !== 'expr') throw new Error(`bad filter ${text}`);
  return r.filter;
}

const write = (fd: bigint, buf = 0x1000n, count = 12n) => recordOfCall('x86_64', 1, [fd, buf, count]);
const explain = (text: string, fd: bigint, count = 12n): string =>
  showWhy(why(expr(text).expr, write(fd, 0x1000n, count)));

test('a false disjunction names every field it read', (t) => {
  t.is(explain('fd == 1 || fd == 2', 3n), '`fd == 1 || fd == 2` is false because fd = 3');
  t.is(explain('fd == 1 || count > 100', 3n), '`fd == 1 || count > 100` is false because fd = 3, count = 12');
});

test('a false conjunction blames its first false operand', (t) => {
  t.is(explain('fd == 1 && count < 10', 1n), '`count < 10` is false because count = 12');
  t.is(explain('(fd == 1 || fd == 2) && count < 10', 5n), '`fd == 1 || fd == 2` is false because fd = 5');
});

test('true results name the operand that settled them', (t) => {
  t.is(explain('fd == 1 || fd == 2', 2n), '`fd == 2` is true because fd = 2');
  t.is(explain('fd == 1 && count == 12', 1n), '`fd == 1 && count == 12` is true because fd = 1, count = 12');
});

test('negation explains through its operand', (t) => {
  t.is(explain('!(fd == 1)', 1n), '`!(fd == 1)` is false because fd = 1');
});

test('values above 0xffff print in hex', (t) => {
  t.is(explain('count <= 0xffff', 1n, 0x10000n), '`count <= 65535` is false because count = 0x10000');
});

test('S3.3 comparisons: unsigned for arguments, & as a test of any common bit', (t) => {
  t.false(why(expr('fd < 0x7fffffffffffffff').expr, write((1n << 64n) - 1n)).value);
  t.true(why(expr('count & 0x10').expr, write(0n, 0n, 0x30n)).value);
  t.false(why(expr('count & 0x10').expr, write(0n, 0n, 0x20n)).value);
});

test('C5: nr compares as a signed 32-bit value, the literal cut to 32 bits', (t) => {
  t.true(why(expr('nr == 0x100000001').expr, write(0n)).value);
  t.true(why(expr('nr > -1').expr, write(0n)).value);
  t.true(why(expr('common_pid == 0 && common_type == 0').expr, write(0n)).value);
});

test('S3.2: compat arguments are the low 32 bits', (t) => {
  t.deepEqual(recordOfCall('ia32', 4, [0x1_0000_0001n]).args, [1n, 0n, 0n, 0n, 0n, 0n]);
  t.is(recordOfCall('x86_64', 0x1_0000_0001, []).nr, 1);
});

const MODE2: DecisionState = { mode: 2, abi: 'x86_64', pending: false };

test('S6.4 steps in order: pending, ABI, range, no entry, 1, expression', (t) => {
  const rec = write(3n);
  const f = expr('fd == 1');
  t.like(explainDecision({ ...MODE2, pending: true }, 'x86_64', rec, f), { allowed: true, step: 'pending' });
  t.like(explainDecision(MODE2, 'ia32', rec, f), {
    allowed: false,
    step: 'abi',
    reason: 'the filters are for x86_64 but the call enters as ia32 (S6.4)',
  });
  t.like(explainDecision(MODE2, 'x86_64', { nr: 5000, args: rec.args }, undefined), { allowed: false, step: 'range' });
  t.like(explainDecision(MODE2, 'x86_64', rec, undefined), {
    allowed: false,
    step: 'no_entry',
    reason: 'the policy has no entry for sys_write (nr 1) (S3.4)',
  });
  t.like(explainDecision(MODE2, 'x86_64', rec, { kind: 'allow' }), { allowed: true, step: 'allow', entry: '1' });
  const d = explainDecision(MODE2, 'x86_64', rec, f);
  t.like(d, { allowed: false, step: 'expr', entry: 'fd == 1', reason: '`fd == 1` is false because fd = 3' });
  t.deepEqual(d.why?.fields, [{ name: 'fd', value: 3n }]);
});

test('mode 0 allows everything; strict mode allows only its four calls (S6.3)', (t) => {
  t.like(explainDecision({ mode: 0, abi: null, pending: false }, 'x86_64', write(9n), undefined), {
    allowed: true,
    step: 'disabled',
  });
  t.like(explainDecision({ mode: 1, abi: null, pending: false }, 'x86_64', write(9n), undefined), {
    allowed: true,
    step: 'strict',
  });
  t.like(
    explainDecision({ mode: 1, abi: null, pending: false }, 'x86_64', recordOfCall('x86_64', 231, []), undefined),
    {
      allowed: false,
    },
  );
  t.like(explainDecision({ mode: 1, abi: null, pending: false }, 'ia32', recordOfCall('ia32', 4, []), undefined), {
    allowed: true,
  });
});
