/**
 * Symbolic constants and argument aliases [ext] (spec/15-constants.md):
 * the data and the generated module, per-ABI values, the numbers the
 * kernel stores, strict 2011 mode, explanations, and what a user sees
 * through the CLI.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { renderConstantsModule, type ConstantsData } from '../scripts/constants-render.ts';
import { parseFilter, parsePolicy } from '../src/grammar/index.ts';
import { Kernel } from '../src/index.ts';
import { constantNames, constantValue, decodeArg } from '../src/x86/constants.ts';
import { syscallTable } from '../src/x86/table.ts';
import { ERRNO } from '../src/x86/errno.ts';
import { call, err, putText, ret } from './support/engine.ts';
import { runCli, type Run } from '../src/cli/memory.ts';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const data = (abi: string): ConstantsData => JSON.parse(read(`data/constants/${abi}.json`)) as ConstantsData;
const run = (argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<Run> =>
  runCli(argv, (p) => files[p]);

test('G6 src/x86/tables/constants.ts is what the data in data/constants makes (npm run gen:constants -- --data if not)', (t) => {
  t.is(read('src/x86/tables/constants.ts'), renderConstantsModule(data('x86_64'), data('ia32')));
});

test('G6 the data says where it comes from: packages, header paths, method', (t) => {
  for (const abi of ['x86_64', 'ia32'] as const) {
    const d = data(abi);
    t.is(d.abi, abi);
    t.regex(d.provenance.uapi.package, /^linux-libc-dev \d/);
    t.regex(d.provenance.libc.package, /^libc6-dev \d/);
    t.true(d.provenance.uapi.headers.includes('/usr/include/linux/fcntl.h'));
    t.regex(d.provenance.method, abi === 'ia32' ? /-m32/ : /-m64/);
    t.is(Object.keys(d.constants).length, constantNames(abi).length);
  }
});

test('G1 every family the issue names is there, with the values of the headers', (t) => {
  for (const family of [
    'O_',
    'AT_',
    'PROT_',
    'MAP_',
    'MADV_',
    'AF_',
    'SOCK_',
    'F_',
    'CLONE_',
    'FUTEX_',
    'SIG',
    'PR_',
  ]) {
    for (const abi of ['x86_64', 'ia32'] as const)
      t.true(
        constantNames(abi).some((n) => n.startsWith(family)),
        `${family} for ${abi}`,
      );
  }
  const both = {
    O_WRONLY: 1n,
    O_CLOEXEC: 0x80000n,
    AT_FDCWD: -100n,
    PROT_EXEC: 4n,
    MAP_ANONYMOUS: 0x20n,
    MADV_DONTNEED: 4n,
    AF_UNIX: 1n,
    SOCK_STREAM: 1n,
    SOCK_CLOEXEC: 0x80000n,
    F_SETFD: 2n,
    CLONE_THREAD: 0x10000n,
    FUTEX_WAKE: 1n,
    SIGKILL: 9n,
    SIGSYS: 31n,
    PR_SET_SECCOMP: 22n,
  };
  for (const [name, v] of Object.entries(both)) {
    t.is(constantValue('x86_64', name), v, name);
    t.is(constantValue('ia32', name), v, name);
  }
});

test('G1 a constant that differs between the ABIs resolves per ABI', (t) => {
  t.is(constantValue('ia32', 'F_GETLK64'), 12n);
  t.is(constantValue('x86_64', 'F_GETLK64'), undefined);
  const f = (abi: 'x86_64' | 'ia32', text: string) => {
    const r = parsePolicy(text, abi);
    return r.ok
      ? r.policy.entries.map((e) => (e.filter.kind === 'expr' ? e.filter.text : e.filter.kind))
      : r.errors.map((e) => `${e.message}; ${e.detail}`);
  };
  t.deepEqual(f('ia32', 'prctl: arg2 == PR_SET_PTRACER_ANY'), ['arg2 == 0xffffffff']);
  t.deepEqual(f('x86_64', 'prctl: arg2 == PR_SET_PTRACER_ANY'), ['arg2 == 0xffffffffffffffff']);
  t.deepEqual(f('ia32', 'fcntl64: cmd == F_GETLK64'), ['cmd == 12']);
  t.deepEqual(f('x86_64', 'fcntl: cmd == F_GETLK64'), [
    "Illegal integer value; no constant 'F_GETLK64' for x86_64; did you mean 'F_GETLK'?",
  ]);
});

test('G2, G3 the stored text has the numbers: flags & O_WRONLY, family == AF_UNIX, dfd == AT_FDCWD at the int width', (t) => {
  const openat = syscallTable('x86_64').byNr(257)!.args;
  const r = parseFilter('flags & O_WRONLY || dfd == AT_FDCWD', openat, { abi: 'x86_64' });
  t.true(r.ok && r.filter.kind === 'expr' && r.filter.text === 'flags & 1 || dfd == 0xffffff9c');
  const socket = syscallTable('x86_64').byNr(41)!.args;
  const s = parseFilter('family == AF_UNIX', socket, { abi: 'x86_64' });
  t.true(s.ok && s.filter.kind === 'expr' && s.filter.text === 'family == 1');
  // Without an ABI a name is no value; nr is signed, so a negative constant stays negative.
  t.false(parseFilter('flags & O_WRONLY', openat).ok);
  const n = parseFilter('nr != AT_FDCWD', openat, { abi: 'x86_64' });
  t.true(n.ok && n.filter.kind === 'expr' && n.filter.text === 'nr != -100');
});

test('G2 the 255-character limit applies to the stored text, with the numbers', (t) => {
  const clone = syscallTable('x86_64').byNr(56)!.args;
  const text = Array.from({ length: 13 }, () => 'arg0 & CLONE_IO').join(' || ');
  t.true(text.length <= 255);
  const r = parseFilter(text, clone, { abi: 'x86_64' });
  t.false(r.ok);
  t.true(
    !r.ok &&
      r.error.message.startsWith('Filter string too long') &&
      /replaced the filter is \d+ characters/.test(r.error.detail ?? ''),
  );
});

test('G4 argN names the N-th argument; a real argument name wins (prctl arg2); past the last one it is Field not found', (t) => {
  const ok = (name: string, text: string) => {
    const r = parsePolicy(`${name}: ${text}`, 'x86_64');
    return r.ok && r.policy.entries[0]!.filter.kind === 'expr'
      ? r.policy.entries[0]!.filter.text
      : r.ok
        ? '?'
        : r.errors[0]!.message;
  };
  t.is(ok('read', 'arg0 == 0 && arg2 < 16'), 'fd == 0 && count < 16');
  t.is(ok('prctl', 'arg2 == 1 && arg1 == 2'), 'arg2 == 1 && arg2 == 2');
  t.is(ok('read', 'arg3 == 0'), 'Field not found');
});

test('G7 strict 2011 mode rejects constants and aliases, and says they are extensions', (t) => {
  const r = parsePolicy('openat: flags & O_CLOEXEC\nread: arg0 == 0\nwrite: fd == 1', 'x86_64', { strict2011: true });
  t.false(r.ok);
  t.deepEqual(!r.ok && r.errors.map((e) => [e.line, e.column, e.message, e.detail]), [
    [
      1,
      16,
      'Illegal integer value',
      "'O_CLOEXEC' is a symbolic constant, an extension the 2011 grammar does not have (strict 2011 mode)",
    ],
    [2, 6, 'Field not found', "'arg0' is an alias, an extension the 2011 grammar does not have (strict 2011 mode)"],
  ]);
  t.true(parsePolicy('write: fd == 1 && !(count & 4)', 'x86_64', { strict2011: true }).ok);
});

test('G2 model and engine store the numbers, per ABI, on a per-call SET too (S5.3)', (t) => {
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'app');
  putText(k, pid, 0x1000n, 'cmd == F_GETLK64');
  const fcntl64 = BigInt(syscallTable('ia32').resolve('fcntl64')!);
  const fcntl = BigInt(syscallTable('x86_64').resolve('fcntl')!);
  t.deepEqual(call(k, pid, 'syscall', 'prctl', 36n, fcntl, 0x1000n), ret(err(ERRNO.EINVAL)), 'x86_64 has no F_GETLK64');
  t.deepEqual(call(k, pid, 'int80', 'prctl', 36n, fcntl64, 0x1000n), ret(0n));
  t.is(k.procSeccompFilter(pid), 'Filtering: 0\nFilterCount: 1\nSystemCall: 221 (sys_fcntl64)\nFilter: cmd == 12\n');
});

test('G5 explanations name the constants a value is made of, as strace would', (t) => {
  const cases: readonly [string, string, bigint, string | undefined][] = [
    ['openat', 'flags', 0x80000n, 'O_CLOEXEC'],
    ['openat', 'flags', 0x80042n, 'O_RDWR|O_CREAT|O_CLOEXEC'],
    ['openat', 'flags', 0n, 'O_RDONLY'],
    ['openat', 'dfd', 0xffffff9cn, 'AT_FDCWD'],
    ['mmap', 'prot', 0n, 'PROT_NONE'],
    ['mmap', 'flags', 0x22n, 'MAP_PRIVATE|MAP_ANONYMOUS'],
    ['socket', 'family', 1n, 'AF_UNIX'],
    ['socket', 'type', 0x80001n, 'SOCK_STREAM|SOCK_CLOEXEC'],
    ['clone', 'clone_flags', 0x1200011n, 'SIGCHLD|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'],
    ['futex', 'op', 0x81n, 'FUTEX_WAKE|FUTEX_PRIVATE_FLAG'],
    ['kill', 'sig', 6n, 'SIGABRT'],
    ['prctl', 'option', 38n, 'PR_SET_NO_NEW_PRIVS'],
    ['openat', 'flags', 0x40000000n, undefined],
    ['read', 'fd', 3n, undefined],
    ['openat', 'flags', 0x40080000n, 'O_CLOEXEC|0x40000000'],
  ];
  for (const [c, a, v, want] of cases) t.is(decodeArg('x86_64', c, a, v), want, `${c} ${a} 0x${v.toString(16)}`);
  t.is(decodeArg('ia32', 'fcntl64', 'cmd', 12n), 'F_GETLK64');
});

// ---------------------------------------------------------------- what a user sees

test('check with constants prints the numbers; --strict-2011 refuses them with exit 1', async (t) => {
  const files = { 'p.txt': 'openat: flags & O_WRONLY || dfd == AT_FDCWD\nsocket: family == AF_UNIX\n' };
  const r = await run(['check', 'p.txt'], files);
  t.is(r.code, 0, r.err);
  t.is(r.out, '257 sys_openat: flags & 1 || dfd == 0xffffff9c\n41 sys_socket: family == 1\n');
  const s = await run(['check', '--strict-2011', 'p.txt'], files);
  t.is(s.code, 1);
  t.regex(
    s.err,
    /^p\.txt:1:17: Illegal integer value; 'O_WRONLY' is a symbolic constant, an extension the 2011 grammar does not have/,
  );
});

test('proc shows the numbers the kernel would have stored, merges included', async (t) => {
  const r = await run(['proc', 'p.txt'], { 'p.txt': 'openat: flags & O_CLOEXEC\nopenat: !(flags & O_WRONLY)\n' });
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    'Filtering: 1\nFilterCount: 1\nSystemCall: 257 (sys_openat)\nFilter: (flags & 0x80000) && (!(flags & 1))\n',
  );
});

test('eval explains a flag value by its constants', async (t) => {
  const r = await run(['eval', 'p.txt', 'openat', '0xffffff9c', '0x1000', '0x80000'], {
    'p.txt': 'openat: flags == O_RDONLY\n',
  });
  t.is(r.code, 1);
  t.true(r.out.includes('`flags == 0` is false because flags = 0x80000 (O_CLOEXEC)'), r.out);
});

test('check: Field not found suggests the nearest field and lists the fields of the call', async (t) => {
  const r = await run(['check', 'p.txt'], { 'p.txt': 'socket: famly == AF_UNIX\n' });
  t.is(r.code, 1);
  t.true(
    r.err.startsWith(
      "p.txt:1:9: Field not found; did you mean 'family'? the fields are family, type, protocol, nr and common_*\n",
    ),
    r.err,
  );
});

test('check warns about an empty policy, a repeated name and a filter that can never be true', async (t) => {
  const r = await run(['check', 'p.txt'], { 'p.txt': '# nothing\n' });
  t.is(r.code, 0);
  t.is(r.err, 'p.txt: warning: the policy allows no system call: once installed it kills every call (S3.4)\n');
  const m = await run(['check', 'p.txt'], { 'p.txt': 'read: fd == 0\nread: fd == 1\n' });
  t.is(
    m.err,
    'p.txt:2: warning: sys_read appears again (line 1): the filters merge with && (S5.4), and the merged filter can never be true: every sys_read call is killed\n',
  );
});

test('generate --args on a pointer argument leaves it free and warns; --args-pointers constrains it', async (t) => {
  const trace = '1  execve(0x1000, 0, 0) = 0\n1  read(0x3, 0x7ffd1000, 0x10) = 0x10\n1  exit_group(0) = ?\n';
  const g = await run(['generate', '--args', 'fd,buf', 't.strace'], { 't.strace': trace });
  t.is(g.code, 0, g.err);
  t.true(g.out.includes('read: fd == 3\n'), g.out);
  t.true(
    g.err.includes(
      "warning: 'buf' is a pointer in read: addresses change from run to run, so it is not constrained there (--args-pointers to constrain it anyway)",
    ),
    g.err,
  );
  const p = await run(['generate', '--args', 'fd,buf', '--args-pointers', 't.strace'], { 't.strace': trace });
  t.true(p.out.includes('read: fd == 3 && buf == 0x7ffd1000\n'), p.out);
  t.true(p.err.includes("'buf' is a pointer in read"), p.err);
});
