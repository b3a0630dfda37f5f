/**
 * Rule sets (R1 to R4) to seccomp BPF, and the 2011 policies and seccomp
 * states through them (R5, S6.4 as a program). One program serves every
 * architecture the rule set lists: `arch` selects x86_64 (with x32, the
 * numbers at or above bit 30, read unsigned) or ia32, any other arch gets
 * `otherArch`; then a search over `nr` reaches each number's rules, tried
 * in order, each returning its own action, the arch's `otherwise` after
 * the last. Two layouts: `tree`, a search over ranges of numbers that
 * share code whose deepest number is as shallow as can be (B16), with
 * folding and jump threading; and `plain`, a linear
 * chain with nothing folded, the twin the optimised program is checked
 * against. A number whose first rule always holds returns its action
 * straight from the search, so every unconditional allow is decided by the
 * kernel's constant-action cache.
 */
import * as E from 'fp-ts/lib/Either.js';
import { actionRet, ALLOW, KILL_PROCESS, type Action } from '../action/index.ts';
import { parsePolicy } from '../grammar/index.ts';
import { applyPolicy, filterText, INITIAL_STATE, type ActiveFilter, type SeccompState } from '../model/index.ts';
import { ruleSetOf2011, X32_BIT, type ArchRules, type Rule, type RuleArch, type RuleSet } from '../ruleset/index.ts';
import { syscallTable, type Abi } from '../x86/index.ts';
import { assemble } from './assemble.ts';
import { constAllowed, emulate } from './emulate.ts';
import { compileCond, type Faults } from './expr.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, auditArch, BPF_MAXINSNS, SECCOMP_DATA, type Program } from './insn.ts';
import { Graph, type Ref } from './ir.ts';
import { threadJumps } from './thread.ts';
import { SPACE, segments, tree, weightedTree } from './search.ts';

/** How to compile a rule set. */
export interface RuleCompileOptions {
  /** What the 2011 kill returns (A2: it has no value of its own); default kill-process. */
  readonly kill?: Action;
  /** The 2011 kill's 32-bit value itself, over `kill` (e.g. KILL_PROCESS with data, to tell it apart). */
  readonly killRet?: number;
  /** Constant folding, mask specialisation and jump threading; default true. */
  readonly fold?: boolean;
  /** `tree` (default): a search over ranges, the deepest as shallow as can be (B16); `plain`: a linear chain of numbers. */
  readonly layout?: 'tree' | 'plain';
  /**
   * Allow every native x86_64 execve (B14): for loaders that install the
   * program just before their own execve (bwrap --seccomp, runc, systemd),
   * the nearest BPF comes to the launcher's `on_next_syscall: 1`, which it
   * cannot count. Later execve calls are allowed too. Default false.
   */
  readonly allowExecve?: boolean;
  /**
   * B15 how often each call is made, by number, per arch value (x86_64, its
   * x32 numbers included, and ia32): with them the `tree` search is laid out
   * to make the fewest expected instructions per call weighted by these
   * counts (the B16 search when that is no dearer); without, the B16 search.
   */
  readonly frequencies?: Frequencies;
}

/** Call counts by number (the unsigned word the filter loads), per ABI's arch value. */
export type Frequencies = Partial<Record<Abi, ReadonlyMap<number, number>>>;

/** How to compile a 2011 policy or state. */
export interface CompileOptions extends RuleCompileOptions {
  /** The ABI the policy is for: the ABI of the prctl call that installs it (S1.3, S5.2). */
  readonly abi: Abi;
  /** What an allowed call gets; default allow. */
  readonly allow?: Action;
}
/** The native execve's number, which `allowExecve` lets through. */
const NATIVE_EXECVE = 59;

/** Why a policy or state does not compile. */
export interface CompileError {
  readonly message: string;
  /** 1-based line of the policy text, when one line is to blame. */
  readonly line?: number;
  /** The system call number whose entry (rules) is to blame. */
  readonly nr?: number;
  /** The architecture of that number, for a rule set. */
  readonly arch?: RuleArch;
}

/** A compiled rule set: the program, and what the kernel's constant-action cache decides of it. */
export interface CompiledRules {
  readonly program: Program;
  /** For each ABI, the numbers the cache allows without running the program (seccomp_is_const_allow). */
  readonly cacheable: Readonly<Record<Abi, readonly number[]>>;
}

/** A compiled program and the facts of its layout. */
export interface Compiled {
  readonly program: Program;
  readonly abi: Abi;
  /** Numbers the kernel's constant-action cache allows without running the program (seccomp_is_const_allow). */
  readonly cacheable: readonly number[];
}

/** The numbers of one arch's rules that a call can reach (R4), as the unsigned words the filter loads, ascending. */
function reachable(arch: RuleArch, rules: ArchRules): readonly (readonly [number, readonly Rule[]])[] {
  const fits = (nr: number): boolean => {
    const u = nr >>> 0;
    return arch === 'x86_64' ? u < X32_BIT : arch === 'x32' ? u >= X32_BIT : true;
  };
  return [...rules.calls]
    .filter(([nr]) => Number.isInteger(nr) && nr === (nr | 0) && fits(nr))
    .map(([nr, rs]) => [nr >>> 0, rs] as const)
    .sort(([a], [b]) => a - b);
}

/** One region of the number space under one arch value: its numbers' code and the default. */
interface Region {
  readonly entries: readonly (readonly [number, Ref])[];
  readonly dflt: Ref;
  readonly lo: number;
  readonly hi: number;
}

interface Ctx {
  readonly g: Graph;
  readonly fold: boolean;
  readonly tree: boolean;
  readonly ret: (a: Action) => Ref;
  readonly faults?: Faults;
}

// R3 a number's rules in order: the first that holds returns its action; after the last, `dflt`.
function rulesCode(c: Ctx, wide: boolean, rules: readonly Rule[], dflt: Ref): Ref {
  const ordered = c.faults?.rulesReversed === true ? [...rules].reverse() : rules;
  const cc = { g: c.g, wide, fold: c.fold, ...(c.faults === undefined ? {} : { faults: c.faults }) };
  return ordered.reduceRight((rest, r) => compileCond(cc, r.when, c.ret(r.action), rest), dflt);
}

function region(c: Ctx, arch: RuleArch, rules: ArchRules | undefined, other: Ref, lo: number, hi: number): Region {
  if (rules === undefined) return { entries: [], dflt: other, lo, hi };
  const dflt = c.ret(rules.otherwise);
  const entries = reachable(arch, rules).map(([nr, rs]): readonly [number, Ref] => [
    nr,
    rulesCode(c, arch !== 'ia32', rs, dflt),
  ]);
  return { entries, dflt, lo, hi };
}

// The search over `nr` in one or two regions (x86_64 below bit 30, x32 above), `nr` already in A.
function dispatch(c: Ctx, regions: readonly Region[], counts?: ReadonlyMap<number, number>): Ref {
  const g = c.g;
  const [first, second] = regions as [Region, Region | undefined];
  // Two regions whose defaults agree are one search over the whole space.
  const merged =
    second === undefined || first.dflt === second.dflt
      ? [{ entries: [...first.entries, ...(second?.entries ?? [])], dflt: first.dflt, lo: 0, hi: SPACE }]
      : regions;
  const searchOf = (r: Region): Ref => {
    if (!c.tree) return r.entries.reduceRight((rest, [nr, ref]) => g.jmp('jeq', nr, ref, rest), r.dflt);
    const segs = segments(r.entries.filter(([, ref]) => ref !== r.dflt));
    return counts === undefined ? tree(g, segs, r.lo, r.hi, r.dflt) : weightedTree(g, segs, r.lo, r.hi, r.dflt, counts);
  };
  if (merged.length === 1) return searchOf(merged[0]!);
  if (!c.tree) {
    // The plain twin: every number's test, then the region's default by bit 30.
    const all = [...first.entries, ...second!.entries];
    return all.reduceRight(
      (rest, [nr, ref]) => g.jmp('jeq', nr, ref, rest),
      g.jmp('jge', X32_BIT, second!.dflt, first.dflt),
    );
  }
  return g.jmp('jge', X32_BIT, searchOf(second!), searchOf(first));
}

/** The DAG of a rule set, and its root. */
function build(rs: RuleSet, opts: RuleCompileOptions, faults?: Faults): { readonly g: Graph; readonly root: Ref } {
  const g = new Graph();
  const fold = opts.fold ?? true;
  const killRet = opts.killRet ?? actionRet(opts.kill ?? KILL_PROCESS);
  const c: Ctx = {
    g,
    fold,
    tree: (opts.layout ?? 'tree') === 'tree',
    ret: (a) => g.ret(actionRet(a, killRet)),
    ...(faults === undefined ? {} : { faults }),
  };
  const other = c.ret(rs.otherArch);
  let root = other;
  const { ia32, x86_64, x32 } = rs.arches;
  if (ia32 !== undefined) {
    const search = dispatch(c, [region(c, 'ia32', ia32, other, 0, SPACE)], opts.frequencies?.ia32);
    root = g.jmp('jeq', AUDIT_ARCH_I386, g.ld(SECCOMP_DATA.nr, search), root);
  }
  if (x86_64 !== undefined || x32 !== undefined) {
    const native = region(c, 'x86_64', x86_64, other, 0, X32_BIT);
    const compat = region(c, 'x32', x32, other, X32_BIT, SPACE);
    const search =
      faults?.noX32Split === true
        ? dispatch(
            c,
            [{ ...native, entries: [...native.entries, ...compat.entries], hi: SPACE }],
            opts.frequencies?.x86_64,
          )
        : dispatch(c, [native, compat], opts.frequencies?.x86_64);
    root = g.jmp('jeq', AUDIT_ARCH_X86_64, g.ld(SECCOMP_DATA.nr, search), root);
  }
  root = g.ld(SECCOMP_DATA.arch, root);
  return fold ? threadJumps(g, root) : { g, root };
}

const layoutOf = (rs: RuleSet, opts: RuleCompileOptions, faults?: Faults): Program => {
  const { g, root } = build(rs, opts, faults);
  return assemble(g, root, faults?.offByOne === true);
};

/**
 * B15 the expected instructions per call of `program` for calls made as
 * often as `frequencies` says (arguments zero), or 0 without counts.
 */
export function expectedInstructions(program: Program, frequencies: Frequencies): number {
  let total = 0;
  let calls = 0;
  for (const [abi, counts] of Object.entries(frequencies) as [Abi, ReadonlyMap<number, number>][])
    for (const [nr, w] of counts) {
      if (!(w > 0)) continue;
      const d = { nr, arch: auditArch(abi), instructionPointer: 0n, args: [0n, 0n, 0n, 0n, 0n, 0n] };
      total += w * emulate(program, d).executed;
      calls += w;
    }
  return calls === 0 ? 0 : total / calls;
}

// The weighted layout when it is no dearer than the one without counts (B16) on the counts it was laid out for (B15).
function programOf(rs: RuleSet, opts: RuleCompileOptions, faults?: Faults): Program {
  const { frequencies, ...balanced } = opts;
  const plain = layoutOf(rs, balanced, faults);
  if (frequencies === undefined || (opts.layout ?? 'tree') !== 'tree') return plain;
  const weighted = layoutOf(rs, opts, faults);
  return expectedInstructions(weighted, frequencies) <= expectedInstructions(plain, frequencies) ? weighted : plain;
}

// The rule set with only the numbers `keep` says (for finding the one that makes a program too long).
function only(rs: RuleSet, keep: (arch: RuleArch, nr: number) => boolean): RuleSet {
  const arches: Partial<Record<RuleArch, ArchRules>> = {};
  for (const [arch, rules] of Object.entries(rs.arches) as [RuleArch, ArchRules][])
    arches[arch] = { ...rules, calls: new Map([...rules.calls].filter(([nr]) => keep(arch, nr))) };
  return { ...rs, arches };
}

// The first (arch, number), in arch then ascending order, with which the program grows past BPF_MAXINSNS.
function culprit(rs: RuleSet, opts: RuleCompileOptions): readonly [RuleArch, number] {
  const all = (Object.entries(rs.arches) as [RuleArch, ArchRules][]).flatMap(([arch, rules]) =>
    [...rules.calls.keys()].sort((a, b) => a - b).map((nr) => [arch, nr] as const),
  );
  let lo = 1;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const keep = new Set(all.slice(0, mid).map(([a, n]) => `${a}:${n}`));
    if (
      programOf(
        only(rs, (a, n) => keep.has(`${a}:${n}`)),
        opts,
      ).length > BPF_MAXINSNS
    )
      hi = mid;
    else lo = mid + 1;
  }
  return all[lo - 1]!;
}

const cacheableOf = (program: Program, abi: Abi): readonly number[] => {
  const n = syscallTable(abi).nrSyscalls;
  const arch = auditArch(abi);
  return Array.from({ length: n }, (_, i) => i).filter((nr) => constAllowed(program, arch, nr, n));
};

/**
 * Compile a rule set to one seccomp BPF program for every arch it lists
 * (R1 to R4): each rule returns its own action (`actionRet`; the 2011
 * kill as `opts.kill` says). A program over BPF_MAXINSNS is an error
 * naming the arch and number whose rules made it too long.
 */
export function compileRules(
  given: RuleSet,
  opts: RuleCompileOptions = {},
  faults?: Faults,
): E.Either<CompileError, CompiledRules> {
  const rs = opts.allowExecve === true ? withExecve(given) : given;
  const program = programOf(rs, opts, faults);
  if (program.length > BPF_MAXINSNS) {
    const [arch, nr] = culprit(rs, opts);
    const abi: Abi = arch === 'ia32' ? 'ia32' : 'x86_64';
    const name = syscallTable(abi).byNr(nr)?.name ?? String(nr);
    return E.left({
      message: `the program would be ${program.length} instructions, more than BPF_MAXINSNS (${BPF_MAXINSNS}); the rules of ${name} (${nr}, ${arch}) make it too long`,
      nr,
      arch,
    });
  }
  return E.right({
    program,
    cacheable: { x86_64: cacheableOf(program, 'x86_64'), ia32: cacheableOf(program, 'ia32') },
  });
}

/**
 * B14 the rule set with every native execve allowed first, for loaders that
 * install the program just before their own execve: an x86_64 arch gets
 * the rule ahead of its own; a set without one (an ia32 policy) gets an
 * x86_64 arch that allows execve and answers everything else `otherArch`.
 */
function withExecve(rs: RuleSet): RuleSet {
  const execve: Rule = {
    when: { kind: 'true' },
    action: ALLOW,
    origin: { text: "execve: the loader's own (--allow-execve)" },
  };
  const native = rs.arches.x86_64 ?? { calls: new Map(), otherwise: rs.otherArch };
  const calls = new Map(native.calls);
  calls.set(NATIVE_EXECVE, [execve, ...(native.calls.get(NATIVE_EXECVE) ?? [])]);
  return { ...rs, arches: { ...rs.arches, x86_64: { ...native, calls } } };
}

/** R5 the decision form of a 2011 filter map, its allow answered as `allow` says. */
function ruleSetOfFilters(filters: ReadonlyMap<number, ActiveFilter>, abi: Abi, allow: Action): RuleSet {
  const rs = ruleSetOf2011(abi, filters, (_, f) => filterText(f as ActiveFilter));
  if (allow.kind === 'allow') return rs;
  const rules = rs.arches[abi]!;
  const calls = new Map([...rules.calls].map(([nr, rules]) => [nr, rules.map((r) => ({ ...r, action: allow }))]));
  return { ...rs, arches: { [abi]: { ...rules, calls } } };
}

/**
 * Compile a 2011 filter map installed through `opts.abi` (S6.4): its rule
 * set (R5) through compileRules, an allowed call answered `opts.allow`,
 * everything S6.4 kills `opts.kill`. A program over BPF_MAXINSNS is an
 * error naming the entry that made it too long.
 */
export function compileFilters(
  filters: ReadonlyMap<number, ActiveFilter>,
  opts: CompileOptions,
  faults?: Faults,
): E.Either<CompileError, Compiled> {
  const rs = ruleSetOfFilters(filters, opts.abi, opts.allow ?? ALLOW);
  const compiled = compileRules(rs, opts, faults);
  if (E.isLeft(compiled)) {
    const { nr, message } = compiled.left;
    if (nr === undefined) return E.left({ message });
    const name = syscallTable(opts.abi).byNr(nr)?.name ?? String(nr);
    const length = message.slice(0, message.indexOf(';'));
    return E.left({ message: `${length}; the entry for ${name} (${nr}) makes it too long`, nr });
  }
  return E.right({ program: compiled.right.program, abi: opts.abi, cacheable: compiled.right.cacheable[opts.abi] });
}
/**
 * Compile a model seccomp state (mode 2), e.g. after several merges. The
 * program is the filter of every call after a pending `on_next_syscall`
 * grant (BPF cannot count calls: the launcher installs it just before
 * execve, the call the grant was for).
 */
export function compileState(
  state: SeccompState,
  opts: CompileOptions,
  faults?: Faults,
): E.Either<CompileError, Compiled> {
  if (state.mode !== 2)
    return E.left({ message: `only filter mode (2) compiles to BPF; this state is in mode ${state.mode}` });
  if (state.abi !== opts.abi)
    return E.left({ message: `the state's filters are bound to ${state.abi ?? 'no ABI'}, not ${opts.abi} (S5.6)` });
  return compileFilters(state.filters, opts, faults);
}

/** Compile a policy text (S2.5) as PR_SET_SECCOMP 2 from mode 0 through `opts.abi` would install it. */
export function compilePolicy(text: string, opts: CompileOptions): E.Either<CompileError, Compiled> {
  const parsed = parsePolicy(text, opts.abi);
  if (!parsed.ok) {
    const e = parsed.errors[0]!;
    return E.left({ message: `line ${e.line}, column ${e.column + 1}: ${e.message}`, line: e.line });
  }
  const state = applyPolicy(INITIAL_STATE, text, opts.abi);
  if (E.isLeft(state)) {
    const errno = state.left;
    const why =
      errno === 7
        ? 'a merged filter is over 255 characters or 32 terms (-E2BIG, S5.4)'
        : `the kernel would refuse it (errno ${errno})`;
    return E.left({ message: `the policy does not install: ${why}` });
  }
  return compileState(state.right, opts);
}
