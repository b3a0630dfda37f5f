/**
 * A 2011 policy text in the decision form, as the model installs it: the
 * filter map PR_SET_SECCOMP 2 from mode 0 through `abi` leaves (S5.2), read
 * by `ruleSetOf2011` (R5); and the model's own decision, the second oracle
 * a counterexample is checked against.
 */
import * as E from 'fp-ts/lib/Either.js';
import { ALLOW, KILL_2011, type Action } from '../action/index.ts';
import type { SeccompData } from '../bpf/index.ts';
import * as model from '../model/index.ts';
import { ruleSetOf2011, type RuleSet } from '../ruleset/index.ts';
import { syscallTable, type Abi } from '../x86/index.ts';
import { archClass } from './verify.ts';

/** A 2011 policy read into the decision form, with the model's state it came from. */
export interface Policy2011 {
  readonly ruleSet: RuleSet;
  readonly state: model.SeccompState;
  readonly abi: Abi;
}

/**
 * The decision form of `text` installed through `abi`, or the errno the
 * model's prctl returns (the text should have parsed: `parsePolicy`).
 */
export function ruleSetOfPolicy(text: string, abi: Abi): Policy2011 | { readonly errno: number } {
  const state = model.applyPolicy(model.INITIAL_STATE, text, abi);
  return E.isLeft(state) ? { errno: state.left } : ruleSetOfState(state.right, abi);
}

/**
 * The decision form of a model state in filter mode bound to `abi` (after
 * any prctl calls): its filter map (R5); a pending on_next_syscall grant is
 * not part of the filter (S6.4) and is dropped.
 */
export function ruleSetOfState(state: model.SeccompState, abi: Abi): Policy2011 {
  const table = syscallTable(abi);
  const ruleSet = ruleSetOf2011(
    abi,
    state.filters,
    (nr, f) => `${table.byNr(nr)?.name ?? nr}: ${f.kind === 'allow' ? '1' : f.kind === 'drop' ? '0' : f.text}`,
  );
  return { ruleSet, state: { ...state, pending: false }, abi };
}

/** The model's decision (S6.4) for `d` under a 2011 policy: allow, or the 2011 kill. */
export function modelOracle(p: Policy2011): (d: SeccompData) => Action {
  return (d) => {
    const c = archClass(d.arch);
    if (c === 'other') return KILL_2011;
    const args = c === 'ia32' ? d.args.map((a) => BigInt.asUintN(32, a)) : d.args;
    return model.decide(p.state, c, { nr: d.nr, args }).allow ? ALLOW : KILL_2011;
  };
}
