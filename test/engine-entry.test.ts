/**
 * The entry path of the engine (S6): vectors and TS_COMPAT, orig_rax,
 * strict mode's sets, filter-mode order, -ENOSYS dispatch, kills and their
 * log lines, and the fast entries (enter, decide).
 */
import test from 'ava';
import { VERDICT, Kernel, R, STATUS } from '../src/kernel/index.ts';
import { ERRNO } from '../src/x86/errno.ts';
import { call, err, oneTask, ret } from './support/engine.ts';

test('S6.1 syscall is native from 64-bit code and compat from 32-bit code; int80 and sysenter are compat (C9)', (t) => {
  const [k, p64] = oneTask('x86_64');
  const p32 = k.spawn('ia32', 'old');
  // getpid is 39 natively and 20 in compat; gettid 186 and 224.
  t.deepEqual(k.syscall(p64, 'syscall', { rax: 39n }), ret(1n));
  t.deepEqual(k.syscall(p64, 'int80', { rax: 20n }), ret(1n));
  t.deepEqual(k.syscall(p64, 'sysenter', { rax: 224n }), ret(1n));
  t.deepEqual(k.syscall(p32, 'syscall', { rax: 20n }), ret(2n));
  t.deepEqual(k.syscall(p32, 'syscall', { rax: 39n }), ret(0n), 'compat 39 is mkdir: default result');
});

test('S6.2, C8 orig_rax keeps the full rax; nr is eax as a signed int', (t) => {
  const [k, pid] = oneTask();
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 0x1_0000_0027n }), ret(1n), 'low 32 bits 39: getpid');
  t.is(k.view().tasks[0]!.regs.orig_rax, 0x1_0000_0027n);
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 0xffff_ffffn }), ret(err(ERRNO.ENOSYS)), 'nr -1');
});

test('S6.5 out of range and not-implemented slots return -ENOSYS; others the configured result', (t) => {
  const k = new Kernel({ defaultResult: -5n });
  const pid = k.spawn('x86_64', 'p');
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 100000n }), ret(err(ERRNO.ENOSYS)));
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 0x4000_0000n }), ret(err(ERRNO.ENOSYS)), 'x32 numbers are out of range');
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 0n }), ret(err(5)), 'read: the default result as u64');
  t.deepEqual(k.syscall(pid, 'int80', { rax: 17n }), ret(err(ERRNO.ENOSYS)), 'ia32 17 is sys_ni_syscall');
});

test('S6.3 strict mode allows read, write, exit, rt_sigreturn natively and kills the rest without a log line', (t) => {
  const [k, pid] = oneTask();
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 22n, 1n), ret(0n));
  for (const nr of [0n, 1n, 15n]) t.is(k.syscall(pid, 'syscall', { rax: nr }).kind, 'return');
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 231n }), { kind: 'killed', log: null }, 'exit_group is not in the set');
  t.deepEqual(k.log, []);
});

test('S6.3 strict mode uses the compat set for compat calls (exit, read, write, sigreturn)', (t) => {
  const [k, pid] = oneTask();
  call(k, pid, 'syscall', 'prctl', 22n, 1n);
  for (const nr of [3n, 4n, 119n]) t.is(k.syscall(pid, 'int80', { rax: nr }).kind, 'return');
  t.is(k.decide(pid, 'int80', 0, []), VERDICT.KILL, 'compat 0 is restart_syscall');
  t.deepEqual(k.syscall(pid, 'int80', { rax: 1n, rbx: 0x1234n }), { kind: 'exited', code: 0x34 });
});

test('S6.4 filter mode: no entry, out of range and x32 numbers kill with a log line (C22)', (t) => {
  const [k, pid] = oneTask('x86_64', 'victim');
  t.like(k.installPolicy(pid, 'read: 1\nwrite: fd == 1'), ret(0n));
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 0n }), ret(0n));
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 1n, rdi: 1n }), ret(0n));
  const killed = k.syscall(pid, 'syscall', { rax: 2n, rip: 0xdead_beefn });
  t.deepEqual(killed, { kind: 'killed', log: 'victim[1]: system call 2 (sys_open) blocked at ip:deadbeef' });
  t.deepEqual(k.log, ['victim[1]: system call 2 (sys_open) blocked at ip:deadbeef']);
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 0n }), { kind: 'no_task' });
  const q = k.spawn('x86_64', 'x32');
  k.installPolicy(q, 'read: 1');
  t.deepEqual(k.syscall(q, 'syscall', { rax: 0x4000_0000n }), {
    kind: 'killed',
    log: 'x32[2]: system call 1073741824 (?) blocked at ip:0',
  });
});

test('S6.4 an expression is evaluated on the record: native registers at full width, compat ones zero-extended (S3.2)', (t) => {
  const [k, pid] = oneTask();
  k.installPolicy(pid, 'write: fd == 0x100000001 || count > 0xffffffff\nread: 1', 'syscall');
  t.is(k.decide(pid, 'syscall', 1, [1, 1, 0, 0, 0, 0]), VERDICT.ALLOW);
  t.is(k.decide(pid, 'syscall', 1, [1, 0, 0, 0, 0, 0]), VERDICT.KILL);
  t.is(k.decide(pid, 'syscall', 1, [0, 0, 0, 0, 0, 1]), VERDICT.ALLOW);
  const c = k.spawn('x86_64', 'c');
  k.installPolicy(c, 'write: fd == 1 && count < 0x100000000', 'int80');
  t.deepEqual(k.syscall(c, 'int80', { rax: 4n, rbx: 0xffff_ffff_0000_0001n, rdx: 0xffff_ffff_ffff_ffffn }), ret(0n));
});

test('S6.4, S5.6 a call through the other ABI is killed even when its number has an entry', (t) => {
  const [k, pid] = oneTask();
  k.installPolicy(pid, 'read: 1\nsys_exit: 1', 'syscall');
  t.is(k.decide(pid, 'int80', 0, []), VERDICT.KILL);
  t.deepEqual(k.syscall(pid, 'int80', { rax: 0n }), {
    kind: 'killed',
    log: 'prog[1]: system call 0 (sys_restart_syscall) blocked at ip:0',
  });
});

test('S5.2, S6.4 on_next_syscall allows exactly one call, checked or not, then filters', (t) => {
  const [k, pid] = oneTask();
  k.installPolicy(pid, 'on_next_syscall: 1\nread: 1');
  t.true(k.view().tasks[0]!.seccomp.pending);
  t.regex(k.procSeccompFilter(pid)!, /^Filtering: 0\n/);
  t.is(k.decide(pid, 'int80', 5, []), VERDICT.ALLOW, 'decide does not consume the grant');
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 2n }), ret(0n), 'open passes once');
  t.false(k.view().tasks[0]!.seccomp.pending);
  t.regex(k.procSeccompFilter(pid)!, /^Filtering: 1\n/);
  t.is(k.syscall(pid, 'syscall', { rax: 2n }).kind, 'killed');
});

test('the fast entry: registers as uint32 words, a STATUS, the result in the row', (t) => {
  const [k, pid] = oneTask();
  k.installPolicy(pid, 'read: fd == 3\nfutex: 1');
  const { words, base } = k.registers(pid)!;
  t.is(k.registers(99), undefined);
  words[base + R.rax] = 0;
  words[base + R.rdi] = 3;
  t.is(k.enter(pid, 'syscall'), STATUS.RETURNED);
  t.is(words[base + R.orig_rax], 0);
  words[base + R.rax] = 202;
  t.is(k.enter(pid, 'syscall'), STATUS.RETURNED);
  words[base + R.rax] = 0;
  words[base + R.rdi] = 4;
  t.is(k.enter(pid, 'syscall'), STATUS.KILLED);
  t.is(k.enter(pid, 'syscall'), STATUS.NO_TASK);
  t.is(k.decide(pid, 'syscall', 0, []), VERDICT.NO_TASK);
});
