/**
 * The strace parser: every line form of `strace -f -e raw=all`
 * with -o, stderr prefixes, -t/-tt/-ttt/-r, -n, -T; unfinished/resumed
 * pairs, exits, signals, ABI switches; errors with line and column.
 */
import test from 'ava';
import { DECODED, parseStrace, type Trace, type TraceCall, type TraceError } from '../src/trace/index.ts';

const strict = { abi: 'x86_64', lenient: false } as const;

function ok(text: string): Trace {
  const r = parseStrace(text, strict);
  if (!r.ok) throw new Error(`unexpected error: ${JSON.stringify(r.error)}`);
  return r.trace;
}

function bad(text: string): TraceError {
  const r = parseStrace(text, strict);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

const calls = (t: Trace): TraceCall[] => t.events.filter((e): e is TraceCall => e.kind === 'call');
const only = (text: string): TraceCall => {
  const c = calls(ok(text));
  if (c.length !== 1) throw new Error(`expected one call, got ${c.length}`);
  return c[0]!;
};

test('pid column of -o FILE: number, name, raw hex arguments as bigints, hex result', (t) => {
  const c = only('3907  read(0x3, 0x7ffe942d53e8, 0x340)  = 0x340\n');
  t.deepEqual(c, {
    kind: 'call',
    line: 1,
    pid: 3907,
    abi: 'x86_64',
    nr: 0,
    name: 'read',
    args: [3n, 0x7ffe942d53e8n, 0x340n],
    ret: 0x340n,
    ip: null,
  });
});

test('full 64-bit arguments survive exactly', (t) => {
  t.deepEqual(only('1  lseek(0xffffffffffffffff, 0x8000000000000000, 0) = 0\n').args, [
    (1n << 64n) - 1n,
    1n << 63n,
    0n,
  ]);
});

test('full 64-bit decimal arguments survive exactly, past 2^53 too', (t) => {
  t.deepEqual(only('1  lseek(18446744073709551615, 9007199254740993, 4294967296) = 0\n').args, [
    (1n << 64n) - 1n,
    (1n << 53n) + 1n,
    1n << 32n,
  ]);
});

test('a line without pid belongs to pid 0 in a one-process trace', (t) => {
  const c = only('getpid() = 0x1157\n');
  t.is(c.pid, 0);
  t.deepEqual(c.args, []);
  t.is(c.ret, 0x1157n);
});

test('[pid N] prefix of stderr output, padded', (t) => {
  t.is(only('[pid  4440] write(0x1, 0x1000, 0xc) = 0xc\n').pid, 4440);
});

test('timestamps of -t, -tt, -ttt and -r are skipped', (t) => {
  for (const line of [
    '7  10:00:01 getpid() = 0x7',
    '7  10:00:01.123456 getpid() = 0x7',
    '7  1795945466.395318 getpid() = 0x7',
    '1795945466.395318 getpid() = 0x7',
    '     0.000123 getpid() = 0x7',
  ]) {
    t.is(only(`${line}\n`).name, 'getpid', line);
  }
});

test('-n numbers, alone and with [pid N] and -tt', (t) => {
  t.is(only('7  [  39] getpid() = 0x7\n').nr, 39);
  const c = only('[pid  4483] 09:44:31.359334 [ 273] set_robust_list(0x7f986d03aa20, 0x18) = 0\n');
  t.like(c, { pid: 4483, nr: 273, name: 'set_robust_list', ret: 0n });
});

test('-i addresses, alone and after -n; unknown ones are null', (t) => {
  t.is(only('20963 [00007f032ae45ad7] read(0, 0, 0) = 0\n').ip, 0x7f032ae45ad7n);
  t.like(only('20963 [  59] [00007f032ae45ad7] execve(0x7ffd, 0x7ffe, 0x7fff) = 0\n'), { nr: 59, ip: 0x7f032ae45ad7n });
  t.is(only('5  [f7f0d549] getpid() = 0x5\n').ip, 0xf7f0d549n);
  const tr = ok('1  [ 231] [00007ff84c639409] exit_group(0) = ?\n1  [ 231] [????????????????] +++ exited with 0 +++\n');
  t.like(tr.events[1], { kind: 'end', how: 'exited', detail: '0' });
});

test('-n number that contradicts the name is an error', (t) => {
  const e = bad('7  [  40] getpid() = 0x7\n');
  t.is(e.line, 1);
  t.regex(e.message, /'getpid' is system call 39 of x86_64, but the line says \[40\]/);
});

test('-n number names a call strace knows and the table does not', (t) => {
  t.like(only('7  [ 439] faccessat2(0xffffff9c, 0x1, 0, 0) = 0\n'), { nr: 439, name: 'faccessat2' });
});

test('errors print -1 and the errno name; -T times are ignored', (t) => {
  t.is(only('5  access(0x7f, 0x4) = -1 ENOENT (No such file or directory) <0.000010>\n').ret, -1n);
  t.is(only('5  getpid() = 0x5 <0.000002>\n').ret, 5n);
});

test('unfinished and resumed lines join into one call at the entry position', (t) => {
  const tr = ok(
    [
      '10  futex(0x2fa88210, 0x189, 0, 0 <unfinished ...>',
      '11  rseq(0x7f56, 0x20, 0, 0x53053053) = 0',
      '10  <... futex resumed>, 0x5, 0xffffffff) = 0',
    ].join('\n'),
  );
  const c = calls(tr);
  t.deepEqual(
    c.map((x) => x.name),
    ['futex', 'rseq'],
  );
  t.deepEqual(c[0]!.args, [0x2fa88210n, 0x189n, 0n, 0n, 5n, 0xffffffffn]);
  t.is(c[0]!.ret, 0n);
  t.is(c[0]!.line, 1);
});

test('a call cut short by the death of its task resumes with `<unfinished ...>) = ?`', (t) => {
  const tr = ok(
    '20  clock_nanosleep(0, 0, 0x7ffd, 0x7ffd <unfinished ...>\n20  <... clock_nanosleep resumed> <unfinished ...>) = ?\n20  +++ killed by SIGKILL +++\n',
  );
  t.is(calls(tr)[0]!.ret, null);
  t.like(tr.events[1], { kind: 'end', how: 'killed', detail: 'SIGKILL', pid: 20 });
});

test('an unfinished call never resumed keeps a null result', (t) => {
  t.is(only('20  wait4(0xffffffff, 0x7ffe, 0, 0 <unfinished ...>\n').ret, null);
});

test('exits, kills, superseded tasks and signals', (t) => {
  const tr = ok(
    [
      '4444  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4445, si_status=0} ---',
      '4444  +++ exited with 3 +++',
      '4446  +++ killed by SIGSEGV (core dumped) +++',
      '4447  +++ superseded by execve in pid 4448 +++',
    ].join('\n'),
  );
  t.deepEqual(tr.events, [
    { kind: 'signal', line: 1, pid: 4444, signal: 'SIGCHLD' },
    { kind: 'end', line: 2, pid: 4444, how: 'exited', detail: '3' },
    { kind: 'end', line: 3, pid: 4446, how: 'killed', detail: 'SIGSEGV' },
    { kind: 'end', line: 4, pid: 4447, how: 'superseded', detail: '4448' },
  ]);
});

test('clone, fork and clone3 return the child pid', (t) => {
  const c = calls(
    ok('1  clone(0x1200011, 0, 0, 0x7efe, 0) = 0x115d\n1  fork() = 0x20\n1  clone3(0x7ffc, 0x58) = 0x1000\n'),
  );
  t.deepEqual(
    c.map((x) => x.ret),
    [0x115dn, 0x20n, 0x1000n],
  );
});

test('restart_syscall prints no arguments', (t) => {
  t.like(only('9  restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0\n'), {
    name: 'restart_syscall',
    nr: 219,
    args: [],
  });
});

test('syscall_0x... names a number strace has no name for', (t) => {
  t.like(only('9  syscall_0x1b6(0x1, 0x2) = -1 ENOSYS (Function not implemented)\n'), { nr: 0x1b6, args: [1n, 2n] });
});

test('32-bit mode notice switches that pid to ia32 names', (t) => {
  const tr = ok(
    '5  execve(0x1, 0x2, 0x3) = 0\n[ Process PID=5 runs in 32 bit mode. ]\n5  write(0x1, 0x1000, 0x1) = 0x1\n6  write(0x1, 0x1000, 0x1) = 0x1\n',
  );
  const c = calls(tr);
  t.like(c[1], { abi: 'ia32', nr: 4, name: 'write' });
  t.like(c[2], { abi: 'x86_64', nr: 1 });
});

test('stderr output: unprefixed root lines get the root pid once it shows', (t) => {
  const tr = ok(
    [
      'getpid() = 0x1157',
      'clone(0x1200011, 0, 0, 0x7f98, 0strace: Process 4440 attached',
      '[pid  4440] set_robust_list(0x7f75, 0x18) = 0',
      '[pid  4439] <... clone resumed>) = 0x1158',
      '[pid  4439] wait4(0xffffffff, 0x7ffd, 0, 0) = 0x1158',
      'strace: Process 4441 attached',
    ].join('\n'),
  );
  t.deepEqual(
    calls(tr).map((c) => [c.pid, c.name, c.ret]),
    [
      [4439, 'getpid', 0x1157n],
      [4439, 'clone', 0x1158n],
      [4440, 'set_robust_list', 0n],
      [4439, 'wait4', 0x1158n],
    ],
  );
});

test('stderr output: the root found as the only pid no clone returned', (t) => {
  const tr = ok('getpid() = 0x9\n[pid 9] clone(0x11, 0, 0, 0, 0) = 0xa\n[pid 10] getpid() = 0xa\n');
  t.deepEqual(
    calls(tr).map((c) => c.pid),
    [9, 9, 10],
  );
});

test('stderr output with several parentless pids cannot place unprefixed lines', (t) => {
  const e = bad('getpid() = 0x1\n[pid 5] getpid() = 0x5\n[pid 6] getpid() = 0x6\n');
  t.like(e, {
    line: 3,
    column: 0,
    message: 'lines without a pid while processes 5, 6 have no traced parent; record with strace -f -o FILE',
  });
  const lenient = parseStrace('getpid() = 0x1\n[pid 5] getpid() = 0x5\n[pid 6] getpid() = 0x6\n', {
    abi: 'x86_64',
    lenient: true,
  });
  t.false(lenient.ok, '--lenient does not skip it');
});

test('CRLF line ends and blank lines are accepted; lines are counted', (t) => {
  const tr = ok('1  getpid() = 0x1\r\n\r\n1  getppid() = 0\r\n');
  t.is(calls(tr).length, 2);
  t.is(calls(tr)[1]!.line, 3);
  t.is(tr.lines, 3);
});

test('unknown system call: line, column and suggestions', (t) => {
  const e = bad('1  getpid() = 0x1\n1  opnat(0x3) = 0\n');
  t.like(e, { line: 2, column: 3 });
  t.regex(e.message, /unknown system call 'opnat' for x86_64; did you mean 'openat'/);
});

test('decoded (non-raw) arguments: one error that says so and how to record, even with --lenient', (t) => {
  const text =
    '1  execve(0x1, 0, 0) = 0\n1  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3\n1  read(3, "\\177ELF", 832) = 832\n';
  for (const lenient of [false, true]) {
    const r = parseStrace(text, { abi: 'x86_64', lenient });
    t.false(r.ok);
    if (r.ok) return;
    t.like(r.error, { line: 2, column: 10, message: DECODED });
  }
  t.regex(DECODED, /without `-e raw=all`.*seccomp-spec record -o FILE -- CMD/);
  for (const arg of ['"/etc"', '[1, 2]', '{st_mode=0}', 'NULL', 'O_RDONLY|O_CLOEXEC'])
    t.is(bad(`1  openat(${arg}) = 3\n`).message, DECODED, arg);
  t.regex(bad('1  openat(garbage) = 3\n').message, /expected a raw number as argument 1/);
});

test('execve decoded by strace -e raw=!execve keeps its path; its other arguments read as 0', (t) => {
  const tr = ok(
    '7  execve("/usr/bin/ls", ["ls", "-l", "a \\"b\\""], 0x7ffd5e0e5a58 /* 23 vars */) = 0\n7  execve("/usr/bin/\\303\\251t\\x41"..., [...] <unfinished ...>\n7  <... execve resumed>) = -1 ENOENT (No such file)\n',
  );
  const [a, b] = calls(tr);
  t.like(a, { name: 'execve', path: '/usr/bin/ls', ret: 0n });
  t.is(a!.args.length, 3);
  t.like(b, { path: '/usr/bin/étA', ret: -1n });
});

test('truncated lines are errors with the column at the end', (t) => {
  const e = bad('1  getpid() = 0x1\n1  read(0x3, 0x7ff');
  t.like(e, { line: 2, column: 18 });
  t.regex(e.message, /^truncated line/);
  t.regex(bad('1  read(0x3, 0x7f, 0x1)\n').message, /truncated line: expected ' = RESULT'/);
});

test('resumed without an unfinished call, or of another call, is an error', (t) => {
  t.regex(bad('1  <... read resumed>) = 0\n').message, /without an unfinished read call of pid 1/);
  t.regex(
    bad('1  read(0x3 <unfinished ...>\n1  <... write resumed>) = 0\n').message,
    /but pid 1 is in read \(line 1\)/,
  );
});

test('more than six arguments and values over 64 bits are errors', (t) => {
  t.regex(bad('1  mmap(1, 2, 3, 4, 5, 6, 7) = 0\n').message, /more than 6 arguments/);
  t.regex(bad('1  read(0x10000000000000000, 0, 0) = 0\n').message, /argument 1 does not fit in 64 bits/);
});

test('malformed exits and 32-bit notices are errors', (t) => {
  t.regex(bad('1  +++ vanished +++\n').message, /expected 'exited with N'/);
  t.regex(bad('[ Process PID=5 runs in 16 bit mode. ]\n').message, /32 or 64 bit mode/);
  t.regex(bad('1  [ 5\n').message, /expected '\]'/);
  t.regex(bad('1  \n').message, /truncated line: expected a system call/);
});

test('lenient mode skips bad lines and lists every one', (t) => {
  const r = parseStrace('1  getpid() = 0x1\n1  bogus_call() = 0\ngarbage here\n1  getppid() = 0\n', {
    abi: 'x86_64',
    lenient: true,
  });
  t.true(r.ok);
  if (!r.ok) return;
  t.is(calls(r.trace).length, 2);
  t.deepEqual(
    r.trace.skipped.map((s) => s.line),
    [2, 3],
  );
});

test('ia32 as the tracer ABI resolves 32-bit names', (t) => {
  const r = parseStrace('1  stat(0x1, 0x2) = 0\n', { abi: 'ia32', lenient: false });
  t.true(r.ok && r.trace.events[0]!.kind === 'call' && (r.trace.events[0] as TraceCall).nr === 106);
});
