/**
 * `seccomp-spec record` runs strace with the options replay
 * needs; the task's name in kill logs is the program the trace executed,
 * not the trace file's; without strace, record says how to install it.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_STRACE, STRACE_OPTIONS } from '../src/cli/commands/record.ts';
import { runCli } from '../src/cli/memory.ts';

const cli = fileURLToPath(new URL('support/measured-cli.ts', import.meta.url));
const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).error === undefined;

/** The CLI in a child process (with its own PATH, or its stdout as the trace). */
const run = (argv: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...argv], { encoding: 'utf8', env, maxBuffer: 1 << 26 });

/** The CLI in this process, reading real files. */
const runHere = (argv: readonly string[]) =>
  runCli(argv, (p) => (existsSync(p) ? readFileSync(p, 'latin1') : undefined));

test('record runs strace -f with raw arguments (execve decoded for its path)', (t) => {
  t.deepEqual(STRACE_OPTIONS, ['-f', '-e', 'raw=!execve']);
});

test('record writes a trace that replays and generates; the kill log names the program, not the file', async (t) => {
  if (!hasStrace) {
    // Without strace (CI installs it), the recorder must say how to install it: that is what a user here meets.
    const r = await runHere(['record', '--', '/bin/true']);
    t.is(r.code, 1);
    t.true(r.err.includes('apt-get install strace'));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-spec-record-'));
  try {
    const file = join(dir, 'trace.txt');
    const r = await runHere(['record', '-o', file, '--', '/bin/true']);
    t.is(r.code, 0, r.err);
    t.regex(r.err, /record: .*trace\.txt: \d+ lines, \d+ calls\n/);
    t.regex(
      readFileSync(file, 'latin1'),
      /^\d+ +execve\("\/bin\/true", \["\/bin\/true"\], 0x[0-9a-f]+ \/\* \d+ vars \*\/\) = 0\n/,
    );
    const g = await runHere(['generate', file]);
    t.is(g.code, 0, g.err);
    const replay = (text: string) =>
      runCli(['replay', 'p.txt', file], (p) =>
        p === 'p.txt' ? text : p === file ? readFileSync(file, 'latin1') : undefined,
      );
    const [ok, killed] = await Promise.all([replay(g.out), replay('exit_group: 1\n')]);
    t.is(ok.code, 0, ok.out + ok.err);
    t.is(killed.code, 1);
    t.regex(killed.out, /\n {2}log: {4}true\[1\]: system call \d+ \(sys_\w+\) blocked at ip:0\n/);
    const failed = await runHere(['record', '-o', join(dir, 'f.strace'), '--', 'false']);
    t.is(failed.code, 0, 'the trace is recorded even when the program fails');
    t.regex(failed.err, /; false exited with status 1\nnext: seccomp-spec generate \S+f\.strace > \S+f\.policy\n$/);
    const quiet = await runHere(['record', '-q', '-o', join(dir, 'q.strace'), '--', 'true']);
    t.is(quiet.code, 0);
    t.notRegex(quiet.err, /next:/, '-q: no hint');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("record -o - writes the trace to stdout and the program's stdout to stderr", (t) => {
  const r = run(['record', '-o', '-', '--', 'echo', 'hello']);
  if (!hasStrace) {
    t.is(r.status, 1);
    t.true(r.stderr.includes('apt-get install strace'));
    return;
  }
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^\d+ +execve\("\/usr\/bin\/echo", \["echo", "hello"\]/);
  t.true(r.stderr.startsWith('hello\n'));
});

test('record without strace on the PATH says how to install it, exit 1', (t) => {
  const r = run(['record', '-o', '/nonexistent/x.strace', '--', 'true'], { ...process.env, PATH: '/nonexistent' });
  t.is(r.status, 1);
  t.true(r.stderr.startsWith(`record: ${NO_STRACE}\n`), r.stderr);
});

test('record: usage errors exit 2; --help exits 0', async (t) => {
  const none = (): undefined => undefined;
  t.is((await runCli(['record'], none)).code, 2);
  t.is((await runCli(['record', '-o'], none)).code, 2);
  const bad = await runCli(['record', '--bogus', '--', 'true'], none);
  t.is(bad.code, 2);
  t.regex(bad.err, /^unknown option --bogus/);
  const help = await runCli(['record', '--help'], none);
  t.is(help.code, 0);
  t.true(help.out.startsWith('usage: seccomp-spec record [-o FILE]'));
});
