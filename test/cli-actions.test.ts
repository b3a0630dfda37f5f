/**
 * Actions on the command line: errno names in action flags, and
 * `generate --default` for the dialects that have a default action.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { formatAction } from '../src/action/index.ts';
import { ERRNO_NAMES, parseActionFlag } from '../src/cli/action-flag.ts';
import { DEFAULT_WRITERS } from '../src/cli/commands/generate.ts';
import { runCli } from '../src/cli/memory.ts';

const disk = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return undefined;
  }
};
const TRACE = 'examples/traces/true.strace';

test('an action flag takes every spelling and errno:NAME; unknown names and values say what is valid', (t) => {
  t.deepEqual(parseActionFlag('errno:EPERM'), { kind: 'errno', errno: 1 });
  t.deepEqual(parseActionFlag('errno:ENOSYS'), { kind: 'errno', errno: 38 });
  t.deepEqual(parseActionFlag('trap'), { kind: 'trap', data: 0 });
  t.is(ERRNO_NAMES['EACCES'], 13);
  t.like(parseActionFlag('errno:EBOGUS'), {
    message: "unknown errno name 'EBOGUS' (e.g. EPERM, EACCES, ENOSYS; or a number)",
  });
  t.regex((parseActionFlag('die') as { message: string }).message, /\(errno:NAME too\)$/);
});

test('generate --default: the 2011 dialect has none; an unknown dialect or action is a usage error', async (t) => {
  const r = await runCli(['generate', TRACE, '--default', 'errno:EPERM'], disk);
  t.is(r.code, 2);
  t.regex(
    r.err,
    /^--default errno:1: the 2011 dialect has no default action \(every call without an entry is killed\); dialects with a default: minijail\n$/,
  );
  const d = await runCli(['generate', TRACE, '--dialect', 'klingon'], disk);
  t.is(d.code, 2);
  t.regex(d.err, /klingon/);
  const a = await runCli(['generate', TRACE, '--default', 'errno:EBOGUS'], disk);
  t.is(a.code, 2);
  t.regex(a.err, /^invalid --default: unknown errno name 'EBOGUS'/);
});

test('generate --dialect minijail --default writes @default, and refuses what @default cannot say', async (t) => {
  const r = await runCli(['generate', TRACE, '--dialect', 'minijail', '--default', 'trap', '--quiet'], disk);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /\n@default trap\n$/);
  // What it wrote reads back: check takes it.
  const back = await runCli(['check', '--dialect', 'minijail', 'gen.policy'], (p) =>
    p === 'gen.policy' ? r.out : disk(p),
  );
  t.is(back.code, 0, back.err);
  const e = await runCli(['generate', TRACE, '--dialect', 'minijail', '--default', 'errno:EPERM'], disk);
  t.is(e.code, 2);
  t.regex(e.err, /^--default errno:1: minijail's @default takes kill-process, kill-thread, trap or user-notify/);
});

test('generate --default hands the action to a dialect that registered a writer', async (t) => {
  DEFAULT_WRITERS.set('minijail-test', (text, dflt) => ({ text: `${text ?? ''}# default ${formatAction(dflt)}\n` }));
  t.teardown(() => DEFAULT_WRITERS.delete('minijail-test'));
  t.true(DEFAULT_WRITERS.has('minijail'));
  const w = DEFAULT_WRITERS.get('minijail-test')!;
  t.deepEqual(w('x\n', { kind: 'errno', errno: 1 }), { text: 'x\n# default errno:1\n' });
});

const MJ_POLICY = 'execve: 1\nwrite: 1\nexit_group: 1\nuname: return EPERM\nkill: trap\nbrk: log\n';
const MJ_TRACE = [
  '{"pid":1,"name":"execve","args":[4096,0,0],"ret":0}',
  '{"pid":1,"name":"brk","args":[0],"ret":0}',
  '{"pid":1,"name":"uname","args":[4096],"ret":0}',
  '{"pid":1,"name":"write","args":[1,4096,3],"ret":3}',
  '{"pid":1,"name":"kill","args":[1,9],"ret":0}',
  '{"pid":1,"name":"exit_group","args":[0],"ret":0}',
].join('\n');
const mjFiles = (p: string): string | undefined => ({ 'p.policy': MJ_POLICY, 't.jsonl': MJ_TRACE })[p];

test('replay --dialect minijail: an errno answer at its line, a trap with its data, log counted; --all lists each', async (t) => {
  const r = await runCli(['replay', '--dialect', 'minijail', 'p.policy', 't.jsonl'], mjFiles);
  t.is(r.code, 1, r.err);
  t.regex(r.out, /under p\.policy \(minijail, x86_64\)\n/);
  t.true(r.out.includes('task 1 (engine pid 1): SIGSYS (trap) at line 5 after 3 allowed calls\n'));
  t.true(
    r.out.includes('  answer: would get SIGSYS (trap, data 0)\n  reason: p.policy:5: kill: trap answers trap:0\n'),
  );
  t.true(r.out.includes('  uname (63) at line 3: errno:1\n'));
  t.true(r.out.includes("    answer: would return EPERM; the program's later calls may differ from the trace\n"));
  t.true(r.out.includes('note: 1 call was answered with log: they ran and wrote a log line\n'));
  t.regex(r.out, /\nuname \(63\) +0 +0 +1\n/);
  const all = await runCli(['replay', '--all', '--dialect', 'minijail', 'p.policy', 't.jsonl'], mjFiles);
  t.is(all.code, 1);
  t.true(all.out.includes('task 1 (engine pid 1): 2 system calls denied (2 calls), 4 calls allowed\n'));
  t.true(all.out.includes('  kill (62): 1 call, first at line 5\n'));
  const json = await runCli(['replay', '--json', '--dialect', 'minijail', 'p.policy', 't.jsonl'], mjFiles);
  const j = JSON.parse(json.out) as {
    ok: boolean;
    answered: number;
    logged: number;
    tasks: { answers: { count: number; first: { line: number; action: string; answer: string } }[] }[];
  };
  t.false(j.ok);
  t.is(j.answered, 1);
  t.is(j.logged, 1);
  t.like(j.tasks[0]!.answers[0], { count: 1, first: { line: 3, action: 'errno:1' } });
});

test('replay: a minijail policy with only allowed calls passes, and a bad one is an error at its line', async (t) => {
  const ok = await runCli(['replay', '--dialect', 'minijail', 'p.policy', 't.jsonl'], (p) =>
    p === 'p.policy' ? 'execve: 1\nwrite: 1\nexit_group: 1\nuname: 1\nkill: 1\nbrk: 1\n' : mjFiles(p),
  );
  t.is(ok.code, 0, ok.out);
  t.true(ok.out.includes('task 1 (engine pid 1): ok, 6 calls allowed\n'));
  const bad = await runCli(['replay', '--dialect', 'minijail', 'p.policy', 't.jsonl'], (p) =>
    p === 'p.policy' ? 'execve: 1\nnosuchcall: 1\n' : mjFiles(p),
  );
  t.is(bad.code, 1);
  t.regex(bad.err, /^p\.policy:2:1: /);
});

test('replay: an OCI profile is detected by its brace; its default errno is reported at each call it answers', async (t) => {
  const profile = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['execve', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }],
  });
  const trace = [
    '{"pid":1,"name":"execve","args":[4096,0,0],"ret":0}',
    '{"pid":1,"name":"uname","args":[4096],"ret":0}',
    '{"pid":1,"name":"write","args":[1,4096,3],"ret":3}',
    '{"pid":1,"name":"exit_group","args":[0],"ret":0}',
  ].join('\n');
  const r = await runCli(['replay', 'p.json', 't.jsonl'], (p) => ({ 'p.json': profile, 't.jsonl': trace })[p]);
  t.is(r.code, 1, r.err);
  t.regex(r.out, /under p\.json \(oci, x86_64\)\n/);
  t.true(r.out.includes('task 1 (engine pid 1): 1 system call answered with an errno, 3 calls made\n'), r.out);
  t.true(r.out.includes('  uname (63) at line 2: errno:1\n'));
});
