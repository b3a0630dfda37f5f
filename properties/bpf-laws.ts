/**
 * The laws the BPF suites check on one state: the compiled program (every
 * layout, folded or not) decides as the model, passes the kernel's checks,
 * lets the constant-action cache allow every `1` entry and nothing the model
 * denies, and agrees with its plain twin. A compile function is a
 * parameter, so a test can plant compiler bugs and see the laws fail.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { actionRet, errno, formatAction, KILL_PROCESS, KILL_THREAD, type Action } from '../src/action/index.ts';
import {
  auditArch,
  compileRules,
  compileState,
  constAllowed,
  describeAction,
  emulate,
  validate,
  type CompileError,
  type CompileOptions,
  type Compiled,
  type CompiledRules,
  type RuleCompileOptions,
} from '../src/bpf/index.ts';
import { archOfCall, X32_BIT, type Cond, type RuleSet } from '../src/ruleset/index.ts';
import { anyRuleSet, callsFor, ruleAnswer, type RuleCall } from './ruleset-gen.ts';
import type * as model from '../src/model/index.ts';
import { syscallTable, type Abi } from '../src/x86/index.ts';
import { calls, firstDisagreement, modelAllows, seccompData, type Call } from './bpf-gen.ts';

/** A compiler under test. */
export type CompileFn = (state: model.SeccompState, opts: CompileOptions) => E.Either<CompileError, Compiled>;

const CONFIGS: readonly Omit<CompileOptions, 'abi'>[] = [
  { layout: 'tree', fold: true },
  { layout: 'tree', fold: false },
  { layout: 'plain', fold: false },
  { layout: 'plain', fold: true },
];

/** A state with the calls to probe it with. */
const scenario = (state: fc.Arbitrary<model.SeccompState>) =>
  state.chain((s) => fc.tuple(fc.constant(s), calls([...s.filters.keys()])));

export const anyAbi = <T>(f: (abi: Abi) => fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.constantFrom<Abi>('x86_64', 'ia32').chain(f);

// Every check of one compiled state; an error message, or undefined when all hold.
export function checkState(
  state: model.SeccompState,
  cs: readonly Call[],
  compile: CompileFn = compileState,
): string | undefined {
  if (state.mode !== 2 || state.abi === null) return undefined;
  const abi = state.abi;
  const rets: number[][] = [];
  for (const cfg of CONFIGS) {
    const compiled = compile(state, { abi, ...cfg });
    if (E.isLeft(compiled))
      return /BPF_MAXINSNS/.test(compiled.left.message)
        ? undefined
        : `${JSON.stringify(cfg)}: ${compiled.left.message}`;
    const { program, cacheable } = compiled.right;
    const valid = validate(program);
    if (E.isLeft(valid)) return `${JSON.stringify(cfg)}: invalid program: ${valid.left}`;
    const wrong = firstDisagreement(program, state, cs);
    if (wrong !== undefined) return `${JSON.stringify(cfg)}: ${wrong}`;
    const n = syscallTable(abi).nrSyscalls;
    for (const [nr, f] of state.filters) {
      if (f.kind === 'allow' && !cacheable.includes(nr))
        return `${JSON.stringify(cfg)}: entry ${nr} is 1 but not cacheable`;
    }
    for (const nr of cacheable) {
      if (!constAllowed(program, auditArch(abi), nr, n))
        return `cacheable lists ${nr}, which seccomp_is_const_allow refuses`;
      // Soundness: the cache may only skip calls the model allows, whatever their arguments.
      const denied = cs.find((c) => !modelAllows(state, { ...c, rax: BigInt(nr), taskAbi: abi, vector: 'syscall' }));
      if (abi === 'x86_64' && denied !== undefined)
        return `${JSON.stringify(cfg)}: ${nr} is cached but the model denies ${JSON.stringify(denied.args.map(String))}`;
    }
    rets.push(cs.map((c) => emulate(program, seccompData(c)).ret));
  }
  const differs = rets.findIndex((r) => r.some((v, i) => v !== rets[0]![i]));
  return differs < 0 ? undefined : `${JSON.stringify(CONFIGS[differs])} disagrees with the optimised program`;
}

/** The property over states from `gen`, with a checker (the real compiler or a faulty one). */
export const agrees = (gen: fc.Arbitrary<model.SeccompState>, compile: CompileFn = compileState) =>
  fc.property(scenario(gen), ([state, cs]) => {
    const err = checkState(state, cs, compile);
    if (err !== undefined) throw new Error(err);
  });

/** A rule-set compiler under test. */
export type RulesCompileFn = (rs: RuleSet, opts: RuleCompileOptions) => E.Either<CompileError, CompiledRules>;

const RULE_CONFIGS: readonly RuleCompileOptions[] = [
  { layout: 'tree', fold: true },
  { layout: 'tree', fold: false },
  { layout: 'plain', fold: false },
  { layout: 'plain', fold: true },
];

/** What the rule-set property saw, to print: actions answered, condition kinds, ABIs, x32 calls, upper halves set. */
export type Seen = Map<string, number>;

const bump = (seen: Seen | undefined, key: string): void => {
  if (seen !== undefined) seen.set(key, (seen.get(key) ?? 0) + 1);
};

function countConds(c: Cond, seen: Seen): void {
  bump(seen, `cond ${c.kind}`);
  if (c.kind === 'and' || c.kind === 'or') for (const x of c.of) countConds(x, seen);
  else if (c.kind === 'not') countConds(c.of, seen);
}

// The constant-action cache must allow `nr` of `abi` when its answer is an allow that no argument can change.
function unconditionalAllow(rs: RuleSet, abi: Abi, nr: number): boolean {
  const rules = rs.arches[archOfCall(abi, nr)];
  if (rules === undefined) return rs.otherArch.kind === 'allow';
  for (const r of rules.calls.get(nr) ?? []) {
    const k = constCond(r.when);
    if (k === false) continue;
    return k === true && r.action.kind === 'allow';
  }
  return rules.otherwise.kind === 'allow';
}

// A condition's truth when no argument matters, else undefined.
function constCond(c: Cond): boolean | undefined {
  switch (c.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'not': {
      const k = constCond(c.of);
      return k === undefined ? undefined : !k;
    }
    case 'and': {
      const ks = c.of.map(constCond);
      return ks.includes(false) ? false : ks.every((k) => k === true) ? true : undefined;
    }
    case 'or': {
      const ks = c.of.map(constCond);
      return ks.includes(true) ? true : ks.every((k) => k === false) ? false : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Every check of one compiled rule set: in every layout the program is
 * valid, returns for each call exactly the 32-bit value of the rule set's
 * answer (R4, A2), agrees with the other layouts, and the constant-action
 * cache allows every unconditionally allowed number of x86_64 and ia32 and
 * nothing a call can be denied.
 */
export function checkRules(
  rs: RuleSet,
  cs: readonly RuleCall[],
  kill: Action,
  compile: RulesCompileFn = compileRules,
  seen?: Seen,
): string | undefined {
  const show = (x: unknown): string =>
    JSON.stringify(x, (_, v: unknown) =>
      typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof Map ? [...v] : v,
    );
  const killRet = actionRet(kill);
  for (const cfg of RULE_CONFIGS) {
    const compiled = compile(rs, { ...cfg, kill });
    if (E.isLeft(compiled)) return `${show(cfg)}: ${compiled.left.message}`;
    const { program, cacheable } = compiled.right;
    const valid = validate(program);
    if (E.isLeft(valid)) return `${show(cfg)}: invalid program: ${valid.left}`;
    for (const c of cs) {
      const want = actionRet(ruleAnswer(rs, c), killRet);
      const got = emulate(program, {
        nr: c.nr,
        arch: auditArch(c.abi),
        instructionPointer: 0x401000n,
        args: c.args,
      }).ret;
      if (got !== want)
        return `${show(cfg)}: call ${show(c)}: program ${describeAction(got)}, rule set ${describeAction(want)} (${formatAction(ruleAnswer(rs, c))})`;
    }
    for (const abi of ['x86_64', 'ia32'] as const) {
      const n = syscallTable(abi).nrSyscalls;
      const cached = new Set(cacheable[abi]);
      for (let nr = 0; nr < n; nr++) {
        if (unconditionalAllow(rs, abi, nr) && !cached.has(nr))
          return `${show(cfg)}: ${abi} ${nr} is allowed unconditionally but not cacheable`;
        if (!cached.has(nr)) continue;
        if (!constAllowed(program, auditArch(abi), nr, n))
          return `cacheable lists ${abi} ${nr}, which seccomp_is_const_allow refuses`;
        const denied = cs.find((c) => ruleAnswer(rs, { ...c, abi, nr }).kind !== 'allow');
        if (denied !== undefined)
          return `${show(cfg)}: ${abi} ${nr} is cached but the rule set answers otherwise for ${show(denied)}`;
      }
    }
  }
  if (seen !== undefined) {
    for (const c of cs) {
      bump(seen, `answer ${ruleAnswer(rs, c).kind}`);
      bump(seen, `abi ${c.abi}`);
      if (c.abi === 'x86_64' && c.nr >>> 0 >= X32_BIT) bump(seen, 'x32 number');
      if (c.args.some((a) => a >> 32n !== 0n)) bump(seen, 'upper half set');
    }
    for (const r of Object.values(rs.arches))
      for (const rl of r.calls.values()) for (const rule of rl) countConds(rule.when, seen);
  }
  return undefined;
}

/** The rule-set property with a compiler (the real one or a faulty one); `seen` counts what it tried. */
export const rulesAgree = (compile: RulesCompileFn = compileRules, seen?: Seen) =>
  fc.property(
    anyRuleSet().chain((rs) =>
      fc.tuple(fc.constant(rs), callsFor(rs), fc.constantFrom<Action>(KILL_PROCESS, KILL_THREAD, errno(1))),
    ),
    ([rs, cs, kill]) => {
      const err = checkRules(rs, cs, kill, compile, seen);
      if (err !== undefined) throw new Error(err);
    },
  );
