/**
 * runc's reading of a profile into libseccomp calls (O3 of spec/18-oci.md),
 * each of its quirks one function: one rule per name, the rule's action
 * with its errnoRet, rules whose action is the default's dropped, a rule
 * that compares one argument twice split into one rule per comparison,
 * the other args of a rule ANDed, unknown names skipped.
 */
import * as E from 'fp-ts/lib/Either.js';
import { KILL_PROCESS, KILL_THREAD, LOG, USER_NOTIF, ALLOW, errno, trace, trap, type Action } from '../action/index.ts';
import type { ActionName, OciError, Profile, ProfileArg, ProfileRule } from './profile.ts';

/** EPERM: the errno of SCMP_ACT_ERRNO and the data of SCMP_ACT_TRACE when the profile gives none. */
export const EPERM = 1;

/** One call of seccomp_rule_add as runc makes it: a name, an action, the comparisons ANDed. */
export interface LibRule {
  readonly name: string;
  readonly action: Action;
  readonly args: readonly ProfileArg[];
  /** The rule's index in the profile file, and how it is shown. */
  readonly index: number;
  readonly text: string;
}

/** What runc hands libseccomp: the default action and the rules in order, with what it dropped. */
export interface RuncFilter {
  readonly defaultAction: Action;
  readonly rules: readonly LibRule[];
  /** Rules (by file index and name) whose action equals the default: runc does not add them. */
  readonly droppedAsDefault: readonly { readonly index: number; readonly name: string }[];
  /** Names no table knows, skipped (runc logs them at debug level only). */
  readonly unknownNames: readonly string[];
}

/**
 * runc's action for a profile's action name and errnoRet: SCMP_ACT_KILL is
 * kill-thread; SCMP_ACT_ERRNO and SCMP_ACT_TRACE take errnoRet as their
 * data, EPERM when it is unset; the others ignore errnoRet.
 */
export function runcAction(name: ActionName, errnoRet: number | undefined): Action {
  switch (name) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return trap(0);
    case 'SCMP_ACT_ERRNO':
      return errno(errnoRet ?? EPERM);
    case 'SCMP_ACT_TRACE':
      return trace(errnoRet ?? EPERM);
    case 'SCMP_ACT_ALLOW':
      return ALLOW;
    case 'SCMP_ACT_LOG':
      return LOG;
    case 'SCMP_ACT_NOTIFY':
      return USER_NOTIF;
  }
}

const sameAction = (a: Action, b: Action): boolean => JSON.stringify(a) === JSON.stringify(b);

const OP_TEXT: Readonly<Record<ProfileArg['op'], string>> = {
  SCMP_CMP_NE: '!=',
  SCMP_CMP_LT: '<',
  SCMP_CMP_LE: '<=',
  SCMP_CMP_EQ: '==',
  SCMP_CMP_GE: '>=',
  SCMP_CMP_GT: '>',
  SCMP_CMP_MASKED_EQ: '&',
};

/** One comparison as text: `a0 == 0x1`, `a1 & 0xff == 0x2`. */
export const argText = (a: ProfileArg): string =>
  a.op === 'SCMP_CMP_MASKED_EQ'
    ? `a${a.index} & 0x${a.value.toString(16)} == 0x${a.valueTwo.toString(16)}`
    : `a${a.index} ${OP_TEXT[a.op]} 0x${a.value.toString(16)}`;

/** How rule `index` for `name` is shown in explanations: `syscalls[3] clone(a0 & 0x7e020000 == 0x0) SCMP_ACT_ALLOW`. */
export const ruleText = (index: number, name: string, args: readonly ProfileArg[], r: ProfileRule): string =>
  `syscalls[${index}] ${name}(${args.map(argText).join(' && ')}) ${r.action}${r.errnoRet !== undefined ? ` errnoRet ${r.errnoRet}` : ''}`;

/**
 * runc's split: when a rule compares one argument index more than once,
 * runc adds every comparison of the rule (of any index) as a rule of its
 * own, so the comparisons are ORed; otherwise the rule's comparisons are
 * one rule, ANDed.
 */
export function splitRepeatedIndex(args: readonly ProfileArg[]): readonly (readonly ProfileArg[])[] {
  const seen = new Set<number>();
  const repeated = args.some((a) => seen.has(a.index) || (seen.add(a.index), false));
  return repeated ? args.map((a) => [a]) : [args];
}

/**
 * O3 runc's reading of `p` (after Docker's resolution), with `indices[i]`
 * the file index of `p.syscalls[i]` and `known(name)` whether libseccomp
 * knows a name on some architecture. Refuses what runc refuses: a
 * user-notif default action, a user-notif rule for `write`.
 */
export function runcRules(
  p: Profile,
  indices: readonly number[],
  known: (name: string) => boolean,
): E.Either<readonly OciError[], RuncFilter> {
  const defaultAction = runcAction(p.defaultAction, p.defaultErrnoRet);
  const errors: OciError[] = [];
  if (defaultAction.kind === 'user-notif')
    errors.push({ path: `${p.at}.defaultAction`, message: 'runc refuses SCMP_ACT_NOTIFY as the default action' });
  const rules: LibRule[] = [];
  const droppedAsDefault: { index: number; name: string }[] = [];
  const unknown = new Set<string>();
  p.syscalls.forEach((r, i) => {
    const index = indices[i] ?? i;
    const action = runcAction(r.action, r.errnoRet);
    for (const name of r.names) {
      if (action.kind === 'user-notif' && name === 'write')
        errors.push({ path: `${p.at}.syscalls[${index}]`, message: 'runc refuses SCMP_ACT_NOTIFY for write' });
      if (sameAction(action, defaultAction)) {
        droppedAsDefault.push({ index, name });
        continue;
      }
      if (!known(name)) {
        unknown.add(name);
        continue;
      }
      for (const args of splitRepeatedIndex(r.args))
        rules.push({ name, action, args, index, text: ruleText(index, name, args, r) });
    }
  });
  if (errors.length > 0) return E.left(errors);
  return E.right({ defaultAction, rules, droppedAsDefault, unknownNames: [...unknown] });
}
