/**
 * Errors a program can use (U2): installPolicy's refusals as
 * errno name and number with located errors, and the runtime checks of the
 * public API for callers TypeScript does not stop (U1).
 */
import test, { type ExecutionContext } from 'ava';
import { ALLOW, Kernel, model, type InstallResult } from '../src/index.ts';
import { MAX_USER_TEXT } from '../src/x86/prctl.ts';

const fresh = (abi: 'x86_64' | 'ia32' = 'x86_64'): readonly [Kernel, number] => {
  const k = new Kernel();
  return [k, k.spawn(abi, 'app')];
};

/** The refusal's fields, or a failure of the test when the text was accepted. */
function refused(r: InstallResult): Extract<InstallResult, { kind: 'return'; ok: false }> {
  if (r.ok || r.kind !== 'return')
    throw new Error(
      `expected a refusal with an errno, got ${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
    );
  return r;
}

test('installPolicy accepts a valid text: ok, and kind and rax are the prctl outcome', (t) => {
  const [k, pid] = fresh();
  t.deepEqual(k.installPolicy(pid, 'read: fd == 0\nprctl: 1'), { ok: true, kind: 'return', rax: 0n, action: ALLOW });
});

test('installPolicy on a bad text: EINVAL by name and number, every parse error with line and column, raw rax kept', (t) => {
  const [k, pid] = fresh();
  const r = refused(k.installPolicy(pid, '# ok\nread: fd = 1\nwrtie: 1\n'));
  t.deepEqual(r.errno, { name: 'EINVAL', number: 22 });
  t.is(r.rax, 2n ** 64n - 22n);
  t.is(r.message, 'line 2, column 10: Invalid operator (and 1 more)');
  t.deepEqual(
    r.errors.map((e) => [e.line, e.column, e.message.split(';')[0]]),
    [
      [2, 9, 'Invalid operator'],
      [3, 0, "Unknown system call 'wrtie' for x86_64"],
    ],
  );
  t.deepEqual(r.errors[1]!.suggestions, ['write', 'sys_write']);
  t.deepEqual(k.view().tasks[0]!.seccomp.filters, [], 'S5.5 a refused text installs nothing');
});

test('installPolicy: a merge past 255 characters is E2BIG at the line that merges (S5.4, C24)', (t) => {
  const [k, pid] = fresh();
  const long = Array.from({ length: 12 }, (_, i) => `fd == ${1000000 + i}`).join(' || ');
  const r = refused(k.installPolicy(pid, `write: ${long}\nread: 1\nwrite: ${long}`));
  t.deepEqual(r.errno, { name: 'E2BIG', number: 7 });
  t.deepEqual(
    r.errors.map((e) => [e.line, e.column]),
    [[3, 0]],
  );
  t.regex(
    r.message,
    /^line 3: merged with its earlier entry, the filter of 'write' \(sys_write\) passes 255 characters/,
  );
});

test('installPolicy in filtering mode: widening is EACCES at its line, the directive too (S5.4, C14)', (t) => {
  const [k, pid] = fresh();
  t.true(k.installPolicy(pid, 'read: 1\nprctl: 1').ok);
  const widen = refused(k.installPolicy(pid, 'read: fd == 0\nstat: 1'));
  t.deepEqual(widen.errno, { name: 'EACCES', number: 13 });
  t.is(
    widen.message,
    "line 2: 'stat' (sys_newstat) has no entry in the installed policy, and a filtering task may only narrow its policy (S5.4)",
  );
  t.deepEqual(
    widen.errors.map((e) => [e.line, e.source]),
    [[2, 'stat: 1']],
  );
  const directive = refused(k.installPolicy(pid, 'on_next_syscall: 1'));
  t.is(directive.message, 'line 1: on_next_syscall is refused once the task is filtering (C14)');
  t.is(k.filterFor(pid, 0)?.kind, 'allow', 'the refusals changed nothing');
});

test('installPolicy: the ABI binding, a NUL, 64 KiB, strict mode and a dead pid each say why', (t) => {
  const [k, pid] = fresh();
  t.true(k.installPolicy(pid, 'read: 1\nprctl: 1\n172: 1').ok);
  const compat = k.installPolicy(pid, 'read: 1', 'int80');
  t.like(compat, {
    ok: false,
    kind: 'killed',
    message: 'the task was killed when it called prctl: its filters do not allow this prctl call (S6.4)',
  });

  const [k2, p2] = fresh();
  const nul = refused(k2.installPolicy(p2, 'read: 1\n# a \0 here\n'));
  t.deepEqual(nul.errno, { name: 'EINVAL', number: 22 });
  t.deepEqual(
    nul.errors.map((e) => [e.line, e.column]),
    [[2, 4]],
  );
  const big = refused(k2.installPolicy(p2, `read: 1\n#${'x'.repeat(MAX_USER_TEXT)}\n`));
  t.deepEqual(big.errno, { name: 'E2BIG', number: 7 });
  t.regex(big.message, /^the text is 65546 bytes, and prctl reads at most 65535 before its NUL/);
  t.deepEqual(
    big.errors.map((e) => e.line),
    [2],
  );

  const [k3, p3] = fresh();
  k3.syscall(p3, 'syscall', { rax: 157n, rdi: 22n, rsi: 1n });
  t.like(k3.installPolicy(p3, 'read: 1'), { ok: false, kind: 'killed', log: null });
  t.like(k3.installPolicy(42, 'read: 1'), {
    ok: false,
    kind: 'no_task',
    message: 'no live task has pid 42',
    errors: [],
  });
});

test('installPolicy through another ABI than the filters are bound to is EACCES with no line (S5.6, C12)', (t) => {
  const [k, pid] = fresh();
  // A per-call SET through int $0x80 in mode 0 binds the filters to ia32 (C12) ...
  t.true(k.writeMemory(pid, 0x1000n, [0x31, 0]));
  t.deepEqual(k.syscall(pid, 'int80', { rax: 172n, rbx: 36n, rcx: 3n, rdx: 0x1000n }), { kind: 'return', rax: 0n });
  // ... so a policy through the native syscall is refused before any line is read.
  const r = refused(k.installPolicy(pid, 'read: 1'));
  t.deepEqual(r.errno, { name: 'EACCES', number: 13 });
  t.is(r.message, "the task's filters are bound to ia32, and this prctl came through x86_64 (S5.6, C12)");
  t.deepEqual(r.errors, []);
});

const throwsTypeError = (t: ExecutionContext, f: () => unknown, message: string | RegExp): void => {
  const e = t.throws(f, { instanceOf: TypeError });
  if (typeof message === 'string') t.is(e?.message, message);
  else t.regex(e?.message ?? '', message);
};

test('U1 the engine checks what TypeScript cannot: numbers for bigints, unknown ABI, vector, register, bad pid', (t) => {
  const k = new Kernel();
  throwsTypeError(t, () => k.spawn('x64' as never, 'a'), "Kernel.spawn: unknown ABI 'x64' (valid: x86_64, ia32)");
  const pid = k.spawn('x86_64', 'a');
  throwsTypeError(
    t,
    () => k.syscall(pid, 'syscall', { rax: 1 as never }),
    'Kernel.syscall: regs.rax must be a bigint, got the number 1 (write 1n)',
  );
  throwsTypeError(
    t,
    () => k.syscall(pid, 'sys' as never, { rax: 1n }),
    "Kernel.syscall: unknown entry vector 'sys' (valid: syscall, int80, sysenter)",
  );
  throwsTypeError(
    t,
    () => k.syscall('1' as never, 'syscall', { rax: 39n }),
    "Kernel.syscall: pid must be a non-negative integer, got the string '1'",
  );
  throwsTypeError(
    t,
    () => k.syscall(pid, 'syscall', { eax: 39n } as never),
    /^Kernel.syscall: unknown register 'eax' \(the pt_regs fields are rax, /,
  );
  throwsTypeError(
    t,
    () => k.installPolicy(pid, 5 as never),
    'Kernel.installPolicy: text must be a string, got the number 5',
  );
  throwsTypeError(
    t,
    () => k.writeMemory(pid, 4096 as never, [1]),
    'Kernel.writeMemory: addr must be a bigint, got the number 4096 (write 4096n)',
  );
  throwsTypeError(
    t,
    () => k.decide(pid, 'int81' as never, 0, []),
    "Kernel.decide: unknown entry vector 'int81' (valid: syscall, int80, sysenter)",
  );
  // Every refused call left the task as it was, and a well-formed unknown pid is still a value.
  t.deepEqual(k.syscall(pid, 'syscall', { rax: 39n }), { kind: 'return', rax: 1n });
  t.deepEqual(k.syscall(7, 'syscall', { rax: 39n }), { kind: 'no_task' });
});

test('U1 the model checks the same at its entry points', (t) => {
  throwsTypeError(
    t,
    () => model.spawn(model.initialMachine(), 'i386' as never, 'a'),
    "model.spawn: unknown ABI 'i386' (valid: x86_64, ia32)",
  );
  const [m, pid] = model.spawn(model.initialMachine(), 'x86_64', 'a');
  throwsTypeError(
    t,
    () => model.syscall(m, pid, 'syscall', { rax: 39 as never }),
    'model.syscall: regs.rax must be a bigint, got the number 39 (write 39n)',
  );
  throwsTypeError(
    t,
    () => model.syscall(m, -1, 'syscall', { rax: 39n }),
    'model.syscall: pid must be a non-negative integer, got the number -1',
  );
});
