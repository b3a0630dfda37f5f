/**
 * Tasks on the engine (S7, S8): fork/vfork/clone with copy-on-write state
 * and memory, execve, exit and exit_group, pids, and /proc text.
 */
import test from 'ava';
import { VERDICT } from '../src/kernel/index.ts';
import { ERRNO } from '../src/x86/errno.ts';
import { call, err, oneTask, putText, ret } from './support/engine.ts';

test('S7.1, C18 fork copies registers (rax 0), memory and seccomp state; both evolve independently', (t) => {
  const [k, parent] = oneTask('x86_64', 'daemon');
  k.writeMemory(parent, 0x100n, [1, 2, 3]);
  k.installPolicy(parent, 'fork: 1\nprctl: 1\nread: fd < 10\nwrite: 1');
  t.deepEqual(k.syscall(parent, 'syscall', { rax: 57n, rip: 0x4000n }), ret(2n));
  const [p, c] = k.view().tasks;
  t.is(c!.regs.rax, 0n);
  t.deepEqual({ ...c!.regs, rax: p!.regs.rax }, p!.regs);
  t.deepEqual(c!.seccomp, p!.seccomp);
  t.deepEqual(c!.memory, p!.memory);
  t.is(c!.tgid, 2);
  // The child narrows read and writes memory; the parent is untouched.
  t.like(k.installPolicy(2, 'read: fd == 0\nwrite: 0'), ret(0n));
  k.writeMemory(2, 0x100n, [9]);
  t.is(k.decide(1, 'syscall', 0, [5, 0]), VERDICT.ALLOW);
  t.is(k.decide(2, 'syscall', 0, [5, 0]), VERDICT.KILL);
  t.is(k.decide(1, 'syscall', 1, []), VERDICT.ALLOW);
  t.is(k.decide(2, 'syscall', 1, []), VERDICT.KILL);
  t.deepEqual([...k.readMemory(1, 0x100n, 3)!], [1, 2, 3]);
  t.deepEqual([...k.readMemory(2, 0x100n, 3)!], [9, 2, 3]);
  t.notDeepEqual(k.procSeccompFilter(1), k.procSeccompFilter(2));
});

test('S7.2, C18, C21 clone with CLONE_THREAD joins the thread group; getpid is the tgid, gettid the pid', (t) => {
  const [k, pid] = oneTask();
  t.deepEqual(call(k, pid, 'syscall', 'clone', 0x10000n), ret(2n));
  t.deepEqual(call(k, pid, 'syscall', 'vfork'), ret(3n));
  t.deepEqual(call(k, 2, 'syscall', 'getpid'), ret(1n));
  t.deepEqual(call(k, 2, 'syscall', 'gettid'), ret(2n));
  t.deepEqual(call(k, 3, 'syscall', 'getpid'), ret(3n));
  t.deepEqual(call(k, 2, 'int80', 'exit_group', 0x1ffn), { kind: 'exited', code: 0xff });
  t.deepEqual(k.pids(), [3], 'C20 exit_group ends the thread group only');
  t.deepEqual(call(k, 3, 'syscall', 'fork'), ret(4n), 'C21 pids are never reused');
});

test('S7.2, C19, C29 execve sets comm to the base name cut to 15 characters and empties memory', (t) => {
  const [k, pid] = oneTask('ia32', 'sh');
  k.installPolicy(pid, 'execve: 1');
  putText(k, pid, 0x1000n, '/usr/local/bin/a-very-long-program');
  t.deepEqual(call(k, pid, 'syscall', 'execve', 0x1000n), ret(0n));
  const task = k.view().tasks[0]!;
  t.is(task.comm, 'a-very-long-pro');
  t.deepEqual(task.memory, []);
  t.is(task.seccomp.mode, 2, 'S7.2 execve keeps the seccomp state');
  t.deepEqual(call(k, pid, 'syscall', 'execve', 0x1000n), ret(err(ERRNO.EFAULT)));
  putText(k, pid, 0x1000n, 'dir/');
  t.deepEqual(call(k, pid, 'syscall', 'execve', 0x1000n), ret(0n));
  t.is(k.view().tasks[0]!.comm, '');
});

test('S7.2, C20 exit ends only the caller, with the low 8 bits of its argument', (t) => {
  const [k, pid] = oneTask();
  call(k, pid, 'syscall', 'clone', 0x10000n);
  t.deepEqual(call(k, pid, 'syscall', 'exit', 0x1234n), { kind: 'exited', code: 0x34 });
  t.deepEqual(k.pids(), [2]);
  t.deepEqual(call(k, pid, 'syscall', 'getpid'), { kind: 'no_task' });
  t.is(k.procSeccompFilter(pid), undefined);
});

test('S7.3, C16 user memory: host writes map bytes; out-of-range or bad bytes are refused; reads of holes fail', (t) => {
  const [k, pid] = oneTask();
  t.true(k.writeMemory(pid, 0xffff_ffff_ffff_fffen, [1, 2]));
  t.false(k.writeMemory(pid, 0xffff_ffff_ffff_ffffn, [1, 2]));
  t.false(k.writeMemory(pid, 0n, [256]));
  t.false(k.writeMemory(99, 0n, [1]));
  t.is(k.readMemory(pid, 0xffff_ffff_ffff_fffdn, 2), undefined);
  t.deepEqual(k.view().tasks[0]!.memory, [
    [0xffff_ffff_ffff_fffen, 1],
    [0xffff_ffff_ffff_ffffn, 2],
  ]);
  t.deepEqual(
    call(k, pid, 'syscall', 'prctl', 22n, 2n, 0xffff_ffff_ffff_fffen),
    ret(err(ERRNO.EFAULT)),
    'no NUL before the end of memory',
  );
});

test('S8, C23 /proc/<pid>/seccomp_filter lists entries in ascending nr with their sys_ names', (t) => {
  const [k, pid] = oneTask('x86_64');
  t.is(k.procSeccompFilter(pid), 'Filtering: 0\nFilterCount: 0\n');
  // S1.3 on ia32 `sys_stat` is 18 and `stat` is 106 (sys_newstat).
  k.installPolicy(pid, 'sys_write: fd == 1\nread: 1\n0x16: 1\nstat: 1\nsys_stat: 1', 'int80');
  t.is(
    k.procSeccompFilter(pid),
    [
      'Filtering: 1',
      'FilterCount: 5',
      'SystemCall: 3 (sys_read)',
      'Filter: 1',
      'SystemCall: 4 (sys_write)',
      'Filter: fd == 1',
      'SystemCall: 18 (sys_stat)',
      'Filter: 1',
      'SystemCall: 22 (sys_oldumount)',
      'Filter: 1',
      'SystemCall: 106 (sys_newstat)',
      'Filter: 1',
      '',
    ].join('\n'),
  );
});

test("S9.4 the engine's readMemory answers a negative, fractional or huge length with none", (t) => {
  const [k, pid] = oneTask();
  t.true(k.writeMemory(pid, 0x1000n, [1, 2, 3]));
  for (const len of [-1, 1.5, NaN, Infinity, 1e12, 2 ** 53])
    t.is(k.readMemory(pid, 0x1000n, len), undefined, `len ${len}`);
  t.deepEqual([...(k.readMemory(pid, 0x1000n, 3) ?? [])], [1, 2, 3]);
});

// The observers hand out snapshots: reading the machine cannot change it
// (S4, S5.5, S6.6, S9.1).
test('S6.6 the log getter gives a snapshot: a value read before a kill does not grow', (t) => {
  const [k, pid] = oneTask('x86_64', 'victim');
  k.installPolicy(pid, 'getpid: 1');
  const before = k.log;
  t.deepEqual(before, []);
  k.syscall(pid, 'syscall', { rax: 1n }); // write: no entry, killed with a log line
  t.is(before.length, 0, 'a log value read before the kill changed afterwards');
});

test('S6.6 a caller cannot rewrite the kernel log through the log getter', (t) => {
  const [k, pid] = oneTask('x86_64', 'victim');
  k.installPolicy(pid, 'getpid: 1');
  k.syscall(pid, 'syscall', { rax: 1n });
  try {
    (k.log as string[]).push('forged[9]: system call 0 (sys_read) blocked at ip:0');
  } catch {
    // a frozen copy is what we want
  }
  t.deepEqual(k.view().log, ['victim[1]: system call 1 (sys_write) blocked at ip:0']);
});

test('S5.5 filterFor hands out a filter a reader cannot change: /proc and later merges keep the installed text', (t) => {
  const [k, pid] = oneTask('x86_64', 'app');
  k.installPolicy(pid, 'write: fd == 1\nprctl: 1');
  const f = k.filterFor(pid, 1) as { text: string };
  const proc = k.procSeccompFilter(pid);
  try {
    f.text = 'fd == 1 || fd == 2';
  } catch {
    // a frozen filter is what we want
  }
  t.is(k.procSeccompFilter(pid), proc);
  k.installPolicy(pid, 'write: count > 0');
  t.is(k.decide(pid, 'syscall', 1, [2, 0, 0, 0, 5, 0]), VERDICT.KILL, 'write(fd 2) allowed after a merge');
});
