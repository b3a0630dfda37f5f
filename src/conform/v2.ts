/**
 * Answering version-2 requests (P9) on top of an adapter's version-1
 * answer: the 2011 installs are the task's 2011 filter, one layer of its
 * stack (S5, R5), answered as version 1 answers them (allow, or the 2011
 * kill); each `rules` install is one more filter (seccomp(2)'s
 * SET_MODE_FILTER: result 0, or -EINVAL for a text that does not parse),
 * answered by the adapter's own `layer`; the call's action is the stack's
 * under the kernel's precedence (A3, `combine`, newest first). A
 * `minijail` install is read as spec/17-minijail.md reads it (for the
 * request's ABI, no @include) and is one filter as a `rules` one is.
 * Another dialect makes the request unsupported, naming it.
 */
import { ALLOW, combine, formatAction, KILL_2011, type Action } from '../action/index.ts';
import { parseMinijail } from '../minijail/index.ts';
import type { RuleSet } from '../ruleset/index.ts';
import type { Abi } from '../x86/table.ts';
import { uapiIfLoaded } from '../x86/uapi.ts';
import { callAbi } from '../x86/vectors.ts';
import type { Answer, AnswerV2, Call, Install, Request, RequestV2 } from './protocol.ts';
import { parseRulesJson } from './rules-json.ts';

/** EINVAL: what seccomp(2) returns for a program it refuses. */
const EINVAL = 22;

/** How an adapter answers one filter (a rule set) for the calls of a request: an action per call, or why it cannot. */
export type LayerAnswer = (
  rs: RuleSet,
  abi: Abi,
  calls: readonly Call[],
) => readonly Action[] | { readonly unsupported: string };

/** P9 the ABI of a call and the arguments a filter compares: the low 32 bits of each register on ia32 (R2). */
export const filterView = (abi: Abi, c: Call): { readonly abi: Abi; readonly args: readonly bigint[] } => {
  const through = callAbi(abi, c.vector);
  return { abi: through, args: through === 'ia32' ? c.args.map((a) => BigInt.asUintN(32, a)) : c.args };
};

/** The version-1 request of a version-2 request's 2011 installs. */
export const v1Of = (r: RequestV2): Request => ({
  id: r.id,
  abi: r.abi,
  installs: r.installs.filter((i) => i.dialect === '2011').map((i) => i.text),
  calls: r.calls,
});

/** A version-1 request as version 2 (the same question, every install a 2011 text). */
export const v2Of = (r: Request): RequestV2 => ({
  version: 2,
  id: r.id,
  abi: r.abi,
  installs: r.installs.map((text) => ({ dialect: '2011', text })),
  calls: r.calls,
});

/** P9 the first install of a dialect neither `2011` nor `rules`, as an unsupported answer; undefined when there is none. */
export function otherDialect(r: RequestV2): AnswerV2 | undefined {
  const other = r.installs.find((i) => i.dialect !== '2011' && i.dialect !== 'rules');
  return other === undefined
    ? undefined
    : { version: 2, id: r.id, unsupported: `dialect '${other.dialect}' is not known to this adapter` };
}

/** The installs of `r` read for a stack: a 2011 text, a rule set, or null for a `rules` text that does not parse (-EINVAL). */
export const stackInstalls = (r: RequestV2): readonly (string | RuleSet | null)[] =>
  r.installs.map((i) => {
    if (i.dialect === '2011') return i.text;
    const rs = parseRulesJson(i.text);
    return 'error' in rs ? null : rs.ok;
  });

/** EINVAL as an install result: what seccomp(2) returns for a program it refuses. */
export const REFUSED = -EINVAL;

/** The dialects a version-2 install may be written in besides 2011. */
const RULE_DIALECTS: readonly string[] = ['rules', 'minijail'];

/**
 * P9 the rule set of a `rules` or `minijail` install for `abi`: the rule
 * set, `invalid` for a text that does not read (seccomp(2) refuses it), or
 * why it cannot be read here (a minijail install needs the UAPI tables
 * loaded, `loadUapi`, first).
 */
export function installRules(i: Install, abi: Abi): RuleSet | 'invalid' | { readonly unsupported: string } {
  if (i.dialect === 'rules') {
    const rs = parseRulesJson(i.text);
    return 'error' in rs ? 'invalid' : rs.ok;
  }
  const uapi = uapiIfLoaded(abi);
  if (uapi === undefined) return { unsupported: `the ${abi} UAPI tables are not loaded for minijail installs` };
  const r = parseMinijail(i.text, uapi, { abi, file: 'install' });
  return r.ok ? r.policy.ruleSet : 'invalid';
}

/** P9 answer `r` with a version-1 answerer for its 2011 installs and `layer` for each `rules` install. */
export function answerV2(r: RequestV2, v1: (r: Request) => Answer, layer: LayerAnswer): AnswerV2 {
  const unsupported = (why: string): AnswerV2 => ({ version: 2, id: r.id, unsupported: why });
  const other = r.installs.find((i) => i.dialect !== '2011' && !RULE_DIALECTS.includes(i.dialect));
  if (other !== undefined) return unsupported(`dialect '${other.dialect}' is not known to this adapter`);
  const has2011 = r.installs.some((i) => i.dialect === '2011');
  const first = v1(v1Of(r));
  if ('unsupported' in first) return unsupported(first.unsupported);
  const results: number[] = [];
  const layers: (readonly Action[])[] = [];
  let k2011 = 0;
  for (const i of r.installs) {
    if (i.dialect === '2011') {
      results.push(first.installs[k2011++]!);
      continue;
    }
    const rs = installRules(i, r.abi);
    if (rs === 'invalid') {
      results.push(-EINVAL);
      continue;
    }
    if ('unsupported' in rs) return unsupported(rs.unsupported);
    const answers = layer(rs, r.abi, r.calls);
    if ('unsupported' in answers) return unsupported(answers.unsupported);
    layers.push(answers);
    results.push(0);
  }
  const calls = r.calls.map((_, n) => {
    const newestFirst = layers.map((l) => l[n]!).reverse();
    // The 2011 filter is one layer: where it sits does not matter, as its answers (allow, the 2011 kill) have no data.
    if (has2011) newestFirst.push(first.calls[n] === 'kill' ? KILL_2011 : ALLOW);
    return formatAction(combine(newestFirst));
  });
  return { version: 2, id: r.id, installs: results, calls };
}
