/**
 * `seccomp-spec check` (S2.5, S1.3, C7) through main() with a fake Io, and
 * once through the real bin/seccomp-spec in a child process.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli, type Run } from '../src/cli/memory.ts';

const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p]);

const POLICY = [
  '# reads stdin, writes stdout/stderr',
  'sys_read: fd == 0',
  'write: fd == 1 || fd == 2',
  '',
  '0x3c: 1',
  'sys_exit_group: 1',
].join('\n');

// ---------------------------------------------------------------- valid policies

test('check prints "nr name: filter" per entry and exits 0', async (t) => {
  const r = await run(['check', 'p.txt'], { 'p.txt': POLICY });
  t.is(r.code, 0);
  t.deepEqual(r.reads, ['p.txt']);
  t.is(r.out, '0 sys_read: fd == 0\n1 sys_write: fd == 1 || fd == 2\n60 sys_exit: 1\n231 sys_exit_group: 1\n');
  t.false(r.err.includes('error'));
});

test('check prints the directive first and canonical filters', async (t) => {
  const r = await run(['check', 'p.txt'], {
    'p.txt': 'sys_mmap: !(prot&4)&&(flags==2||flags==0x22)\non_next_syscall: 1\n134: 0\n',
  });
  t.is(r.code, 0);
  t.is(r.out, 'on_next_syscall: 1\n9 sys_mmap: !(prot & 4) && (flags == 2 || flags == 0x22)\n134 sys_ni_syscall: 0\n');
});

test('check --abi ia32 resolves names in the compat table', async (t) => {
  const r = await run(['check', '--abi', 'ia32', 'p.txt'], { 'p.txt': 'stat: 1\nsys_stat: 1\nsys_read: fd == 0\n' });
  t.is(r.code, 0);
  t.is(r.out, '106 sys_newstat: 1\n18 sys_stat: 1\n3 sys_read: fd == 0\n');
  const eq = await run(['check', 'p.txt', '--abi=ia32'], { 'p.txt': 'stat: 1\n' });
  t.is(eq.code, 0);
  t.is(eq.out, '106 sys_newstat: 1\n');
  const native = await run(['check', 'p.txt', '--abi', 'x86_64'], { 'p.txt': 'stat: 1\n' });
  t.is(native.out, '4 sys_newstat: 1\n');
});

test('check of an empty policy prints nothing and exits 0', async (t) => {
  const r = await run(['check', 'e.txt'], { 'e.txt': '' });
  t.is(r.code, 0);
  t.is(r.out, '');
});

// ---------------------------------------------------------------- errors

test('check reports errors as file:line:col: (1-based column, C7) with a caret, exit 1', async (t) => {
  const r = await run(['check', 'bad.txt'], { 'bad.txt': 'sys_read: 1\nsys_write: fd = 1\n' });
  t.is(r.code, 1);
  t.is(r.out, '');
  t.is(r.err, 'bad.txt:2:15: Invalid operator\nsys_write: fd = 1\n              ^\n');
});

test('check reports every error, each with its caret, and unknown names with suggestions', async (t) => {
  const r = await run(['check', 'bad.txt'], { 'bad.txt': 'sys_reed: 1\n# ok\nsys_write: foo == 1\n' });
  t.is(r.code, 1);
  t.is(r.out, '');
  const lines = r.err.split('\n');
  t.regex(lines[0]!, /^bad\.txt:1:1: Unknown system call 'sys_reed' for x86_64; did you mean .*'sys_read'/);
  t.is(lines[1], 'sys_reed: 1');
  t.is(lines[2], '^');
  t.is(lines[3], "bad.txt:3:12: Field not found; did you mean 'fd'? the fields are fd, buf, count, nr and common_*");
  t.is(lines[4], 'sys_write: foo == 1');
  t.is(lines[5], '           ^');
});

test('check --json on a valid policy', async (t) => {
  const r = await run(['check', '--json', 'p.txt'], { 'p.txt': `${POLICY}\non_next_syscall: 1\n` });
  t.is(r.code, 0);
  t.true(r.out.endsWith('\n'));
  t.is(r.out.trim().split('\n').length, 1, 'one line of JSON');
  const j = JSON.parse(r.out) as Record<string, unknown>;
  for (const k of ['ok', 'abi', 'entries', 'onNextSyscall', 'errors']) t.true(k in j, k);
  t.is(j['ok'], true);
  t.is(j['abi'], 'x86_64');
  t.is(j['onNextSyscall'], true);
  t.deepEqual(j['errors'], []);
  t.deepEqual(j['entries'], [
    { nr: 0, name: 'sys_read', filter: 'fd == 0' },
    { nr: 1, name: 'sys_write', filter: 'fd == 1 || fd == 2' },
    { nr: 60, name: 'sys_exit', filter: '1' },
    { nr: 231, name: 'sys_exit_group', filter: '1' },
  ]);
});

test('check --json on a bad policy: 0-based columns, no entries, exit 1', async (t) => {
  const r = await run(['check', 'bad.txt', '--json'], { 'bad.txt': 'sys_read: 1\nsys_write: fd = 1\nsys_reed: 1\n' });
  t.is(r.code, 1);
  const j = JSON.parse(r.out) as {
    ok: boolean;
    abi: string;
    entries: unknown[];
    onNextSyscall: boolean;
    errors: { line: number; column: number; message: string; suggestions?: string[] }[];
  };
  t.is(j.ok, false);
  t.is(j.abi, 'x86_64');
  t.deepEqual(j.entries, []);
  t.is(j.onNextSyscall, false);
  t.is(j.errors.length, 2);
  t.deepEqual(
    { line: j.errors[0]!.line, column: j.errors[0]!.column, message: j.errors[0]!.message },
    { line: 2, column: 14, message: 'Invalid operator' },
  );
  t.is(j.errors[1]!.line, 3);
  t.is(j.errors[1]!.column, 0);
  t.true(j.errors[1]!.message.startsWith("Unknown system call 'sys_reed'"));
  t.true(j.errors[1]!.suggestions?.includes('sys_read'));
});

test('check --json --abi ia32', async (t) => {
  const r = await run(['check', '--json', '--abi', 'ia32', 'p.txt'], { 'p.txt': 'sys_stat: 1\n' });
  t.is(r.code, 0);
  const j = JSON.parse(r.out) as { abi: string; entries: unknown[] };
  t.is(j.abi, 'ia32');
  t.deepEqual(j.entries, [{ nr: 18, name: 'sys_stat', filter: '1' }]);
});

test('check renders binary junk without breaking the caret line', async (t) => {
  const r = await run(['check', 'bin'], { bin: 'sys_read: fd == 1\0\x01\x02\n' });
  t.is(r.code, 1);
  const [head, src, mark] = r.err.split('\n');
  t.is(head, 'bin:1:18: NUL byte in a policy text: the kernel would read the text only up to here (S5.2)');
  t.is(src, 'sys_read: fd == 1???');
  t.is(mark, `${' '.repeat(17)}^`);
});

// ---------------------------------------------------------------- usage

test('check usage errors exit 2 with the help on stderr', async (t) => {
  for (const argv of [
    ['check'],
    ['check', 'a', 'b'],
    ['check', '--bogus', 'p.txt'],
    ['check', 'p.txt', '--abi'],
    ['check', '--json=1', 'p.txt'],
  ]) {
    const r = await run(argv, { 'p.txt': 'sys_read: 1' });
    t.is(r.code, 2, argv.join(' '));
    t.is(r.out, '', argv.join(' '));
    t.true(r.err.includes('usage: seccomp-spec check'), argv.join(' '));
  }
});

test('check --abi with an unknown ABI exits 2 naming the valid values', async (t) => {
  const r = await run(['check', '--abi', 'arm64', 'p.txt'], { 'p.txt': 'sys_read: 1' });
  t.is(r.code, 2);
  t.is(r.out, '');
  t.true(r.err.includes('--abi'));
  t.true(r.err.includes('x86_64 | ia32'));
  t.deepEqual(r.reads, [], 'the file is not read');
});

test('check of an unreadable file exits 2', async (t) => {
  const r = await run(['check', 'missing.txt']);
  t.is(r.code, 2);
  t.is(r.out, '');
  t.true(r.err.startsWith('missing.txt: cannot read:'));
});

test('check --help prints the help on stdout and exits 0', async (t) => {
  const r = await run(['check', '--help']);
  t.is(r.code, 0);
  t.true(r.out.startsWith('usage: seccomp-spec check POLICY_FILE'));
  t.is(r.err, '');
});

test('-- ends options: a file named like a flag', async (t) => {
  const r = await run(['check', '--', '--json'], { '--json': 'sys_read: 1' });
  t.is(r.code, 0);
  t.is(r.out, '0 sys_read: 1\n');
});

test('main: no command is a usage error (exit 2, usage on stderr)', async (t) => {
  const r = await run([]);
  t.is(r.code, 2);
  t.is(r.out, '');
  t.true(r.err.startsWith('usage: seccomp-spec COMMAND'));
  t.true(r.err.includes('check'));
});

test('main: --help, -h and help print the usage on stdout, exit 0', async (t) => {
  for (const h of ['--help', '-h', 'help']) {
    const r = await run([h]);
    t.is(r.code, 0, h);
    t.true(r.out.startsWith('usage: seccomp-spec COMMAND'), h);
    t.true(r.out.includes('check'), h);
    t.is(r.err, '', h);
  }
});

test('main: an unknown command exits 2 naming it', async (t) => {
  const r = await run(['chekc', 'p.txt']);
  t.is(r.code, 2);
  t.is(r.out, '');
  t.true(r.err.startsWith("unknown command 'chekc'"));
  t.true(r.err.includes('usage: seccomp-spec COMMAND'));
});

// ---------------------------------------------------------------- the real binary

test('bin/seccomp-spec check examples/policy.txt exits 0 and lists the entries', (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const p = spawnSync(process.execPath, ['bin/seccomp-spec', 'check', 'examples/policy.txt'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.is(p.error, undefined);
  t.is(p.status, 0, p.stderr);
  const lines = p.stdout.trimEnd().split('\n');
  t.is(lines[0], 'on_next_syscall: 1');
  t.true(lines.includes('0 sys_read: fd == 0'));
  t.true(lines.includes('1 sys_write: fd == 1 || fd == 2'));
  t.true(lines.includes('9 sys_mmap: !(prot & 4)'));
  t.true(lines.includes('5 sys_newfstat: fd <= 2'));
  t.true(lines.includes('3 sys_close: 1'));
  t.true(
    lines.every((l, i) => i === 0 || /^\d+ sys_\w+: .+$/.test(l)),
    p.stdout,
  );
});

test('bin/seccomp-spec check exits 1 on a bad policy read from stdin', (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const p = spawnSync(process.execPath, ['bin/seccomp-spec', 'check', '-', '--json'], {
    cwd: root,
    encoding: 'utf8',
    input: 'sys_read: fd == 08\n',
    timeout: 60_000,
  });
  t.is(p.status, 1, p.stderr);
  const j = JSON.parse(p.stdout) as { ok: boolean; errors: { line: number; column: number; message: string }[] };
  t.false(j.ok);
  t.deepEqual(j.errors, [{ line: 1, column: 16, message: 'Illegal integer value' }]);
});

test('bin/seccomp-spec: a reader that closes the pipe early ends the output quietly, no EPIPE stack trace', (t) => {
  // `true` exits without reading, so every write of the CLI meets a closed pipe.
  const r = spawnSync(
    'sh',
    ['-c', `"${process.execPath}" bin/seccomp-spec check examples/policy.txt | true; echo "status=$?"`],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    },
  );
  t.is(r.stderr, '');
  t.regex(r.stdout, /status=0/);
});

// C33: a policy text with a NUL byte (here in a comment) is judged whole or
// refused, never cut at the NUL: the kernel reads user memory only up to it,
// which would drop the narrowing `read: fd == 0` and allow read(5).
test('eval judges the whole policy text: a NUL byte cannot hide a narrowing line (C33)', async (t) => {
  const policy = 'read: 1\n# \0\nread: fd == 0\n';
  const check = await run(['check', 'p'], { p: policy });
  const ev = await run(['eval', 'p', 'read', '5'], { p: policy });
  // Either both reject the file, or eval judges the whole text (read limited to fd == 0).
  if (check.code === 0) t.is(ev.code, 1, `check accepted the file, but eval allowed read(5):\n${ev.out}${ev.err}`);
  else t.not(ev.code, 0);
});

test('proc shows every entry check accepts, with a NUL byte in a comment (C33)', async (t) => {
  const policy = 'read: 1\n# \0\nwrite: 1\n';
  const check = await run(['check', 'p'], { p: policy });
  const proc = await run(['proc', 'p'], { p: policy });
  if (check.code === 0) t.regex(proc.out, /FilterCount: 2/, proc.out + proc.err);
  else t.not(proc.code, 0);
});

// S2.3: the 255-character limit applies after any merge (S5.4), as the
// kernel's -E2BIG does: two `read` lines of 151 characters merge to 310.
test('check rejects a policy whose repeated names merge beyond 255 characters (S2.3, S5.4)', async (t) => {
  const filter = `fd == 1${' || fd == 1'.repeat(15)}`;
  const policy = `read: ${filter}\nread: ${filter}\n`;
  const proc = await run(['proc', 'p'], { p: policy });
  t.is(proc.code, 1, 'the kernel refuses the merged text');
  const check = await run(['check', 'p'], { p: policy });
  t.is(check.code, 1, check.out + check.err);
});
