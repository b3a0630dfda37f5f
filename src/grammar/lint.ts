/**
 * The policy linter (S10a [ext]): pitfalls that parse but rarely mean what
 * their author wanted. Warnings never change what a policy does.
 */
import { isNarrowType } from '../x86/constants.ts';
import { syscallTable, type Abi, type ArgInfo } from '../x86/table.ts';
import { atFieldWidth, type Expr } from './ast.ts';
import { constantTruth, fieldRange } from './intervals.ts';
import type { Policy } from './policy.ts';
import { printExpr } from './print.ts';

/** One linter finding, at a policy line. */
export interface LintWarning {
  readonly line: number;
  readonly name: string;
  readonly message: string;
}

const U32_MAX = 0xffffffffn;

/** What one predicate is known to be regardless of the call, if anything. */
type Constant = boolean | undefined;

/** The predicate's constant truth value when its field's whole range decides it. */
function constantPred(e: Extract<Expr, { kind: 'pred' }>, nr: number, abi: Abi): Constant {
  const [lo, hi] = fieldRange(e.field, nr, abi);
  const v = atFieldWidth(e.value, e.field);
  const decide = (always: boolean, never: boolean): Constant => (always ? true : never ? false : undefined);
  switch (e.op) {
    case '==':
      return decide(lo === hi && lo === v, v < lo || v > hi);
    case '!=':
      return decide(v < lo || v > hi, lo === hi && lo === v);
    case '<':
      return decide(hi < v, lo >= v);
    case '<=':
      return decide(hi <= v, lo > v);
    case '>':
      return decide(lo > v, hi <= v);
    case '>=':
      return decide(lo >= v, hi < v);
    case '&':
      return decide(
        lo === hi && (lo & v) !== 0n,
        v === 0n || (lo === hi && (lo & v) === 0n) || (hi <= U32_MAX && (v & U32_MAX) === 0n),
      );
  }
}

function* predicates(e: Expr): Generator<Extract<Expr, { kind: 'pred' }>> {
  if (e.kind === 'pred') yield e;
  else if (e.kind === 'not') yield* predicates(e.operand);
  else {
    yield* predicates(e.left);
    yield* predicates(e.right);
  }
}

function lintPredicate(p: Extract<Expr, { kind: 'pred' }>, args: readonly ArgInfo[], nr: number, abi: Abi): string[] {
  const out: string[] = [];
  const text = printExpr(p);
  if (p.field.kind === 'arg' && p.value > U32_MAX) {
    const type = args[p.field.index]?.type ?? '';
    if (abi === 'ia32') out.push(`'${text}': compat arguments are 32 bits, no value above 0xffffffff can match`);
    else if (isNarrowType(type))
      out.push(
        `'${text}': '${p.field.name}' is ${type}; a value above 0xffffffff compares the register's undefined upper half`,
      );
  }
  if (p.field.kind === 'nr' && p.value < 0n) out.push(`'${text}': negative value for nr`);
  if (p.op === '&' && p.value === 0n) out.push(`'${text}': '& 0' is never true`);
  const c = constantPred(p, nr, abi);
  if (c !== undefined && !(p.op === '&' && p.value === 0n)) out.push(`'${text}' is always ${c ? 'true' : 'false'}`);
  return out;
}

/** Argument-less allowances of these calls hand the sandbox a way out (S10a). */
const DANGEROUS = new Set(['prctl', 'execve', 'execveat']);

/** What a whole filter is for every call of its number, when interval reasoning can tell. */
function lintFilter(e: Expr, nr: number, name: string, abi: Abi): string | undefined {
  // A single predicate is reported by lintPredicate.
  if (e.kind === 'pred') return undefined;
  const c = constantTruth(e, nr, abi);
  if (c === undefined) return undefined;
  return c
    ? `'${printExpr(e)}' is true for every call: it checks nothing (write '1' if that is meant)`
    : `'${printExpr(e)}' can never be true: every ${name} call is killed (write '0' or drop the line if that is meant)`;
}

/** An entry as the text's merges leave it (S5.4): the lines that made it and its filters, joined by `&&`. */
interface Merged {
  readonly lines: number[];
  readonly exprs: Expr[];
  allowed: boolean;
}

/**
 * S5.4 a name that appears twice merges with `&&` in one text, in mode 0
 * too: say so at each repeat, and when the merged filter can never be true.
 */
function lintRepeats(policy: Policy, out: LintWarning[]): ReadonlyMap<number, Merged> {
  const table = syscallTable(policy.abi);
  const state = new Map<number, Merged>();
  for (const entry of policy.entries) {
    const f = entry.filter;
    const sys = table.byNr(entry.nr)?.sysName ?? String(entry.nr);
    const before = state.get(entry.nr);
    const warn = (message: string): void => void out.push({ line: entry.line, name: entry.name, message });
    if (f.kind === 'drop') {
      if (before !== undefined)
        warn(
          `'${entry.name}: 0' drops the entry of lines ${before.lines.join(', ')} (S5.4): ${sys} is killed from here on`,
        );
      state.delete(entry.nr);
      continue;
    }
    if (before === undefined) {
      state.set(entry.nr, { lines: [entry.line], exprs: f.kind === 'expr' ? [f.expr] : [], allowed: true });
      continue;
    }
    before.lines.push(entry.line);
    if (f.kind === 'allow') {
      warn(`${sys} appears again (line ${before.lines[0]}): '1' for an existing entry changes nothing (S5.4)`);
      continue;
    }
    before.exprs.push(f.expr);
    const all = before.exprs.reduce((a, b): Expr => ({ kind: 'and', left: a, right: b }));
    const never = before.exprs.length > 1 && constantTruth(all, entry.nr, policy.abi) === false;
    warn(
      `${sys} appears again (line ${before.lines[0]}): the filters merge with && (S5.4)` +
        (never ? `, and the merged filter can never be true: every ${sys} call is killed` : ''),
    );
  }
  return state;
}

/** Lint a parsed policy (S10a). */
export function lintPolicy(policy: Policy): readonly LintWarning[] {
  const table = syscallTable(policy.abi);
  const out: LintWarning[] = [];
  for (const entry of policy.entries) {
    const call = table.byNr(entry.nr);
    const warn = (message: string): void => void out.push({ line: entry.line, name: entry.name, message });
    if (entry.filter.kind === 'allow' && call !== undefined && DANGEROUS.has(call.name)) {
      warn(`${call.sysName} is allowed without argument checks`);
    }
    if (entry.filter.kind !== 'expr') continue;
    for (const p of predicates(entry.filter.expr)) {
      for (const m of lintPredicate(p, call?.args ?? [], entry.nr, policy.abi)) warn(m);
    }
    const whole = lintFilter(entry.filter.expr, entry.nr, call?.name ?? String(entry.nr), policy.abi);
    if (whole !== undefined) warn(whole);
  }
  const merged = lintRepeats(policy, out);
  if (merged.size === 0) {
    // S3.4 a missing entry is false: once installed, a policy with no entry kills every call.
    const line = policy.entries.at(-1)?.line ?? 0;
    out.push({
      line,
      name: '',
      message: `the policy allows no system call: once installed it kills every call${policy.onNextSyscall ? ' after the first (on_next_syscall)' : ''} (S3.4)`,
    });
  }
  return out.sort((a, b) => a.line - b.line);
}
