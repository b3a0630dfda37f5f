/**
 * V4 of spec/19-proofs.md: a BPF program decides every possible
 * `struct seccomp_data` as a rule set does, or a confirmed counterexample.
 * The space is cut into regions by arch (X86_64, I386, the rest) and by
 * system call number (each number a rule set lists, and the runs of
 * numbers between them, split at the x32 bit); in each region the
 * program's term and the rule set's term are built with the region's nr
 * and arch, and z3 is asked whether they can differ. Two terms that are
 * the same term need no question.
 */
import { actionRet, formatAction, type Action } from '../action/index.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, emulate, type Program, type SeccompData } from '../bpf/index.ts';
import { decideRules, X32_BIT, type RuleArch, type RuleSet } from '../ruleset/index.ts';
import type { Session } from './solver.ts';
import { freeWords, symbolicRun } from './symbolic-bpf.ts';
import { argTerms, decisionTerm, listedNumbers } from './symbolic-rules.ts';
import { Builder, evaluate, variables, type Term } from './term.ts';

const U32 = 0xffffffff;

/** The arch of a call as a filter sees it: one of the two x86 audit arches, or any other value. */
export type ArchClass = 'x86_64' | 'ia32' | 'other';

/** One region of the seccomp_data space: an arch class and a system call number, or a run of unlisted numbers. */
export interface Region {
  readonly arch: ArchClass;
  /** The inclusive range of the arch word. */
  readonly archRange: readonly [number, number];
  /** The inclusive range of the number, read unsigned. */
  readonly nrRange: readonly [number, number];
  /** The rule set's architecture for these calls (undefined: one it cannot name). */
  readonly ruleArch: RuleArch | undefined;
  /** A number the rule set lists, or a run of numbers it does not. */
  readonly listed: number | 'unlisted';
}

// Runs [lo, hi] of a segment cut at the listed numbers inside it.
function cut(lo: number, hi: number, listed: readonly number[]): [number, number, boolean][] {
  const out: [number, number, boolean][] = [];
  let at = lo;
  for (const v of listed) {
    if (v < lo || v > hi) continue;
    if (v > at) out.push([at, v - 1, false]);
    out.push([v, v, true]);
    at = v + 1;
  }
  if (at <= hi) out.push([at, hi, false]);
  return out;
}

/**
 * V4 the regions that cover every seccomp_data for the rule sets `sets`:
 * each number any of them lists is a region of its own, every other run of
 * numbers one region per arch and side of the x32 bit.
 */
export function regions(sets: readonly RuleSet[]): Region[] {
  const listed = (arch: RuleArch): number[] =>
    [...new Set(sets.flatMap((rs) => listedNumbers(rs, arch)))].sort((a, b) => a - b);
  const out: Region[] = [];
  const add = (arch: ArchClass, archRange: readonly [number, number], ruleArch: RuleArch, lo: number, hi: number) => {
    for (const [a, b, one] of cut(lo, hi, listed(ruleArch)))
      out.push({ arch, archRange, nrRange: [a, b], ruleArch, listed: one ? a : 'unlisted' });
  };
  const x64: [number, number] = [AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64];
  add('x86_64', x64, 'x86_64', 0, X32_BIT - 1);
  add('x86_64', x64, 'x32', X32_BIT, U32);
  add('ia32', [AUDIT_ARCH_I386, AUDIT_ARCH_I386], 'ia32', 0, U32);
  for (const r of [
    [0, AUDIT_ARCH_I386 - 1],
    [AUDIT_ARCH_I386 + 1, AUDIT_ARCH_X86_64 - 1],
    [AUDIT_ARCH_X86_64 + 1, U32],
  ] as const)
    out.push({ arch: 'other', archRange: r, nrRange: [0, U32], ruleArch: undefined, listed: 'unlisted' });
  return out;
}

/** The terms of a region: its nr and arch words, the seccomp_data words and the six 64-bit arguments of the rule set's meaning. */
export interface RegionTerms {
  readonly nr: Term;
  readonly arch: Term;
  readonly words: (off: number) => Term;
  readonly args: readonly Term[];
}

const range = (r: readonly [number, number]): readonly [bigint, bigint] => [BigInt(r[0]), BigInt(r[1])];

/** The terms of `r` in `b`. */
export function regionTerms(b: Builder, r: Region): RegionTerms {
  const nr = b.var('nr', 32, range(r.nrRange));
  const arch = b.var('arch', 32, range(r.archRange));
  const words = freeWords(b, { nr, arch });
  const args = argTerms(
    b,
    r.ruleArch ?? 'x86_64',
    (i) => b.var(`a${i}.lo`),
    (i) => b.var(`a${i}.hi`),
  );
  return { nr, arch, words, args };
}

/** A seccomp_data from the values of the words by name (absent names are 0). */
export function dataOf(value: (name: string) => bigint): SeccompData {
  const w = (n: string): bigint => value(n) & 0xffffffffn;
  const u64 = (p: string): bigint => (w(`${p}.hi`) << 32n) | w(`${p}.lo`);
  return {
    nr: Number(BigInt.asIntN(32, w('nr'))),
    arch: Number(w('arch')),
    instructionPointer: u64('ip'),
    args: Array.from({ length: 6 }, (_, i) => u64(`a${i}`)),
  };
}

/** The value of each word of `d` by name: the inverse of `dataOf`. */
export function wordsOf(d: SeccompData): (name: string) => bigint {
  const u = (n: number): bigint => BigInt(n >>> 0);
  return (name) => {
    if (name === 'nr') return u(d.nr);
    if (name === 'arch') return u(d.arch);
    const [field, half] = name.split('.');
    const v = field === 'ip' ? d.instructionPointer : (d.args[Number(field!.slice(1))] ?? 0n);
    return BigInt.asUintN(32, half === 'hi' ? v >> 32n : v);
  };
}

/** The arch class of an arch word. */
export const archClass = (arch: number): ArchClass =>
  arch >>> 0 === AUDIT_ARCH_X86_64 ? 'x86_64' : arch >>> 0 === AUDIT_ARCH_I386 ? 'ia32' : 'other';

/**
 * R4 the rule set's answer for `d`, concretely (`decideRules`): the arch
 * word selects the ABI (another arch is `otherArch`); an ia32 call's
 * arguments are the low words of the registers.
 */
export function decideData(rs: RuleSet, d: SeccompData): Action {
  const c = archClass(d.arch);
  if (c === 'other') return rs.otherArch;
  const args = c === 'ia32' ? d.args.map((a) => BigInt.asUintN(32, a)) : d.args;
  return decideRules(rs, c, d.nr, args).action;
}

/** Time and effort of a proof. */
export interface ProofStats {
  readonly regions: number;
  /** Regions whose two terms were the same term: no question to z3. */
  readonly byConstruction: number;
  readonly queries: number;
  /** Building terms (symbolic runs, rule sets, translation into z3), ms. */
  readonly termMs: number;
  /** z3's checks, ms. */
  readonly solveMs: number;
}

/** A call on which a program and a rule set answer differently, confirmed by the emulator and the rule set. */
export interface Counterexample {
  readonly data: SeccompData;
  readonly region: Region;
  /** The program's 32-bit answer (the emulator's). */
  readonly got: number;
  /** The rule set's action and its 32-bit value. */
  readonly want: Action;
  readonly wantRet: number;
}

/** The outcome of `verify`. */
export type VerifyResult =
  | { readonly kind: 'proven'; readonly stats: ProofStats }
  | { readonly kind: 'counterexample'; readonly cex: Counterexample; readonly stats: ProofStats }
  | { readonly kind: 'unknown'; readonly region: Region; readonly stats: ProofStats }
  /** A model z3 gave that the concrete evaluators do not reproduce: a bug in this module or z3. */
  | { readonly kind: 'bug'; readonly message: string; readonly stats: ProofStats };

/** How to verify. */
export interface VerifyOptions {
  /** The 32-bit value each action is returned as; default `actionRet(a)` (the 2011 kill as KILL_PROCESS). */
  readonly ret?: (a: Action) => number;
  /**
   * A second oracle for a counterexample's expected action (the model's
   * decision for a 2011 policy): it must agree with the rule set's, or the
   * counterexample is a bug.
   */
  readonly oracle?: (d: SeccompData) => Action;
}

/**
 * V4 prove that `p` (which should have passed `validate`) answers every
 * seccomp_data as `rs`, each action returned as `opts.ret` says, or find a
 * counterexample confirmed by the emulator and `decideRules`.
 */
export async function verify(
  session: Session,
  p: Program,
  rs: RuleSet,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const ret = opts.ret ?? ((a: Action) => actionRet(a));
  const b = new Builder();
  const leaf = (a: Action): Term => b.bv(ret(a));
  const rs0 = regions([rs]);
  let buildMs = 0;
  let byConstruction = 0;
  const t0 = { translate: session.translateMs, solve: session.solveMs, queries: session.queries };
  const stats = (n: number): ProofStats => ({
    regions: n,
    byConstruction,
    queries: session.queries - t0.queries,
    termMs: buildMs + session.translateMs - t0.translate,
    solveMs: session.solveMs - t0.solve,
  });
  for (const [i, r] of rs0.entries()) {
    const start = performance.now();
    const rt = regionTerms(b, r);
    const prog = symbolicRun(b, p, rt.words);
    const spec = decisionTerm(b, rs, r.ruleArch, r.listed, rt.args, leaf);
    buildMs += performance.now() - start;
    if (prog === spec) {
      byConstruction++;
      continue;
    }
    const goal = b.not(b.eq(prog, spec));
    const vars = [...new Set([...variables(goal), ...[rt.nr, rt.arch].filter((t) => t.op === 'var')])];
    const answer = await session.query(goal, vars);
    if (answer.kind === 'unsat') continue;
    if (answer.kind === 'unknown') return { kind: 'unknown', region: r, stats: stats(i + 1) };
    const env = (name: string): bigint =>
      answer.model.get(name) ?? (name === 'nr' ? rt.nr.value : name === 'arch' ? rt.arch.value : 0n);
    const data = dataOf(env);
    const checked = confirm(p, rs, data, ret, opts.oracle);
    const symbolic = { got: Number(evaluate(prog, wordsOf(data))), want: Number(evaluate(spec, wordsOf(data))) };
    if (typeof checked === 'string') return { kind: 'bug', message: checked, stats: stats(i + 1) };
    if (checked.got !== symbolic.got || checked.wantRet !== symbolic.want)
      return {
        kind: 'bug',
        message: `the terms say the program returns ${hex(symbolic.got)} and the rule set ${hex(symbolic.want)}, the emulator ${hex(checked.got)} and decideRules ${hex(checked.wantRet)}`,
        stats: stats(i + 1),
      };
    return { kind: 'counterexample', cex: { ...checked, data, region: r }, stats: stats(i + 1) };
  }
  return { kind: 'proven', stats: stats(rs0.length) };
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

// Run the emulator and the rule set (and the second oracle) on `d`; they must differ.
function confirm(
  p: Program,
  rs: RuleSet,
  d: SeccompData,
  ret: (a: Action) => number,
  oracle?: (d: SeccompData) => Action,
): { got: number; want: Action; wantRet: number } | string {
  const got = emulate(p, d).ret >>> 0;
  const want = decideData(rs, d);
  const wantRet = ret(want) >>> 0;
  if (oracle !== undefined) {
    const second = oracle(d);
    if (ret(second) >>> 0 !== wantRet)
      return `the rule set answers ${formatAction(want)} but the second oracle ${formatAction(second)} for ${show(d)}`;
  }
  if (got === wantRet) return `z3's counterexample does not reproduce: both answer ${hex(got)} for ${show(d)}`;
  return { got, want, wantRet };
}

const show = (d: SeccompData): string =>
  `nr ${d.nr}, arch ${hex(d.arch)}, args [${d.args.map((a) => `0x${a.toString(16)}`).join(', ')}], ip 0x${d.instructionPointer.toString(16)}`;
