/**
 * The policy linter (S10a [ext]): pitfalls that parse but rarely mean what
 * their author wanted. Warnings never change what a policy does.
 */
import { isNarrowType } from '../x86/constants.ts';
import { syscallTable, type Abi, type ArgInfo } from '../x86/table.ts';
import { atFieldWidth, type Expr } from './ast.ts';
import type { Policy } from './policy.ts';
import { printExpr } from './print.ts';

/** One linter finding, at a policy line. */
export interface LintWarning {
  readonly line: number;
  readonly name: string;
  readonly message: string;
}

const U32_MAX = 0xffffffffn;
const U64_MAX = (1n << 64n) - 1n;

/** What one predicate is known to be regardless of the call, if anything. */
type Constant = boolean | undefined;

/** The value range a field can take in a call of `nr` through `abi` (S3.1, S3.2). */
function fieldRange(e: Extract<Expr, { kind: 'pred' }>, nr: number, abi: Abi): readonly [bigint, bigint] {
  switch (e.field.kind) {
    case 'common':
      return [0n, 0n];
    case 'nr':
      return [BigInt(nr), BigInt(nr)];
    case 'arg':
      return [0n, abi === 'ia32' ? U32_MAX : U64_MAX];
  }
}

/** The predicate's constant truth value when its field's whole range decides it. */
function constantPred(e: Extract<Expr, { kind: 'pred' }>, nr: number, abi: Abi): Constant {
  const [lo, hi] = fieldRange(e, nr, abi);
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
      return decide(lo === hi && (lo & v) !== 0n, v === 0n || (lo === hi && (lo & v) === 0n) || (hi <= U32_MAX && (v & U32_MAX) === 0n));
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
    else if (isNarrowType(type)) out.push(`'${text}': '${p.field.name}' is ${type}; a value above 0xffffffff compares the register's undefined upper half`);
  }
  if (p.field.kind === 'nr' && p.value < 0n) out.push(`'${text}': negative value for nr`);
  if (p.op === '&' && p.value === 0n) out.push(`'${text}': '& 0' is never true`);
  const c = constantPred(p, nr, abi);
  if (c !== undefined && !(p.op === '&' && p.value === 0n)) out.push(`'${text}' is always ${c ? 'true' : 'false'}`);
  return out;
}

/** Argument-less allowances of these calls hand the sandbox a way out (S10a). */
const DANGEROUS = new Set(['prctl', 'execve', 'execveat']);

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
  }
  return out;
}
