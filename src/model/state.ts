/**
 * Per-task seccomp state (S4) and the rules that change its filter map:
 * the reduce-only merge (S5.4), per-entry SET and CLEAR (S5.3, C12, C13),
 * and whole policy texts (S5.2, C14, C15). Every function returns a fresh
 * state or an errno; none changes its input (S5.5 atomicity).
 */
import * as E from 'fp-ts/lib/Either.js';
import { MSG, parseFilter, parsePolicy, type Filter, type PolicyEntry } from '../grammar/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { ruleSetProblem, type RuleSet } from '../ruleset/index.ts';
import { ERRNO } from '../x86/errno.ts';
import type { SeccompMode } from '../x86/views.ts';
import { CORRECT_RULES, type Rules } from './rules.ts';

/** A filter that can sit in the map: `1` or an expression (S4.1; `0` only drops). */
export type ActiveFilter = Exclude<Filter, { readonly kind: 'drop' }>;

/** The seccomp state of one task (S4.1). */
export interface SeccompState {
  readonly mode: SeccompMode;
  /** C12 the ABI of the first filter's prctl call; null in mode 0 with no filters. */
  readonly abi: Abi | null;
  readonly filters: ReadonlyMap<number, ActiveFilter>;
  readonly pending: boolean;
  /** A5 the filters installed as rule sets, newest first; the 2011 map is the stack's other layer (A6). */
  readonly stack: readonly RuleSet[];
}

/** A failed operation: the positive errno it returns (S5.7). */
export type Errno = number;

/** S4.2 a new task's state: mode 0, no filters. */
export const INITIAL_STATE: SeccompState = Object.freeze({
  mode: 0,
  abi: null,
  filters: new Map(),
  pending: false,
  stack: [],
});

/** S8 the text of a filter as stored and shown. */
export const filterText = (f: ActiveFilter): string => (f.kind === 'allow' ? '1' : f.text);

// C12 the ABI check of every SET: only a state that has an ABI can refuse.
export const abiAllowsSet = (state: SeccompState, callAbi: Abi, rules: Rules = CORRECT_RULES): boolean =>
  state.abi === null || rules.abiMatches(state.abi, callAbi);

/**
 * S5.4 reduce-only merge of `next` into the existing entry `old` of `nr`:
 * `1` keeps `old`, an expression narrows it to `(old) && (next)` (or just
 * `next` when `old` is `1`). The merged text is parsed again, so the tree
 * matches the text; over 255 characters or 32 terms is -E2BIG (C24).
 */
export function reduceOnlyMerge(
  old: ActiveFilter,
  next: ActiveFilter,
  nr: number,
  abi: Abi,
  rules: Rules = CORRECT_RULES,
): E.Either<Errno, ActiveFilter> {
  if (next.kind === 'allow') return E.right(old);
  if (old.kind === 'allow') return E.right(next);
  const text = rules.mergeText(old.text, next.text);
  const parsed = parseFilter(text, syscallTable(abi).byNr(nr)?.args ?? []);
  if (parsed.ok && parsed.filter.kind === 'expr') return E.right(parsed.filter);
  const tooBig =
    !parsed.ok && (parsed.error.message === MSG.filterTooLong || parsed.error.message === MSG.tooManyTerms);
  return E.left(tooBig ? ERRNO.E2BIG : ERRNO.EINVAL);
}

// C12 in mode 0 the state has an ABI exactly when it has filters.
const withMap = (state: SeccompState, filters: ReadonlyMap<number, ActiveFilter>, callAbi: Abi): SeccompState =>
  state.mode === 0
    ? { ...state, filters, abi: filters.size === 0 ? null : (state.abi ?? callAbi) }
    : { ...state, filters };

const without = (filters: ReadonlyMap<number, ActiveFilter>, nr: number): ReadonlyMap<number, ActiveFilter> =>
  new Map([...filters].filter(([k]) => k !== nr));

const withEntry = (
  filters: ReadonlyMap<number, ActiveFilter>,
  nr: number,
  f: ActiveFilter,
): ReadonlyMap<number, ActiveFilter> => new Map([...filters, [nr, f]]);

/**
 * S5.3/S5.4/C13 apply one entry `nr: filter` (the ABI check is the caller's):
 * `0` drops; an existing entry is merged; a missing one is added in mode 0
 * and refused with -EACCES in mode 2, since it would widen access.
 */
export function setEntry(
  state: SeccompState,
  nr: number,
  filter: Filter,
  callAbi: Abi,
  rules: Rules = CORRECT_RULES,
): E.Either<Errno, SeccompState> {
  if (filter.kind === 'drop') return E.right(withMap(state, without(state.filters, nr), callAbi));
  const old = state.filters.get(nr);
  if (old === undefined) {
    return state.mode === 2
      ? E.left(ERRNO.EACCES)
      : E.right(withMap(state, withEntry(state.filters, nr, filter), callAbi));
  }
  return E.map((merged: ActiveFilter) => withMap(state, withEntry(state.filters, nr, merged), callAbi))(
    reduceOnlyMerge(old, filter, nr, callAbi, rules),
  );
}

/** S5.3/C12 CLEAR: drop the entry of `nr`, in any mode; never an error. */
export const clearEntry = (state: SeccompState, nr: number, callAbi: Abi): SeccompState =>
  withMap(state, without(state.filters, nr), callAbi);

/** A policy text part-way through: the state so far and whether the directive was seen. */
interface Applied {
  readonly state: SeccompState;
  readonly pending: boolean;
}

/** One line of a policy text, parsed on its own (S2.5: lines are independent). */
type PolicyLine =
  { readonly kind: 'entry'; readonly entry: PolicyEntry } | { readonly kind: 'directive' } | { readonly kind: 'error' };

// S2.5 each line means the same alone as in its text, so lines can be taken in order (C15).
const policyLines = (text: string, abi: Abi): readonly PolicyLine[] =>
  text.split('\n').flatMap((line): readonly PolicyLine[] => {
    const r = parsePolicy(line, abi);
    if (!r.ok) return [{ kind: 'error' }];
    const directive: readonly PolicyLine[] = r.policy.onNextSyscall ? [{ kind: 'directive' }] : [];
    return [...r.policy.entries.map((entry): PolicyLine => ({ kind: 'entry', entry })), ...directive];
  });

/**
 * S5.2 PR_SET_SECCOMP 2 with a policy text, for a task in mode 0 or 2
 * (mode 1 is the caller's -EPERM). Each line applies as a SET (C13, S5.4),
 * the first failing line decides the errno (C15), the directive is -EACCES
 * in mode 2 (C14), and on success the task is in mode 2 bound to `callAbi`.
 */
export function applyPolicy(
  state: SeccompState,
  text: string,
  callAbi: Abi,
  rules: Rules = CORRECT_RULES,
): E.Either<Errno, SeccompState> {
  if (!abiAllowsSet(state, callAbi, rules)) return E.left(ERRNO.EACCES);
  const filtering = state.mode === 2;
  const step = (acc: E.Either<Errno, Applied>, line: PolicyLine): E.Either<Errno, Applied> => {
    if (E.isLeft(acc)) return acc;
    if (line.kind === 'error') return E.left(ERRNO.EINVAL);
    if (line.kind === 'directive') return filtering ? E.left(ERRNO.EACCES) : E.right({ ...acc.right, pending: true });
    const { nr, filter } = line.entry;
    return E.map((s: SeccompState): Applied => ({ ...acc.right, state: s }))(
      setEntry(acc.right.state, nr, filter, callAbi, rules),
    );
  };
  const applied = policyLines(text, callAbi).reduce<E.Either<Errno, Applied>>(step, E.right({ state, pending: false }));
  return E.map(({ state: s, pending }: Applied): SeccompState =>
    filtering ? s : { ...s, mode: 2, abi: callAbi, pending },
  )(applied);
}

/**
 * A5 seccomp(SECCOMP_SET_MODE_FILTER) with a rule set: the filter goes on
 * top of the task's stack. Refused with -EINVAL in strict mode (the kernel
 * never moves from strict to filter mode) and for a rule set that breaks
 * the decision form's bounds (ruleSetProblem). No privilege is checked:
 * every simulated task counts as having set no_new_privs (choices A-C1).
 * The 2011 map, its mode and its ABI binding are left as they were.
 */
export function installRules(state: SeccompState, rs: RuleSet): E.Either<Errno, SeccompState> {
  if (state.mode === 1 || ruleSetProblem(rs) !== undefined) return E.left(ERRNO.EINVAL);
  return E.right({ ...state, stack: [rs, ...state.stack] });
}
