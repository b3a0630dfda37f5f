/**
 * prctl's seccomp options (S5): PR_GET_SECCOMP, PR_SET_SECCOMP and the
 * per-call GET/SET/CLEAR_SECCOMP_FILTER. Everything slow happens here, at
 * prctl time: reading text, parsing, merging and compiling. Results are
 * the handler's return value: non-negative, or -errno (S5.7).
 */
import { parseFilter } from '../grammar/index.ts';
import { ABI_OF, Draft, SeccompState, filterText, type EngineRules } from '../seccomp/index.ts';
import { syscallTable } from '../x86/table.ts';
import { ERRNO } from '../x86/errno.ts';
import { PR } from '../x86/prctl.ts';
import type { Task } from './task.ts';

/** What prctl needs from its kernel: the S10-pluggable rules. */
export interface PrctlEnv {
  readonly rules: EngineRules;
  /** rules.abiMatches as a table (rules.ts). */
  readonly matches: Uint8Array;
}

const draft = (t: Task, env: PrctlEnv): Draft => new Draft(t.state, t.pending, env.rules, env.matches);

// S5.5 only a successful operation replaces the task's state.
function commit(t: Task, d: Draft): number {
  t.state = d.freeze();
  t.pending = d.pending;
  return 0;
}

/** S5.2, S5.1 PR_SET_SECCOMP with `mode` (full width, C10). */
function setSeccomp(t: Task, callAbi: number, mode: bigint, ptr: bigint, env: PrctlEnv): number {
  const st = t.state;
  if (mode === 1n) {
    // A5 a task with stacked rule sets is filtering: strict mode is refused as from mode 2.
    if (st.mode !== 0 || st.stacked) return -ERRNO.EPERM;
    t.state = new SeccompState(1, st.abi, st.filters, env.matches);
    return 0;
  }
  if (mode !== 2n) return -ERRNO.EINVAL;
  if (st.mode === 1) return -ERRNO.EPERM;
  const text = t.mem.readCString(ptr);
  if (typeof text === 'number') return text;
  const d = draft(t, env);
  const err = d.applyPolicy(text, callAbi);
  return err !== 0 ? -err : commit(t, d);
}

/** S5.3, C17 PR_GET_SECCOMP_FILTER (nr, buf, size): bytes written, text and NUL. */
function getFilter(t: Task, nr: number, buf: bigint, size: bigint): number {
  const f = t.state.filters.get(nr);
  if (f === undefined) return -ERRNO.ENOENT;
  if (size === 0n) return -ERRNO.EINVAL;
  const text = filterText(f);
  const need = text.length + 1;
  if (size < BigInt(need)) return -ERRNO.ENOSPC;
  if (t.mem.read(buf, need) === undefined) return -ERRNO.EFAULT;
  const bytes = new Uint8Array(need);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  t.mem = t.mem.writable();
  t.mem.write(buf, bytes);
  return need;
}

/** S5.3, S5.4, S5.6 PR_SET_SECCOMP_FILTER (nr, filter_ptr). */
function setFilter(t: Task, callAbi: number, nr: number, ptr: bigint, env: PrctlEnv): number {
  if (t.state.mode === 1) return -ERRNO.EPERM;
  // Checks in order: the text is read first, then the ABI binding (S5.6).
  const text = t.mem.readCString(ptr);
  if (typeof text === 'number') return text;
  const d = draft(t, env);
  if (!d.abiAllowsSet(callAbi)) return -ERRNO.EACCES;
  const parsed = parseFilter(text, syscallTable(ABI_OF[callAbi]!).byNr(nr)?.args ?? [], { abi: ABI_OF[callAbi]! });
  if (!parsed.ok) return -ERRNO.EINVAL;
  const err = d.set(nr, parsed.filter, callAbi);
  return err !== 0 ? -err : commit(t, d);
}

/**
 * S5 prctl(option, arg2, arg3, arg4) through `callAbi` (0 native, 1
 * compat). `option` is the low 32 bits of the first argument (C10).
 */
export function prctl(t: Task, callAbi: number, a: readonly bigint[], env: PrctlEnv): number {
  const option = Number(BigInt.asIntN(32, a[0]!));
  const [, a1 = 0n, a2 = 0n, a3 = 0n] = a;
  switch (option) {
    case PR.GET_SECCOMP:
      // S5.7, A5 a task filtering by stacked rule sets alone reads SECCOMP_MODE_FILTER.
      return t.state.mode === 0 && t.state.stacked ? 2 : t.state.mode;
    case PR.SET_SECCOMP:
      return setSeccomp(t, callAbi, a1, a2, env);
    case PR.GET_SECCOMP_FILTER:
    case PR.SET_SECCOMP_FILTER:
    case PR.CLEAR_SECCOMP_FILTER: {
      // S5.3 an nr outside the calling ABI's table is -EINVAL.
      if (a1 >= BigInt(syscallTable(ABI_OF[callAbi]!).nrSyscalls)) return -ERRNO.EINVAL;
      const nr = Number(a1);
      if (option === PR.GET_SECCOMP_FILTER) return getFilter(t, nr, a2, a3);
      if (option === PR.SET_SECCOMP_FILTER) return setFilter(t, callAbi, nr, a2, env);
      if (t.state.mode === 1) return -ERRNO.EPERM;
      const d = draft(t, env);
      d.clear(nr, callAbi);
      return commit(t, d);
    }
    default:
      return -ERRNO.EINVAL;
  }
}
