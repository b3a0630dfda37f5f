/**
 * `replay --all` goes on past a denied call as an audit
 * would and lists every denied system call per task, with explanations;
 * tasks are named after the program their execve ran.
 */
import test from 'ava';
import { parseTrace, replay } from '../src/trace/index.ts';
import { runCli } from '../src/cli/memory.ts';

const TRACE = [
  '10 execve("/usr/bin/worker", ["worker"], 0x7ffd /* 2 vars */) = 0',
  '10 read(0x3, 0x7f00, 0x10) = 0x10',
  '10 write(0x1, 0x7f00, 0x10) = 0x10',
  '10 read(0x4, 0x7f00, 0x10) = 0x10',
  '10 clone(0x1200011, 0, 0, 0, 0) = 11',
  '11 execve("/usr/sbin/helper", ["helper"], 0x7ffd /* 2 vars */) = 0',
  '11 read(0x5, 0x7f00, 0x10) = 0x10',
  '10 read(0x4, 0x7f00, 0x10) = 0x10',
  '10 exit_group(0) = ?',
  '',
].join('\n');
const POLICY = 'read: fd == 3\nwrite: 1\nexit_group: 1\nexecve: 1\n';
const files: Readonly<Record<string, string>> = { 't.strace': TRACE, 'p.txt': POLICY };
const run = (argv: readonly string[]) => runCli(argv, (p) => files[p]);

test('without --all the first denied call kills the task; its children are never made', async (t) => {
  const r = await run(['replay', 'p.txt', 't.strace']);
  t.is(r.code, 1);
  t.regex(r.out, /\ntask 10 \(engine pid 1\): KILLED at line 4 after 3 allowed calls\n/);
  t.regex(r.out, /\n {2}log: {4}worker\[1\]: system call 0 \(sys_read\) blocked at ip:0\n/);
  t.regex(r.out, /1 of 1 task killed; 5 calls not reached\n$/);
});

test('--all audits: every denied system call per task, counted, with the first and why; forks still make their children', async (t) => {
  const r = await run(['replay', '--all', 'p.txt', 't.strace']);
  t.is(r.code, 1);
  t.true(r.out.startsWith('replay of t.strace (9 lines, 9 calls) under p.txt (x86_64), auditing every call\n'));
  t.regex(
    r.out,
    /\ntask 10 \(engine pid 1\): 2 system calls denied \(3 calls\), 4 calls allowed\n {2}read \(0\): 2 calls, first at line 4\n {4}call: {3}read\(fd=4, buf=0x7f00, count=16\)\n {4}entry: {2}read: fd == 3\n {4}reason: `fd == 3` is false because fd = 4\n {2}clone \(56\): 1 call, first at line 5\n {4}call: .*\n {4}entry: {2}none\n {4}reason: the policy has no entry for sys_clone \(nr 56\) \(S3.4\)\n/,
  );
  t.regex(r.out, /\nnote: --all: a denied fork still makes its child/);
  t.regex(
    r.out,
    /\ntask 11 \(engine pid 2\): 1 system call denied \(1 call\), 1 call allowed\n {2}read \(0\): 1 call, first at line 7\n/,
  );
  t.regex(r.out, /\nread \(0\) +1 +3\n/);
  t.regex(r.out, /\nsystem call +allowed +denied\n/);
  t.regex(r.out, /2 of 2 tasks denied a call; 0 calls not reached\n$/);
  const j = await run(['replay', '--all', '--json', 'p.txt', 't.strace']);
  const report = JSON.parse(j.out) as {
    ok: boolean;
    denied: number;
    tasks: { denials: { count: number; first: { name: string; line: number } }[] }[];
  };
  t.false(report.ok);
  t.is(report.denied, 2);
  t.deepEqual(
    report.tasks[0]!.denials.map((d) => [d.first.name, d.count, d.first.line]),
    [
      ['read', 2, 4],
      ['clone', 1, 5],
    ],
  );
});

test('--all with nothing denied passes', async (t) => {
  const r = await runCli(['replay', '--all', 'p.txt', 't.strace'], (p) =>
    p === 'p.txt' ? 'read: 1\nwrite: 1\nexit_group: 1\nexecve: 1\nclone: 1\n' : files[p],
  );
  t.is(r.code, 0);
  t.regex(r.out, /\ntask 10 \(engine pid 1\): ok, 7 calls allowed\n/);
});

test('a task is named after the program its execve ran, each child after its own (C19, T14)', (t) => {
  const parsed = parseTrace(TRACE, { abi: 'x86_64', lenient: false });
  if (!parsed.ok) return t.fail(parsed.error.message);
  const logOf = (policy: string): readonly string[] => {
    const r = replay(parsed.trace, policy, { comm: 'file-name' });
    return r.ok ? r.report.log : [r.message];
  };
  t.deepEqual(logOf('read: fd == 3 || fd == 4\nwrite: 1\nexit_group: 1\nexecve: 1\nclone: 1\n'), [
    'helper[2]: system call 0 (sys_read) blocked at ip:0',
  ]);
  t.deepEqual(logOf('read: 1\nexit_group: 1\nexecve: 1\nclone: 1\n'), [
    'worker[1]: system call 1 (sys_write) blocked at ip:0',
  ]);
  const raw = parseTrace('1  execve(0x1000, 0, 0) = 0\n1  getpid() = 1\n', { abi: 'x86_64', lenient: false });
  if (!raw.ok) return t.fail(raw.error.message);
  const k = replay(raw.trace, 'read: 1\n', { comm: 'file-name' });
  t.deepEqual(
    k.ok ? k.report.log : [],
    ['file-name[1]: system call 39 (sys_getpid) blocked at ip:0'],
    'a raw execve shows no path: the fallback name',
  );
});
