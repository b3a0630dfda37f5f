/**
 * The seccomp check of the entry path (S6.2 to S6.4, S6.6): the call record
 * read from registers, strict mode's sets, filter mode's decision order and
 * the kill log line.
 */
import { syscallTable, type Abi } from '../x86/table.ts';
import type { Regs } from '../x86/registers.ts';
import { AUDIT_ARCH } from '../x86/outcome.ts';
import { ALLOW, KILL_2011, actionRank, actionRuns, combine, type Action } from '../action/index.ts';
import { decideRules, ruleSetOf2011, type Rule, type RuleAnswer, type RuleSet } from '../ruleset/index.ts';
import type { CallRecord } from './evaluate.ts';
import { CORRECT_RULES, type Rules } from './rules.ts';
import { filterText, type ActiveFilter, type SeccompState } from './state.ts';

const NATIVE_ARGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;
const COMPAT_ARGS = ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'] as const;

/** C8 the system call number: the low 32 bits of rax, as a signed int. */
export const syscallNr = (rax: bigint): number => Number(BigInt.asIntN(32, rax));

/**
 * S3.1/S3.2 the record of a call through `abi`: native arguments are full
 * registers, compat ones (ebx, ecx, edx, esi, edi, ebp) their low 32 bits.
 */
export const recordOfRegs = (regs: Regs, abi: Abi): CallRecord => ({
  nr: syscallNr(regs.rax),
  args: abi === 'x86_64' ? NATIVE_ARGS.map((r) => regs[r]) : COMPAT_ARGS.map((r) => BigInt.asUintN(32, regs[r])),
});

const STRICT: Readonly<Record<Abi, readonly number[]>> = {
  x86_64: [0, 1, 60, 15],
  ia32: [1, 3, 4, 119],
};

/** S6.3 strict mode allows read, write, exit and (rt_)sigreturn of the call's ABI, nothing else. */
export const strictAllowed = (abi: Abi, nr: number): boolean => STRICT[abi].includes(nr);

/**
 * The result of the filter-mode check (S6.4, A6): the action the task's
 * filters give the call, the rule that chose it (none when a default or
 * the pending grant answered), which stacked rule set it came from, and
 * the state after the check (a pending grant spent).
 */
export interface FilterDecision {
  readonly action: Action;
  /** The rule that answered, if a rule did (not a default, not the pending grant). */
  readonly rule?: Rule;
  /** The index in `state.stack` (0 the newest) of the filter that answered; absent for the 2011 map and the grant. */
  readonly layer?: number;
  /** Whether the call runs (allow or log). */
  readonly allow: boolean;
  readonly state: SeccompState;
}

const layers2011 = new WeakMap<ReadonlyMap<number, ActiveFilter>, Partial<Record<Abi, RuleSet>>>();

/**
 * R5 the 2011 map of a state as one layer of its stack, built once per
 * map (a map is never changed, S5.5: a change makes a new one).
 */
export function ruleSetOfState(state: SeccompState, abi: Abi): RuleSet {
  const byAbi = layers2011.get(state.filters) ?? {};
  const hit = byAbi[abi];
  if (hit !== undefined) return hit;
  const table = syscallTable(abi);
  const rs = ruleSetOf2011(
    abi,
    state.filters,
    (nr, f) => `${table.byNr(nr)?.sysName ?? nr}: ${filterText(f as ActiveFilter)}`,
  );
  layers2011.set(state.filters, { ...byAbi, [abi]: rs });
  return rs;
}

// S6.4 the 2011 map's answer: a call through another ABI is killed (S5.6, pluggable for S10);
// otherwise the map read as a rule set (R5) decides, as for a call of the map's own ABI.
function answer2011(state: SeccompState, abi: Abi, record: CallRecord, rules: Rules): RuleAnswer {
  if (state.abi === null || !rules.abiMatches(state.abi, abi)) return { action: KILL_2011, by: 'other-arch' };
  return decideRules(ruleSetOfState(state, state.abi), state.abi, record.nr, record.args);
}

/**
 * S6.4, A6 filter mode, in order: a pending grant allows one call and is
 * spent; otherwise every filter of the stack answers (the 2011 map, in
 * mode 2, as one of them) and A3's precedence picks the action: the
 * strongest kind, the newest filter's among equals. The 2011 map's own
 * order is S6.4's: another ABI, an out-of-range number and a number without
 * an entry are killed.
 */
export function decide(
  state: SeccompState,
  abi: Abi,
  record: CallRecord,
  rules: Rules = CORRECT_RULES,
): FilterDecision {
  if (state.pending) return { action: ALLOW, allow: true, state: { ...state, pending: false } };
  const answers = state.stack.map((rs) => decideRules(rs, abi, record.nr, record.args));
  const all = state.mode === 2 ? [...answers, answer2011(state, abi, record, rules)] : answers;
  const action = combine(all.map((a) => a.action));
  // A3 the newest filter whose answer is of the winning kind chose it.
  const layer = all.findIndex((a) => actionRank(a.action) === actionRank(action));
  const chosen = all[layer];
  const from = layer >= 0 && layer < answers.length ? { layer } : {};
  const rule = chosen?.rule === undefined ? {} : { rule: chosen.rule };
  return { action, ...rule, ...from, allow: actionRuns(action), state };
}

/** C22 the kernel log line of a filter-mode kill; `?` names a number the call's ABI does not list. */
export const killLog = (comm: string, pid: number, nr: number, abi: Abi, rip: bigint): string =>
  `${comm}[${pid}]: system call ${nr} (${syscallTable(abi).byNr(nr)?.sysName ?? '?'}) blocked at ip:${rip.toString(16)}`;

/**
 * A7, A11 the audit line of a logged call (log, kill-thread, kill-process),
 * in the kernel's audit_seccomp format without its session fields:
 * `sig` is 31 (SIGSYS) for the kills and 0 for log, `code` the filter's
 * 32-bit return value (A2).
 */
export const auditLog = (
  comm: string,
  pid: number,
  nr: number,
  abi: Abi,
  rip: bigint,
  sig: number,
  code: number,
): string =>
  `audit: type=1326 pid=${pid} comm="${comm}" sig=${sig} arch=${AUDIT_ARCH[abi].toString(16)} syscall=${nr} ` +
  `compat=${abi === 'ia32' ? 1 : 0} ip=0x${rip.toString(16)} code=0x${(code >>> 0).toString(16)}`;
