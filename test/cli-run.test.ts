/**
 * `seccomp-spec run` on Linux (K2-K5), end to end
 * through bin/seccomp-spec: traces of real programs recorded here with
 * strace, policies made by `generate`, and the programs run under them to
 * the same output and status; one needed entry removed kills the program
 * at that call and the report names it; --audit lists it without killing;
 * a policy that could not start the command is refused up front.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRight, right } from 'fp-ts/lib/Either.js';
import { launch, probe } from '../src/native/index.ts';
import { cli } from './support/run-cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'seccomp-spec');
const DIR = mkdtempSync(join(tmpdir(), 'seccomp-run-'));
test.after.always(() => rmSync(DIR, { recursive: true, force: true }));

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const exec = (file: string, args: readonly string[], input = ''): Ran => {
  const r = spawnSync(file, args, { input, encoding: 'latin1', cwd: DIR, maxBuffer: 64 << 20 });
  if (r.error !== undefined) throw new Error(`${file}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** The CLI as a process: the command's streams are really its own. */
const bin = (args: readonly string[], input = ''): Ran => exec(process.execPath, [BIN, ...args], input);

const file = (name: string, text: string): string => {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
};

/** Record `argv` with strace, then generate its policy, as it is: run appends the launcher's directive (T4, K3). */
async function generated(name: string, argv: readonly string[], input = ''): Promise<string> {
  const trace = join(DIR, `${name}.strace`);
  const s = spawnSync('strace', ['-f', '-e', 'raw=all', '-o', trace, ...argv], { input, encoding: 'utf8', cwd: DIR });
  if (s.error !== undefined)
    throw new Error(`strace is needed to record traces here (apt-get install strace): ${s.error.message}`);
  const g = await cli(['generate', trace]);
  if (g.status !== 0) throw new Error(`generate ${name}: ${g.stderr}`);
  return g.stdout;
}

/** A directory whose `ls -l` never changes. */
const TREE = join(DIR, 'tree');
mkdirSync(TREE);
for (const [n, text] of [
  ['a.txt', 'a\n'],
  ['b.txt', 'bb\n'],
  ['c.txt', 'ccc\n'],
] as const) {
  writeFileSync(join(TREE, n), text);
  utimesSync(join(TREE, n), 1e9, 1e9);
}

const gzInput = file('words.txt', 'pear\napple\nfig\n'.repeat(200));
const PROGRAMS: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ['true', ['true'], ''],
  ['ls', ['ls', '-l', TREE], ''],
  ['sort', ['sort'], 'pear\napple\nfig\n'],
  ['gzip', ['gzip', '-c', '-n', gzInput], ''],
  ['python3', ['/usr/bin/python3', '-c', 'import sys; print(sum(range(10))); sys.exit(3)'], ''],
];

for (const [name, argv, input] of PROGRAMS) {
  test(`${name}: under the policy generate made from its trace it gives the same output and status as without`, async (t) => {
    const policy = file(`${name}.policy`, await generated(name, argv, input));
    const plain = exec('/usr/bin/env', argv, input);
    const ran = await cli(['run', policy, '--', ...argv], input);
    t.is(ran.stderr, plain.stderr, 'no denial reported');
    t.is(ran.stdout, plain.stdout);
    t.is(ran.status as number | null, plain.status);
  });
}

const withoutEntry = (policy: string, entry: string): string =>
  policy
    .split('\n')
    .filter((l) => !l.startsWith(`${entry}:`))
    .join('\n');

const LS = ['ls', TREE];

test('one needed entry removed: killed at that call (137), the report names it; --audit lists it and lets ls finish', async (t) => {
  const full = await generated('ls-broken', LS);
  t.regex(full, /^getdents64: 1$/m);
  const policy = file('ls-broken.policy', withoutEntry(full, 'getdents64'));
  const killed = await cli(['run', policy, '--', ...LS]);
  t.is(killed.status, 137);
  t.is(killed.stdout, '');
  t.regex(
    killed.stderr,
    /^seccomp-spec run: KILLED: getdents64\(fd=3, dirent=0x[0-9a-f]+, count=(?:0x)?[0-9a-f]+\) \[pid \d+, ls\]\n/m,
  );
  t.regex(
    killed.stderr,
    /\n {2}entry: {2}none\n {2}reason: the policy has no entry for sys_getdents64 \(nr 217\) \(S3\.4\)\n/,
  );
  t.regex(killed.stderr, /\n {2}log: {4}ls\[\d+\]: system call 217 \(sys_getdents64\) blocked at ip:[0-9a-f]+\n/);
  t.regex(killed.stderr, /1 call denied; the command ended with status 137\n$/);
  const audited = await cli(['run', '--audit', policy, '--', ...LS]);
  t.is(audited.status, 0);
  t.is(audited.stdout, 'a.txt\nb.txt\nc.txt\n');
  t.regex(audited.stderr, /^seccomp-spec run: would kill: getdents64\(/m);
  t.regex(
    audited.stderr,
    /\n(?:seccomp-spec run: )?\d+ calls? the policy would have killed; the command ended with status 0\n$/,
  );
});

test('through bin/seccomp-spec the command has its own streams and its status: 137 for a kill, 5 for exit 5', async (t) => {
  const policy = file('ls-bin.policy', withoutEntry(await generated('ls-bin', LS), 'getdents64'));
  const killed = bin(['run', policy, '--', ...LS]);
  t.deepEqual([killed.status, killed.stdout], [137, '']);
  t.regex(killed.stderr, /KILLED: getdents64\(/);
  const sh = file('exit5.policy', await generated('exit5', ['sh', '-c', 'echo out; echo err >&2; exit 5']));
  const five = bin(['run', sh, 'sh', '-c', 'echo out; echo err >&2; exit 5']);
  t.deepEqual(
    [five.status, five.stdout, five.stderr],
    [5, 'out\n', 'err\n'],
    'the command may follow the policy without --',
  );
});

test('a failing predicate is explained with the values; errno:N fails the call instead and the command goes on', async (t) => {
  const cmd = ['sh', '-c', 'echo hi; exit 7'];
  const base = await generated('echo', cmd);
  const policy = file('echo.policy', `${withoutEntry(base, 'write')}\nwrite: fd == 2\n`);
  const killed = await cli(['run', policy, '--', ...cmd]);
  t.is(killed.status, 137);
  t.regex(
    killed.stderr,
    /KILLED: write\(fd=1, buf=0x[0-9a-f]+, count=3\) \[pid \d+, sh\]\n {2}entry: {2}write: fd == 2\n {2}reason: `fd == 2` is false because fd = 1\n/,
  );
  const failed = await cli(['run', '--kill', 'errno:28', policy, '--', ...cmd]);
  t.is(failed.stdout, '');
  t.regex(failed.stderr, /DENIED with -28: write\(fd=1/);
  t.is(failed.status, 7, 'the shell went on after its failed write');
  t.regex(failed.stderr, /^sh: 1: echo: echo: I\/O error$/m, 'and reported it on fd 2, which the policy allows');
});

test('the launcher appends on_next_syscall: 1 (T4): a policy without execve starts, one with the directive or execve: 1 too', async (t) => {
  const cmd = ['sh', '-c', 'echo ran'];
  const base = await generated('launcher', cmd);
  t.notRegex(base, /^(?:execve|on_next_syscall):/m, 'generate leaves the launcher execve to the directive');
  for (const [name, text] of [
    ['plain', base],
    ['directive', `on_next_syscall: 1\n${base}`],
    ['execve', `${base}execve: 1\n`],
    ['no-newline', base.trimEnd()],
  ] as const) {
    const r = await cli(['run', file(`launcher-${name}.policy`, text), '--', ...cmd]);
    t.deepEqual([r.status, r.stdout, r.stderr], [0, 'ran\n', ''], name);
  }
  const again = await cli(['run', file('launcher-again.policy', base), '--', 'sh', '-c', 'exec true']);
  t.is(again.status, 137, "a later execve meets the policy's execve entry: none, so it is killed");
  t.regex(again.stderr, /KILLED: execve\(/);
  const small = await cli(['run', file('launcher-small.policy', 'write: 1\nexit_group: 1\n'), '--', ...cmd]);
  t.is(small.status, 137, 'the execve passes, the first call after it is checked');
  t.regex(small.stderr, /KILLED: \w+\(/);
  t.notRegex(small.stderr, /KILLED: execve/);
});

test('an ia32 policy kills a 64-bit program at its first native call: the filters are for ia32', async (t) => {
  const r = await cli([
    'run',
    '--abi',
    'ia32',
    file('ia32-pending.policy', 'on_next_syscall: 1\nexit_group: 1\n'),
    '--',
    'true',
  ]);
  t.is(r.status, 137);
  t.regex(r.stderr, /reason: the filters are for ia32 but the call enters as x86_64 \(S6\.4\)/);
});

test('usage and refusals: exit 2 for usage, 1 for a bad policy, 127 for a command not found', async (t) => {
  const ok = file('ok.policy', 'on_next_syscall: 1\n');
  t.is((await cli(['run', ok])).status, 2, 'no command');
  t.regex(
    (await cli(['run', '--kill', 'trap', ok, '--', 'true'])).stderr,
    /run supports kill-process, kill-thread and errno:N/,
  );
  t.is((await cli(['run', '--kill', 'nonsense', ok, '--', 'true'])).status, 2);
  t.is((await cli(['run', '--abi', 'x32', ok, '--', 'true'])).status, 2);
  t.is((await cli(['run', '--color', ok, '--', 'true'])).status, 2);
  t.is((await cli(['run', join(DIR, 'missing.policy'), '--', 'true'])).status, 2);
  const bad = await cli(['run', file('bad.policy', 'sys_read: fd = 1\n'), '--', 'true']);
  t.deepEqual([bad.status, /Invalid operator/.test(bad.stderr)], [1, true]);
  const nf = await cli(['run', ok, '--', 'no-such-command-anywhere']);
  t.deepEqual([nf.status, nf.stderr], [127, 'seccomp-spec run: no-such-command-anywhere: command not found\n']);
  t.regex((await cli(['run', '--help'])).stdout, /^usage: seccomp-spec run POLICY/);
  t.regex((await cli(['--help'])).stdout, /\n {2}run {7}run a real command under a policy/);
});

test('a `bpf --format raw` program loads with seccomp(2): the probe answers as the policy says, the launcher runs under it', async (t) => {
  const policy = file('raw.policy', 'write: fd == 1\nexit_group: 1\n');
  const out = join(DIR, 'raw.bpf');
  const made = await cli([
    'bpf',
    policy,
    '--format',
    'raw',
    '--kill',
    'errno:3001',
    '--allow',
    'errno:3002',
    '-o',
    out,
  ]);
  t.is(made.status, 0, made.stderr);
  const program = new Uint8Array(readFileSync(out));
  const zero = [0n, 0n, 0n, 0n, 0n];
  const answers = probe(program, [
    { vector: 'syscall', nr: 1, args: [1n, ...zero] },
    { vector: 'syscall', nr: 1, args: [2n, ...zero] },
    { vector: 'syscall', nr: 1, args: [(1n << 32n) | 1n, ...zero] },
    { vector: 'int80', nr: 4, args: [1n, ...zero] },
    { vector: 'syscall', nr: 231, args: [0n, ...zero] },
  ]);
  t.deepEqual(answers, right([-3002n, -3001n, -3001n, -3001n, -3002n]));
  const traced = join(DIR, 'raw-trace.bpf');
  t.is(
    (
      await cli([
        'bpf',
        file('raw-true.policy', await generated('raw-true', ['true'])),
        '--format',
        'raw',
        '--kill',
        'trace:1',
        '-o',
        traced,
      ])
    ).status,
    0,
  );
  const ran = await launch(new Uint8Array(readFileSync(traced)), ['true'], {
    deny: { kind: 'kill' },
    passExec: true,
    stdio: 'pipe',
  });
  t.true(
    isRight(ran) && ran.right.status === 0 && ran.right.passedExec && ran.right.denials.length === 0,
    JSON.stringify(ran, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
  );
});

test('a minijail policy runs with its own actions: the program sees the errno, run lists the call once; a trap is SIGSYS; --audit lists every answer', async (t) => {
  const py = [
    '/usr/bin/python3',
    '-S',
    '-c',
    'import os\nfor _ in range(2):\n  try:\n    os.uname()\n  except OSError as e: print("uname", e.errno)\nos.getpid()\nprint("after")',
  ];
  const head = 'uname: return EPERM\ngetpid: trap\n';
  const audit = await cli([
    'run',
    '--audit',
    '--dialect',
    'minijail',
    file('py-audit.policy', `${head}@default kill-process\n`),
    '--',
    ...py,
  ]);
  t.is(audit.status, 0, audit.stderr);
  t.is(audit.stdout, 'after\n', 'under --audit every call ran');
  t.regex(
    audit.stderr,
    /would get errno:1: uname\(name=0x[0-9a-f]+\) \[pid \d+, python3\]\n {2}rule: {3}.*py-audit\.policy:1: uname: return EPERM\n/,
  );
  t.regex(audit.stderr, /would get trap:0: getpid\(\) \[pid \d+, python3\]\n/);
  const needed = [...new Set([...audit.stderr.matchAll(/would get kill-process: (\w+)\(/g)].map((m) => m[1]!))];
  t.true(
    needed.includes('write') && !needed.includes('execve'),
    `the launcher's execve passes (T4): ${needed.join(' ')}`,
  );
  const policy = file('py.policy', `${head}${needed.map((n) => `${n}: 1\n`).join('')}`);
  const ran = await cli(['run', '--dialect', 'minijail', policy, '--', ...py]);
  t.is(ran.stdout, 'uname 1\nuname 1\n', 'the program saw EPERM twice and went on');
  t.is(ran.status, 128 + 31, 'the trap raised SIGSYS, which ended it');
  t.regex(
    ran.stderr,
    /TRAPPED \(would get SIGSYS \(trap, data 0\)\): getpid\(\) \[pid \d+, python3\]\n {2}rule: {3}.*py\.policy:2: getpid: trap\n/,
  );
  t.is([...ran.stderr.matchAll(/errno:1, /g)].length, 1, 'the errno call is listed once');
  t.regex(
    ran.stderr,
    /errno:1, 2 calls, the first: uname\(name=0x[0-9a-f]+\) \[pid \d+, python3\]\n {2}rule: {3}.*py\.policy:1: uname: return EPERM\n/,
  );
  const write = await cli([
    'run',
    '--dialect',
    'minijail',
    file(
      'py-nowrite.policy',
      `${head}${needed
        .filter((n) => n !== 'write')
        .map((n) => `${n}: 1\n`)
        .join('')}`,
    ),
    '--',
    '/usr/bin/python3',
    '-S',
    '-c',
    'print("x")',
  ]);
  t.is(write.status, 159, 'the kernel kills by SIGSYS');
  t.regex(
    write.stderr,
    /KILLED \(kill-thread\): write\(fd=1, buf=0x[0-9a-f]+, count=\d\) \[pid \d+, python3\]\n {2}rule: {3}.*py-nowrite\.policy: no @default: kill-thread\n/,
  );
  const usage = await cli(['run', '--dialect', 'minijail', '--kill', 'errno:1', policy, '--', 'true']);
  t.is(usage.status, 2);
  t.is(usage.stderr, '--kill is for 2011 policies: a minijail policy carries its own actions\n');
  const missing = await cli(['run', '--dialect', 'minijail', policy, '--', 'no-such-command-here']);
  t.is(missing.status, 127);
  t.is(missing.stderr, 'seccomp-spec run: no-such-command-here: command not found\n');
  const bad = await cli(['run', '--dialect', 'minijail', file('py-bad.policy', 'nosuchcall: 1\n'), '--', 'true']);
  t.is(bad.status, 1);
  t.regex(bad.stderr, /py-bad\.policy:1:1: /);
});
