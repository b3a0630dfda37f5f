import test from 'ava';
import { lintPolicy, parsePolicy } from '../src/grammar/index.ts';
import type { Abi } from '../src/x86/table.ts';

const lint = (text: string, abi: Abi = 'x86_64'): readonly string[] => {
  const r = parsePolicy(text, abi);
  if (!r.ok) throw new Error(`fixture does not parse: ${r.errors[0]?.message}`);
  return lintPolicy(r.policy).map((w) => `${w.line}: ${w.message}`);
};

test('S10a: an int-typed argument compared above 0xffffffff is reported', (t) => {
  t.deepEqual(lint('sys_read: fd == 0x100000000'), [
    "1: 'fd == 0x100000000': 'fd' is unsigned int; a value above 0xffffffff compares the register's undefined upper half",
  ]);
});

test('S10a: a 64-bit argument may be compared above 0xffffffff without warning', (t) => {
  t.deepEqual(lint('sys_read: count > 0x100000000'), []);
});

test('S10a: on ia32 every value above 0xffffffff is unreachable (S3.2)', (t) => {
  const w = lint('read: count > 0x100000000', 'ia32');
  t.true(w.some((m) => m.includes('compat arguments are 32 bits')));
  t.true(w.some((m) => m.includes('always false')));
});

test("S10a: '& 0' is never true", (t) => {
  t.deepEqual(lint('sys_mmap: prot & 0'), ["1: 'prot & 0': '& 0' is never true"]);
});

test('S10a: always-true and always-false predicates are reported', (t) => {
  t.deepEqual(lint('sys_read: fd >= 0 || buf < 0 || nr == 5 || common_pid == 0 || nr == 0'), [
    "1: 'fd >= 0' is always true",
    "1: 'buf < 0' is always false",
    "1: 'nr == 5' is always false",
    "1: 'common_pid == 0' is always true",
    "1: 'nr == 0' is always true",
    "1: 'fd >= 0 || buf < 0 || nr == 5 || common_pid == 0 || nr == 0' is true for every call: it checks nothing (write '1' if that is meant)",
  ]);
});

test('S10a: prctl and execve allowed without argument checks are reported', (t) => {
  t.deepEqual(lint('prctl: 1\nsys_execve: 1\nsys_read: 1'), [
    '1: sys_prctl is allowed without argument checks',
    '2: sys_execve is allowed without argument checks',
  ]);
  t.deepEqual(lint('prctl: option == 21'), []);
});

test('S10a: a clean policy has no warnings', (t) => {
  t.deepEqual(lint('sys_read: fd == 0 || fd == 2\nsys_write: fd <= 2 && count < 4096\nsys_mmap: !(prot & 4)'), []);
});

test('S10a: a negative value compared with nr is reported (pins the rule: nr is never negative in range)', (t) => {
  t.deepEqual(lint('sys_read: nr != -1'), ["1: 'nr != -1': negative value for nr", "1: 'nr != -1' is always true"]);
});

// Each rule pinned by an exact list (removing the rule fails its test).

test('S10a, S5.4: a repeated name is said to merge with &&, and a merge that can never be true is said so', (t) => {
  t.deepEqual(lint('read: fd == 0\nwrite: 1\nread: count < 10'), [
    '3: sys_read appears again (line 1): the filters merge with && (S5.4)',
  ]);
  t.deepEqual(lint('read: fd == 0\nread: fd == 1'), [
    '2: sys_read appears again (line 1): the filters merge with && (S5.4), and the merged filter can never be true: every sys_read call is killed',
  ]);
  t.deepEqual(lint('read: fd < 5\nread: 1'), [
    "2: sys_read appears again (line 1): '1' for an existing entry changes nothing (S5.4)",
  ]);
  t.deepEqual(lint('read: fd < 5\nread: 0\nwrite: 1'), [
    "2: 'read: 0' drops the entry of lines 1 (S5.4): sys_read is killed from here on",
  ]);
});

test('S10a: a filter no call can satisfy, or every call satisfies, is reported (intervals per field)', (t) => {
  t.deepEqual(lint('read: fd < 3 && fd > 5'), [
    "1: 'fd < 3 && fd > 5' can never be true: every read call is killed (write '0' or drop the line if that is meant)",
  ]);
  t.deepEqual(lint('read: fd <= 3 || fd > 2'), [
    "1: 'fd <= 3 || fd > 2' is true for every call: it checks nothing (write '1' if that is meant)",
  ]);
  t.deepEqual(lint('read: !(fd == 1) || !(fd != 1)'), [
    "1: '!(fd == 1) || !(fd != 1)' is true for every call: it checks nothing (write '1' if that is meant)",
  ]);
  t.deepEqual(lint('write: count > 0xffffffff && fd == 1', 'ia32'), [
    "1: 'count > 0xffffffff' is always false",
    "1: 'count > 0xffffffff && fd == 1' can never be true: every write call is killed (write '0' or drop the line if that is meant)",
  ]);
  // `&` is free for the reasoning: these depend on the call.
  t.deepEqual(lint('read: fd & 1 && !(fd & 2) || fd == 9'), []);
  t.deepEqual(lint('read: fd < 3 && count > 5 || fd > 9'), []);
});

test('S10a, S3.4: a policy that allows no call is reported: it kills every call', (t) => {
  t.deepEqual(lint('# nothing yet\n'), [
    '0: the policy allows no system call: once installed it kills every call (S3.4)',
  ]);
  t.deepEqual(lint('on_next_syscall: 1\nread: 0'), [
    '2: the policy allows no system call: once installed it kills every call after the first (on_next_syscall) (S3.4)',
  ]);
  t.deepEqual(lint('read: 1'), []);
});
