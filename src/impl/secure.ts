/**
 * secure_computing (S6.3, S6.4) on the hot path: table reads and, for an
 * expression entry, one call of its compiled predicate. No allocation, no
 * BigInt, no Map: registers are read as uint32 words of a pt_regs row.
 */
import { R } from '../x86/regs.ts';
import { KIND_ALLOW, KIND_NONE, type SeccompState } from './state.ts';

function strictSet(nrs: readonly number[]): Uint8Array {
  const t = new Uint8Array(Math.max(...nrs) + 1);
  for (const n of nrs) t[n] = 1;
  return t;
}

/** S6.3 strict mode: read, write, exit, rt_sigreturn natively. */
const STRICT_NATIVE = strictSet([0, 1, 60, 15]);
/** S6.3 strict mode: exit, read, write, sigreturn in compat. */
const STRICT_COMPAT = strictSet([1, 3, 4, 119]);

/** S6.3 whether strict mode allows `nr` through `callAbi` (0 native, 1 compat). */
export function strictAllows(callAbi: number, nr: number): boolean {
  const t = callAbi === 0 ? STRICT_NATIVE : STRICT_COMPAT;
  return nr >= 0 && nr < t.length && t[nr] === 1;
}

/**
 * S6.4 after the pending check: the ABI must match (through `matches`, the
 * S10-pluggable table), nr must be in range, and the entry must allow.
 * Arguments come from the row at `w[b]`: the native registers at full
 * width, or the compat ones zero-extended (S3.2).
 */
export function filterAllowsRegs(st: SeccompState, matches: Uint8Array, callAbi: number, nr: number, w: Uint32Array, b: number): boolean {
  if (matches[st.abi * 2 + callAbi] !== 1) return false;
  const kinds = st.kinds;
  if (nr < 0 || nr >= kinds.length) return false;
  const k = kinds[nr];
  if (k === KIND_ALLOW) return true;
  if (k === KIND_NONE) return false;
  const p = st.preds[nr]!;
  return callAbi === 0
    ? p(w[b + R.rdi]!, w[b + R.rdi + 1]!, w[b + R.rsi]!, w[b + R.rsi + 1]!, w[b + R.rdx]!, w[b + R.rdx + 1]!,
      w[b + R.r10]!, w[b + R.r10 + 1]!, w[b + R.r8]!, w[b + R.r8 + 1]!, w[b + R.r9]!, w[b + R.r9 + 1]!)
    : p(w[b + R.rbx]!, 0, w[b + R.rcx]!, 0, w[b + R.rdx]!, 0, w[b + R.rsi]!, 0, w[b + R.rdi]!, 0, w[b + R.rbp]!, 0);
}

/**
 * S6.4 the same decision for a record given as 12 uint32 words
 * `[lo0, hi0, ..., lo5, hi5]` in argument order; compat high halves are
 * ignored (S3.2 zero extension).
 */
export function filterAllowsArgs(st: SeccompState, matches: Uint8Array, callAbi: number, nr: number, a: ArrayLike<number>): boolean {
  if (matches[st.abi * 2 + callAbi] !== 1) return false;
  const kinds = st.kinds;
  if (nr < 0 || nr >= kinds.length) return false;
  const k = kinds[nr];
  if (k === KIND_ALLOW) return true;
  if (k === KIND_NONE) return false;
  const p = st.preds[nr]!;
  return callAbi === 0
    ? p(a[0]! >>> 0, a[1]! >>> 0, a[2]! >>> 0, a[3]! >>> 0, a[4]! >>> 0, a[5]! >>> 0,
      a[6]! >>> 0, a[7]! >>> 0, a[8]! >>> 0, a[9]! >>> 0, a[10]! >>> 0, a[11]! >>> 0)
    : p(a[0]! >>> 0, 0, a[2]! >>> 0, 0, a[4]! >>> 0, 0, a[6]! >>> 0, 0, a[8]! >>> 0, 0, a[10]! >>> 0, 0);
}
