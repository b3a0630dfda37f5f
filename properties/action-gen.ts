/**
 * Generators for the action suites (A1 to A13): every action with its
 * boundary data, conditions on the six arguments with boundary-biased
 * 64-bit constants, rule sets over x86_64, ia32 and x32 whose numbers are
 * the ones the calls use, and command sequences that stack them.
 */
import fc from 'fast-check';
import { ALLOW, KILL_2011, KILL_PROCESS, KILL_THREAD, LOG, USER_NOTIF, type Action } from '../src/action/index.ts';
import { X32_BIT, type CmpOp, type Cond, type Rule, type RuleArch, type RuleSet } from '../src/ruleset/index.ts';
import type { Vector } from '../src/x86/vectors.ts';
import { argRegs, callCmd, install, VECTOR, type Cmd } from './diff-gen.ts';
import { u64 } from './support.ts';

/** Every action, data at its edges too. */
export const action = (): fc.Arbitrary<Action> =>
  fc.oneof(
    fc.constantFrom(ALLOW, LOG, USER_NOTIF, KILL_THREAD, KILL_PROCESS, KILL_2011),
    fc
      .oneof(fc.constantFrom(0, 1, 13, 38, 4095), fc.integer({ min: 0, max: 4095 }))
      .map((n): Action => ({ kind: 'errno', errno: n })),
    fc
      .tuple(
        fc.constantFrom('trap' as const, 'trace' as const),
        fc.oneof(fc.constantFrom(0, 1, 0xffff), fc.nat(0xffff)),
      )
      .map(([kind, data]): Action => ({ kind, data })),
  );

/** Mostly allow, as real policies are, with every other action in the mix. */
const ruleAction = (): fc.Arbitrary<Action> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(ALLOW) }, { weight: 4, arbitrary: action() });

const OPS: readonly CmpOp[] = ['==', '!=', '<', '<=', '>', '>='];

/** A condition of depth at most `depth`. */
export const cond = (depth = 2): fc.Arbitrary<Cond> => {
  const leaf = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom<Cond>({ kind: 'true' }, { kind: 'false' }) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.nat(5), fc.constantFrom(...OPS), u64())
        .map(([arg, op, value]): Cond => ({ kind: 'cmp', arg, op, value })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.nat(5), u64(), u64(), fc.boolean())
        .map(([arg, mask, v, inside]): Cond => ({ kind: 'masked', arg, mask, value: inside ? v & mask : v })),
    },
  );
  if (depth === 0) return leaf;
  const sub = cond(depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((of): Cond => ({ kind: 'and', of })) },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((of): Cond => ({ kind: 'or', of })) },
    { weight: 1, arbitrary: sub.map((of): Cond => ({ kind: 'not', of })) },
  );
};

/**
 * Numbers a rule set names per architecture: the calls the command
 * sequences make (read, write, getpid, fork, clone, exit, exit_group,
 * gettid, and unimplemented ones), a number past the table, -1 for x86_64.
 */
const NUMBERS: Readonly<Record<RuleArch, readonly number[]>> = {
  x86_64: [0, 1, 39, 57, 56, 60, 231, 186, 2, 4, 500, -1],
  ia32: [3, 4, 20, 2, 120, 1, 252, 224, 5, 400],
  x32: [X32_BIT, X32_BIT + 1, X32_BIT + 39, X32_BIT + 57, X32_BIT + 512],
};

const rule = (): fc.Arbitrary<Rule> =>
  fc.tuple(cond(), ruleAction()).map(([when, a]): Rule => ({ when, action: a, origin: { text: 'generated' } }));

const archRules = (arch: RuleArch) =>
  fc
    .tuple(
      fc.uniqueArray(fc.tuple(fc.constantFrom(...NUMBERS[arch]), fc.array(rule(), { minLength: 1, maxLength: 3 })), {
        selector: ([nr]) => nr,
        maxLength: 6,
      }),
      ruleAction(),
    )
    .map(([calls, otherwise]) => ({ calls: new Map(calls), otherwise }));

/** A rule set over some of x86_64, ia32 and x32. */
export const ruleSet = (): fc.Arbitrary<RuleSet> =>
  fc
    .record(
      { x86_64: archRules('x86_64'), ia32: archRules('ia32'), x32: archRules('x32'), otherArch: ruleAction() },
      { requiredKeys: ['otherArch'] },
    )
    .map(({ otherArch, ...arches }): RuleSet => ({ arches, otherArch }));

/** A call of a number some rule set names, through any vector, every argument register set (upper halves too). */
export const stackCall = (pid: fc.Arbitrary<number>): fc.Arbitrary<Cmd> =>
  fc
    .tuple(
      pid,
      VECTOR(),
      fc.constantFrom(
        ...[...NUMBERS.x86_64, ...NUMBERS.ia32, ...NUMBERS.x32].map((n) => BigInt.asUintN(64, BigInt(n))),
      ),
      argRegs(),
    )
    .map(([p, vector, rax, regs]): Cmd => ({ c: 'call', pid: p, vector: vector as Vector, regs: { ...regs, rax } }));

/**
 * A sequence over two tasks (one per bitness) and their children: rule
 * sets stacked on any task, calls the rule sets name, and the 2011
 * suites' calls (prctl with 2011 texts, fork, exit, others).
 */
export const stackCommands = (maxLength: number): fc.Arbitrary<readonly Cmd[]> => {
  const p = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.nat(7) });
  const one = (c: fc.Arbitrary<Cmd>): fc.Arbitrary<readonly Cmd[]> => c.map((x) => [x]);
  const cmd = fc.oneof(
    { weight: 2, arbitrary: one(fc.tuple(p, ruleSet()).map(([pid, rs]): Cmd => ({ c: 'rules', pid, rs }))) },
    { weight: 6, arbitrary: one(stackCall(p)) },
    { weight: 2, arbitrary: one(callCmd()) },
    { weight: 1, arbitrary: install() },
  );
  return fc
    .array(cmd, { minLength: 1, maxLength, size: 'max' })
    .map((cs): readonly Cmd[] => [
      { c: 'spawn', abi: 'x86_64', comm: 'init' },
      { c: 'spawn', abi: 'ia32', comm: 'legacy' },
      ...cs.flat(),
    ]);
};
