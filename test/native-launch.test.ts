/**
 * The launch helper on Linux with hand-assembled programs (K2):
 * the command runs with its own I/O and status, a denied call is reported
 * with the registers the filter saw and the task is killed (or, audited,
 * let run; or answered with an errno), forks are supervised, the
 * launcher's execve passes once when asked, and failures are error values.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import { compilePolicy, decodeRaw, encodeRaw } from '../src/bpf/index.ts';
import {
  launch,
  parseReport,
  resolveCommand,
  RUN_KILL_DATA,
  withKillNumbers,
  type DenyAction,
  type Launched,
} from '../src/native/index.ts';
import { ARCH, RET, assemble, denyNumbers, jeq, ld, ret } from './support/bpf-asm.ts';

const NR = { write: 1, execve: 59, fsync: 74, exit_group: 231, getppid: 110 } as const;

async function run(
  program: Uint8Array,
  argv: readonly string[],
  deny: DenyAction = { kind: 'kill' },
  passExec = false,
  input = '',
): Promise<Launched> {
  const r = await launch(program, argv, { deny, passExec, stdio: 'pipe', input });
  if (isLeft(r)) throw new Error(`launch failed: ${r.left.kind}: ${r.left.message}`);
  return r.right;
}

test('a command the program allows runs with its own input, output and status', async (t) => {
  const r = await run(denyNumbers([]), ['sort'], { kind: 'kill' }, false, 'b\na\n');
  t.is(r.stdout, 'a\nb\n');
  t.deepEqual([r.status, r.end, r.denials, r.passedExec], [0, { kind: 'exit', code: 0 }, [], false]);
  const f = await run(denyNumbers([]), ['sh', '-c', 'echo oops >&2; exit 3']);
  t.deepEqual([f.status, f.stderr], [3, 'oops\n']);
});

test('a denied call is reported with arch, nr, ip and the six arguments, and the task dies by SIGKILL before it runs', async (t) => {
  const r = await run(denyNumbers([NR.write]), ['sh', '-c', 'echo hello']);
  t.is(r.stdout, '', 'the write never ran');
  t.deepEqual([r.status, r.end], [137, { kind: 'signal', signal: 9 }]);
  t.is(r.denials.length, 1);
  const d = r.denials[0]!;
  t.deepEqual([d.arch, d.abi, d.nr, d.comm, d.args[0], d.args[2]], [ARCH.X86_64, 'x86_64', NR.write, 'sh', 1n, 6n]);
  t.true(d.ip > 0n && d.args.length === 6);
});

test('--audit reports every denied call in order and lets each run', async (t) => {
  const r = await run(denyNumbers([NR.write, NR.exit_group]), ['sh', '-c', 'echo a; echo b'], { kind: 'audit' });
  t.deepEqual([r.stdout, r.status], ['a\nb\n', 0]);
  t.deepEqual(
    r.denials.map((d) => d.nr),
    [NR.write, NR.write, NR.exit_group],
  );
});

test('errno:N answers each denied call with -N and the command goes on', async (t) => {
  const r = await run(denyNumbers([NR.write]), ['sh', '-c', 'echo a; echo b >&2; exit 4'], {
    kind: 'errno',
    errno: 28,
  });
  t.deepEqual([r.stdout, r.stderr, r.status], ['', '', 4]);
  t.true(r.denials.length >= 2 && r.denials.every((d) => d.nr === NR.write));
});

test('forked children are supervised: a child killed at its call, the parent going on', async (t) => {
  const r = await run(denyNumbers([NR.getppid]), [
    '/usr/bin/python3',
    '-c',
    'import os,sys\npid=os.fork()\nif pid==0: os.getppid()\nelse: print(os.waitpid(pid,0)[1]); sys.stdout.flush()',
  ]);
  t.deepEqual([r.stdout, r.status], ['9\n', 0]);
  t.deepEqual(
    r.denials.map((d) => [d.nr, d.comm]),
    [[NR.getppid, 'python3']],
  );
});

test("on_next_syscall: the launcher's own execve passes once, a later execve is denied", async (t) => {
  const denyExec = denyNumbers([NR.execve]);
  const r = await run(denyExec, ['sh', '-c', '/bin/echo child; echo parent'], { kind: 'kill' }, true);
  t.deepEqual([r.passedExec, r.stdout, r.status], [true, 'parent\n', 0]);
  t.deepEqual(
    r.denials.map((d) => [d.nr, d.comm]),
    [[NR.execve, 'sh']],
  );
  const no = await run(denyExec, ['true']);
  t.deepEqual([no.passedExec, no.status, no.denials.map((d) => d.nr)], [false, 137, [NR.execve]]);
});

test('a command that cannot be executed ends as a shell says: 127 not found, 126 not executable', async (t) => {
  const missing = await run(denyNumbers([]), ['/nonexistent/x']);
  t.deepEqual([missing.status, missing.end], [127, { kind: 'exec-failed', errno: 'ENOENT' }]);
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-launch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'data'), 'not a program\n', { mode: 0o644 });
  const notExe = await run(denyNumbers([NR.execve]), [join(dir, 'data')], { kind: 'kill' }, true);
  t.deepEqual([notExe.status, notExe.end], [126, { kind: 'exec-failed', errno: 'EACCES' }]);
  const unknown = await launch(denyNumbers([]), ['no-such-command-here'], { deny: { kind: 'kill' }, passExec: false });
  t.true(isLeft(unknown) && unknown.left.message === 'no-such-command-here: command not found');
});

test('a program the kernel refuses never starts the command', async (t) => {
  const r = await launch(assemble([ld(0), jeq(1, 9, 0), ret(RET.ALLOW)]), ['sh', '-c', 'echo ran'], {
    deny: { kind: 'kill' },
    passExec: false,
    stdio: 'pipe',
  });
  t.true(isLeft(r) && r.left.kind === 'refused' && /EINVAL/.test(r.left.message), JSON.stringify(r));
  const ragged = await launch(new Uint8Array(10), ['true'], { deny: { kind: 'kill' }, passExec: false, stdio: 'pipe' });
  t.true(isLeft(ragged) && ragged.left.kind === 'failed' && /multiple of 8/.test(ragged.left.message));
});

test('the kernel runs uprobe (336) without asking the filter: the program denies it, yet it runs and nothing is reported', async (t) => {
  const r = await run(denyNumbers([336]), [
    '/usr/bin/python3',
    '-c',
    'import ctypes; print(ctypes.CDLL(None).syscall(336), ctypes.get_errno())',
  ]);
  t.deepEqual([r.status, r.denials], [0, []]);
  t.regex(r.stdout, /^-1 /, 'the call ran and failed in the kernel (ENXIO outside a uprobe trampoline)');
});

test('resolveCommand searches PATH as execvp does', (t) => {
  t.is(resolveCommand('sh', '/nonexistent:/bin'), '/bin/sh');
  t.is(resolveCommand('./x'), './x');
  t.is(resolveCommand('sh', '/etc'), null);
  t.is(resolveCommand(''), null);
});

test('parseReport accepts only well-formed reports with an end', (t) => {
  const ok = parseReport(`pass-exec 5\ndeny 6 40000003 ffffffff 10 1 2 3 4 5 6 my comm\nexit 2\n`, 2);
  t.false(isLeft(ok));
  if (!isLeft(ok))
    t.deepEqual(ok.right.denials[0], {
      pid: 6,
      arch: ARCH.I386,
      abi: 'ia32',
      nr: -1,
      ip: 16n,
      args: [1n, 2n, 3n, 4n, 5n, 6n],
      comm: 'my comm',
    });
  const other = parseReport('deny 6 12 1 0 0 0 0 0 0 0 x\nsignal 31\n', 159);
  t.true(!isLeft(other) && other.right.denials[0]!.abi === null && other.right.end.kind === 'signal');
  for (const bad of [
    'deny 6 zz 1 0 0 0 0 0 0 0 x\nexit 0\n',
    'deny 6 1\nexit 0\n',
    'what\n',
    'exit 0\nerror boom\n',
    'deny 1 c000003e 1 0 0 0 0 0 0 0 x\n',
    'exit 0\n',
  ])
    t.true(isLeft(parseReport(bad, bad === 'exit 0\n' ? null : 0)), bad);
  t.deepEqual(parseReport('error seccomp(SECCOMP_SET_MODE_FILTER): EINVAL\n', 1), {
    _tag: 'Left',
    left: 'seccomp(SECCOMP_SET_MODE_FILTER): EINVAL',
  });
});

test('a program from compilePolicy, encoded raw, loads with seccomp(2): its own kill-process ends the command by SIGSYS', async (t) => {
  const policy =
    'on_next_syscall: 1\nexecve: 1\nbrk: 1\narch_prctl: 1\nmmap: 1\naccess: 1\nopenat: 1\nnewfstatat: 1\nclose: 1\nread: 1\npread64: 1\nset_tid_address: 1\nset_robust_list: 1\nrseq: 1\nmprotect: 1\nprlimit64: 1\nmunmap: 1\ngetrandom: 1\n';
  const kill = compilePolicy(policy, { abi: 'x86_64' });
  if (isLeft(kill)) return t.fail(kill.left.message);
  // `true` ends with exit_group, which the policy lacks: the kernel's KILL_PROCESS, no supervisor report.
  const r = await run(encodeRaw(kill.right.program), ['true']);
  t.deepEqual([r.status, r.end, r.denials], [159, { kind: 'signal', signal: 31 }, []]);
  const allowed = compilePolicy(`${policy}exit_group: 1\n`, { abi: 'x86_64' });
  if (isLeft(allowed)) return t.fail(allowed.left.message);
  t.deepEqual((await run(encodeRaw(allowed.right.program), ['true'])).status, 0);
});

test('rules mode: trace data 2 and 3 are reported, then the kernel itself kills (SIGSYS): the process, or only the thread', async (t) => {
  const program = (nr: number, data: number): Uint8Array => {
    const raw = decodeRaw(assemble([ld(0), jeq(nr, 0, 1), ret(RET.trace(data)), ret(RET.ALLOW)]));
    if (isLeft(raw)) throw new Error(raw.left);
    return encodeRaw(withKillNumbers(raw.right));
  };
  const rules: DenyAction = { kind: 'rules' };
  const call = ['python3', '-S', '-c', 'import os; os.getppid(); print("after")'];
  for (const data of [RUN_KILL_DATA['kill-process'], RUN_KILL_DATA['kill-thread']]) {
    const r = await run(program(NR.getppid, data), call, rules);
    t.deepEqual([r.status, r.end, r.stdout], [159, { kind: 'signal', signal: 31 }, ''], `trace data ${data}`);
    t.deepEqual(
      r.denials.map((d) => d.nr),
      [NR.getppid],
    );
  }
  // Two threads: kill-thread ends the one that called fsync (it releases the GIL first), the process goes on.
  const threads = [
    'python3',
    '-S',
    '-c',
    'import os, threading\nr, w = os.pipe()\nt = threading.Thread(target=os.fsync, args=(w,), daemon=True)\nt.start()\nt.join(2)\nprint("alive", t.is_alive())',
  ];
  const thread = await run(program(NR.fsync, RUN_KILL_DATA['kill-thread']), threads, rules);
  t.deepEqual([thread.status, thread.stdout], [0, 'alive True\n'], 'Python never saw its thread end');
  t.deepEqual(
    thread.denials.map((d) => d.nr),
    [NR.fsync],
  );
  const process = await run(program(NR.fsync, RUN_KILL_DATA['kill-process']), threads, rules);
  t.deepEqual([process.status, process.stdout], [159, '']);
});
