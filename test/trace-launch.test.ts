/**
 * T12, T13: the launcher decides on a bounded read-ahead, and the linker
 * holds only what is pending: a child's lines wait for the fork that
 * returns its pid.
 */
import test from 'ava';
import { parseTrace, replay, WINDOW, type ReplayReport } from '../src/trace/index.ts';

function run(text: string, policy: string): ReplayReport | string {
  const p = parseTrace(text, { abi: 'x86_64', lenient: false });
  if (!p.ok) return `${p.error.line}: ${p.error.message}`;
  const r = replay(p.trace, policy, { comm: 'p' });
  return r.ok ? r.report : r.message;
}

test('T12: a root execve past the read-ahead window is not waited for: the policy goes in before the first call', (t) => {
  const text = [
    '1  getpid() = 1',
    ...Array.from({ length: WINDOW }, () => '1  getppid() = 1'),
    '1  execve(0x1, 0, 0) = 0',
    '1  getpid() = 1',
    '',
  ].join('\n');
  const r = run(text, 'getpid: 1\ngetppid: 1\n');
  if (typeof r === 'string') return t.fail(r);
  t.true(
    r.notes.includes(
      `the root task makes no execve in the first ${WINDOW} calls (T12): the policy was installed before its first call`,
    ),
  );
  t.like(r.tasks[0], { allowed: WINDOW + 1, kill: { name: 'execve', line: WINDOW + 2 } });
  const early = run(['1  getpid() = 1', '1  execve(0x1, 0, 0) = 0', '1  getpid() = 1', ''].join('\n'), 'getpid: 1\n');
  t.like(
    typeof early === 'string' ? {} : early.tasks[0],
    { allowed: 3, kill: null },
    'within the window, calls before the execve are not checked',
  );
});

test('T12: a native call after the read-ahead found only ia32 calls is an error at its line', (t) => {
  // A 32-bit tracer's trace: the root's execve and its next call are ia32, so the launcher decides on them.
  const text = '1  execve(0x1, 0, 0) = 0\n1  getpid() = 1\n[ Process PID=1 runs in 64 bit mode. ]\n1  getpid() = 1\n';
  const p = parseTrace(text, { abi: 'ia32', lenient: false });
  if (!p.ok) return t.fail(p.error.message);
  const r = replay(p.trace, 'getpid: 1\n', { comm: 'p' });
  t.false(r.ok);
  t.regex(r.ok ? '' : r.message, /a native \(x86_64\) call, but the root runs 32-bit code/);
});

test("T13: a child's lines that come before its fork returns wait for it, and replay in the child", (t) => {
  const text = [
    '7  execve(0x1, 0, 0) = 0',
    '7  clone(0x1200011, 0, 0, 0, 0 <unfinished ...>',
    '8  getpid() = 8',
    '8  write(0x1, 0x10, 0x1) = 1',
    '7  <... clone resumed>) = 8',
    '7  getpid() = 7',
    '9  getpid() = 9',
    '',
  ].join('\n');
  const r = run(text, 'clone: 1\ngetpid: 1\n');
  if (typeof r === 'string') return t.fail(r);
  t.deepEqual(
    r.tasks.map((x) => [x.tracePid, x.pid, x.allowed, x.kill?.name ?? null]),
    [
      [7, 1, 3, null],
      [8, 2, 1, 'write'],
    ],
  );
  t.true(r.notes.some((n) => n.startsWith('line 7: pid 9 was not created by a traced clone')));
  const parsed = parseTrace(text, { abi: 'x86_64', lenient: false });
  t.deepEqual(
    parsed.ok ? parsed.trace.events.map((e) => e.line) : [],
    [1, 2, 3, 4, 6, 7],
    'parsed events keep the order of their entries',
  );
});

test("T13: a fork that never returns (its task was killed) leaves its child's lines to strangers", (t) => {
  const text = [
    '7  execve(0x1, 0, 0) = 0',
    '7  vfork( <unfinished ...>',
    '8  getpid() = 8',
    '7  +++ killed by SIGKILL +++',
    '8  getpid() = 8',
    '',
  ].join('\n');
  const r = run(text, 'vfork: 1\ngetpid: 1\n');
  if (typeof r === 'string') return t.fail(r);
  t.is(r.tasks.length, 1);
  t.is(r.unreached, 2);
  t.true(r.notes.some((n) => n.startsWith('line 3: pid 8 was not created by a traced clone')));
});
