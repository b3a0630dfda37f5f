/**
 * Kernel.answered and Kernel.lastAnswer (A6 to A12): the entry path counts
 * the calls it answers other than on its fast path and keeps what the last
 * one met, past a kill, so a caller such as replay explains a call with one
 * decision. Checked against decide() before each call.
 */
import test from 'ava';
import { ALLOW, errno, trap, type Action } from '../src/action/index.ts';
import { Kernel, R, STATUS, VERDICT } from '../src/kernel/index.ts';
import type { Cond, Rule, RuleSet } from '../src/ruleset/index.ts';
import { NATIVE_ARG_REGS } from '../src/x86/regs.ts';

const T: Cond = { kind: 'true' };
const rule = (when: Cond, action: Action, text: string): Rule => ({ when, action, origin: { text, line: 1 } });

/** Write nr and the first argument into `pid`'s row, then enter through syscall. */
function call(k: Kernel, pid: number, nr: number, arg0 = 0): number {
  const { words: w, base: b } = k.registers(pid)!;
  w[b + R.rax] = nr;
  w[b + R.rax + 1] = 0;
  w[b + NATIVE_ARG_REGS[0]!] = arg0;
  w[b + NATIVE_ARG_REGS[0]! + 1] = 0;
  return k.enter(pid, 'syscall');
}

test('a kernel that answered nothing yet: a count of 0 and no last answer', (t) => {
  const k = new Kernel();
  t.is(k.answered, 0);
  t.is(k.lastAnswer(), undefined);
  const pid = k.spawn('x86_64', 'idle');
  t.is(call(k, pid, 39), STATUS.RETURNED);
  t.is(k.answered, 0, 'a task without filters is on the fast path');
});

test('a 2011 policy: allowed calls leave the count alone; the kill is kept past the task with the state it met', (t) => {
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'ls');
  t.true(k.installPolicy(pid, 'read: fd == 3\ngetpid: 1').ok);
  const before = k.answered;
  t.is(k.decide(pid, 'syscall', 0, [3, 0]), VERDICT.ALLOW);
  t.is(call(k, pid, 0, 3), STATUS.RETURNED);
  t.is(call(k, pid, 39), STATUS.RETURNED);
  t.is(k.answered, before, 'allowed calls are not counted');
  t.is(k.decide(pid, 'syscall', 0, [4, 0]), VERDICT.KILL);
  t.is(call(k, pid, 0, 4), STATUS.KILLED);
  t.is(k.answered, before + 1);
  t.is(k.registers(pid), undefined, 'the task is gone');
  const a = k.lastAnswer()!;
  t.is(a.pid, pid);
  t.is(a.action, VERDICT.KILL, 'the shared object decide() returns');
  t.true(a.logged, 'a mode 2 kill writes a log line');
  t.is(a.abi, 'x86_64');
  const view = a.seccomp();
  t.is(view.mode, 2);
  t.deepEqual(
    view.filters.map((f) => f.nr),
    [0, 39],
  );
  t.is(a.filter(0)?.kind, 'expr');
  t.is(a.filter(1), undefined);
  t.deepEqual(a.rule('syscall', 0, [4, 0]).action, VERDICT.KILL);
});

test('a rule set: errno and trap are counted with their rule; answered and decide() agree call by call', (t) => {
  const rs: RuleSet = {
    arches: {
      x86_64: {
        calls: new Map<number, readonly Rule[]>([
          [0, [rule({ kind: 'cmp', arg: 0, op: '==', value: 3n }, ALLOW, 'read: fd == 3')]],
          [2, [rule(T, errno(13), 'open: errno 13')]],
          [39, [rule(T, ALLOW, 'getpid')]],
        ]),
        otherwise: trap(5),
      },
    },
    otherArch: trap(5),
  };
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'app');
  t.true(k.installRules(pid, rs).ok);
  const calls: [number, number][] = [
    [0, 3],
    [39, 0],
    [2, 0],
    [0, 3],
    [2, 1],
    [0, 4],
  ];
  for (const [nr, arg0] of calls) {
    const predicted = k.decide(pid, 'syscall', nr, [arg0, 0])!;
    const before = k.answered;
    const s = call(k, pid, nr, arg0);
    t.is(k.answered !== before, predicted !== ALLOW, `nr ${nr} arg0 ${arg0}`);
    if (predicted === ALLOW) continue;
    const a = k.lastAnswer()!;
    t.is(a.action, predicted);
    t.false(a.logged);
    const d = a.rule('syscall', nr, [arg0, 0]);
    t.is(d.action, predicted);
    if (nr === 2) {
      t.is(s, STATUS.RETURNED);
      t.is(d.rule?.origin?.text, 'open: errno 13');
    } else {
      t.is(s, STATUS.KILLED, 'the trap has no handler: the group ends');
      t.is(d.rule, undefined, 'the default answered');
      t.is(a.seccomp().stack, 1, 'the state the call met, after the task is gone');
    }
  }
});

test('log is counted too: the call runs, and the answer says it wrote a log line', (t) => {
  const rs: RuleSet = {
    arches: { x86_64: { calls: new Map([[39, [rule(T, { kind: 'log' }, 'getpid: log')]]]), otherwise: ALLOW } },
    otherArch: ALLOW,
  };
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'app');
  t.true(k.installRules(pid, rs).ok);
  t.is(call(k, pid, 0), STATUS.RETURNED);
  t.is(k.answered, 0, 'the default allows');
  t.is(call(k, pid, 39), STATUS.RETURNED);
  t.is(k.answered, 1);
  const a = k.lastAnswer()!;
  t.is(a.action.kind, 'log');
  t.true(a.logged);
  t.is(k.registers(pid)!.words[k.registers(pid)!.base + R.rax], pid, 'getpid ran');
});
