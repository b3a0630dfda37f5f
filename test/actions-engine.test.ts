/**
 * A5 to A12 on the engine and the model, case by case: installs refused
 * and why, the rule that answered, action codes, bad rule sets, the
 * actions' outcomes on both ABIs, and the example notation for rule sets.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { ALLOW, KILL_2011, errno, formatAction, trace, trap, type Action } from '../src/action/index.ts';
import { actionCode, codeAction, compileRules } from '../src/seccomp/index.ts';
import { VERDICT, Kernel } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import { ruleSetProblem, X32_BIT, type Cond, type Rule, type RuleSet } from '../src/ruleset/index.ts';
import { engineBackend, extractExamples, modelBackend, runExample } from '../src/spec-runner/index.ts';
import { AUDIT_ARCH } from '../src/x86/outcome.ts';

const rule = (when: Cond, action: Action, text = 'r'): Rule => ({ when, action, origin: { text } });
const T: Cond = { kind: 'true' };
const single = (arch: 'x86_64' | 'ia32' | 'x32', nr: number, rules: readonly Rule[], otherwise: Action): RuleSet => ({
  arches: { [arch]: { calls: new Map([[nr, rules]]), otherwise } },
  otherArch: otherwise,
});

test('A2 action codes round-trip through codeAction, one shared object per value', (t) => {
  for (const a of [ALLOW, KILL_2011, errno(0), errno(4095), trap(7), trace(0xffff), { kind: 'log' } as Action]) {
    const back = codeAction(actionCode(a));
    t.is(formatAction(back), formatAction(a));
    t.is(codeAction(actionCode(a)), back);
  }
  t.is(codeAction(99 << 16).kind, 'kill-process', 'an unknown rank acts as kill-process');
});

test('A5 a bad rule set is refused, by the engine and the model, saying what is wrong', (t) => {
  const bad: [RuleSet, RegExp][] = [
    [{ arches: {}, otherArch: { kind: 'errno', errno: 4096 } }, /otherArch: errno 4096/],
    [{ arches: {}, otherArch: { kind: 'trap', data: 70000 } }, /trap data 70000/],
    [{ arches: {}, otherArch: { kind: 'nope' } as unknown as Action }, /unknown action kind 'nope'/],
    [single('x86_64', 0, [], { kind: 'errno', errno: -1 }), /errno -1 is outside/],
    [single('x86_64', 2 ** 32, [rule(T, ALLOW)], ALLOW), /call number 4294967296/],
    [single('x86_64', 0, [rule({ kind: 'cmp', arg: 6, op: '==', value: 0n }, ALLOW)], ALLOW), /argument 6/],
    [single('x86_64', 0, [rule({ kind: 'cmp', arg: 0, op: '&' as '==', value: 0n }, ALLOW)], ALLOW), /comparison '&'/],
    [single('x86_64', 0, [rule({ kind: 'cmp', arg: 0, op: '==', value: 1n << 64n }, ALLOW)], ALLOW), /not an unsigned/],
    [single('x86_64', 0, [rule({ kind: 'masked', arg: 7, mask: 1n, value: 0n }, ALLOW)], ALLOW), /argument 7/],
    [single('x86_64', 0, [rule({ kind: 'masked', arg: 0, mask: -1n, value: 0n }, ALLOW)], ALLOW), /mask and value/],
    [
      single(
        'x86_64',
        0,
        [rule({ kind: 'and', of: [T, { kind: 'not', of: { kind: 'x' } as unknown as Cond }] }, ALLOW)],
        ALLOW,
      ),
      /unknown condition kind 'x'/,
    ],
    [single('x86_64', 0, [rule(T, { kind: 'errno', errno: 5000 })], ALLOW), /errno 5000/],
    [
      { arches: { arm: { calls: new Map(), otherwise: ALLOW } } as unknown as RuleSet['arches'], otherArch: ALLOW },
      /unknown architecture 'arm'/,
    ],
  ];
  for (const [rs, why] of bad) {
    t.regex(ruleSetProblem(rs) ?? '', why);
    const k = new Kernel();
    const pid = k.spawn('x86_64', 'p');
    const r = k.installRules(pid, rs);
    t.false(r.ok);
    if (!r.ok) t.is(r.errno.name, 'EINVAL');
    t.deepEqual(model.installRules(model.spawn(model.initialMachine(), 'x86_64', 'p')[0], 1, rs), E.left(22));
  }
  t.is(ruleSetProblem(single('x86_64', 0, [rule({ kind: 'or', of: [T] }, ALLOW)], ALLOW)), undefined);
});

test('A5 installRules: no task is ESRCH, strict mode EINVAL, and strict mode is refused with a stack', (t) => {
  const k = new Kernel();
  const rs = single('x86_64', 0, [rule(T, ALLOW)], ALLOW);
  const none = k.installRules(9, rs);
  t.like(none, { ok: false, errno: { name: 'E3', number: 3 } });
  t.deepEqual(model.installRules(model.initialMachine(), 9, rs), E.left(model.ESRCH));
  const pid = k.spawn('x86_64', 'p');
  t.true(k.installRules(pid, rs).ok);
  t.is(k.syscall(pid, 'syscall', { rax: 157n, rdi: 22n, rsi: 1n }).kind, 'return');
  t.is(k.syscall(pid, 'syscall', { rax: 157n, rdi: 21n }).kind === 'return' ? 'ok' : 'no', 'ok');
  const strict = k.spawn('x86_64', 's');
  k.syscall(strict, 'syscall', { rax: 157n, rdi: 22n, rsi: 1n });
  const r = k.installRules(strict, rs);
  t.false(r.ok);
  if (!r.ok) t.regex(r.message, /strict mode/);
});

test('A6 decideRule names the rule and the stacked filter that answered, or the 2011 entry', (t) => {
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'p');
  t.is(k.decideRule(99, 'syscall', 0, []), undefined);
  t.deepEqual(k.decideRule(pid, 'syscall', 0, []), { action: ALLOW });
  const older = single(
    'x86_64',
    1,
    [rule({ kind: 'cmp', arg: 0, op: '==', value: 2n }, errno(5), 'write: fd == 2')],
    ALLOW,
  );
  const newer = single('x86_64', 1, [rule(T, errno(9), 'write')], ALLOW);
  k.installRules(pid, older);
  k.installRules(pid, newer);
  t.like(k.decideRule(pid, 'syscall', 1, [2, 0]), { action: { kind: 'errno', errno: 9 }, layer: 0 });
  t.is(k.decideRule(pid, 'syscall', 1, [2, 0])?.rule?.origin.text, 'write');
  t.deepEqual(k.decideRule(pid, 'syscall', 0, []), { action: ALLOW, layer: 0 });
  const x = new Kernel();
  const q = x.spawn('x86_64', 'q');
  x.installRules(q, { arches: {}, otherArch: errno(1) });
  t.true(x.installPolicy(q, 'read: fd == 0\nwrite: 1').ok === false, 'the stack answers prctl with EPERM');
  const y = new Kernel();
  const r = y.spawn('x86_64', 'r');
  t.true(y.installPolicy(r, 'read: fd == 0\nwrite: 1\nprctl: 1').ok);
  t.is(y.decideRule(r, 'syscall', 0, [0, 0])?.rule?.origin.text, '0: fd == 0');
  t.deepEqual(y.decideRule(r, 'syscall', 1, [7, 0])?.action, ALLOW);
  y.installRules(r, single('x86_64', 2, [rule(T, errno(1))], ALLOW));
  t.deepEqual(
    y.decideRule(r, 'syscall', 0, [0, 0]),
    { action: ALLOW, layer: 0 },
    'the newest filter of the winning kind',
  );
  t.deepEqual(y.decideRule(r, 'syscall', 0, [1, 0]), { action: KILL_2011 });
  t.deepEqual(y.decideRule(r, 'syscall', 3, []), { action: KILL_2011 });
  t.deepEqual(y.decideRule(r, 'int80', 3, []), { action: KILL_2011 });
  t.deepEqual(y.decideRule(r, 'syscall', 2, []), { action: KILL_2011 }, 'the 2011 kill outranks the errno');
  y.installRules(r, { arches: {}, otherArch: trap(3) });
  t.deepEqual(y.decideRule(r, 'syscall', 1, [1, 0]), { action: trap(3), layer: 0 });
});

test('R4 compiled rule sets: x32 numbers, numbers far from the table, false rules, and an ia32 layer', (t) => {
  const calls = new Map<number, readonly Rule[]>([
    [5, [rule({ kind: 'false' }, errno(1))]],
    [200_000, [rule(T, errno(2))]],
    [-1, [rule(T, errno(3))]],
  ]);
  const rs: RuleSet = {
    arches: {
      x86_64: { calls, otherwise: errno(4) },
      x32: { calls: new Map([[X32_BIT + 1, [rule(T, errno(5))]]]), otherwise: errno(6) },
      ia32: {
        calls: new Map([[4, [rule({ kind: 'cmp', arg: 0, op: '>', value: 0xffff_fffen }, errno(7))]]]),
        otherwise: ALLOW,
      },
    },
    otherArch: errno(8),
  };
  const c = compileRules(rs);
  t.is(compileRules(rs), c, 'compiled once');
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'p');
  k.installRules(pid, rs);
  const got = (vector: 'syscall' | 'int80', nr: number, words: number[] = []): string =>
    formatAction(k.decide(pid, vector, nr, words)!);
  t.is(got('syscall', 5), 'errno:4');
  t.is(got('syscall', 200_000), 'errno:2');
  t.is(got('syscall', 0x7fff_ffff), 'errno:6');
  t.is(got('syscall', -1), 'errno:6', 'a negative number reads as x32 (R4)');
  t.is(got('syscall', X32_BIT + 1), 'errno:5');
  t.is(got('int80', 4, [0xffff_ffff, 0xffff_ffff]), 'errno:7', 'ia32 sees the low 32 bits only');
  t.is(got('int80', 4, [0xffff_fffe, 0]), 'allow');
});

test('A10, A11 the outcomes carry SIGSYS: the trap siginfo on ia32, status 159, the thread group', (t) => {
  for (const backend of ['engine', 'model'] as const) {
    const rs = single('ia32', 20, [rule(T, trap(0xbeef))], ALLOW);
    let outcome;
    if (backend === 'engine') {
      const k = new Kernel();
      const pid = k.spawn('ia32', 'p');
      k.installRules(pid, rs);
      outcome = k.syscall(pid, 'syscall', { rax: 20n });
      t.deepEqual(k.pids(), []);
    } else {
      const [m, pid] = model.spawn(model.initialMachine(), 'ia32', 'p');
      const r = model.installRules(m, pid, rs);
      if (E.isLeft(r)) return t.fail();
      outcome = model.syscall(r.right, pid, 'syscall', { rax: 20n }).outcome;
    }
    t.deepEqual(outcome, {
      kind: 'killed',
      log: null,
      sigsys: { action: 'trap', status: 159, siginfo: { nr: 20, arch: AUDIT_ARCH.ia32, data: 0xbeef } },
    });
  }
});

test('A6 VERDICT.ALLOW and VERDICT.KILL are the shared allow and 2011 kill', (t) => {
  t.is(VERDICT.ALLOW, ALLOW);
  t.is(VERDICT.KILL, KILL_2011);
  t.is(VERDICT.NO_TASK, undefined);
});

test('the rules notation of examples: what it refuses, and a backend without installRules', (t) => {
  const run = (body: string) => {
    const [ex] = extractExamples('```seccomp-example\n' + body + '\n```\n', 'x.md');
    return runExample(ex!, modelBackend);
  };
  const msg = (body: string): string => {
    const r = run(body);
    return r.ok ? 'ok' : r.message;
  };
  t.regex(msg('rules:\n  read errno:1'), /needs '-> ACTION'/);
  t.regex(msg('rules:\n  nosuch -> allow'), /no system call 'nosuch'/);
  t.regex(msg('rules:\n  read: fd = 1 -> allow'), /Invalid operator/);
  t.regex(msg('rules:\n  read -> errno:5000'), /at most 4095/);
  t.regex(msg('rules arm:\n  read -> allow'), /rules takes x86_64, ia32 or x32/);
  t.regex(msg('rules -> killed:\n  read -> allow'), /rules expects 0 or -ERRNO/);
  t.regex(msg('call read -> sigsys errno:1'), /sigsys takes trap:N/);
  t.regex(msg('rules -> -EINVAL:\n  read -> allow'), /rules: expected -22, got 0/);
  t.regex(msg('rules:\n  read -> trap:1\ncall read -> sigsys trap:2'), /expected/);
  t.is(
    msg(
      'rules x32:\n  read -> errno:1  # x32 read\n  default allow\n  other-arch allow\ncall 0x40000000 -> -EPERM\ncall read -> 0',
    ),
    'ok',
  );
  const [ex] = extractExamples('```seccomp-example\nrules:\n  read -> allow\n```\n', 'x.md');
  const { installRules: _, ...without } = engineBackend;
  const r = runExample(ex!, without);
  t.like(r, { ok: false, message: 'the engine backend cannot install rule sets' });
});
