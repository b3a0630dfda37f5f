/**
 * V4 on the rule-set compiler (R1 to R4, A2): generated rule sets (every
 * action and condition kind over x86_64, ia32 and x32), minijail policies
 * and OCI profiles compile, and `verify` proves each program, both
 * layouts, for every seccomp_data; each rule-set compiler bug the BPF
 * suites plant is found by the proof alone, with a counterexample the
 * emulator and decideRules confirm, and no call sampled.
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { actionRet, errno, KILL_PROCESS, KILL_THREAD, type Action } from '../src/action/index.ts';
import { compileRules, type Faults, type RuleCompileOptions } from '../src/bpf/index.ts';
import { parseMinijail } from '../src/minijail/index.ts';
import { DOCKER_DEFAULT_CAPS, readOci } from '../src/oci/index.ts';
import { openSession, verify, type Session, type VerifyResult } from '../src/proof/index.ts';
import type { RuleSet } from '../src/ruleset/index.ts';
import type { Abi } from '../src/x86/table.ts';
import { loadUapi, type UapiTable } from '../src/x86/uapi.ts';
import { minijailPolicy } from './proof-gen.ts';
import { anyRuleSet } from './ruleset-gen.ts';
import { params, runs } from './support.ts';

const LAYOUTS: readonly RuleCompileOptions[] = [
  { layout: 'tree', fold: true },
  { layout: 'plain', fold: false },
];

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));

/** Compile `rs` as `opts` says (the 2011 kill as `kill`) and prove the program; undefined when it is too long. */
async function prove(
  s: Session,
  rs: RuleSet,
  opts: RuleCompileOptions,
  kill: Action = KILL_PROCESS,
  faults?: Faults,
): Promise<VerifyResult | undefined> {
  const c = compileRules(rs, { ...opts, kill }, faults);
  if (E.isLeft(c)) return undefined;
  return verify(s, c.right.program, rs, { ret: (a) => actionRet(a, actionRet(kill)) });
}

/** Counts of what was proven, printed by each test. */
class Tally {
  readonly n = { proven: 0, tooLong: 0, regions: 0, queries: 0 };
  add(r: VerifyResult | undefined): void {
    if (r === undefined) return void this.n.tooLong++;
    if (r.kind !== 'proven') throw new Error(show(r));
    this.n.proven++;
    this.n.regions += r.stats.regions;
    this.n.queries += r.stats.queries;
  }
  toString(): string {
    const { proven, tooLong, regions, queries } = this.n;
    return `${proven} programs proven (${regions} regions, ${queries} solver queries), ${tooLong} past BPF_MAXINSNS`;
  }
}

test('V4 every program compiled from a generated rule set is proven, both layouts, every kill (cut for CI time: z3 is slow-ish)', async (t) => {
  const s = await openSession();
  if (s instanceof Error) return t.fail(s.message);
  const tally = new Tally();
  try {
    await fc.assert(
      fc.asyncProperty(
        anyRuleSet(),
        fc.constantFrom(...LAYOUTS),
        fc.constantFrom<Action>(KILL_PROCESS, KILL_THREAD, errno(1)),
        async (rs, layout, kill) => tally.add(await prove(s, rs, layout, kill)),
      ),
      params(100),
    );
    t.log(`${tally}`);
    t.true(tally.n.proven > 0);
  } finally {
    s.close();
  }
});

test('V4 every program compiled from a generated minijail policy is proven, both ABIs and layouts, every action (cut for CI time: z3 is slow-ish)', async (t) => {
  const s = await openSession();
  if (s instanceof Error) return t.fail(s.message);
  const uapi: Record<Abi, UapiTable> = { x86_64: await loadUapi('x86_64'), ia32: await loadUapi('ia32') };
  const actions = [
    'allow',
    'kill',
    'kill-process',
    'kill-thread',
    'trap',
    'trace',
    'log',
    'user-notify',
    'return EPERM',
  ];
  // M7: @default takes no permissive action.
  const defaults = ['kill', 'kill-process', 'kill-thread', 'trap', 'user-notify'];
  const tally = new Tally();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Abi>('x86_64', 'ia32'),
        minijailPolicy(actions, defaults),
        fc.constantFrom(...LAYOUTS),
        fc.constantFrom('kill-thread' as const, 'kill-process' as const),
        async (abi, text, layout, kill) => {
          const r = parseMinijail(text, uapi[abi], { abi, file: 'gen.policy', kill });
          if (!r.ok) throw new Error(`${text}\n${r.errors.map((e) => e.message).join('\n')}`);
          tally.add(await prove(s, r.policy.ruleSet, layout));
        },
      ),
      params(60),
    );
    t.log(`${tally}`);
    t.true(tally.n.proven > 0);
  } finally {
    s.close();
  }
});

const OCI_NAMES = ['read', 'write', 'personality', 'socket', 'mmap', 'clone', 'ioctl'];
const OCI_VALUES = [0n, 1n, 2n, 0xffn, 0x80000000n, 0xffffffffn, 1n << 32n, 0xffffffff00000000n, (1n << 64n) - 1n];
const OCI_OPS = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'];
const OCI_ACTIONS = [
  '"action": "SCMP_ACT_ALLOW"',
  '"action": "SCMP_ACT_ERRNO", "errnoRet": 1',
  '"action": "SCMP_ACT_ERRNO", "errnoRet": 38',
  '"action": "SCMP_ACT_KILL"',
  '"action": "SCMP_ACT_KILL_PROCESS"',
  '"action": "SCMP_ACT_TRAP"',
  '"action": "SCMP_ACT_LOG"',
];

/** An OCI profile: rules over a few names with comparisons of every kind, a default, x86 and x32 perhaps. */
const ociProfile = (): fc.Arbitrary<string> => {
  const arg = fc
    .record({
      index: fc.integer({ min: 0, max: 2 }),
      value: fc.constantFrom(...OCI_VALUES),
      valueTwo: fc.constantFrom(...OCI_VALUES),
      op: fc.constantFrom(...OCI_OPS),
    })
    .map((a) => `{"index": ${a.index}, "value": ${a.value}, "valueTwo": ${a.valueTwo}, "op": "SCMP_CMP_${a.op}"}`);
  const rule = fc
    .record({
      names: fc.subarray(OCI_NAMES, { minLength: 1, maxLength: 2 }),
      action: fc.constantFrom(...OCI_ACTIONS),
      args: fc.array(arg, { maxLength: 2 }),
    })
    .map((r) => `{"names": ${JSON.stringify(r.names)}, ${r.action}, "args": [${r.args.join(', ')}]}`);
  return fc
    .record({
      dflt: fc.constantFrom(...OCI_ACTIONS.slice(1)),
      arches: fc.subarray(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']),
      rules: fc.array(rule, { minLength: 1, maxLength: 5 }),
    })
    .map(
      (p) =>
        `{${p.dflt.replace('"action"', '"defaultAction"').replace('"errnoRet"', '"defaultErrnoRet"')}, "architectures": ${JSON.stringify(p.arches)}, "syscalls": [${p.rules.join(', ')}]}`,
    );
};

test('V4 every program compiled from a generated OCI profile is proven, both layouts (cut for CI time: z3 is slow-ish)', async (t) => {
  const s = await openSession();
  if (s instanceof Error) return t.fail(s.message);
  const tally = new Tally();
  let refused = 0;
  try {
    await fc.assert(
      fc.asyncProperty(ociProfile(), fc.constantFrom(...LAYOUTS), async (text, layout) => {
        const r = readOci(text, { docker: { arch: 'amd64', caps: DOCKER_DEFAULT_CAPS, kernel: [6, 1] } });
        // A profile runc would refuse (libseccomp refuses one of its rules, O7) has no program.
        if (E.isLeft(r)) return void refused++;
        tally.add(await prove(s, r.right.ruleSet, layout));
      }),
      params(60),
    );
    t.log(`${tally}; ${refused} profiles runc would refuse`);
    t.true(tally.n.proven > refused);
  } finally {
    s.close();
  }
});

const FAULTS: readonly (readonly [string, Faults])[] = [
  ['an argument `<` compared signed', { signedArgs: true }],
  ['a dropped high-word test', { dropHighWord: true }],
  ['an off-by-one jump', { offByOne: true }],
  ['an ia32 argument read with its upper half', { ia32HighWord: true }],
  ['x32 numbers dispatched with x86_64', { noX32Split: true }],
  ['a masked test of the low word only', { maskLowOnly: true }],
  ["a number's rules tried last to first", { rulesReversed: true }],
];

for (const [name, faults] of FAULTS) {
  test(`V4 the proof alone finds ${name} in the rule-set compiler, with a confirmed counterexample (up to 200 rule sets)`, async (t) => {
    const s = await openSession();
    if (s instanceof Error) return t.fail(s.message);
    try {
      const r = await fc.check(
        fc.asyncProperty(anyRuleSet(), async (rs) => {
          const v = await prove(s, rs, { layout: 'tree', fold: true }, KILL_PROCESS, faults);
          if (v?.kind === 'bug' || v?.kind === 'unknown') throw new Error(`the proof failed: ${show(v)}`);
          return v?.kind !== 'counterexample';
        }),
        { numRuns: runs(200), seed: 2222, endOnFailure: true },
      );
      t.true(r.failed, `not found: ${name}`);
      t.notRegex(String(r.errorInstance), /the proof failed/);
      t.log(`found after ${r.numRuns} rule sets`);
    } finally {
      s.close();
    }
  });
}
