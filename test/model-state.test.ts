/** Example tests of the model's pure pieces: evaluation (S3), merge (S5.4), policy texts (S5.2, C15), decisions (S6.3, S6.4). */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { parseFilter, type Filter } from '../src/grammar/index.ts';
import * as model from '../src/model/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import { ERRNO } from '../src/x86/errno.ts';

const READ = syscallTable('x86_64').byNr(0)!.args;
const filter = (text: string): Filter => {
  const r = parseFilter(text, READ);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  return r.filter;
};
const expr = (text: string) => {
  const f = filter(text);
  if (f.kind !== 'expr') throw new Error(`${text} is not an expression`);
  return f;
};
const rec = (fd: bigint, nr = 0): model.CallRecord => ({ nr, args: [fd, 0n, 0n, 0n, 0n, 0n] });
const right = <T>(e: E.Either<number, T>): T => {
  if (E.isLeft(e)) throw new Error(`errno ${e.left}`);
  return e.right;
};
const policy = (state: model.SeccompState, text: string, abi: Abi = 'x86_64') => model.applyPolicy(state, text, abi);

test('S3.3 arguments compare unsigned at 64 bits, nr signed at 32 (C5)', (t) => {
  t.false(model.evaluate(expr('fd < 10').expr, rec((1n << 64n) - 1n)));
  t.true(model.evaluate(expr('fd > 0x7fffffffffffffff').expr, rec(1n << 63n)));
  t.true(model.evaluate(expr('nr == 0x100000000').expr, rec(0n)));
  t.true(model.evaluate(expr('nr < 0').expr, rec(0n, -1)));
  t.true(model.evaluate(expr('nr == 0xffffffff').expr, rec(0n, -1)));
  t.true(model.evaluate(expr('common_pid == 0 && common_flags == 0x100').expr, rec(0n)));
});

test('S3.3 & is true when a bit is common; ! and || are boolean', (t) => {
  t.true(model.evaluate(expr('fd & 6').expr, rec(2n)));
  t.false(model.evaluate(expr('fd & 6').expr, rec(1n)));
  t.true(model.evaluate(expr('!(fd == 1) || fd == 1').expr, rec(1n)));
  t.true(model.filterAllows({ kind: 'allow' }, rec(7n)));
  t.false(model.filterAllows({ kind: 'drop' }, rec(7n)));
});

test('S5.4 reduce-only merge: 1 keeps, 1 is replaced, texts join with both sides parenthesised', (t) => {
  const a = expr('fd == 0 || fd == 2');
  t.is(right(model.reduceOnlyMerge(a, { kind: 'allow' }, 0, 'x86_64')), a);
  t.is(right(model.reduceOnlyMerge({ kind: 'allow' }, a, 0, 'x86_64')), a);
  const m = right(model.reduceOnlyMerge(expr('fd == 0'), expr('fd == 1 || fd == 2'), 0, 'x86_64'));
  t.is(model.filterText(m), '(fd == 0) && (fd == 1 || fd == 2)');
  t.false(model.filterAllows(m, rec(2n)));
});

test('S5.4/C24 a merge over 255 characters or 32 terms is E2BIG', (t) => {
  const long = expr(
    Array.from({ length: 5 }, (_, i) => `count != 0x${(0xfffffffffffffff0n + BigInt(i)).toString(16)}`).join(' && '),
  );
  t.deepEqual(model.reduceOnlyMerge(long, long, 0, 'x86_64'), E.left(ERRNO.E2BIG));
  const many = expr(Array.from({ length: 9 }, (_, i) => `fd==${i}`).join('||'));
  t.deepEqual(model.reduceOnlyMerge(many, many, 0, 'x86_64'), E.left(ERRNO.E2BIG));
});

test('S5.2/C13 a text in mode 0 merges repeated names and binds the ABI', (t) => {
  const s = right(policy(model.INITIAL_STATE, 'read: fd == 0 || fd == 1\nread: 1\nread: fd != 0\nwrite: 1\nwrite: 0'));
  t.is(s.mode, 2);
  t.is(s.abi, 'x86_64');
  t.deepEqual([...s.filters.keys()], [0]);
  t.is(model.filterText(s.filters.get(0)!), '(fd == 0 || fd == 1) && (fd != 0)');
});

test('C15/C26 the first failing line decides the errno, and nothing changes (S5.5)', (t) => {
  const s = right(policy(model.INITIAL_STATE, 'write: 1\nprctl: 1'));
  t.deepEqual(policy(s, 'write: fd == 1\nread: 1\nclose: fd =='), E.left(ERRNO.EACCES));
  t.deepEqual(policy(s, 'close: fd ==\nread: 1'), E.left(ERRNO.EINVAL));
  t.deepEqual(policy(s, 'on_next_syscall: 1'), E.left(ERRNO.EACCES)); // C14
  t.deepEqual(policy(s, 'read: 0\nsys_nope: 1'), E.left(ERRNO.EINVAL));
  t.deepEqual(policy(model.INITIAL_STATE, 'write: 1\nread fd'), E.left(ERRNO.EINVAL));
  t.deepEqual(policy(s, 'write: 1', 'ia32'), E.left(ERRNO.EACCES)); // S5.6
});

test('C12/C27 mode-0 SET binds the ABI, emptying the map unbinds it; CLEAR always succeeds', (t) => {
  const bound = right(model.setEntry(model.INITIAL_STATE, 0, filter('fd == 0'), 'ia32'));
  t.is(bound.abi, 'ia32');
  t.false(model.abiAllowsSet(bound, 'x86_64'));
  t.is(model.clearEntry(bound, 0, 'x86_64').abi, null);
  t.is(right(model.setEntry(bound, 0, { kind: 'drop' }, 'ia32')).abi, null);
  t.deepEqual(model.clearEntry(bound, 5, 'x86_64'), bound);
});

test('S6.4 decision order: pending first, then ABI, range, entry, filter', (t) => {
  const s = right(policy(model.INITIAL_STATE, 'on_next_syscall: 1\nread: fd == 0'));
  const first = model.decide(s, 'ia32', rec(9n, 20));
  t.true(first.allow);
  t.false(first.state.pending);
  t.false(model.decide(first.state, 'ia32', rec(0n, 0)).allow);
  t.false(model.decide(first.state, 'x86_64', rec(0n, 470)).allow);
  t.false(model.decide(first.state, 'x86_64', rec(0n, -1)).allow);
  t.false(model.decide(first.state, 'x86_64', rec(0n, 1)).allow);
  t.true(model.decide(first.state, 'x86_64', rec(0n, 0)).allow);
  t.false(model.decide(first.state, 'x86_64', rec(1n, 0)).allow);
});

test('S6.3 strict sets, S3.2 compat records, C8 numbers, C22 log names', (t) => {
  t.deepEqual(
    [0, 1, 15, 60, 231].map((nr) => model.strictAllowed('x86_64', nr)),
    [true, true, true, true, false],
  );
  t.deepEqual(
    [1, 3, 4, 119, 252].map((nr) => model.strictAllowed('ia32', nr)),
    [true, true, true, true, false],
  );
  const [m, pid] = model.spawn(model.initialMachine(), 'x86_64', 'a');
  const regs = m.tasks.get(pid)!.regs;
  t.is(model.syscallNr(0x1_0000_0027n), 39);
  t.is(model.syscallNr(0xffff_ffffn), -1);
  const r = model.recordOfRegs({ ...regs, rax: 3n, rbx: 0x1_0000_0001n, rdi: 7n }, 'ia32');
  t.deepEqual(r, { nr: 3, args: [1n, 0n, 0n, 0n, 7n, 0n] });
  t.is(model.killLog('app', 4, 1073741824, 'x86_64', 0xabcn), 'app[4]: system call 1073741824 (?) blocked at ip:abc');
  t.is(model.killLog('app', 4, 3, 'ia32', 0n), 'app[4]: system call 3 (sys_read) blocked at ip:0');
});

test('C25 in mode 1 a per-call SET is EPERM (strict mode kills prctl first, so only the pure function shows it)', (t) => {
  const strict: model.SeccompState = { ...model.INITIAL_STATE, mode: 1 };
  const caller = {
    state: strict,
    memory: new Map([
      [0n, 0x31],
      [1n, 0],
    ]),
    abi: 'x86_64' as const,
  };
  t.deepEqual(model.setFilter(caller, 0n, 0n), E.left(ERRNO.EPERM));
  t.deepEqual(model.setFilter(caller, 470n, 0n), E.left(ERRNO.EINVAL));
  t.true(E.isRight(model.clearFilter(caller, 0n)));
});
