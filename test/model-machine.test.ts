/** Example tests of the model's machine: host API, purity, prctl errno order (C17, C25), kills (C22), tasks (S7). */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import * as model from '../src/model/index.ts';
import type { RegsInput } from '../src/x86/registers.ts';
import type { Vector } from '../src/x86/vectors.ts';

const E_ = (errno: number): bigint => (1n << 64n) - BigInt(errno);
const bytes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0)).concat([0]);
const write = (m: model.Machine, pid: number, addr: bigint, b: readonly number[]): model.Machine =>
  E.getOrElse((e: string): model.Machine => {
    throw new Error(e);
  })(model.writeMemory(m, pid, addr, b));

/** A machine with one 64-bit task (pid 1) and a helper to call it. */
function machine(abi: 'x86_64' | 'ia32' = 'x86_64') {
  const [m, pid] = model.spawn(model.initialMachine(), abi, 'app');
  return { m, pid };
}
const call = (m: model.Machine, pid: number, regs: RegsInput, v: Vector = 'syscall') => model.syscall(m, pid, v, regs);
const prctl = (m: model.Machine, pid: number, ...args: bigint[]) =>
  call(m, pid, { rax: 157n, rdi: args[0] ?? 0n, rsi: args[1] ?? 0n, rdx: args[2] ?? 0n, r10: args[3] ?? 0n });
const rax = (s: model.Step): bigint | string => (s.outcome.kind === 'return' ? s.outcome.rax : s.outcome.kind);

test('spawn: pids from 1, cs by bitness, mode 0, comm cut to 15', (t) => {
  const [m1, a] = model.spawn(model.initialMachine(), 'x86_64', 'a-very-long-command-name');
  const [m2, b] = model.spawn(m1, 'ia32', 'b');
  const v = model.view(m2);
  t.deepEqual([a, b], [1, 2]);
  t.deepEqual(
    v.tasks.map((x) => [x.comm, x.regs.cs, x.tgid, x.seccomp.mode]),
    [
      ['a-very-long-com', 0x33n, 1, 0],
      ['b', 0x23n, 2, 0],
    ],
  );
  t.deepEqual(v.log, []);
});

test('every operation returns a new machine and leaves its input as it was', (t) => {
  const { m, pid } = machine();
  const before = JSON.stringify(model.view(m), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  const m2 = write(m, pid, 0x1000n, bytes('read: 1'));
  const s = prctl(m2, pid, 22n, 2n, 0x1000n);
  call(s.machine, pid, { rax: 1n });
  t.is(
    JSON.stringify(model.view(m), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)),
    before,
  );
  t.is(model.view(m2).tasks[0]!.seccomp.mode, 0);
  t.is(model.view(s.machine).tasks[0]!.seccomp.mode, 2);
});

test('host memory: writes are checked, reads of unmapped bytes are none', (t) => {
  const { m, pid } = machine();
  t.true(E.isLeft(model.writeMemory(m, 9, 0n, [1])));
  t.true(E.isLeft(model.writeMemory(m, pid, 0n, [256])));
  t.true(E.isLeft(model.writeMemory(m, pid, (1n << 64n) - 1n, [1, 2])));
  const m2 = write(m, pid, 0x10n, [1, 2, 3]);
  t.deepEqual(model.readMemory(m2, pid, 0x10n, 3), O.some([1, 2, 3]));
  t.deepEqual(model.readMemory(m2, pid, 0x10n, 4), O.none);
  t.deepEqual(model.readMemory(m2, 7, 0x10n, 1), O.none);
  t.deepEqual(model.view(m2).tasks[0]!.memory, [
    [0x10n, 1],
    [0x11n, 2],
    [0x12n, 3],
  ]);
});

test('C17 GET checks in order: range, entry, size 0, size, buffer', (t) => {
  const { m, pid } = machine();
  const set = prctl(write(m, pid, 0x1000n, bytes('fd == 0')), pid, 36n, 0n, 0x1000n);
  t.is(rax(set), 0n);
  const m2 = write(set.machine, pid, 0x5000n, new Array<number>(8).fill(0xff));
  t.is(rax(prctl(m2, pid, 35n, 470n, 0x9000n, 0n)), E_(22));
  t.is(rax(prctl(m2, pid, 35n, 1n, 0x9000n, 0n)), E_(2));
  t.is(rax(prctl(m2, pid, 35n, 0n, 0x9000n, 0n)), E_(22));
  t.is(rax(prctl(m2, pid, 35n, 0n, 0x9000n, 7n)), E_(28));
  t.is(rax(prctl(m2, pid, 35n, 0n, 0x9000n, 8n)), E_(14));
  const ok = prctl(m2, pid, 35n, 0n, 0x5000n, 8n);
  t.is(rax(ok), 8n);
  t.deepEqual(model.readMemory(ok.machine, pid, 0x5000n, 8), O.some(bytes('fd == 0')));
});

test('C25 SET checks in order: range, text, ABI, syntax', (t) => {
  const { m, pid } = machine();
  const m2 = write(write(m, pid, 0x1000n, bytes('fd ==')), pid, 0x2000n, bytes('1'));
  const bound = prctl(m2, pid, 36n, 1n, 0x2000n).machine;
  t.is(rax(prctl(bound, pid, 36n, 470n, 0xdeadn)), E_(22));
  t.is(rax(prctl(bound, pid, 36n, 0n, 0xdeadn)), E_(14));
  t.is(rax(call(bound, pid, { rax: 172n, rbx: 36n, rcx: 0n, rdx: 0x1000n }, 'int80')), E_(13));
  t.is(rax(prctl(bound, pid, 36n, 0n, 0x1000n)), E_(22));
});

test('C22 a filter-mode kill logs comm, pid, nr, name and rip; only the caller dies', (t) => {
  const { m, pid } = machine();
  const [m2, other] = model.spawn(m, 'x86_64', 'other');
  const s = prctl(write(m2, pid, 0x1000n, bytes('write: 1')), pid, 22n, 2n, 0x1000n);
  const k = call(s.machine, pid, { rax: 2n, rip: 0xffffffffff600000n });
  t.deepEqual(k.outcome, { kind: 'killed', log: 'app[1]: system call 2 (sys_open) blocked at ip:ffffffffff600000' });
  t.deepEqual(call(k.machine, pid, { rax: 1n }).outcome, { kind: 'no_task' });
  t.is(rax(call(k.machine, other, { rax: 39n })), 2n);
  t.deepEqual(model.view(k.machine).log, ['app[1]: system call 2 (sys_open) blocked at ip:ffffffffff600000']);
  t.deepEqual(model.procSeccompFilter(k.machine, pid), O.none);
});

test('S6.5/C11 default result, ENOSYS, and 64-bit rax for compat too', (t) => {
  const [m, pid] = model.spawn(model.initialMachine({ defaultResult: -5n }), 'ia32', 'x');
  t.is(rax(call(m, pid, { rax: 122n })), E_(5));
  t.is(rax(call(m, pid, { rax: 17n })), E_(38));
  t.is(rax(call(m, pid, { rax: 0x1_0000_0014n })), 1n); // C8: eax 20, getpid
  t.is(model.view(call(m, pid, { rax: 0x1_0000_0014n }).machine).tasks[0]!.regs.orig_rax, 0x1_0000_0014n);
});

test('S7 fork copies, CLONE_THREAD shares the group, exit_group ends it, exit codes are 8 bits', (t) => {
  const { m, pid } = machine();
  const f = call(write(m, pid, 0x1000n, [7]), pid, { rax: 57n, rbx: 0x1234n });
  t.is(rax(f), 2n);
  const child = model.view(f.machine).tasks[1]!;
  t.deepEqual([child.regs.rax, child.regs.rbx, child.tgid, child.memory], [0n, 0x1234n, 2, [[0x1000n, 7]]]);
  const th = call(f.machine, pid, { rax: 56n, rdi: 0x10000n });
  t.is(rax(th), 3n);
  const g = call(th.machine, 3, { rax: 231n, rdi: 0x1ffn });
  t.deepEqual(g.outcome, { kind: 'exited', code: 0xff });
  t.deepEqual(
    model.view(g.machine).tasks.map((x) => x.pid),
    [2],
  );
});

test('C19 execve renames, empties memory, keeps seccomp; a fault changes nothing', (t) => {
  const { m, pid } = machine();
  const m2 = write(m, pid, 0x1000n, bytes('/bin/'));
  const fault = call(m2, pid, { rax: 59n, rdi: 0x2000n });
  t.is(rax(fault), E_(14));
  t.deepEqual(
    [model.view(fault.machine).tasks[0]!.comm, model.view(fault.machine).tasks[0]!.memory.length],
    ['app', 6],
  );
  const e = call(m2, pid, { rax: 59n, rdi: 0x1000n });
  t.is(rax(e), 0n);
  t.deepEqual(model.view(e.machine).tasks[0]!.comm, '');
  t.deepEqual(model.view(e.machine).tasks[0]!.memory, []);
});

/** Install `policy` on a fresh 64-bit task of the model through PR_SET_SECCOMP 2. */
function filtered(policy: string) {
  const { m, pid } = machine();
  const s = prctl(write(m, pid, 0x1000n, bytes(policy)), pid, 22n, 2n, 0x1000n);
  if (rax(s) !== 0n) throw new Error(`install of ${JSON.stringify(policy)}: ${String(rax(s))}`);
  return { m: s.machine, pid };
}

test('S3.3 on the model alone: `<` and `>` are strict at equality, `<=` and `>=` are not', (t) => {
  const cases: readonly [string, bigint, boolean][] = [
    ['fd < 3', 3n, false],
    ['fd < 3', 2n, true],
    ['fd <= 3', 3n, true],
    ['fd <= 3', 4n, false],
    ['fd > 3', 3n, false],
    ['fd > 3', 4n, true],
    ['fd >= 3', 3n, true],
    ['fd >= 3', 2n, false],
    ['nr < 0', 0n, false],
    ['nr <= 0', 0n, true],
  ];
  for (const [filter, fd, allowed] of cases) {
    const { m, pid } = filtered(`read: ${filter}`);
    t.is(
      call(m, pid, { rax: 0n, rdi: fd }).outcome.kind,
      allowed ? 'return' : 'killed',
      `read: ${filter} with fd = ${fd}`,
    );
  }
});

test('S7.2, C19 on the model alone: execve keeps the filters, the ABI and the mode of a filtering task', (t) => {
  const { m, pid } = filtered('read: fd == 0\nexecve: 1\nexit: 1');
  const before = model.view(m).tasks[0]!.seccomp;
  const e = call(write(m, pid, 0x2000n, bytes('/usr/bin/next')), pid, { rax: 59n, rdi: 0x2000n });
  t.is(rax(e), 0n);
  t.deepEqual(model.view(e.machine).tasks[0]!.seccomp, before);
  t.deepEqual(model.procSeccompFilter(e.machine, pid), model.procSeccompFilter(m, pid));
  t.true(O.isSome(model.procSeccompFilter(m, pid)));
  t.is(call(e.machine, pid, { rax: 0n, rdi: 0n }).outcome.kind, 'return');
  t.deepEqual(call(e.machine, pid, { rax: 0n, rdi: 1n }).outcome, {
    kind: 'killed',
    log: 'next[1]: system call 0 (sys_read) blocked at ip:0',
  });
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

test("S8 the model's /proc text keeps one Filter line per entry when a filter text has a newline (C34)", (t) => {
  let m = model.initialMachine();
  let pid: number;
  [m, pid] = model.spawn(m, 'x86_64', 'p');
  const w = model.writeMemory(m, pid, 0x1000n, bytes(FILTER_WITH_NEWLINE));
  if (E.isLeft(w)) return t.fail(w.left);
  // prctl(PR_SET_SECCOMP_FILTER = 36, nr 0, text)
  const s = model.syscall(w.right, pid, 'syscall', { rax: 157n, rdi: 36n, rsi: 0n, rdx: 0x1000n });
  t.deepEqual(s.outcome, { kind: 'return', rax: 0n });
  const proc = O.getOrElse(() => '')(model.procSeccompFilter(s.machine, pid));
  t.true(procShapeOk(proc), proc);
});

test("S9.4 the model's readMemory answers a negative, fractional or huge length with none", (t) => {
  let m = model.initialMachine();
  let pid: number;
  [m, pid] = model.spawn(m, 'x86_64', 'p');
  const w = model.writeMemory(m, pid, 0x1000n, [1, 2, 3]);
  if (E.isLeft(w)) return t.fail(w.left);
  for (const len of [-1, 1.5, NaN, Infinity, 1e12, 2 ** 53])
    t.true(O.isNone(model.readMemory(w.right, pid, 0x1000n, len)), `len ${len}`);
  t.deepEqual(model.readMemory(w.right, pid, 0x1000n, 3), O.some([1, 2, 3]));
});
