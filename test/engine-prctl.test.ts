/**
 * prctl on the engine (S5): every option, the reduce-only merge, ABI
 * binding, error paths and atomicity.
 */
import test from 'ava';
import { VERDICT, Kernel } from '../src/kernel/index.ts';
import { ERRNO } from '../src/x86/errno.ts';
import { MAX_USER_TEXT } from '../src/x86/prctl.ts';
import { call, err, oneTask, putText, ret } from './support/engine.ts';

const filters = (k: Kernel, pid: number) => k.view().tasks.find((t) => t.pid === pid)!.seccomp;

test('S5.1, S5.7 PR_SET_SECCOMP 1 from mode 0 only; PR_GET_SECCOMP returns the mode', (t) => {
  const [k, pid] = oneTask();
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 21n), ret(0n));
  k.installPolicy(pid, 'prctl: 1');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 21n), ret(2n));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 22n, 1n), ret(err(ERRNO.EPERM)));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 22n, 3n), ret(err(ERRNO.EINVAL)), 'C10 other modes');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 99n), ret(err(ERRNO.EINVAL)), 'C10 unknown option');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 0xffff_ffff_0000_0015n), ret(2n), 'C10 option is the low 32 bits');
});

test('S5.2, C16 the policy pointer: unmapped -EFAULT, no NUL within 64 KiB -E2BIG', (t) => {
  const [k, pid] = oneTask();
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 22n, 2n, 0x5000n), ret(err(ERRNO.EFAULT)));
  k.writeMemory(pid, 0x10000n, new Uint8Array(MAX_USER_TEXT).fill(0x20));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 22n, 2n, 0x10000n), ret(err(ERRNO.E2BIG)));
  k.writeMemory(pid, 0x10000n + BigInt(MAX_USER_TEXT), [0]);
  t.deepEqual(
    call(k, pid, 'syscall', 'prctl', 22n, 2n, 0x10000n),
    ret(err(ERRNO.E2BIG)),
    'C16 the NUL must be in the first 64 KiB',
  );
  k.writeMemory(pid, 0x10000n + BigInt(MAX_USER_TEXT) - 1n, [0]);
  t.deepEqual(
    call(k, pid, 'syscall', 'prctl', 22n, 2n, 0x10000n),
    ret(0n),
    'blank text installs mode 2 with no entries',
  );
  t.is(filters(k, pid).mode, 2);
});

test('S5.4, S10.1 reduce-only merge parenthesises both sides; 1 keeps, 0 drops, new entries are -EACCES', (t) => {
  const [k, pid] = oneTask();
  k.installPolicy(pid, 'read: fd == 0\nwrite: 1\nclose: 1\nprctl: 1');
  t.like(k.installPolicy(pid, 'read: fd == 1 || count == 5'), ret(0n));
  t.like(k.installPolicy(pid, 'write: fd == 2\nclose: 0'), ret(0n));
  t.like(k.installPolicy(pid, 'read: 1'), ret(0n));
  t.deepEqual(filters(k, pid).filters, [
    { nr: 0, text: '(fd == 0) && (fd == 1 || count == 5)' },
    { nr: 1, text: 'fd == 2' },
    { nr: 157, text: '1' },
  ]);
  t.is(k.decide(pid, 'syscall', 0, [3, 0, 0, 0, 5, 0]), VERDICT.KILL, 'count == 5 alone does not escape the &&');
  t.like(k.installPolicy(pid, 'open: 1'), ret(err(ERRNO.EACCES)));
  t.like(k.installPolicy(pid, 'on_next_syscall: 1'), ret(err(ERRNO.EACCES)), 'C14');
});

test('S5.4, C24 a merge over 255 characters or 32 terms is -E2BIG and changes nothing (S5.5)', (t) => {
  const [k, pid] = oneTask();
  const long = Array.from({ length: 15 }, (_, i) => `fd == ${i}`).join(' || ');
  k.installPolicy(pid, `read: ${long}\nprctl: 1`);
  const before = k.view();
  t.like(k.installPolicy(pid, `read: ${long}`), ret(err(ERRNO.E2BIG)));
  const { tasks } = k.view();
  t.deepEqual(tasks[0]!.seccomp, before.tasks[0]!.seccomp);
});

test('C15, C26 the first failing line decides, and one bad line installs nothing (S5.5)', (t) => {
  const [k, pid] = oneTask();
  t.like(k.installPolicy(pid, 'read: 1\nnosuch: 1\nwrite: fd =='), ret(err(ERRNO.EINVAL)));
  t.deepEqual(filters(k, pid), { mode: 0, abi: null, filters: [], pending: false });
  k.installPolicy(pid, 'read: 1\nprctl: 1');
  t.like(k.installPolicy(pid, 'read: 0\nwrite: 1\nnosuch: 1'), ret(err(ERRNO.EACCES)));
  t.deepEqual(
    filters(k, pid).filters.map((f) => f.nr),
    [0, 157],
  );
});

test('S5.3, C17 PR_GET_SECCOMP_FILTER: range, entry, size, buffer, then text and NUL', (t) => {
  const [k, pid] = oneTask();
  putText(k, pid, 0x1000n, 'fd == 1');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 36n, 1n, 0x1000n), ret(0n), 'mode-0 SET');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 35n, 10000n, 0x2000n, 64n), ret(err(ERRNO.EINVAL)));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 35n, 0n, 0x2000n, 64n), ret(err(ERRNO.ENOENT)));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 35n, 1n, 0x2000n, 0n), ret(err(ERRNO.EINVAL)));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 35n, 1n, 0x2000n, 7n), ret(err(ERRNO.ENOSPC)));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 35n, 1n, 0x2000n, 8n), ret(err(ERRNO.EFAULT)));
  k.writeMemory(pid, 0x2000n, new Uint8Array(8).fill(0xff));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 35n, 1n, 0x2000n, 8n), ret(8n));
  t.deepEqual(
    [...k.readMemory(pid, 0x2000n, 8)!],
    [...'fd == 1\0'].map((c) => c.charCodeAt(0)),
  );
});

test('S5.3, C12, C27 per-call SET in mode 0 binds the ABI; CLEAR empties and unbinds; CLEAR of nothing is 0', (t) => {
  const [k, pid] = oneTask();
  putText(k, pid, 0x1000n, '1');
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, 3n, 0x1000n), ret(0n));
  t.is(filters(k, pid).abi, 'ia32');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 36n, 0n, 0x1000n), ret(err(ERRNO.EACCES)), 'S5.6 the other ABI');
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 37n, 3n), ret(0n), 'CLEAR is always allowed');
  t.deepEqual(filters(k, pid), { mode: 0, abi: null, filters: [], pending: false });
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 37n, 3n), ret(0n));
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 37n, 1n << 40n), ret(err(ERRNO.EINVAL)), 'C25 nr is 64-bit');
});

test('C25 PR_SET_SECCOMP_FILTER order: range, text, ABI, syntax, merge', (t) => {
  const [k, pid] = oneTask();
  k.installPolicy(pid, 'read: fd == 0\nprctl: 1', 'int80');
  putText(k, pid, 0x1000n, 'fd ==');
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, 5000n, 0x9000n), ret(err(ERRNO.EINVAL)));
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, 3n, 0x9000n), ret(err(ERRNO.EFAULT)));
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, 3n, 0x1000n), ret(err(ERRNO.EINVAL)));
  putText(k, pid, 0x1000n, 'fd == 1');
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, 4n, 0x1000n), ret(err(ERRNO.EACCES)), 'no entry for write');
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, 3n, 0x1000n), ret(0n));
  t.is(k.filterFor(pid, 3)?.kind, 'expr');
  t.is(k.filterFor(pid, 4), undefined);
});

test('S5.3 the per-call options take nr up to NR_syscalls - 1 of the calling ABI, and NR_syscalls is -EINVAL', async (t) => {
  const { syscallTable } = await import('../src/x86/table.ts');
  for (const [abi, vector] of [
    ['x86_64', 'syscall'],
    ['ia32', 'int80'],
  ] as const) {
    const [k, pid] = oneTask(abi);
    const n = BigInt(syscallTable(abi).nrSyscalls);
    putText(k, pid, 0x1000n, '1');
    t.deepEqual(call(k, pid, vector, 'prctl', 35n, n, 0x2000n, 16n), ret(err(ERRNO.EINVAL)), `${abi} GET ${n}`);
    t.deepEqual(
      call(k, pid, vector, 'prctl', 35n, n - 1n, 0x2000n, 16n),
      ret(err(ERRNO.ENOENT)),
      `${abi} GET ${n - 1n}`,
    );
    t.deepEqual(call(k, pid, vector, 'prctl', 36n, n, 0x1000n), ret(err(ERRNO.EINVAL)), `${abi} SET ${n}`);
    t.deepEqual(call(k, pid, vector, 'prctl', 37n, n), ret(err(ERRNO.EINVAL)), `${abi} CLEAR ${n}`);
    t.deepEqual(call(k, pid, vector, 'prctl', 36n, n - 1n, 0x1000n), ret(0n), `${abi} SET ${n - 1n}`);
    t.deepEqual(call(k, pid, vector, 'prctl', 37n, n - 1n), ret(0n), `${abi} CLEAR ${n - 1n}`);
  }
});

// S8, C34: /proc/<pid>/seccomp_filter is a header and one `SystemCall:` /
// `Filter:` line pair per entry; a line break inside a filter (whitespace,
// C1) is stored as a space, so `fd == 0\n|| fd == 1` stays one Filter line.
const FILTER_WITH_NEWLINE = 'fd == 0\n|| fd == 1';
const procShapeOk = (proc: string): boolean =>
  proc
    .replace(/\n$/, '')
    .split('\n')
    .slice(2)
    .every((l, i) => (i % 2 === 0 ? l.startsWith('SystemCall: ') : l.startsWith('Filter: ')));

test("S8 the engine's /proc text keeps one Filter line per entry when a filter text has a newline (C34)", (t) => {
  const [k, pid] = oneTask();
  putText(k, pid, 0x1000n, FILTER_WITH_NEWLINE);
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 36n, 0n, 0x1000n), ret(0n));
  const proc = k.procSeccompFilter(pid) ?? '';
  t.true(procShapeOk(proc), proc);
});

// C33: a policy text given as a string may not contain a NUL, since
// everything after it would silently not be installed.
test('C33 installPolicy refuses a text with a NUL rather than install the part before it', (t) => {
  const [k, pid] = oneTask('x86_64', 'app');
  const o = k.installPolicy(pid, 'getpid: 1\n# \0 a NUL in a comment\nwrite: fd == 1');
  const installedWrite = k.filterFor(pid, 1) !== undefined;
  t.false(
    o.kind === 'return' && o.rax === 0n && !installedWrite,
    `outcome ${JSON.stringify(o, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x))}, write installed: ${installedWrite}`,
  );
});
