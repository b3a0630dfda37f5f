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
