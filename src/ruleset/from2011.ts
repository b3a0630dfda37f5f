/**
 * R5 a 2011 filter map in the decision form: each entry allows when its
 * filter holds and the 2011 kill answers otherwise; a number without an
 * entry, and every call of another ABI, is killed (S3.4, S6.4). The
 * pending on_next_syscall grant is not part of a filter: the task's stack
 * applies it before any filter (S6.4).
 */
import { ALLOW, KILL_2011 } from '../action/index.ts';
import { atFieldWidth, compareValues, type Expr, type Filter } from '../grammar/index.ts';
import type { Abi } from '../x86/table.ts';
import type { Cond, Rule, RuleSet } from './ruleset.ts';

const TRUE: Cond = { kind: 'true' };
const FALSE: Cond = { kind: 'false' };
const U64 = (1n << 64n) - 1n;

/**
 * R5 a 2011 expression as a condition, for the entry of number `nr`:
 * argument predicates become comparisons on unsigned 64-bit values (`&`,
 * some bit in common, the negation of a masked test against 0); `nr` and
 * the common fields (always 0, S3.1) are decided here, as constants.
 */
export function condOf2011(e: Expr, nr: number): Cond {
  switch (e.kind) {
    case 'and':
      return { kind: 'and', of: [condOf2011(e.left, nr), condOf2011(e.right, nr)] };
    case 'or':
      return { kind: 'or', of: [condOf2011(e.left, nr), condOf2011(e.right, nr)] };
    case 'not':
      return { kind: 'not', of: condOf2011(e.operand, nr) };
    case 'pred': {
      const value = atFieldWidth(e.value, e.field);
      if (e.field.kind !== 'arg') {
        const seen = e.field.kind === 'nr' ? atFieldWidth(BigInt(nr), e.field) : 0n;
        return compareValues(e.op, seen, value) ? TRUE : FALSE;
      }
      const arg = e.field.index;
      if (e.op === '&') return { kind: 'not', of: { kind: 'masked', arg, mask: value & U64, value: 0n } };
      return { kind: 'cmp', arg, op: e.op, value };
    }
  }
}

/** R5 the condition under which a 2011 filter allows a call of number `nr`. */
export const condOfFilter = (f: Filter, nr: number): Cond =>
  f.kind === 'allow' ? TRUE : f.kind === 'drop' ? FALSE : condOf2011(f.expr, nr);

/** How a rule of a 2011 map is shown: `name: filter` as /proc shows the entry. */
export type EntryText = (nr: number, f: Filter) => string;

/**
 * R5 the decision form of a 2011 filter map installed through `abi`:
 * allow where the entry's filter holds, the 2011 kill everywhere else.
 */
export function ruleSetOf2011(abi: Abi, filters: ReadonlyMap<number, Filter>, text: EntryText): RuleSet {
  const calls = new Map<number, readonly Rule[]>();
  for (const [nr, f] of filters)
    calls.set(nr, [{ when: condOfFilter(f, nr), action: ALLOW, origin: { text: text(nr, f) } }]);
  return { arches: { [abi]: { calls, otherwise: KILL_2011 } }, otherArch: KILL_2011 };
}
