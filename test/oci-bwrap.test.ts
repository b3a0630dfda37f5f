/**
 * O12 of spec/18-oci.md: a real program under bubblewrap (`bwrap --seccomp
 * FD`, installed by .ci/run) with this project's program for a profile:
 * under Docker's default profile a workload prints what it prints without a
 * filter; under a profile derived from it without mkdir, mkdirat and
 * uname, those calls get the default action, EPERM, in the program.
 */
import test from 'ava';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { compileRules, encodeRaw } from '../src/bpf/index.ts';
import { DOCKER_DEFAULT_CAPS, readOci } from '../src/oci/index.ts';

const docker = readFileSync(new URL('../data/profiles/docker-default.json', import.meta.url), 'utf8');
const hasBwrap = spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).error === undefined;
const dir = mkdtempSync(join(tmpdir(), 'oci-bwrap-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** The raw program compileRules makes of a profile text, in a file. */
function programFile(name: string, text: string): string {
  const r = readOci(text, { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  const c = compileRules(r.right.ruleSet);
  if (E.isLeft(c)) throw new Error(c.left.message);
  const path = join(dir, name);
  writeFileSync(path, encodeRaw(c.right.program));
  return path;
}

const SCRIPT = 'uname -s; printf "b\\na\\nc\\n" | sort | tr a-z A-Z; ls /etc/hostname; mkdir made && echo made';

function bwrap(program: string, cwd: string): SpawnSyncReturns<string> {
  const fd = openSync(program, 'r');
  try {
    return spawnSync('bwrap', ['--dev-bind', '/', '/', '--chdir', cwd, '--seccomp', '3', '--', 'sh', '-c', SCRIPT], {
      stdio: ['ignore', 'pipe', 'pipe', fd],
      encoding: 'utf8',
      timeout: 30000,
    });
  } finally {
    closeSync(fd);
  }
}

test("O12 bwrap --seccomp with this project's program for Docker's profile: the workload prints what it prints unfiltered", (t) => {
  t.true(hasBwrap, 'bubblewrap is needed here: apt-get install bubblewrap (.ci/run installs it)');
  if (!hasBwrap) return;
  const plainDir = mkdtempSync(join(dir, 'plain-'));
  const plain = spawnSync('sh', ['-c', SCRIPT], { cwd: plainDir, encoding: 'utf8' });
  t.is(plain.status, 0, plain.stderr);
  const boxDir = mkdtempSync(join(dir, 'box-'));
  const ran = bwrap(programFile('docker.bpf', docker), boxDir);
  t.deepEqual([ran.status, ran.stderr], [0, '']);
  t.is(ran.stdout, plain.stdout);
  t.true(existsSync(join(boxDir, 'made')));
});

test('O12 bwrap --seccomp with a derived profile without mkdir, mkdirat and uname: the program gets EPERM for them', (t) => {
  if (!hasBwrap) return t.fail('bubblewrap is needed here (.ci/run installs it)');
  const p = JSON.parse(docker) as { syscalls: { names: string[] }[] };
  const drop = new Set(['mkdir', 'mkdirat', 'uname']);
  for (const s of p.syscalls) s.names = s.names.filter((n) => !drop.has(n));
  p.syscalls = p.syscalls.filter((s) => s.names.length > 0);
  const boxDir = mkdtempSync(join(dir, 'derived-'));
  const ran = bwrap(programFile('derived.bpf', JSON.stringify(p)), boxDir);
  t.regex(ran.stderr, /uname: cannot get system name: Operation not permitted/);
  t.regex(ran.stderr, /mkdir: cannot create directory .made.: Operation not permitted/);
  t.regex(ran.stdout, /^A\nB\nC\n\/etc\/hostname\n$/, 'the other calls still run');
  t.not(ran.status, 0);
  t.false(existsSync(join(boxDir, 'made')));
});
