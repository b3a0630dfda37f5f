/**
 * Replay through the engine (S5.2 launcher, S6.4 decisions, S7.1 forks) and
 * policy generation, on the recorded traces in examples/traces and on small
 * hand-written ones.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  ALLOW,
  errno,
  formatAction,
  KILL_PROCESS,
  LOG,
  trace as traceAction,
  trap,
  USER_NOTIF,
  type Action,
} from '../src/action/index.ts';
import type { Rule, RuleSet } from '../src/ruleset/index.ts';
import {
  answerText,
  generatePolicy,
  parseTrace,
  replay,
  traceAbi,
  type ReplayReport,
  type Trace,
} from '../src/trace/index.ts';
import type { Abi } from '../src/x86/table.ts';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'latin1');

function trace(text: string, abi: Abi = 'x86_64'): Trace {
  const r = parseTrace(text, { abi, lenient: false });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.trace;
}

function run(t: Trace, policy: string, abi: Abi = traceAbi(t, 'x86_64')): ReplayReport {
  const r = replay(t, policy, { abi, comm: 'prog' });
  if (!r.ok) throw new Error(r.message);
  return r.report;
}

const kills = (r: ReplayReport) =>
  r.tasks.flatMap((t) => (t.kill === null ? [] : [{ tracePid: t.tracePid, ...t.kill }]));

const TRACES = ['true', 'ls', 'python3', 'node'] as const;

for (const name of TRACES) {
  test(`${name}: the allowing example policy kills nothing`, (t) => {
    const r = run(trace(read(`examples/traces/${name}.strace`)), read(`examples/policies/${name}-allows.txt`));
    t.deepEqual(kills(r), []);
    t.is(r.unreached, 0);
    t.true(r.summary.every((row) => row.killed === 0 && row.allowed > 0));
  });

  for (const args of [[], ['fd', 'flags', 'prot']]) {
    test(`${name}: the generated policy (--args ${args.join(',') || 'none'}) kills nothing`, (t) => {
      const tr = trace(read(`examples/traces/${name}.strace`));
      const g = generatePolicy(tr, { abi: 'x86_64', args, source: name });
      t.deepEqual(g.unallowable, []);
      t.deepEqual(kills(run(tr, g.text)), []);
    });
  }
}

test('true: the breaking policy kills the loader at its first openat, with the values', (t) => {
  const [k, ...rest] = kills(
    run(trace(read('examples/traces/true.strace')), read('examples/policies/true-breaks.txt')),
  );
  t.deepEqual(rest, []);
  t.like(k, {
    line: 5,
    name: 'openat',
    nr: 257,
    decision: {
      step: 'expr',
      entry: 'flags == 0',
      reason: '`flags == 0` is false because flags = 0x80000 (O_CLOEXEC)',
    },
  });
  t.is(k!.args.find((a) => a.name === 'flags')?.value, 0x80000n);
  t.regex(k!.log ?? '', /^prog\[1\]: system call 257 \(sys_openat\) blocked at ip:/);
});

test('ls: writing the listing to stdout is killed', (t) => {
  const [k] = kills(run(trace(read('examples/traces/ls.strace')), read('examples/policies/ls-breaks.txt')));
  t.like(k, { name: 'write', decision: { reason: '`fd == 2` is false because fd = 1' } });
});

test('python3: every task that writes to stdout is killed, the forked ones too', (t) => {
  const r = run(trace(read('examples/traces/python3.strace')), read('examples/policies/python3-breaks.txt'));
  const k = kills(r);
  t.true(k.length > 1);
  t.true(k.every((x) => x.name === 'write' && x.decision.why?.fields[0]?.value === 1n));
  t.true(k.some((x) => x.tracePid !== r.tasks[0]!.tracePid));
});

test('node: W^X policy kills the JIT mprotect; clone3 children get the state', (t) => {
  const r = run(trace(read('examples/traces/node.strace')), read('examples/policies/node-breaks.txt'));
  const [k] = kills(r);
  t.like(k, {
    name: 'mprotect',
    decision: {
      entry: '!(prot & 4)',
      reason: '`!(prot & 4)` is false because prot = 7 (PROT_READ|PROT_WRITE|PROT_EXEC)',
    },
  });
  t.true(r.notes.some((n) => n.startsWith('clone3 is not simulated')));
  t.true(r.tasks.length > 1);
});

const FORKING = [
  '1  execve(0x1000, 0x2000, 0x3000) = 0',
  '1  clone(0x1200011, 0, 0, 0, 0) = 0x2',
  '2  write(0x3, 0x10, 0x1) = 0x1',
  '2  write(0x1, 0x10, 0x1) = 0x1',
  '1  write(0x1, 0x10, 0x1) = 0x1',
  '1  exit_group(0) = ?',
  '1  +++ exited with 0 +++',
].join('\n');

test('S7.1 a forked child inherits the policy and is killed on its own', (t) => {
  const r = run(trace(FORKING), 'clone: 1\nwrite: fd == 1\nexit_group: 1\n');
  t.deepEqual(
    kills(r).map((k) => [k.tracePid, k.line, k.decision.reason]),
    [[2, 3, '`fd == 1` is false because fd = 3']],
  );
  t.is(r.unreached, 1);
  t.deepEqual(
    r.tasks.map((x) => [x.tracePid, x.pid, x.allowed]),
    [
      [1, 1, 4],
      [2, 2, 0],
    ],
  );
  t.deepEqual(
    r.summary.map((s) => [s.name, s.allowed, s.killed]),
    [
      ['write', 1, 1],
      ['clone', 1, 0],
      ['execve', 1, 0],
      ['exit_group', 1, 0],
    ],
  );
  t.deepEqual(r.log, ['prog[2]: system call 1 (sys_write) blocked at ip:0']);
});

test('a parent killed at its fork never creates the child: its calls are not reached', (t) => {
  const r = run(trace(FORKING), 'write: fd == 1\n');
  t.deepEqual(
    kills(r).map((k) => k.name),
    ['clone'],
  );
  t.is(r.unreached, 4);
  t.is(r.tasks.length, 1);
});

test('clone3 children are rebuilt with the parent state', (t) => {
  const text = FORKING.replace('clone(0x1200011, 0, 0, 0, 0)', 'clone3(0x7ffc, 0x58)');
  const r = run(trace(text), 'clone3: 1\nwrite: fd == 1\nexit_group: 1\n');
  t.deepEqual(
    kills(r).map((k) => [k.tracePid, k.decision.entry]),
    [[2, 'fd == 1']],
  );
});

test('a 32-bit program: the policy is for ia32 and installed through int $0x80', (t) => {
  const text =
    '7  execve(0x1000, 0, 0) = 0\n[ Process PID=7 runs in 32 bit mode. ]\n7  write(0x1, 0x10, 0x1) = 0x1\n7  exit_group(0) = ?\n';
  const tr = trace(text);
  t.is(traceAbi(tr, 'x86_64'), 'ia32');
  t.deepEqual(kills(run(tr, 'write: fd == 1\nexit_group: 1\n')), []);
  const [k] = kills(run(tr, 'write: fd == 1\nexit_group: 1\n', 'x86_64'));
  t.like(k, {
    abi: 'ia32',
    nr: 4,
    decision: { step: 'abi', reason: 'the filters are for x86_64 but the call enters as ia32 (S6.4)' },
  });
});

test('a trace of a 32-bit tracer: the root is a 32-bit task, the policy native to it', (t) => {
  const tr = trace('3  execve(0x1, 0, 0) = 0\n3  stat(0x1, 0x2) = 0\n3  write(0x2, 0, 0) = 0\n', 'ia32');
  const [k] = kills(run(tr, 'stat: 1\n', 'ia32'));
  t.like(k, { abi: 'ia32', nr: 4, name: 'write', log: 'prog[1]: system call 4 (sys_write) blocked at ip:0' });
});

test('strace -i addresses appear in the kill log (S6.6)', (t) => {
  const [k] = kills(
    run(trace('1  [0000000000401000] execve(0x1, 0, 0) = 0\n1  [00007f00deadbeef] getpid() = 0x1\n'), 'write: 1\n'),
  );
  t.is(k!.log, 'prog[1]: system call 39 (sys_getpid) blocked at ip:7f00deadbeef');
});

test('a root that never calls execve gets the policy before its first call', (t) => {
  const r = run(trace('1  getpid() = 0x1\n1  write(0x1, 0, 0) = 0\n'), 'write: 1\n');
  t.deepEqual(
    kills(r).map((k) => k.name),
    ['getpid'],
  );
  t.regex(r.notes[0]!, /never calls execve/);
});

test('pids that no traced fork created are reported, not replayed', (t) => {
  const r = run(trace('1  execve(0x1, 0, 0) = 0\n9  getpid() = 0x9\n9  getpid() = 0x9\n'), 'getpid: 1\n');
  t.is(r.unreached, 2);
  t.deepEqual(r.notes, ['line 2: pid 9 was not created by a traced clone, fork or vfork; its calls were not replayed']);
});

test('JSON-lines traces replay the same way', (t) => {
  const text =
    '{"pid":5,"name":"execve","args":[4096,0,0],"ret":0}\n{"pid":5,"name":"read","args":[0,"0x1000",16]}\n{"pid":5,"name":"read","args":[7,"0x1000",16]}\n';
  const [k] = kills(run(trace(text), 'read: fd == 0\n'));
  t.like(k, { line: 3, decision: { reason: '`fd == 0` is false because fd = 7' } });
});

test('a policy the engine refuses is an error, not a report', (t) => {
  const long = `fd == ${'1'.repeat(10)} || fd == 2 || fd == 3 || fd == 4 || fd == 5 || fd == 6 || fd == 7 || fd == 8`;
  const policy = `write: ${long}\nwrite: count < 1 || count < 2 || count < 3 || count < 4 || count < 5 || count < 6 || count < 7 || count < 8 || count < 9\n`;
  const r = replay(trace(FORKING), policy, { abi: 'x86_64', comm: 'p' });
  t.false(r.ok);
  t.regex(r.ok ? '' : r.message, /returned -E2BIG/);
});

test('generate: observed values, a comment when too many, other-ABI calls reported', (t) => {
  const many = Array.from({ length: 40 }, (_, k) => `1  close(${k + 3}) = 0`);
  const tr = trace(
    [
      '1  execve(0x1, 0, 0) = 0',
      '1  write(0x1, 0, 0x5) = 0x5',
      '1  write(0x2, 0, 0x5) = 0x5',
      ...many,
      '[ Process PID=1 runs in 32 bit mode. ]',
      '1  getpid() = 1',
    ].join('\n'),
  );
  const g = generatePolicy(tr, { abi: 'x86_64', args: ['fd', 'count', 'nope'], source: 't' });
  t.true(g.text.includes('\nwrite: (fd == 1 || fd == 2) && count == 5\n'));
  t.true(
    g.text.includes(
      '# close: more than 32 distinct values of fd do not fit one filter (S2.3: 255 characters, 32 terms); fd is not constrained\nclose: 1\n',
    ),
  );
  t.false(g.text.includes('\nexecve:'));
  t.deepEqual(
    g.unallowable.map((c) => [c.abi, c.name]),
    [['ia32', 'getpid']],
  );
  t.true(g.notes.includes("no traced system call has an argument named 'nope'"));
  t.is(g.entries, 2);
});

test('S3.2 replay passes both halves of 64-bit arguments to the engine', (t) => {
  for (const addr of ['0x7f0000001000', '0xffffffff00001000']) {
    const r = run(
      trace(`1  execve(0x1, 0, 0) = 0\n1  mmap(${addr}, 0x1000, 0x3, 0x22, 0xffffffff, 0) = ${addr}\n`),
      'mmap: addr < 0x100000000\n',
    );
    t.deepEqual(
      kills(r).map((k) => [k.name, k.decision.reason]),
      [['mmap', `\`addr < 0x100000000\` is false because addr = ${addr}`]],
      addr,
    );
  }
});

/** A rule set for x86_64: execve, write, exit_group and clone allowed; uname EPERM; kill traps; brk logs; otherwise kill-process. */
function actionRules(clone: Action = ALLOW): RuleSet {
  const rule = (nr: number, action: Action, text: string): [number, Rule[]] => [
    nr,
    [{ when: { kind: 'true' }, action, origin: { file: 'p.policy', line: nr, text } }],
  ];
  return {
    arches: {
      x86_64: {
        calls: new Map([
          rule(59, ALLOW, 'execve: 1'),
          rule(1, ALLOW, 'write: 1'),
          rule(231, ALLOW, 'exit_group: 1'),
          rule(56, clone, 'clone'),
          rule(63, errno(1), 'uname: return EPERM'),
          rule(62, trap(7), 'kill: trap'),
          rule(12, LOG, 'brk: log'),
        ]),
        otherwise: KILL_PROCESS,
      },
    },
    otherArch: KILL_PROCESS,
  };
}

const ACTION_TRACE = [
  '{"pid":1,"name":"execve","args":[4096,0,0],"ret":0}',
  '{"pid":1,"name":"brk","args":[0],"ret":0}',
  '{"pid":1,"name":"uname","args":[4096],"ret":0}',
  '{"pid":1,"name":"clone","args":[17,0,0,0,0],"ret":2}',
  '{"pid":2,"name":"uname","args":[8192],"ret":0}',
  '{"pid":2,"name":"exit_group","args":[0],"ret":0}',
  '{"pid":1,"name":"uname","args":[4096],"ret":0}',
  '{"pid":1,"name":"write","args":[1,4096,3],"ret":3}',
  '{"pid":1,"name":"kill","args":[1,9],"ret":0}',
  '{"pid":1,"name":"exit_group","args":[0],"ret":0}',
].join('\n');

test('A2 a rule set: an errno answer is listed at its line and the task goes on; a trap ends it with SIGSYS; log is counted', (t) => {
  const r = replay(trace(ACTION_TRACE), actionRules(), { abi: 'x86_64', comm: 'prog' });
  if (!r.ok) return t.fail(r.message);
  const [root, child] = r.report.tasks;
  // The execve itself passes: the rule set goes in once it has run (A5 has no on_next_syscall).
  t.is(root!.allowed, 4);
  t.like(root!.kill, { line: 9, name: 'kill', action: { kind: 'trap', data: 7 } });
  t.is(root!.kill!.decision.reason, 'p.policy:62: kill: trap answers trap:7');
  t.is(answerText(root!.kill!.action), 'would get SIGSYS (trap, data 7)');
  t.deepEqual(
    root!.answers.map((a) => [a.first.name, a.first.line, a.count, answerText(a.first.action)]),
    [['uname', 3, 2, "would return EPERM; the program's later calls may differ from the trace"]],
  );
  // The child inherited the rule set (S7.1): its uname gets the errno too.
  t.deepEqual(
    child!.answers.map((a) => [a.first.line, a.count]),
    [[5, 1]],
  );
  t.is(r.report.unreached, 1);
  t.is(r.report.logged, 1);
  t.true(r.report.notes.includes('1 call was answered with log: they ran and wrote a log line'));
  t.like(
    r.report.summary.find((s) => s.name === 'uname'),
    { allowed: 0, killed: 0, answered: 3 },
  );
});

test('A2 a fork answered with an errno makes no child: its calls are not reached; --all lists every answer without making it', (t) => {
  const r = replay(trace(ACTION_TRACE), actionRules(errno(11)), { abi: 'x86_64', comm: 'prog' });
  if (!r.ok) return t.fail(r.message);
  t.is(r.report.tasks.length, 1);
  t.deepEqual(
    r.report.tasks[0]!.answers.map((a) => [a.first.name, a.count]),
    [
      ['uname', 2],
      ['clone', 1],
    ],
  );
  t.is(r.report.unreached, 3);
  const all = replay(trace(ACTION_TRACE), actionRules(), { abi: 'x86_64', comm: 'prog', all: true });
  if (!all.ok) return t.fail(all.message);
  const [root] = all.report.tasks;
  t.is(root!.kill, null);
  t.deepEqual(
    root!.denials.map((d) => [d.first.name, d.count, formatAction(d.first.action)]),
    [
      ['uname', 2, 'errno:1'],
      ['kill', 1, 'trap:7'],
    ],
  );
});

test('A2 an unlisted call meets the rule set default, kill-process, and the explanation says so', (t) => {
  const r = replay(
    trace('{"pid":1,"name":"execve","args":[4096,0,0],"ret":0}\n{"pid":1,"name":"getpid","args":[]}\n'),
    actionRules(),
    {
      abi: 'x86_64',
      comm: 'prog',
    },
  );
  if (!r.ok) return t.fail(r.message);
  t.like(r.report.tasks[0]!.kill, { name: 'getpid', action: { kind: 'kill-process' } });
  t.is(r.report.tasks[0]!.kill!.decision.reason, 'no rule of the policy matches: its default answers kill-process');
  t.is(answerText(r.report.tasks[0]!.kill!.action), '');
});

test('A2 --all: a fork the rule set answers with an errno still makes its child, which gets a copy of the rule set', (t) => {
  const r = replay(trace(ACTION_TRACE), actionRules(errno(11)), { abi: 'x86_64', comm: 'prog', all: true });
  if (!r.ok) return t.fail(r.message);
  const [root, child] = r.report.tasks;
  t.deepEqual(
    root!.denials.map((d) => [d.first.name, formatAction(d.first.action)]),
    [
      ['uname', 'errno:1'],
      ['clone', 'errno:11'],
      ['kill', 'trap:7'],
    ],
  );
  t.deepEqual(
    child!.denials.map((d) => [d.first.name, d.first.line]),
    [['uname', 5]],
  );
});

test('A2 what the program would see of each answer', (t) => {
  const later = "; the program's later calls may differ from the trace";
  t.is(answerText(errno(13)), `would return EACCES${later}`);
  t.is(answerText(errno(4000)), `would return E4000${later}`);
  t.is(answerText(traceAction(3)), `would return ENOSYS (trace:3 with no tracer or listener)${later}`);
  t.is(answerText(USER_NOTIF), `would return ENOSYS (user-notif with no tracer or listener)${later}`);
  t.is(answerText(trap(9)), 'would get SIGSYS (trap, data 9)');
  t.is(answerText(KILL_PROCESS), '');
});
