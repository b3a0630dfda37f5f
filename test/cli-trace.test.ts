/**
 * The trace commands through main() with a fake Io: replay, eval,
 * generate and proc on the recorded traces and example policies; output,
 * --json, --help and exit codes 0/1/2.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { runCli, type Run } from '../src/cli/memory.ts';

/** Files under examples/ come from disk; others from `files`. */
const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}, errIsTty = false): Promise<Run> =>
  runCli(
    argv,
    (path) =>
      path.startsWith('examples/') ? readFileSync(new URL(`../${path}`, import.meta.url), 'latin1') : files[path],
    errIsTty,
  );

const T = (name: string): string => `examples/traces/${name}.strace`;
const P = (name: string): string => `examples/policies/${name}.txt`;

test('replay: nothing killed exits 0 with a summary table', async (t) => {
  const r = await run(['replay', P('ls-allows'), T('ls')]);
  t.is(r.code, 0);
  t.regex(
    r.out,
    /^replay of examples\/traces\/ls.strace \(286 lines, 285 calls\) under examples\/policies\/ls-allows.txt \(x86_64\)/,
  );
  t.regex(r.out, /\nwrite \(1\) +1 +0\n/);
  t.regex(r.out, /\n0 of 1 task killed; 0 calls not reached\n$/);
  t.is(r.err, '');
});

test('replay: a kill exits 1 and explains it', async (t) => {
  const r = await run(['replay', P('true-breaks'), T('true')]);
  t.is(r.code, 1);
  t.true(r.out.includes('): KILLED at line 5 after 4 allowed calls\n'));
  t.true(r.out.includes('  call:   openat(dfd=0xffffff9c, filename=0x7fa2b10dc0b1, flags=0x80000, mode=0)\n'));
  t.true(r.out.includes('  entry:  openat: flags == 0\n'));
  t.true(r.out.includes('  reason: `flags == 0` is false because flags = 0x80000 (O_CLOEXEC)\n'));
  t.true(r.out.includes('  log:    true[1]: system call 257 (sys_openat) blocked at ip:0\n'));
  t.regex(r.out, /\nopenat \(257\) +0 +1\n/);
});

test('replay --json: tasks, kill details with hex values, summary', async (t) => {
  const r = await run(['replay', '--json', P('node-breaks'), T('node')]);
  t.is(r.code, 1);
  const j = JSON.parse(r.out) as {
    ok: boolean;
    killed: number;
    tasks: {
      kill: null | {
        name: string;
        args: Record<string, string>;
        step: string;
        fields: { name: string; value: string }[];
      };
    }[];
    summary: { name: string; killed: number }[];
  };
  t.false(j.ok);
  t.is(j.killed, 1);
  const k = j.tasks.find((x) => x.kill !== null)!.kill!;
  t.like(k, { name: 'mprotect', step: 'expr', args: { prot: '0x7' }, fields: [{ name: 'prot', value: '0x7' }] });
  t.is(j.summary.find((s) => s.name === 'mprotect')!.killed, 1);
});

test('replay: usage errors exit 2, unreadable files too', async (t) => {
  t.is((await run(['replay', P('ls-allows')])).code, 2);
  t.is((await run(['replay', '--abi', 'arm', P('ls-allows'), T('ls')])).code, 2);
  t.is((await run(['replay', '--bogus', P('ls-allows'), T('ls')])).code, 2);
  const r = await run(['replay', P('ls-allows'), 'missing.strace']);
  t.is(r.code, 2);
  t.regex(r.err, /^missing.strace: cannot read: ENOENT/);
});

test('replay: a bad trace line exits 1 with file:line:col and a caret; --lenient counts it up to 1% of the lines', async (t) => {
  const body = (bad: number): string =>
    [
      '1  execve(0x1, 0, 0) = 0',
      ...Array.from({ length: 199 }, (_, k) => (k < bad ? '1  getpid(0x1 = 1' : '1  getpid() = 1')),
    ].join('\n') + '\n';
  const files = { 'one.strace': body(1), 'two.strace': body(2), 'three.strace': body(3), 'p.txt': 'getpid: 1\n' };
  const r = await run(['replay', 'p.txt', 'one.strace'], files);
  t.is(r.code, 1);
  t.true(r.err.startsWith('one.strace:2:14: expected a raw number as argument 2'), r.err);
  t.regex(r.err, /\n1  getpid\(0x1 = 1\n +\^\n\(--lenient skips bad lines and counts them\)\n$/);
  for (const [file, code] of [
    ['one.strace', 0],
    ['two.strace', 0],
    ['three.strace', 1],
  ] as const) {
    const l = await run(['replay', '--lenient', 'p.txt', file], files);
    t.is(l.code, code, file);
    t.regex(l.err, new RegExp(`^${file}: skipped \\d bad lines? \\(--lenient\\); the first:\n${file}:2:`));
    if (code === 0) t.regex(l.out, /\(200 lines, 19\d calls, \d lines? skipped\)/);
    else {
      t.is(l.out, '');
      t.regex(l.err, /--lenient skipped 3 of 200 lines, more than 1%/);
    }
  }
});

test('replay: a trace recorded without -e raw=all gets one error that says how to record, --lenient or not', async (t) => {
  const files = {
    'd.strace':
      '1  execve("/bin/true", ["true"], 0x7ffe /* 3 vars */) = 0\n1  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3\n1  close(3) = 0\n',
    'p.txt': '1: 1\n',
  };
  for (const flags of [[], ['--lenient']]) {
    const r = await run(['replay', ...flags, 'p.txt', 'd.strace'], files);
    t.is(r.code, 1);
    t.is(r.out, '');
    t.true(r.err.startsWith('d.strace:2:11: decoded arguments: this trace was recorded without `-e raw=all`'), r.err);
    t.is(r.err.split('decoded arguments').length, 2, 'one error');
  }
});

test('replay: parentless pids beside unprefixed lines are an error at the line that shows it', async (t) => {
  const files = {
    'm.strace': 'getpid() = 0x1\n[pid 5] getpid() = 0x5\n[pid 6] getpid() = 0x6\n',
    'p.txt': 'getpid: 1\n',
  };
  const r = await run(['replay', 'p.txt', 'm.strace'], files);
  t.is(r.code, 1);
  t.true(
    r.err.startsWith(
      'm.strace:3:1: lines without a pid while processes 5, 6 have no traced parent; record with strace -f -o FILE\n',
    ),
  );
});

test('replay and generate: progress on a terminal only, erased at the end, none with --quiet', async (t) => {
  const big = ['1  execve(0x1, 0, 0) = 0', ...Array.from({ length: 1000 }, () => '1  getpid() = 0x1')].join('\n');
  const files = { 'big.strace': big, 'p.txt': 'getpid: 1\n' };
  for (const argv of [
    ['replay', 'p.txt', 'big.strace'],
    ['generate', 'big.strace'],
  ]) {
    const tty = await run(argv, files, true);
    t.is(tty.code, 0);
    // generate's last line, the next step, comes after the progress line is erased.
    const next = argv[0] === 'generate' ? 'next: seccomp-spec run .*\\n' : '';
    t.regex(
      tty.err,
      new RegExp(
        `^\\r\\x1b\\[K${argv[0]}: [0-9.]+ of 0\\.0 MB, [0-9,]+ lines, [0-9,]+ calls/s(\\r\\x1b\\[K.*)*\\r\\x1b\\[K${next}$`,
      ),
    );
    t.regex((await run(argv, files, false)).err, new RegExp(`^${next}$`));
    t.is((await run([argv[0]!, '--quiet', ...argv.slice(1)], files, true)).err, '');
  }
});

test('eval: named and positional arguments, allowed and killed', async (t) => {
  const files = { 'p.txt': 'write: fd == 1 || fd == 2\nexit_group: 1\n' };
  const a = await run(['eval', 'p.txt', 'write', 'fd=1', 'buf=0x1000', 'count=12'], files);
  t.is(a.code, 0);
  t.is(
    a.out,
    'write(fd=1, buf=0x1000, count=12) via syscall (x86_64): ALLOWED\n' +
      '  entry:   write: fd == 1 || fd == 2\n  reason:  `fd == 1` is true because fd = 1\n  engine:  returned 0\n' +
      '  action:  allow\n  rule:    p.txt:1: write: fd == 1 || fd == 2\n',
  );
  const k = await run(['eval', 'p.txt', 'write', '3', '0x1000', '12'], files);
  t.is(k.code, 1);
  t.true(k.out.startsWith('write(fd=3, buf=0x1000, count=12) via syscall (x86_64): KILLED\n'));
  t.true(k.out.includes('  reason:  `fd == 1 || fd == 2` is false because fd = 3\n'));
  t.true(k.out.includes('  engine:  killed: eval[1]: system call 1 (sys_write) blocked at ip:0\n'));
});

test('eval: int $0x80 from a 64-bit task meets the ABI check; --json', async (t) => {
  const files = { 'p.txt': 'write: 1\n' };
  const r = await run(['eval', '--vector', 'int80', '--json', 'p.txt', 'write', '1'], files);
  t.is(r.code, 1);
  t.like(JSON.parse(r.out), { allowed: false, abi: 'ia32', nr: 4, step: 'abi', outcome: { kind: 'killed' } });
});

test('eval: a pending on_next_syscall is used up first, negative values wrap', async (t) => {
  const files = { 'p.txt': 'lseek: offset == 0xffffffffffffffff\non_next_syscall: 1\n' };
  const r = await run(['eval', 'p.txt', 'lseek', 'offset=-1'], files);
  t.is(r.code, 0);
  t.true(r.out.includes('note: on_next_syscall: 1 was used up by a getpid first (S6.4)\n'));
  t.true(r.out.includes('offset=0xffffffffffffffff'));
});

test('eval: unknown call, argument name or value are usage errors', async (t) => {
  const files = { 'p.txt': 'write: 1\n' };
  t.regex((await run(['eval', 'p.txt', 'wrte'], files)).err, /unknown system call 'wrte' for x86_64/);
  t.regex(
    (await run(['eval', 'p.txt', 'write', 'fdd=1'], files)).err,
    /write has no argument 'fdd' \(its arguments: fd, buf, count\)/,
  );
  t.regex((await run(['eval', 'p.txt', 'write', 'fd=one'], files)).err, /argument 'fd=one': expected an integer/);
  t.regex(
    (await run(['eval', 'p.txt', 'getpid', '1', '2', '3', '4', '5', '6', '7'], files)).err,
    /at most 6 arguments/,
  );
  t.is((await run(['eval', 'p.txt'], files)).code, 2);
  t.is((await run(['eval', '--vector', 'far', 'p.txt', 'write'], files)).code, 2);
});

test('generate: the policy on stdout, notes on stderr, exit 0', async (t) => {
  const r = await run(['generate', '--args', 'fd', T('node')]);
  t.is(r.code, 0);
  t.regex(
    r.out,
    /^# Generated by seccomp-spec generate from examples\/traces\/node.strace \(x86_64\): 45 system calls, 711 calls\.\n/,
  );
  t.true(r.out.includes('\nwrite: fd == 1 || fd == 5 || fd == 13\n'));
  t.regex(r.err, /^note: fcntl: 17 distinct values of fd do not fit one filter/);
  t.is((await run(['generate', T('true')])).out.split('\n').filter((l) => l.endsWith(': 1')).length, 16);
});

test('generate: other-ABI calls exit 1; bad --args exits 2', async (t) => {
  const files = {
    'm.strace': '1  execve(0x1, 0, 0) = 0\n1  getpid() = 1\n[ Process PID=1 runs in 32 bit mode. ]\n1  getpid() = 1\n',
  };
  const r = await run(['generate', '--abi', 'x86_64', 'm.strace'], files);
  t.is(r.code, 1);
  t.regex(r.err, /^m.strace:4: 1 call no x86_64 policy can allow \(first: getpid, nr 20, ia32/);
  t.is((await run(['generate', '--args', 'fd,,x', T('true')])).code, 2);
});

test('proc: /proc/<pid>/seccomp_filter after the install', async (t) => {
  const r = await run(['proc', 'p.txt'], {
    'p.txt': 'write: fd == 1\nwrite: count < 10\nread: 1\non_next_syscall: 1\n',
  });
  t.is(r.code, 0);
  t.is(
    r.out,
    'Filtering: 0\nFilterCount: 2\nSystemCall: 0 (sys_read)\nFilter: 1\nSystemCall: 1 (sys_write)\nFilter: (fd == 1) && (count < 10)\n',
  );
  const ia32 = await run(['proc', '--abi', 'ia32', 'p.txt'], { 'p.txt': 'stat: 1\n' });
  t.is(ia32.out, 'Filtering: 1\nFilterCount: 1\nSystemCall: 106 (sys_newstat)\nFilter: 1\n');
});

const long = Array.from({ length: 12 }, (_, k) => `fd == ${1000000 + k}`).join(' || ');
/** Valid line by line, but the S5.4 merge of the two entries is over 255 characters: -E2BIG. */
const REFUSED = { 'p.txt': `write: ${long}\nwrite: ${long}\n` };

test('proc, eval and replay: a policy the kernel would refuse is an error at the line it fails from, exit 1', async (t) => {
  for (const argv of [
    ['proc', 'p.txt'],
    ['eval', 'p.txt', 'write', '1'],
    ['replay', 'p.txt', T('true')],
  ]) {
    const r = await run(argv, REFUSED);
    t.is(r.code, 1, argv.join(' '));
    t.is(r.out, '');
    t.regex(
      r.err,
      /^p.txt:2:1: prctl\(PR_SET_SECCOMP, 2\) returns -E2BIG: merged with its earlier entry, the filter of .write. \(sys_write\) passes 255 characters/,
    );
  }
});

for (const cmd of ['replay', 'eval', 'generate', 'proc']) {
  test(`${cmd} --help prints usage and exits 0`, async (t) => {
    const r = await run([cmd, '--help']);
    t.is(r.code, 0);
    t.true(r.out.startsWith(`usage: seccomp-spec ${cmd} `));
  });
}

test('replay and generate: a trace with no system call is an error, not a pass', async (t) => {
  for (const argv of [
    ['replay', P('ls-allows'), 'empty.strace'],
    ['generate', 'empty.strace'],
    ['replay', '--lenient', P('ls-allows'), 'junk.strace'],
  ]) {
    const r = await run(argv, { 'empty.strace': '', 'junk.strace': 'not a trace\nstill not one\n' });
    t.is(r.code, 1, argv.join(' '));
    t.is(r.out, '');
    t.regex(r.err, /: no system call in the trace \(\d+ lines/);
  }
});

test('generate: --args takes comma-separated argument names only', async (t) => {
  const bad = await run(['generate', '--args', 'fd;rm', T('true')]);
  t.is(bad.code, 2);
  t.regex(bad.err, /^invalid --args: .*comma-separated argument names/);
  const good = await run(['generate', '--args', 'fd,flags', T('true')]);
  t.is(good.code, 0);
  t.regex(good.out, /\nread: fd == 3\n/);
});

test('eval: a number no table lists is still judged, and killed (S6.4, C8)', async (t) => {
  for (const [nr, shown] of [
    ['0x40000000', 'syscall_0x40000000'],
    ['-1', 'syscall_0xffffffff'],
    ['99999', 'syscall_0x1869f'],
  ]) {
    const r = await run(['eval', P('ls-allows'), nr!]);
    t.is(r.code, 1, nr);
    t.regex(r.out, new RegExp(`^${shown}\\(\\) via syscall \\(x86_64\\): KILLED\\n`));
    t.regex(r.out, /is outside \[0, 470\) for x86_64 \(S6\.4\)/);
  }
});

// S6.4, T5: a task whose filters are bound to ia32 never gets a native call
// allowed. The root's first call is an ia32 execve (a 32-bit launcher) and
// the exec'd program then makes a native read(0); T5 gives the root 64-bit
// code when any of its calls is native, so the call is not entered through
// int $0x80 as ia32 nr 0 (restart_syscall).
test('replay never allows a native call under an ia32 policy (JSON lines; S6.4, T5)', async (t) => {
  const trace =
    '{"pid":1,"abi":"ia32","name":"execve","args":["0x1000",0,0],"ret":0}\n' +
    '{"pid":1,"abi":"x86_64","nr":0,"args":[0,0,0],"ret":0}\n';
  const r = await run(['replay', 'p', 't.jsonl', '--abi', 'ia32'], { p: 'restart_syscall: 1\n', 't.jsonl': trace });
  t.not(r.code, 0, r.out + r.err);
  t.notRegex(r.out, /ok, 2 calls allowed/);
});

test('replay never allows a native call under an ia32 policy (strace text; S6.4, T5)', async (t) => {
  // The root's execve is ia32 (--abi ia32 is the default ABI of unmarked lines);
  // strace then says the process runs in 64-bit mode and it calls read(5).
  const trace =
    '1 execve(0x1000, 0x2000, 0x3000) = 0\n[ Process PID=1 runs in 64 bit mode. ]\n1 read(0x5, 0x0, 0x0) = 0\n';
  const r = await run(['replay', 'p', 't.strace', '--abi', 'ia32'], { p: 'restart_syscall: 1\n', 't.strace': trace });
  t.not(r.code, 0, r.out + r.err);
});

// T10: replaying a trace under its generated policy kills nothing, and
// generate exits 0 only when it printed such a policy. Many calls with more
// than 32 values of an argument make notes that alone pass the 64 KiB a
// prctl may read (S5.2, C16): T10 drops the comments to fit, or exits 1.
test('generate prints a policy replay can install even when its notes would pass 64 KiB (T10, S5.2)', async (t) => {
  const { syscallTable } = await import('../src/x86/table.ts');
  const table = syscallTable('x86_64');
  const skip = new Set([
    'prctl',
    'execve',
    'execveat',
    'exit',
    'exit_group',
    'clone',
    'clone3',
    'fork',
    'vfork',
    'rt_sigreturn',
    'seccomp',
  ]);
  const lines = [JSON.stringify({ pid: 1, name: 'execve', args: [4096, 0, 0], ret: 0 })];
  const argNames = new Set<string>();
  for (const c of table.calls) {
    if (skip.has(c.name) || c.args.length < 3) continue;
    c.args.forEach((a) => argNames.add(a.name));
    for (let v = 1; v <= 33; v++)
      lines.push(JSON.stringify({ pid: 1, name: c.name, args: c.args.map(() => v), ret: 0 }));
  }
  const trace = `${lines.join('\n')}\n`;
  const gen = await run(['generate', 't.jsonl', '--args', [...argNames].join(',')], { 't.jsonl': trace });
  // T10 drops the comments to fit, so this trace has a policy: generate must print it and exit 0.
  t.is(gen.code, 0, `generate exited ${gen.code}: ${gen.err.slice(0, 200)}`);
  t.true(gen.out.length < 65536, `generated ${gen.out.length} characters`);
  const rep = await run(['replay', 'g.txt', 't.jsonl'], { 'g.txt': gen.out, 't.jsonl': trace });
  t.is(rep.code, 0, `generated ${gen.out.length} characters; replay: ${rep.err.slice(0, 200)}`);
});
