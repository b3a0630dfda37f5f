/**
 * Generators of rule sets in the decision form (R1 to R4) and of calls to
 * probe them: every action, every condition kind, numbers of x86_64, ia32
 * and x32 (bit 30, negative ones included), boundary-biased constants and
 * arguments near them with their upper halves set; plus the rule set's
 * answer as the filter sees a call (the low 32 bits of each register on
 * ia32, the full register on x86_64).
 */
import fc from 'fast-check';
import {
  errno,
  trace,
  trap,
  ALLOW,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  USER_NOTIF,
} from '../src/action/index.ts';
import type { Action } from '../src/action/index.ts';
import {
  decideRules,
  type ArchRules,
  type CmpOp,
  type Cond,
  type Rule,
  type RuleArch,
  type RuleSet,
} from '../src/ruleset/index.ts';
import { syscallTable, type Abi } from '../src/x86/index.ts';

/** Every action, data included (the 2011 kill among them). */
export const anyAction = (): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(ALLOW) },
    { weight: 2, arbitrary: fc.constantFrom(LOG, KILL_2011, KILL_PROCESS, KILL_THREAD, USER_NOTIF) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 4095 }).map(errno) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map(trap) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map(trace) },
  );

const EDGE = [
  0n,
  1n,
  2n,
  0x7fn,
  0xffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  1n << 32n,
  (1n << 32n) + 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

/** A 64-bit constant, biased to word boundaries. */
const constant = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...EDGE) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 40n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.bigInt({ min: 1n, max: 0xffffffffn }), fc.bigInt({ min: 0n, max: 40n }))
        .map(([h, l]) => (h << 32n) | l),
    },
  );

const OPS: readonly CmpOp[] = ['==', '!=', '<', '<=', '>', '>='];
const arg = (): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }) },
  );

/** A masked test: a mask, and a value inside it (usually) or anywhere. */
const masked = (): fc.Arbitrary<Cond> =>
  fc
    .record({
      arg: arg(),
      mask: fc.oneof(
        fc.constantFrom(0n, 1n, 0xffn, 0xffffffffn, 1n << 33n, (1n << 64n) - 1n, 0xffffffff00000000n),
        constant(),
      ),
      raw: constant(),
      inside: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ arg, mask, raw, inside }): Cond => ({
      kind: 'masked',
      arg,
      mask,
      value: inside === 0 ? raw : inside === 1 ? 0n : raw & mask,
    }));

/** A condition of depth at most `depth`, every kind reachable. */
export const anyCond = (depth = 3): fc.Arbitrary<Cond> => {
  const leaf: fc.Arbitrary<Cond> = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom<Cond>({ kind: 'true' }, { kind: 'false' }) },
    {
      weight: 4,
      arbitrary: fc
        .record({ arg: arg(), op: fc.constantFrom(...OPS), value: constant() })
        .map((c): Cond => ({ kind: 'cmp', ...c })),
    },
    { weight: 3, arbitrary: masked() },
  );
  if (depth <= 0) return leaf;
  const sub = anyCond(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((of): Cond => ({ kind: 'and', of })) },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((of): Cond => ({ kind: 'or', of })) },
    { weight: 1, arbitrary: sub.map((of): Cond => ({ kind: 'not', of })) },
  );
};

const X32 = 0x40000000;

/** Numbers an arch's rules may name (as the signed 32-bit number decideRules takes). */
export const numbersOf = (arch: RuleArch): readonly number[] => {
  if (arch === 'x32') return [X32, X32 + 1, X32 + 2, X32 + 39, 0x7fffffff, -1, -2];
  const n = syscallTable(arch).nrSyscalls;
  return arch === 'ia32' ? [0, 1, 2, 3, 4, 20, n - 1, n, -1] : [0, 1, 2, 3, 39, 60, n - 1, n, X32 - 1];
};

const rules = (): fc.Arbitrary<readonly Rule[]> =>
  fc.array(
    fc.record({ when: anyCond(), action: anyAction() }).map((r): Rule => ({ ...r, origin: { text: 'generated' } })),
    { maxLength: 3 },
  );

/** The numbers a generated rule set names, by arch. */
export type NumbersOf = (arch: RuleArch) => readonly number[];

const archRules = (arch: RuleArch, numbers: NumbersOf): fc.Arbitrary<ArchRules> =>
  fc
    .tuple(fc.uniqueArray(fc.constantFrom(...numbers(arch)), { maxLength: 6 }), anyAction())
    .chain(([nrs, otherwise]) =>
      fc
        .tuple(...nrs.map(() => rules()))
        .map((rs): ArchRules => ({ calls: new Map(nrs.map((nr, i) => [nr, rs[i]!])), otherwise })),
    );

/** A rule set over any subset of the three arches, with every action and condition kind. */
export const anyRuleSet = (numbers: NumbersOf = numbersOf): fc.Arbitrary<RuleSet> =>
  fc
    .record({
      x86_64: fc.option(archRules('x86_64', numbers), { nil: undefined }),
      ia32: fc.option(archRules('ia32', numbers), { nil: undefined }),
      x32: fc.option(archRules('x32', numbers), { freq: 3, nil: undefined }),
      otherArch: anyAction(),
    })
    .map(({ otherArch, ...arches }): RuleSet => ({
      arches: Object.fromEntries(Object.entries(arches).filter(([, v]) => v !== undefined)),
      otherArch,
    }));

/** A call as the filter's caller makes it: the ABI, the number and six full 64-bit registers. */
export interface RuleCall {
  readonly abi: Abi;
  readonly nr: number;
  readonly args: readonly bigint[];
}

// The constants a condition names, to aim arguments at.
function constants(c: Cond, out: bigint[]): void {
  if (c.kind === 'cmp') out.push(c.value);
  else if (c.kind === 'masked') out.push(c.value, c.mask, c.value | ~c.mask);
  else if (c.kind === 'and' || c.kind === 'or') for (const x of c.of) constants(x, out);
  else if (c.kind === 'not') constants(c.of, out);
}

/**
 * Calls aimed at a rule set: `numbers` of each ABI (x32 ones through
 * x86_64), and unless `anyNumber` is false the rule set's own numbers and
 * any 32-bit number; arguments near its constants, upper halves often set.
 */
export const callsFor = (
  rs: RuleSet,
  max = 16,
  numbers: NumbersOf = numbersOf,
  anyNumber = true,
): fc.Arbitrary<readonly RuleCall[]> => {
  const named: Record<Abi, number[]> = {
    x86_64: [...numbers('x86_64'), ...numbers('x32')],
    ia32: [...numbers('ia32')],
  };
  const near: bigint[] = [0n];
  for (const [arch, r] of Object.entries(rs.arches) as [RuleArch, ArchRules][]) {
    if (anyNumber) named[arch === 'ia32' ? 'ia32' : 'x86_64'].push(...r.calls.keys());
    for (const rl of r.calls.values()) for (const rule of rl) constants(rule.when, near);
  }
  const low = fc.oneof(
    fc
      .constantFrom(...near)
      .chain((v) => fc.integer({ min: -1, max: 1 }).map((d) => BigInt.asUintN(64, v + BigInt(d)))),
    fc.bigInt({ min: 0n, max: 40n }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  );
  // Upper halves: kept, or set to garbage (the filter sees it on every path; ia32 rules must ignore it).
  const value = fc
    .tuple(low, fc.oneof(fc.constant(null), fc.bigInt({ min: 1n, max: 0xffffffffn })))
    .map(([v, hi]) => (hi === null ? v : (hi << 32n) | (v & 0xffffffffn)));
  const nrOf = (abi: Abi): fc.Arbitrary<number> =>
    anyNumber
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...named[abi]) }, { weight: 1, arbitrary: fc.integer() })
      : fc.constantFrom(...named[abi]);
  const call = fc
    .constantFrom<Abi>('x86_64', 'ia32')
    .chain((abi) =>
      fc.record({ abi: fc.constant(abi), nr: nrOf(abi), args: fc.array(value, { minLength: 6, maxLength: 6 }) }),
    );
  return fc.array(call, { minLength: 1, maxLength: max });
};

/** The six arguments as the rule set speaks of them: the low 32 bits on ia32 (R2), the full registers on x86_64. */
export const filterArgs = (c: RuleCall): readonly bigint[] =>
  c.abi === 'ia32' ? c.args.map((a) => BigInt.asUintN(32, a)) : c.args;

/** R4 the rule set's answer for a call. */
export const ruleAnswer = (rs: RuleSet, c: RuleCall): Action => decideRules(rs, c.abi, c.nr, filterArgs(c)).action;
