/**
 * A5, A6 and A7 to A12 on the model and the engine: stacks of rule sets
 * with every action, alone or over a 2011 map, decide the same action in
 * both, and the entry path does the same with it, on both ABIs with the
 * upper halves of every register set. Counts of the actions seen are printed.
 */
import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { formatAction, type ActionKind } from '../src/action/index.ts';
import { Kernel } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import type { RuleSet } from '../src/ruleset/index.ts';
import type { Abi } from '../src/x86/table.ts';
import { callAbi, type Vector } from '../src/x86/vectors.ts';
import { ruleSet, stackCommands } from './action-gen.ts';
import { cleanPolicy, VECTOR } from './diff-gen.ts';
import { firstDifference, show } from './diff-run.ts';
import { holdRuns, params, runs, u64 } from './support.ts';

const tally = (): Map<string, number> => new Map();
const count = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
const shown = (m: Map<string, number>): string =>
  [...m]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

const NUMBERS = [0, 1, 3, 4, 20, 39, 57, 60, 120, 231, 252, 400, 500, -1, 0x4000_0000, 0x4000_0001, 0x4000_0039];

test('A6 model and engine decide the same action over generated stacks of rule sets, with and without a 2011 map', (t) => {
  const kinds = tally();
  fc.assert(
    fc.property(
      fc.constantFrom<Abi>('x86_64', 'ia32'),
      fc.array(ruleSet(), { minLength: 1, maxLength: 3 }),
      fc.option(fc.tuple(fc.constantFrom<Abi>('x86_64', 'ia32').chain(cleanPolicy), fc.boolean()), { nil: undefined }),
      fc.array(fc.tuple(VECTOR(), fc.constantFrom(...NUMBERS), fc.array(u64(), { minLength: 6, maxLength: 6 })), {
        minLength: 1,
        maxLength: 12,
      }),
      (abi, stack, policy, calls) => {
        const k = new Kernel();
        const pid = k.spawn(abi, 'p');
        let m = model.spawn(model.initialMachine(), abi, 'p')[0];
        const install = (rs: RuleSet): void => {
          if (!k.installRules(pid, rs).ok) throw new Error('engine refused a valid rule set');
          m = E.getOrElse((e: number): model.Machine => {
            throw new Error(`model refused a valid rule set: ${e}`);
          })(model.installRules(m, pid, rs));
        };
        // The 2011 text goes below or above the rule sets, through prctl, in both.
        const text = policy === undefined ? undefined : policy[0];
        const prctl2011 = (): void => {
          if (text === undefined) return;
          const bytes = [...new TextEncoder().encode(`${text}\0`)];
          const w = model.writeMemory(m, pid, 0x7ff0_0000n, bytes);
          if (E.isLeft(w) || !k.writeMemory(pid, 0x7ff0_0000n, bytes)) throw new Error('write refused');
          const regs =
            abi === 'x86_64'
              ? { rax: 157n, rdi: 22n, rsi: 2n, rdx: 0x7ff0_0000n }
              : { rax: 172n, rbx: 22n, rcx: 2n, rdx: 0x7ff0_0000n };
          const s = model.syscall(w.right, pid, 'syscall', regs);
          const got = k.syscall(pid, 'syscall', regs);
          m = s.machine;
          if (!isDeepStrictEqual(s.outcome, got))
            throw new Error(`prctl: model ${show(s.outcome)}, engine ${show(got)}`);
        };
        if (policy?.[1] === true) prctl2011();
        stack.forEach(install);
        if (policy?.[1] === false) prctl2011();
        const task = m.tasks.get(pid);
        if (task === undefined) return k.pids().length === 0;
        for (const [vector, nr, args] of calls) {
          const call = callAbi(abi, vector as Vector);
          const seen = call === 'x86_64' ? args : args.map((a) => BigInt.asUintN(32, a));
          const words = args.flatMap((a) => [Number(a & 0xffff_ffffn), Number(a >> 32n)]);
          const want = model.decide(task.seccomp, call, { nr, args: seen }).action;
          const got = k.decide(pid, vector, nr, words);
          if (got === undefined || formatAction(got) !== formatAction(want))
            throw new Error(`${call} nr ${nr}: model ${formatAction(want)}, engine ${got && formatAction(got)}`);
          count(kinds, want.kind satisfies ActionKind);
        }
        return true;
      },
    ),
    { ...params(1000), verbose: 0 },
  );
  t.log(`actions decided: ${shown(kinds)}`);
  // Every action at the full run count; a run cut by PROPS_CAP (test:quick, npm run mutants) sees most.
  t.true(kinds.size >= (holdRuns(1000) < runs(1000) ? 4 : 8), `every action was decided: ${shown(kinds)}`);
});

test('A5 to A12 model and engine agree on every observable after every command, with stacked rule sets', (t) => {
  const outcomes = tally();
  fc.assert(
    fc.property(stackCommands(30), (cmds) => {
      const diff = firstDifference(cmds);
      if (diff !== undefined) throw new Error(diff);
      // Count what the calls came to, on the model, for the printed tally.
      let m = model.initialMachine();
      for (const c of cmds) {
        if (c.c === 'spawn') m = model.spawn(m, c.abi, c.comm)[0];
        else if (c.c === 'write') m = E.getOrElse(() => m)(model.writeMemory(m, c.pid, c.addr, c.bytes));
        else if (c.c === 'rules') m = E.getOrElse(() => m)(model.installRules(m, c.pid, c.rs));
        else {
          const s = model.syscall(m, c.pid, c.vector, c.regs);
          m = s.machine;
          const o = s.outcome;
          count(outcomes, o.kind === 'killed' ? `killed ${o.sigsys?.action ?? 'kill'}` : o.kind);
        }
      }
      return true;
    }),
    { ...params(300), verbose: 0 },
  );
  t.log(`outcomes: ${shown(outcomes)}`);
  // Every kind of kill is seen at the full run count; a run cut by PROPS_CAP (test:quick, npm run mutants) sees some.
  const kinds = ['killed trap', 'killed kill-thread', 'killed kill-process', 'killed kill'];
  t.true(holdRuns(300) < runs(300) ? kinds.some((k) => outcomes.has(k)) : kinds.every((k) => outcomes.has(k)));
});
