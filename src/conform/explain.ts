/**
 * The rule that decides an answer (S-numbers of spec/): for a disagreement
 * report, and for the corpus's tags. Computed from the model's state, so
 * it names what the model did, in the order the model decides.
 */
import * as model from '../model/index.ts';
import { MSG, parsePolicy } from '../grammar/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { ERRNO } from '../x86/errno.ts';
import { MAX_USER_TEXT } from '../x86/prctl.ts';
import { callAbi } from '../x86/vectors.ts';
import { callRegs, modelInstall } from './model-adapter.ts';
import type { Request } from './protocol.ts';

/** A rule and why it applies. */
export interface RuleNote {
  /** The deciding rule, e.g. `S3.3`. */
  readonly rule: string;
  readonly why: string;
}

const LIMIT_MESSAGES: readonly string[] = [MSG.filterTooLong, MSG.tooManyTerms, MSG.illegalInteger];

/** The state before install `k` of `r`. */
const stateBefore = (r: Request, k: number): model.SeccompState => {
  const { machine, pid } = modelInstall({ ...r, installs: r.installs.slice(0, k), calls: [] });
  return machine.tasks.get(pid)!.seccomp;
};

/** The rule that decides install `k` of `r` (S5 and the grammar it relies on). */
export function installRule(r: Request, k: number, result: number): RuleNote {
  const text = r.installs[k]!;
  if (text.length >= MAX_USER_TEXT) return { rule: 'S5.2', why: `the text has no NUL within 64 KiB: -E2BIG` };
  const parsed = parsePolicy(text, r.abi);
  if (!parsed.ok && result === -ERRNO.EINVAL) {
    const e = parsed.errors[0]!;
    const rule = e.message.startsWith(MSG.unknownSyscall)
      ? 'S1.3'
      : LIMIT_MESSAGES.includes(e.message)
        ? 'S2.3'
        : e.message === MSG.fieldNotFound
          ? 'S2.2'
          : 'S2.1';
    return { rule, why: `line ${e.line} column ${e.column}: ${e.message}, so the whole text is -EINVAL (S2.5)` };
  }
  const before = stateBefore(r, k);
  if (result === -ERRNO.E2BIG)
    return { rule: 'S5.4', why: 'a merge `(old) && (new)` is over 255 characters or 32 terms: -E2BIG (C24)' };
  if (result === -ERRNO.EACCES) {
    return parsed.ok && parsed.policy.onNextSyscall && before.mode === 2
      ? { rule: 'S5.2', why: 'on_next_syscall in mode 2 would widen access: -EACCES (C14)' }
      : { rule: 'S5.4', why: 'in mode 2 an entry for a call with no entry would widen access: -EACCES' };
  }
  return before.mode === 2
    ? {
        rule: 'S5.4',
        why: `mode 2: the text only reduces access (entries merged as (old) && (new), 0 drops, 1 keeps), result ${result}`,
      }
    : {
        rule: 'S5.2',
        why: `mode 0: each entry is set (repeated names merged, S5.4), then mode 2 bound to ${r.abi}, result ${result}`,
      };
}

/** The rule that decides call `i` of `r` (S6.4, S3). */
export function callRule(r: Request, i: number): RuleNote {
  const { machine, pid } = modelInstall(r);
  const state = machine.tasks.get(pid)!.seccomp;
  const c = r.calls[i]!;
  const abi: Abi = callAbi(r.abi, c.vector);
  if (state.mode === 0)
    return { rule: 'S4.2', why: 'no install succeeded: the task is in mode 0 and every call is allowed' };
  if (state.pending)
    return {
      rule: 'S6.4',
      why: 'on_next_syscall is pending: the call is allowed (each call is made from a fresh copy of the state, P2)',
    };
  if (state.abi !== abi)
    return {
      rule: 'S6.4',
      why: `the filters are bound to ${String(state.abi)} and this call enters through ${c.vector} as ${abi}: killed (S9.5)`,
    };
  const table = syscallTable(abi);
  if (c.nr < 0 || c.nr >= table.nrSyscalls)
    return { rule: 'S6.4', why: `nr ${c.nr} is outside [0, ${table.nrSyscalls}) for ${abi}: killed` };
  const f = state.filters.get(c.nr);
  const name = table.byNr(c.nr)?.sysName ?? `${c.nr}`;
  if (f === undefined) return { rule: 'S3.4', why: `${name} has no entry: killed` };
  if (f.kind === 'allow') return { rule: 'S3.4', why: `${name}: 1 allows every call` };
  const record = model.recordOfRegs(model.mergeRegs(machine.tasks.get(pid)!.regs, callRegs(abi, c.nr, c.args)), abi);
  const value = model.filterAllows(f, record);
  const cut = abi === 'ia32' && c.args.some((a) => a > 0xffff_ffffn);
  return {
    rule: cut ? 'S3.2' : 'S3.3',
    why: `${name}: \`${f.text}\` is ${value} for ${record.args.map((a, j) => `a${j}=0x${a.toString(16)}`).join(' ')}${cut ? ' (compat arguments are their low 32 bits)' : ''}`,
  };
}
