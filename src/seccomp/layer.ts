/**
 * A filter in the decision form (R1 to R4), compiled once at install time
 * for the entry path (A5, A6). Each architecture the rule set lists gets a
 * table by system call number: a constant answer (a rule that always
 * holds, or the architecture's `otherwise`) or a compiled test that
 * returns the index of the first rule that holds. An answer is an action
 * code: the action's A3 rank in the bits from 16 up, its data below, so
 * the precedence of a stack is one integer comparison and the hot path
 * allocates nothing. Generated code embeds only integers from lit().
 */
import {
  actionRank,
  ALLOW,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  USER_NOTIF,
  type Action,
} from '../action/index.ts';
import { X32_BIT, type ArchRules, type Cond, type Rule, type RuleArch, type RuleSet } from '../ruleset/index.ts';
import { ACCESS, argCompare, lit, type Access } from './compile.ts';

/** The code of an action: A3 rank << 16 | data (errno, trap or trace data). */
export function actionCode(a: Action): number {
  const data = a.kind === 'errno' ? a.errno : a.kind === 'trap' || a.kind === 'trace' ? a.data : 0;
  return (actionRank(a) << 16) | data;
}

/** The code of allow (rank 8) and of the 2011 kill (rank 0). */
export const ALLOW_CODE = 8 << 16;
export const KILL_CODE = 0;
/** The code of log (rank 7): the call runs after an audit line. */
export const LOG_CODE = 7 << 16;

const SIMPLE: readonly Action[] = [KILL_2011, KILL_PROCESS, KILL_THREAD, ALLOW, ALLOW, USER_NOTIF, ALLOW, LOG, ALLOW];
const interned = new Map<number, Action>();

/** The action of a code; one shared object per code, so deciding allocates nothing after the first time. */
export function codeAction(code: number): Action {
  const rank = code >>> 16;
  const data = code & 0xffff;
  if (rank !== 3 && rank !== 4 && rank !== 6) return SIMPLE[rank] ?? KILL_PROCESS;
  const hit = interned.get(code);
  if (hit !== undefined) return hit;
  const a: Action = Object.freeze(
    rank === 4 ? { kind: 'errno', errno: data } : { kind: rank === 3 ? 'trap' : 'trace', data },
  ) as Action;
  interned.set(code, a);
  return a;
}

/** A compiled test: the index of the first rule of `nr` that holds for the arguments at `w[b...]`, or -1. */
export type RuleTest = (nr: number, w: ArrayLike<number>, b: number) => number;

/** Table entries besides a rule index: the architecture's otherwise, or run the test. */
const OTHERWISE = -1;
const TEST = -2;
/** Numbers past this (from the arch's base) go to a Map, so a stray big number costs no big table. */
const DENSE_LIMIT = 1 << 16;

/** R2 JavaScript source of `c` reading arguments through `at`. */
function condSource(c: Cond, at: Access): string {
  switch (c.kind) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'cmp':
      return argCompare(c.op, c.arg, BigInt.asUintN(64, c.value), at);
    case 'masked': {
      const m = BigInt.asUintN(64, c.mask);
      const v = BigInt.asUintN(64, c.value);
      const half = (x: bigint, high: boolean): string => lit(Number(high ? x >> 32n : x & 0xffff_ffffn));
      return (
        `(((${at(c.arg, false)} & ${half(m, false)}) >>> 0) === ${half(v, false)} && ` +
        `((${at(c.arg, true)} & ${half(m, true)}) >>> 0) === ${half(v, true)})`
      );
    }
    case 'and':
      return c.of.length === 0 ? 'true' : `(${c.of.map((x) => condSource(x, at)).join(' && ')})`;
    case 'or':
      return c.of.length === 0 ? 'false' : `(${c.of.map((x) => condSource(x, at)).join(' || ')})`;
    case 'not':
      return `!${condSource(c.of, at)}`;
  }
}

interface Tested {
  readonly nr: number;
  /** Index of the number's first rule in the arch's flat list. */
  readonly first: number;
  readonly rules: readonly Rule[];
}

function tree(list: readonly Tested[], lo: number, hi: number, at: Access): string {
  if (hi - lo === 1) {
    const t = list[lo]!;
    const tests = t.rules.map((r, i) => `if (${condSource(r.when, at)}) return ${lit(t.first + i)};`).join(' ');
    return `if (nr !== ${lit(t.nr)}) return -1; ${tests} return -1;`;
  }
  const mid = (lo + hi) >>> 1;
  return `if (nr < ${lit(list[mid]!.nr)}) { ${tree(list, lo, mid, at)} } else { ${tree(list, mid, hi, at)} }`;
}

const NEVER: RuleTest = () => -1;

function buildTest(list: readonly Tested[], at: Access): RuleTest {
  if (list.length === 0) return NEVER;
  return new Function('nr', 'w', 'b', `"use strict";\n${tree(list, 0, list.length, at)}`) as RuleTest;
}

/** One architecture's rules, compiled. */
export class CompiledArch {
  /** The number that index 0 of `entries` stands for: 0, or X32_BIT for x32. */
  declare readonly base: number;
  /** By number - base: a rule index (always answers), OTHERWISE, or TEST. */
  declare readonly entries: Int32Array;
  /** Entries of numbers outside the dense table. */
  declare readonly sparse: ReadonlyMap<number, number>;
  /** Every rule, numbers in ascending order, each number's rules in order. */
  declare readonly rules: readonly Rule[];
  /** The action code of each rule. */
  declare readonly codes: Int32Array;
  declare readonly otherwise: Action;
  declare readonly otherwiseCode: number;
  /** The test reading a pt_regs row (native or compat registers, as the arch's calls arrive). */
  declare readonly regs: RuleTest;
  /** The test reading 12 uint32 argument words. */
  declare readonly args: RuleTest;

  constructor(arch: RuleArch, ar: ArchRules) {
    this.base = arch === 'x32' ? X32_BIT : 0;
    this.otherwise = ar.otherwise;
    this.otherwiseCode = actionCode(ar.otherwise);
    const numbers = [...ar.calls.keys()].sort((a, b) => a - b);
    const rules: Rule[] = [];
    const tested: Tested[] = [];
    const entry = new Map<number, number>();
    let size = 0;
    for (const nr of numbers) {
      const list = ar.calls.get(nr)!;
      const first = rules.length;
      rules.push(...list);
      const live = list.findIndex((r) => r.when.kind !== 'false');
      const e = live < 0 ? OTHERWISE : list[live]!.when.kind === 'true' ? first + live : TEST;
      if (e === TEST) tested.push({ nr, first, rules: list });
      entry.set(nr, e);
      const i = nr - this.base;
      if (i >= 0 && i < DENSE_LIMIT) size = Math.max(size, i + 1);
    }
    const entries = new Int32Array(size).fill(OTHERWISE);
    const sparse = new Map<number, number>();
    for (const [nr, e] of entry) {
      const i = nr - this.base;
      if (i >= 0 && i < size) entries[i] = e;
      else sparse.set(nr, e);
    }
    this.entries = entries;
    this.sparse = sparse;
    this.rules = rules;
    this.codes = Int32Array.from(rules, (r) => actionCode(r.action));
    const native = arch !== 'ia32';
    this.regs = buildTest(tested, native ? ACCESS.nativeRegs : ACCESS.compatRegs);
    this.args = buildTest(tested, native ? ACCESS.nativeArgs : ACCESS.compatArgs);
  }

  /** The table entry of `nr`. */
  entry(nr: number): number {
    const i = nr - this.base;
    return i >>> 0 < this.entries.length ? this.entries[i]! : (this.sparse.get(nr) ?? OTHERWISE);
  }

  /** The index of the rule that answers `nr` for the arguments at `w[b...]` (regs or args layout), or -1. */
  ruleIndex(nr: number, w: ArrayLike<number>, b: number, fromRegs: boolean): number {
    const e = this.entry(nr);
    return e >= 0 ? e : e === OTHERWISE ? -1 : fromRegs ? this.regs(nr, w, b) : this.args(nr, w, b);
  }
}

/** A rule set compiled for the engine (A5). Shared by every task whose stack holds it. */
export class CompiledRules {
  declare readonly source: RuleSet;
  declare readonly x86_64: CompiledArch | null;
  declare readonly ia32: CompiledArch | null;
  declare readonly x32: CompiledArch | null;
  declare readonly otherArch: Action;
  declare readonly otherArchCode: number;

  constructor(rs: RuleSet) {
    this.source = rs;
    const arch = (a: RuleArch): CompiledArch | null => {
      const r = rs.arches[a];
      return r === undefined ? null : new CompiledArch(a, r);
    };
    this.x86_64 = arch('x86_64');
    this.ia32 = arch('ia32');
    this.x32 = arch('x32');
    this.otherArch = rs.otherArch;
    this.otherArchCode = actionCode(rs.otherArch);
  }

  /** R4 the compiled architecture of a call through `callAbi` (0 native, 1 compat) with number `nr`. */
  archOf(callAbi: number, nr: number): CompiledArch | null {
    return callAbi === 1 ? this.ia32 : nr >>> 0 >= X32_BIT ? this.x32 : this.x86_64;
  }

  /** R4 the action code for a call whose arguments are in a pt_regs row (`fromRegs`) or 12 words. */
  code(callAbi: number, nr: number, w: ArrayLike<number>, b: number, fromRegs: boolean): number {
    const a = this.archOf(callAbi, nr);
    if (a === null) return this.otherArchCode;
    const r = a.ruleIndex(nr, w, b, fromRegs);
    return r < 0 ? a.otherwiseCode : a.codes[r]!;
  }
}

const compiled = new WeakMap<RuleSet, CompiledRules>();

/** A5 compile `rs` once; the same rule set installed again (or by another task) shares it. */
export function compileRules(rs: RuleSet): CompiledRules {
  const hit = compiled.get(rs);
  if (hit !== undefined) return hit;
  const c = new CompiledRules(rs);
  compiled.set(rs, c);
  return c;
}
