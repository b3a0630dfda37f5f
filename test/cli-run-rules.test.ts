/**
 * `run --dialect minijail` on Linux: a rule's own action is the real
 * kernel's (a `return EPERM` fails the call and the program handles it),
 * and a kill is reported with the rule that chose it, then done.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './support/run-cli.ts';

const DIR = mkdtempSync(join(tmpdir(), 'seccomp-run-rules-'));
test.after.always(() => rmSync(DIR, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
};

const PY =
  'import os\ntry:\n    os.uname()\n    print("uname allowed")\nexcept OSError as e:\n    print("uname failed:", e.errno, e.strerror)\n';

test('M11 run --dialect minijail: return EPERM fails uname with EPERM, which python3 catches; uname(1) reports it', async (t) => {
  const policy = file('uname.policy', '@denylist\nuname: return EPERM\n');
  const py = await cli(['run', '--dialect', 'minijail', policy, '--', 'python3', '-c', PY]);
  t.is(py.status, 0);
  t.is(py.stdout, 'uname failed: 1 Operation not permitted\n');
  const u = await cli(['run', '--dialect', 'minijail', policy, '--', 'uname', '-s']);
  t.is(u.status, 1);
  t.is(u.stdout, '');
  t.regex(u.stderr, /uname: cannot get system name: Operation not permitted/);
  // The same program with the errno for another call runs as without a policy.
  const other = await cli([
    'run',
    '--dialect',
    'minijail',
    file('other.policy', '@denylist\nptrace: return EPERM\n'),
    '--',
    'uname',
    '-s',
  ]);
  t.is(other.status, 0);
  t.is(other.stdout, 'Linux\n');
});

test('M11 run --dialect minijail: a kill is reported with the rule that chose it, then carried out by the kernel (SIGSYS, 159), or audited', async (t) => {
  const trace = join(DIR, 'py.strace');
  const s = spawnSync('strace', ['-f', '-e', 'raw=all', '-o', trace, 'python3', '-c', PY], { encoding: 'utf8' });
  if (s.error !== undefined) throw new Error(`strace is needed here (apt-get install strace): ${s.error.message}`);
  const g = await cli(['generate', '--dialect', 'minijail', trace]);
  t.is(g.status, 0, g.stderr);
  t.regex(g.stdout, /^uname: /m);
  const lines = g.stdout.split('\n').filter((l) => !/^uname: /.test(l) && !/^@frequency/.test(l));
  const policy = file('py.policy', `${lines.join('\n')}\nuname: arg0 == 0\n`);
  const killed = await cli(['run', '--dialect', 'minijail', policy, '--', 'python3', '-c', PY]);
  t.is(killed.status, 159, killed.stderr);
  t.regex(killed.stderr, /KILLED \(kill-thread\): uname\(name=0x[0-9a-f]+\)/);
  t.regex(killed.stderr, /rule: +\S*py\.policy: no @default: kill-thread\n/);
  const audited = await cli(['run', '--dialect', 'minijail', '--audit', policy, '--', 'python3', '-c', PY]);
  t.is(audited.status, 0);
  t.is(audited.stdout, 'uname allowed\n');
  t.regex(audited.stderr, /would get kill-thread: uname\(/);
  const errno = await cli(['run', '--dialect', 'minijail', '--kill', 'errno:1', policy, '--', 'python3', '-c', PY]);
  t.is(errno.status, 2, 'the policy says what each call gets: --kill is for 2011 policies');
  t.regex(errno.stderr, /--kill/);
  const bad = await cli(['run', '--dialect', 'minijail', file('bad.policy', 'uname: arg9 == 0\n'), '--', 'true']);
  t.is(bad.status, 1);
  const none = await cli(['run', '--dialect', 'minijail', policy, '--', 'no-such-command-here']);
  t.is(none.status, 127);
});
