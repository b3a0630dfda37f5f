/**
 * The workflow a new user tries, end to end through bin/seccomp-spec on
 * real programs: `record`, then `generate`, then `run` of its output with
 * no edit in between (T4, K3); `replay` and `run` of one policy on one
 * program agree on what is denied; and the same policy compiled with
 * `bpf --format raw --allow-execve` runs the program under bubblewrap,
 * which installs it just before its execve (B14).
 */
import test from 'ava';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/seccomp-spec', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'seccomp-workflow-'));
test.after.always(() => rmSync(DIR, { recursive: true, force: true }));

interface Ran {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const exec = (file: string, args: readonly string[], opts: SpawnSyncOptions = {}): Ran => {
  const r = spawnSync(file, args, { encoding: 'latin1', cwd: DIR, maxBuffer: 64 << 20, ...opts });
  if (r.error !== undefined) throw new Error(`${file}: ${r.error.message}`);
  return { status: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
};
const cli = (args: readonly string[]): Ran => exec(process.execPath, [BIN, ...args]);

// Inputs whose outputs do not change from run to run.
writeFileSync(join(DIR, 'nums.txt'), Array.from({ length: 300 }, (_, i) => `${(i * 7919) % 1000}\n`).join(''));
writeFileSync(join(DIR, 'words.txt'), 'pear\napple\nfig\n'.repeat(500));
mkdirSync(join(DIR, 'tree', 'sub'), { recursive: true });
for (const [n, text] of [
  ['tree/a.txt', 'a\n'],
  ['tree/sub/b.txt', 'bb\n'],
  ['tree/sub/c.txt', 'ccc\n'],
] as const) {
  writeFileSync(join(DIR, n), text);
  utimesSync(join(DIR, n), 1e9, 1e9);
}

const PROGRAMS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['sort', ['sort', '-n', 'nums.txt']],
  ['sha256sum', ['sha256sum', 'words.txt', 'nums.txt']],
  ['gzip', ['gzip', '-c', '-n', 'words.txt']],
  ['tar', ['tar', '--sort=name', '--mtime=@1000000000', '--owner=0', '--group=0', '-cf', '-', 'tree']],
  ['find', ['find', 'tree', '-type', 'f']],
];

/** The words of the `next: ...` line a command printed on stderr (the hints need no quoting here). */
function hint(stderr: string): readonly string[] {
  const line = /^next: (.*)$/m.exec(stderr)?.[1];
  if (line === undefined) throw new Error(`no next: line in ${JSON.stringify(stderr)}`);
  return line.split(' ');
}

/**
 * record with -o NAME.strace, then the generate command record prints
 * (its `> FILE` done here), then the run command generate prints: what a
 * new user does, as words, with nothing edited in between.
 */
function recordAndGenerate(
  name: string,
  argv: readonly string[],
): { readonly policy: string; readonly run: readonly string[] } {
  const rec = cli(['record', '-o', `${name}.strace`, '--', ...argv]);
  if (rec.status !== 0) throw new Error(`record ${name}: ${rec.stderr}`);
  const gen = hint(rec.stderr);
  const [, , ...genArgs] = gen;
  const gt = genArgs.indexOf('>');
  if (gen[0] !== 'seccomp-spec' || gen[1] !== 'generate' || gt !== 1) throw new Error(`record hints ${gen.join(' ')}`);
  const file = genArgs[2]!;
  const fd = openSync(join(DIR, file), 'w');
  let g: Ran;
  try {
    g = exec(process.execPath, [BIN, 'generate', genArgs[0]!], { stdio: ['ignore', fd, 'pipe'] });
  } finally {
    closeSync(fd);
  }
  if (g.status !== 0) throw new Error(`generate ${name}: ${g.stderr}`);
  const run = hint(g.stderr);
  if (run[0] !== 'seccomp-spec' || run[1] !== 'run' || run[2] !== file)
    throw new Error(`generate hints ${run.join(' ')}`);
  return { policy: readFileSync(join(DIR, file), 'latin1'), run: run.slice(1) };
}

for (const [name, argv] of PROGRAMS) {
  test(`${name}: record, generate, run with no edit, as their hints say: same output and status as without a policy`, (t) => {
    const { policy, run } = recordAndGenerate(name, argv);
    t.notRegex(policy, /^(?:execve|on_next_syscall):/m, "generate leaves the launcher's execve to the launcher");
    t.deepEqual(run.slice(run.indexOf('--') + 1), argv, 'the hint runs the recorded command');
    const plain = exec('/usr/bin/env', argv);
    t.is(plain.status, 0, plain.stderr);
    const ran = cli(run);
    t.is(ran.stderr, '', 'nothing denied');
    t.is(ran.status, 0);
    t.true(ran.stdout === plain.stdout && ran.stdout.length > 0, 'the same output');
  });
}

/** The policy without the entries `names`. */
const without = (policy: string, names: readonly string[]): string =>
  policy
    .split('\n')
    .filter((l) => !names.some((n) => l.startsWith(`${n}:`)))
    .join('\n');

/** The names of the calls run reported, in order, from its stderr. */
const runDenied = (stderr: string, verb: string): string[] =>
  [...stderr.matchAll(new RegExp(`^seccomp-spec run: ${verb}: (\\w+)\\(`, 'gm'))].map((m) => m[1]!);

for (const [name, argv] of PROGRAMS.filter(([n]) => n === 'sort' || n === 'find')) {
  test(`${name}: replay and run of one policy agree on what is denied, killed first and audited in full`, (t) => {
    const removed = ['close', 'brk', 'fstat', 'newfstatat'];
    const full = recordAndGenerate(`${name}-agree`, argv).policy;
    const gone = removed.filter((n) => new RegExp(`^${n}:`, 'm').test(full));
    t.true(gone.length >= 2, `the program makes at least two of ${removed.join(', ')}`);
    writeFileSync(join(DIR, `${name}-agree-broken.policy`), without(full, gone));
    const policy = `${name}-agree-broken.policy`;
    const trace = `${name}-agree.strace`;

    const replayAll = cli(['replay', '--all', '--json', policy, trace]);
    const report = JSON.parse(replayAll.stdout) as {
      tasks: { denials: { first: { name: string } }[] }[];
    };
    const replayed = [...new Set(report.tasks.flatMap((task) => task.denials.map((d) => d.first.name)))].sort();
    const audited = cli(['run', '--audit', policy, '--', ...argv]);
    t.is(audited.status, 0, 'the audit lets the program finish');
    t.deepEqual([...new Set(runDenied(audited.stderr, 'would kill'))].sort(), replayed, 'the same calls denied');
    t.deepEqual(replayed, [...gone].sort(), 'exactly the removed entries');

    const replayKill = cli(['replay', '--json', policy, trace]);
    const killed = (JSON.parse(replayKill.stdout) as { tasks: { kill: { name: string } | null }[] }).tasks.flatMap(
      (task) => (task.kill === null ? [] : [task.kill.name]),
    );
    const ran = cli(['run', policy, '--', ...argv]);
    t.is(ran.status, 137);
    t.deepEqual(runDenied(ran.stderr, 'KILLED'), killed, 'the same call killed');
  });
}

const hasBwrap = spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).error === undefined;

test('bwrap --seccomp loads a generated policy compiled with --allow-execve and runs the program; without it, the program dies at its execve', (t) => {
  t.true(hasBwrap, 'bubblewrap is needed here: apt-get install bubblewrap (.ci/run installs it)');
  if (!hasBwrap) return;
  const argv = PROGRAMS[0]![1];
  recordAndGenerate('bwrap-sort', argv);
  const compile = (out: string, extra: readonly string[]): Ran =>
    cli(['bpf', 'bwrap-sort.policy', '--format', 'raw', '-o', out, ...extra]);
  const loader = compile('loader.bpf', ['--allow-execve']);
  t.deepEqual([loader.status, loader.stderr], [0, '']);
  const plainBpf = compile('plain.bpf', []);
  t.is(plainBpf.status, 0);
  t.regex(plainBpf.stderr, /^warning: bwrap-sort\.policy: the program denies the native execve/m);
  const bwrap = (program: string): Ran => {
    const fd = openSync(join(DIR, program), 'r');
    try {
      // No --unshare-pid: its init would report the program's status as its own.
      return exec('bwrap', ['--dev-bind', '/', '/', '--seccomp', '3', '--', ...argv], {
        stdio: ['ignore', 'pipe', 'pipe', fd],
      });
    } finally {
      closeSync(fd);
    }
  };
  const plain = exec('/usr/bin/env', argv);
  const ran = bwrap('loader.bpf');
  t.deepEqual([ran.status, ran.stderr], [0, '']);
  t.is(ran.stdout, plain.stdout);
  const dead = bwrap('plain.bpf');
  t.is(dead.stdout, '');
  t.true(dead.signal === 'SIGSYS' || dead.status === 128 + 31, `killed by SIGSYS at its execve: ${dead.status}`);
});
