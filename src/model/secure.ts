/**
 * The seccomp check of the entry path (S6.2 to S6.4, S6.6): the call record
 * read from registers, strict mode's sets, filter mode's decision order and
 * the kill log line.
 */
import { syscallTable, type Abi } from '../x86/table.ts';
import type { Regs } from '../x86/registers.ts';
import { filterAllows, type CallRecord } from './evaluate.ts';
import { CORRECT_RULES, type Rules } from './rules.ts';
import type { SeccompState } from './state.ts';

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

/** The result of the filter-mode check: allow or kill, and the state after it (S6.4). */
export interface FilterDecision {
  readonly allow: boolean;
  readonly state: SeccompState;
}

// S6.4 the filter of an in-range number, or none: a missing entry denies (S3.4).
function filterDecides(state: SeccompState, abi: Abi, record: CallRecord): boolean {
  if (record.nr < 0 || record.nr >= syscallTable(abi).nrSyscalls) return false;
  const filter = state.filters.get(record.nr);
  return filter !== undefined && filterAllows(filter, record);
}

/**
 * S6.4 filter mode, in order: a pending grant allows one call and is spent;
 * a call through another ABI is killed; an out-of-range number is killed;
 * otherwise the entry of nr decides, and no entry kills.
 */
export function decide(
  state: SeccompState,
  abi: Abi,
  record: CallRecord,
  rules: Rules = CORRECT_RULES,
): FilterDecision {
  if (state.pending) return { allow: true, state: { ...state, pending: false } };
  if (state.abi === null || !rules.abiMatches(state.abi, abi)) return { allow: false, state };
  return { allow: filterDecides(state, state.abi, record), state };
}

/** C22 the kernel log line of a filter-mode kill; `?` names a number the call's ABI does not list. */
export const killLog = (comm: string, pid: number, nr: number, abi: Abi, rip: bigint): string =>
  `${comm}[${pid}]: system call ${nr} (${syscallTable(abi).byNr(nr)?.sysName ?? '?'}) blocked at ip:${rip.toString(16)}`;
