/**
 * The S9 invariants as fast-check properties over the model, each built
 * for a given `Rules` so that test/mutation-model.test.ts can run the same
 * property on a model carrying an S10 bug.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as model from '../src/model/index.ts';
import { parseFilter } from '../src/grammar/index.ts';
import { syscallTable, type Abi } from '../src/x86/table.ts';
import { callAbi, type Vector } from '../src/x86/vectors.ts';
import type { MachineView } from '../src/x86/views.ts';
import {
  allows,
  argValue,
  commands,
  exprText,
  installed,
  issue,
  nrOf,
  POOL,
  policyText,
  prepare,
  probe,
  regsFor,
  runCommand,
  type Command,
  type Probe,
} from './model-arbitraries.ts';

const abi = (): fc.Arbitrary<Abi> => fc.constantFrom<Abi>('x86_64', 'ia32');
const installVector = (): fc.Arbitrary<Vector> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant<Vector>('syscall') },
    { weight: 1, arbitrary: fc.constant<Vector>('int80') },
  );

/** Run `cmds` of task `pid`, checking `ok` after every step while the task lives. */
function everyStep(
  m0: model.Machine,
  pid: number,
  cmds: readonly Command[],
  rules: model.Rules,
  ok: (m: model.Machine) => boolean,
): boolean {
  let m = m0;
  for (const c of cmds) {
    m = runCommand(m, pid, c, rules).machine;
    if (!m.tasks.has(pid)) return true;
    if (!ok(m)) return false;
  }
  return true;
}

/** S9.2 no sequence of the task's own prctl calls turns a denied (nr, args, abi) into an allowed one. */
export const reduceOnly = (rules: model.Rules = model.CORRECT_RULES) =>
  fc.property(
    abi(),
    installVector(),
    policyText(),
    fc.array(probe(), { minLength: 1, maxLength: 12 }),
    commands(),
    (taskAbi, v, text, probes, cmds) => {
      const inst = installed(taskAbi, v, text, rules);
      if (inst === null) return true;
      const [m, pid] = inst;
      const denied = probes.filter((p) => !allows(m, pid, p, rules));
      return everyStep(m, pid, cmds, rules, (now) => denied.every((p) => !allows(now, pid, p, rules)));
    },
  );

/** The S6.3 sets, written out again from spec/ (S6.3) rather than taken from the model. */
const STRICT_SETS: Readonly<Record<Abi, readonly number[]>> = { x86_64: [0, 1, 60, 15], ia32: [1, 3, 4, 119] };

/** S9.3 strict mode allows exactly the S6.3 set of the call's ABI, and logs nothing. */
export const strictSets = () =>
  fc.property(abi(), probe(), fc.boolean(), (taskAbi, p, preFilter) => {
    const [m0, pid] = model.spawn(model.initialMachine(), taskAbi, 'strict');
    const pre = preFilter
      ? runCommand(m0, pid, { kind: 'set', vector: 'syscall', name: 'getpid', text: '1' }).machine
      : m0;
    const m = runCommand(pre, pid, { kind: 'strict', vector: 'syscall' }).machine;
    const ca = callAbi(taskAbi, p.vector);
    const { outcome, machine } = model.syscall(m, pid, p.vector, regsFor(ca, p.rax, p.args));
    const nr = Number(BigInt.asIntN(32, p.rax));
    const killed = outcome.kind === 'killed';
    return killed === !STRICT_SETS[ca].includes(nr) && (!killed || outcome.log === null) && machine.log.length === 0;
  });

const ERRNO_MIN = (1n << 64n) - 4095n;
const canon = (v: MachineView): string =>
  JSON.stringify(v, (k, x: unknown) => (k === 'regs' ? null : typeof x === 'bigint' ? x.toString() : x));

// S6.4 spends a pending grant at entry, before the call can fail (C30): that is the only change allowed.
const spent = (v: MachineView, pid: number): MachineView => ({
  ...v,
  tasks: v.tasks.map((t) =>
    t.pid === pid && t.seccomp.mode === 2 ? { ...t, seccomp: { ...t.seccomp, pending: false } } : t,
  ),
});

/** The machine after a failed call of `pid` equals the one before, registers and the spent grant aside. */
const unchangedBy = (before: model.Machine, after: model.Machine, pid: number): boolean =>
  canon(spent(model.view(before), pid)) === canon(model.view(after));

/** Any call: a prctl command, or a raw call with arbitrary registers of a pool or kernel-implemented number. */
type Step = { readonly kind: 'cmd'; readonly cmd: Command } | { readonly kind: 'call'; readonly probe: Probe };
const steps = (): fc.Arbitrary<readonly Step[]> =>
  fc.array(
    fc.oneof(
      commands(1)
        .filter((c) => c.length === 1)
        .map((c) => ({ kind: 'cmd' as const, cmd: c[0]! })),
      probe().map((p) => ({ kind: 'call' as const, probe: p })),
      fc
        .record({
          vector: fc.constantFrom<Vector>('syscall', 'int80'),
          rax: fc.constantFrom(59n, 11n, 56n, 120n, 57n, 157n, 172n),
          args: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 6, maxLength: 6 }),
        })
        .map((p) => ({ kind: 'call' as const, probe: p })),
    ),
    { maxLength: 10 },
  );

/** S9.4 every call that returns an errno leaves every task and the log as they were (registers and a spent pending grant aside); nothing throws. */
export const failClosed = () =>
  fc.property(abi(), fc.option(policyText(), { nil: undefined }), steps(), (taskAbi, text, ss) => {
    const start =
      text === undefined ? model.spawn(model.initialMachine(), taskAbi, 'fc') : installed(taskAbi, 'syscall', text);
    if (start === null) return true;
    let [m, pid] = start;
    for (const s of ss) {
      const ca = callAbi(m.tasks.get(pid)?.abi ?? taskAbi, s.kind === 'cmd' ? s.cmd.vector : s.probe.vector);
      const before = s.kind === 'cmd' ? prepare(m, pid, s.cmd) : m;
      const r =
        s.kind === 'cmd'
          ? issue(before, pid, s.cmd)
          : model.syscall(m, pid, s.probe.vector, regsFor(ca, s.probe.rax, s.probe.args));
      if (r.outcome.kind === 'return' && r.outcome.rax >= ERRNO_MIN && !unchangedBy(before, r.machine, pid))
        return false;
      m = r.machine;
      if (!m.tasks.has(pid)) [m, pid] = model.spawn(m, taskAbi, 'fc');
    }
    return true;
  });

const OTHER: Readonly<Record<Abi, readonly Vector[]>> = { x86_64: ['int80', 'sysenter'], ia32: ['syscall'] };

/** S9.5 a 64-bit task whose filters are bound to one ABI never gets a call through the other allowed. */
export const abiBinding = (rules: model.Rules = model.CORRECT_RULES) =>
  fc.property(
    fc.constantFrom<Vector>('syscall', 'int80'),
    policyText(),
    fc.array(probe(), { minLength: 1, maxLength: 12 }),
    commands(),
    (v, text, probes, cmds) => {
      const inst = installed('x86_64', v, text, rules);
      if (inst === null) return true;
      const [m, pid] = inst;
      const bound: Abi = callAbi('x86_64', v);
      const others = probes.map((p) => ({
        ...p,
        vector: OTHER[bound][p.rax % 2n === 0n ? 0 : OTHER[bound].length - 1]!,
      }));
      const killedAll = (now: model.Machine) =>
        others.every(
          (p) =>
            model.syscall(now, pid, p.vector, regsFor(callAbi('x86_64', p.vector), p.rax, p.args), rules).outcome
              .kind === 'killed',
        );
      return killedAll(m) && everyStep(m, pid, cmds, rules, killedAll);
    },
  );

/** S9.6 after fork, parent and child decide as the parent did at the fork, whatever the other one does later. */
export const forkIndependence = () =>
  fc.property(
    abi(),
    policyText(),
    fc.array(probe(), { minLength: 1, maxLength: 12 }),
    fc.boolean(),
    commands(),
    (taskAbi, text, probes, childActs, cmds) => {
      // fork and prctl stay allowed, so the fork happens and either side can act.
      const lines = text.split('\n').filter((l) => !l.startsWith('fork:') && !l.startsWith('prctl:'));
      const inst = installed(taskAbi, 'syscall', [...lines, 'fork: 1', 'prctl: 1'].join('\n'));
      if (inst === null) return true;
      const [m0, parent] = inst;
      const forked = model.syscall(m0, parent, 'syscall', regsFor(taskAbi, BigInt(nrOf(taskAbi, 'fork')), []));
      if (forked.outcome.kind !== 'return') return false;
      const child = Number(forked.outcome.rax);
      const m = forked.machine;
      const atFork = probes.map((p) => allows(m0, parent, p));
      const same = (now: model.Machine, pid: number) => probes.every((p, i) => allows(now, pid, p) === atFork[i]);
      if (!same(m, child) || !same(m, parent)) return false;
      const [actor, watcher] = childActs ? [child, parent] : [parent, child];
      return everyStep(m, actor, cmds, model.CORRECT_RULES, (now) => same(now, watcher));
    },
  );

/** S9.7 the filter merged from a and b allows a call exactly when a and b both do. */
export const mergeLaw = (rules: model.Rules = model.CORRECT_RULES) =>
  fc.property(
    abi(),
    fc.constantFrom(...POOL).chain((name) => fc.tuple(fc.constant(name), exprText(name), exprText(name))),
    fc.array(fc.array(argValue(), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
    (a, [name, ta, tb], argSets) => {
      const nr = nrOf(a, name);
      const args = syscallTable(a).byNr(nr)?.args ?? [];
      const fa = parseFilter(ta, args);
      const fb = parseFilter(tb, args);
      if (!fa.ok || !fb.ok || fa.filter.kind === 'drop' || fb.filter.kind === 'drop') return true;
      const merged = model.reduceOnlyMerge(fa.filter, fb.filter, nr, a, rules);
      if (E.isLeft(merged)) return true;
      return argSets.every((as) => {
        const r = { nr, args: as };
        return (
          model.filterAllows(merged.right, r) === (model.filterAllows(fa.filter, r) && model.filterAllows(fb.filter, r))
        );
      });
    },
  );
