/**
 * Issue 12 item 4: `seccomp-spec record` runs strace with the options replay
 * needs; the task's name in kill logs is the program the trace executed,
 * not the trace file's; without strace, record says how to install it.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_STRACE, STRACE_OPTIONS } from '../src/cli/commands/record.ts';
import { runCli } from './support/cli.ts';

const cli = fileURLToPath(new URL('support/measured-cli.ts', import.meta.url));
const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).error === undefined;

/** The CLI in a child process, so that strace really runs. */
const run = (argv: readonly string[], env: NodeJS.ProcessEnv = process.env) => {
  const e = { ...env };
  delete e['NODE_V8_COVERAGE'];
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...argv], { encoding: 'utf8', env: e });
};

test('record runs strace -f with raw arguments (execve decoded for its path)', (t) => {
  t.deepEqual(STRACE_OPTIONS, ['-f', '-e', 'raw=!execve']);
});

test('record writes a trace that replays and generates; the kill log names the program, not the file', (t) => {
  if (!hasStrace) {
    // Without strace (CI installs it), the recorder must say how to install it: that is what a user here meets.
    const r = run(['record', '--', '/bin/true']);
    t.is(r.status, 1);
    t.true(r.stderr.includes('apt-get install strace'));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-spec-record-'));
  try {
    const file = join(dir, 'trace.txt');
    const r = run(['record', '-o', file, '--', '/bin/true']);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stderr, /record: .*trace\.txt: \d+ lines, \d+ calls\n/);
    t.regex(readFileSync(file, 'latin1'), /^\d+ +execve\("\/bin\/true", \["\/bin\/true"\], 0x[0-9a-f]+ \/\* \d+ vars \*\/\) = 0\n/);
    const g = run(['generate', file]);
    t.is(g.status, 0, g.stderr);
    const replay = (text: string) => runCli(['replay', 'p.txt', file], (p) => (p === 'p.txt' ? text : p === file ? readFileSync(file, 'latin1') : undefined));
    return Promise.all([replay(g.stdout), replay('exit_group: 1\n')]).then(([ok, killed]) => {
      t.is(ok.code, 0, ok.out + ok.err);
      t.is(killed.code, 1);
      t.regex(killed.out, /\n {2}log: {4}true\[1\]: system call \d+ \(sys_\w+\) blocked at ip:0\n/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
