/**
 * What a new user types first: `resolve`, name
 * suggestions in `eval`, -h/--help/help CMD on every command, --version,
 * singular and plural counts, `replay - -`, and one style for numbers (U3).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../src/cli/main.ts';
import { runCli, type Run } from '../src/cli/memory.ts';

const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (path) =>
    path.startsWith('examples/') ? readFileSync(new URL(`../${path}`, import.meta.url), 'latin1') : files[path],
  );

// ---------------------------------------------------------------- resolve (item 6)

test('resolve NAME prints the number, entry name and C arguments for both ABIs', async (t) => {
  const r = await run(['resolve', 'stat']);
  t.is(r.code, 0);
  t.is(
    r.out,
    'x86_64    4  stat  sys_newstat(const char *filename, struct stat *statbuf)\n' +
      'ia32    106  stat  sys_newstat(const char *filename, struct compat_stat *statbuf)\n',
  );
  t.is(r.err, '');
});

test('resolve NR --abi answers for that ABI only; sys_ names and hex numbers resolve as in a policy (S1.3)', async (t) => {
  t.is(
    (await run(['resolve', '4', '--abi', 'ia32'])).out,
    'ia32    4  write  sys_write(unsigned int fd, const char *buf, size_t count)\n',
  );
  t.is(
    (await run(['resolve', 'sys_stat', '--abi=ia32'])).out,
    'ia32    18  oldstat  sys_stat(const char *filename, struct __old_kernel_stat *statbuf)\n',
  );
  t.is((await run(['resolve', '0x3c', '--abi', 'x86_64'])).out, 'x86_64  60  exit  sys_exit(int error_code)\n');
});

test('resolve: a name only one ABI has answers for it and says why not for the other, exit 0', async (t) => {
  const r = await run(['resolve', 'sys_stat']);
  t.is(r.code, 0);
  t.regex(r.out, /^x86_64  unknown system call 'sys_stat' for x86_64; did you mean 'stat'/);
  t.regex(r.out, /\nia32    18  oldstat  sys_stat\(/);
});

test('resolve: an unknown name suggests the nearest on stderr and exits 1; an out-of-table number too', async (t) => {
  const r = await run(['resolve', 'wrtie', '--abi', 'x86_64']);
  t.is(r.code, 1);
  t.is(r.out, '');
  t.is(r.err, "x86_64  unknown system call 'wrtie' for x86_64; did you mean 'write', 'sys_write'?\n");
  const n = await run(['resolve', '5000']);
  t.is(n.code, 1);
  t.regex(n.err, /^x86_64  5000 is outside the x86_64 table \(0 to \d+\)\n/);
});

test('resolve --json: number, names and typed arguments per ABI; errors with suggestions', async (t) => {
  const r = await run(['resolve', '--json', 'openat']);
  t.is(r.code, 0);
  const j = JSON.parse(r.out) as {
    query: string;
    results: { abi: string; nr: number; entry: string; args: { name: string; type: string }[] }[];
  };
  t.is(j.query, 'openat');
  t.deepEqual(
    j.results.map((x) => [x.abi, x.nr, x.entry, x.args.map((a) => `${a.type} ${a.name}`).join(', ')]),
    [
      ['x86_64', 257, 'sys_openat', 'int dfd, const char * filename, int flags, umode_t mode'],
      ['ia32', 295, 'sys_openat', 'int dfd, const char * filename, int flags, umode_t mode'],
    ],
  );
  const bad = JSON.parse((await run(['resolve', '--json', '--abi', 'ia32', 'opne'])).out) as {
    results: { nr: null; suggestions: string[] }[];
  };
  t.is(bad.results[0]!.nr, null);
  t.true(bad.results[0]!.suggestions.includes('open'));
});

test('eval suggests the nearest names for an unknown call, as check does', async (t) => {
  const r = await run(['eval', 'examples/policy.txt', 'wrte', '1']);
  t.is(r.code, 2);
  t.is(r.err, "unknown system call 'wrte' for x86_64; did you mean 'write', 'sys_write', 'writev'?\n");
});

// ---------------------------------------------------------------- conventions (item 8)

for (const cmd of Object.keys(COMMANDS)) {
  test(`${cmd}: -h, --help and help ${cmd} print the same usage on stdout, exit 0`, async (t) => {
    const runs = await Promise.all([run([cmd, '-h']), run([cmd, '--help']), run(['help', cmd])]);
    for (const r of runs) {
      t.is(r.code, 0);
      t.is(r.err, '');
      t.true(r.out.startsWith(`usage: seccomp-spec ${cmd} `), r.out.slice(0, 60));
    }
    t.is(runs[0]!.out, runs[1]!.out);
    t.is(runs[0]!.out, runs[2]!.out);
  });
}

test('help with an unknown command names it and suggests, exit 2; bare help and -h list every command', async (t) => {
  const r = await run(['help', 'chek']);
  t.is(r.code, 2);
  t.regex(r.err, /^unknown command 'chek'; did you mean 'check'\?\n/);
  for (const argv of [['help'], ['-h'], ['--help']]) {
    const h = await run(argv);
    t.is(h.code, 0);
    for (const cmd of Object.keys(COMMANDS)) t.true(h.out.includes(`\n  ${cmd} `), `${argv.join(' ')} lists ${cmd}`);
  }
});

test('--version prints the version from package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await run([flag]);
    t.is(r.code, 0);
    t.is(r.out, `seccomp-spec ${pkg.version}\n`);
  }
});

test('replay - - is a usage error: stdin can be read once', async (t) => {
  const r = await run(['replay', '-', '-']);
  t.is(r.code, 2);
  t.deepEqual(r.reads, [], 'nothing was read');
  t.regex(r.err, /^replay: POLICY and TRACE cannot both be '-'/);
});

test('U4 counts of one are singular: 1 line, 1 call, 1 task, 1 allowed call', async (t) => {
  const files = { 'p.txt': 'getpid: 1\n', 'one.strace': '7  getpid() = 0x7\n' };
  const r = await run(['replay', 'p.txt', 'one.strace'], files);
  t.is(r.code, 0);
  t.regex(r.out, /^replay of one.strace \(1 line, 1 call\)/);
  t.regex(r.out, /\ntask 7 \(engine pid 1\): ok, 1 call allowed\n/);
  t.regex(r.out, /\n0 of 1 task killed; 0 calls not reached\n$/);
  const k = await run(['replay', 'p.txt', 'k.strace'], {
    ...files,
    'k.strace': '7  getpid() = 0x7\n7  getuid() = 0\n',
  });
  t.regex(k.out, /KILLED at line 2 after 1 allowed call\n/);
  // One bad line in 101 stays under --lenient's 1% (T15).
  const s = await run(['replay', '--lenient', 'p.txt', 's.strace'], {
    ...files,
    's.strace': `nonsense\n${'7  getpid() = 0x7\n'.repeat(100)}`,
  });
  t.regex(s.out, /\(101 lines, 100 calls, 1 line skipped\)/);
  t.regex(s.err, /skipped 1 bad line \(--lenient\)/);
});

test('U3 one style for numbers: flags and pointers hex, descriptors and counts decimal, in eval, replay, check and generate', async (t) => {
  const policy = { 'p.txt': 'openat: flags == 0\nwrite: fd == 1 && count < 4096\nmmap: prot & 4 && flags == 0x22\n' };
  const e = await run(
    ['eval', 'p.txt', 'openat', 'dfd=0xffffff9c', 'filename=0x7fa2b10dc0b1', 'flags=524288', 'mode=0'],
    policy,
  );
  t.regex(e.out, /^openat\(dfd=0xffffff9c, filename=0x7fa2b10dc0b1, flags=0x80000, mode=0\) via syscall/);
  const w = await run(['eval', 'p.txt', 'write', '2', '4096', '12'], policy);
  t.regex(w.out, /^write\(fd=2, buf=0x1000, count=12\) via syscall/);
  const r = await run(['replay', 'examples/policies/true-breaks.txt', 'examples/traces/true.strace']);
  t.true(r.out.includes('  call:   openat(dfd=0xffffff9c, filename=0x7fa2b10dc0b1, flags=0x80000, mode=0)\n'));
  const c = await run(['check', 'p.txt'], policy);
  t.true(c.out.includes('sys_write: fd == 1 && count < 4096\n'));
  t.true(c.out.includes('sys_mmap: prot & 4 && flags == 0x22\n'));
  const g = await run(['generate', '--args', 'fd,flags', 'examples/traces/true.strace']);
  t.regex(g.out, /\nopenat: flags == 0x80000\n/);
  t.regex(g.out, /\nclose: fd == 3\n/);
});

// ---------------------------------------------------------------- -q and the next step

/** A trace as `record` writes it: execve with its path and argv decoded, the rest raw. */
const RECORDED =
  '100 execve("/usr/bin/sort", ["sort", "-n", "it\'s here.txt"], 0x7ffd0 /* 3 vars */) = 0\n' +
  '100 brk(0) = 0x55d0c4a0e000\n100 write(1, 0x1000, 3) = 3\n100 exit_group(0) = ?\n';

for (const cmd of Object.keys(COMMANDS)) {
  test(`${cmd}: where --quiet exists, -q is the same and the usage names both`, async (t) => {
    const usage = (await run([cmd, '--help'])).out;
    t.is(usage.includes('--quiet'), usage.includes('-q|--quiet'), usage.split('\n')[0]!);
  });
}

test('-q is --quiet for replay and generate: the next-step hint goes, the output stays', async (t) => {
  const files = { 't.strace': RECORDED, 'p.txt': 'brk: 1\nwrite: 1\nexit_group: 1\n' };
  const [loud, q, quiet] = await Promise.all([
    run(['generate', 't.strace'], files),
    run(['generate', '-q', 't.strace'], files),
    run(['generate', '--quiet', 't.strace'], files),
  ]);
  t.is(loud.code, 0);
  t.deepEqual([q.out, q.err, q.code], [quiet.out, quiet.err, quiet.code]);
  t.is(q.out, loud.out);
  t.notRegex(q.err, /^next:/m);
  const replay = await run(['replay', '-q', 'p.txt', 't.strace'], files);
  t.is(replay.code, 0, replay.err);
  t.is(
    (await run(['check', '-q', 'p.txt'], files)).code,
    2,
    'a command without --quiet refuses -q as any unknown option',
  );
});

test("generate ends with the run command of the traced program, its arguments quoted for a shell (T4: run adds the launcher's directive)", async (t) => {
  const r = await run(['generate', 't.strace'], { 't.strace': RECORDED });
  t.is(r.code, 0);
  t.regex(
    r.err,
    /^next: seccomp-spec run POLICY -- sort -n 'it'\\''s here\.txt' {3}\(POLICY: the file this output is saved in\)\n$/m,
  );
  const cut = RECORDED.replace('"it\'s here.txt"', '"it\'s here"...');
  t.regex(
    (await run(['generate', 't.strace'], { 't.strace': cut })).err,
    /^next: seccomp-spec run POLICY -- CMD \[ARG\.\.\.\] /,
  );
  const listCut = RECORDED.replace(', "it\'s here.txt"]', ', ...]');
  t.regex((await run(['generate', 't.strace'], { 't.strace': listCut })).err, /-- CMD \[ARG\.\.\.\] /m);
});
