/**
 * V3 of spec/19-proofs.md: a rule set's decision as a term. For one
 * architecture and one system call number the rules of that number, first
 * match, become a chain of if-then-else over the conditions, each leaf the
 * action's encoding (its 32-bit return value for `verify`, an index for
 * `diff`). The arguments are the 64-bit values the rule set's meaning
 * reads: on x86_64 and x32 the full registers, high word above low word; on
 * ia32 the low word with a zero high word, whatever the register held.
 */
import type { Action } from '../action/index.ts';
import type { CmpOp, Cond, Rule, RuleArch, RuleSet } from '../ruleset/index.ts';
import type { Builder, Term } from './term.ts';

/** How an action becomes a 32-bit leaf term. */
export type Leaf = (a: Action) => Term;

/** The six 64-bit arguments of a call of `arch`, from the words `lo(i)` and `hi(i)` (32-bit terms). */
export function argTerms(b: Builder, arch: RuleArch, lo: (i: number) => Term, hi: (i: number) => Term): Term[] {
  return Array.from({ length: 6 }, (_, i) => b.concat(arch === 'ia32' ? b.bv(0) : hi(i), lo(i)));
}

function cmpTerm(b: Builder, op: CmpOp, x: Term, v: Term): Term {
  switch (op) {
    case '==':
      return b.eq(x, v);
    case '!=':
      return b.not(b.eq(x, v));
    case '<':
      return b.ult(x, v);
    case '<=':
      return b.ule(x, v);
    case '>':
      return b.ult(v, x);
    case '>=':
      return b.ule(v, x);
  }
}

/** V3 (R2) a condition as a boolean term over the six 64-bit argument terms. */
export function condTerm(b: Builder, c: Cond, args: readonly Term[]): Term {
  switch (c.kind) {
    case 'true':
      return b.T;
    case 'false':
      return b.F;
    case 'cmp':
      return cmpTerm(b, c.op, args[c.arg] ?? b.bv(0, 64), b.bv(c.value, 64));
    case 'masked':
      return b.eq(b.and(args[c.arg] ?? b.bv(0, 64), b.bv(c.mask, 64)), b.bv(c.value, 64));
    case 'and':
      return b.band(...c.of.map((x) => condTerm(b, x, args)));
    case 'or':
      return b.bor(...c.of.map((x) => condTerm(b, x, args)));
    case 'not':
      return b.not(condTerm(b, c.of, args));
  }
}

/** V3 (R3) the first rule of `rules` that holds answers, else `otherwise`: a chain of if-then-else. */
export function rulesTerm(
  b: Builder,
  rules: readonly Rule[],
  otherwise: Action,
  args: readonly Term[],
  leaf: Leaf,
): Term {
  let t = leaf(otherwise);
  for (let i = rules.length - 1; i >= 0; i--) t = b.ite(condTerm(b, rules[i]!.when, args), leaf(rules[i]!.action), t);
  return t;
}

/**
 * The rules `decideRules` consults for number `nr` of `arch`: the map is
 * keyed by the signed number, so an entry whose key is no 32-bit signed
 * integer is never reached and not listed.
 */
export function listedNumbers(rs: RuleSet, arch: RuleArch): readonly number[] {
  const rules = rs.arches[arch];
  if (rules === undefined) return [];
  const inside = (u: number): boolean => (arch === 'x86_64' ? u < 0x40000000 : arch === 'x32' ? u >= 0x40000000 : true);
  return [...rules.calls.keys()]
    .filter((k) => Number.isInteger(k) && k === (k | 0) && inside(k >>> 0) && (rules.calls.get(k)?.length ?? 0) > 0)
    .map((k) => k >>> 0)
    .sort((x, y) => x - y);
}

/**
 * V3 (R4) the decision of `rs` for a call of `arch` (undefined: an
 * architecture the rule set cannot name) whose number, read unsigned, is
 * `nr` when that is a number, or any unlisted number of the region.
 */
export function decisionTerm(
  b: Builder,
  rs: RuleSet,
  arch: RuleArch | undefined,
  nr: number | 'unlisted',
  args: readonly Term[],
  leaf: Leaf,
): Term {
  const rules = arch === undefined ? undefined : rs.arches[arch];
  if (rules === undefined) return leaf(rs.otherArch);
  if (nr === 'unlisted') return leaf(rules.otherwise);
  return rulesTerm(b, rules.calls.get(nr | 0) ?? [], rules.otherwise, args, leaf);
}
