/**
 * secure_computing (S6.3, S6.4) on the hot path: table reads and, for an
 * expression entry, one call of the state's compiled test, which reads
 * only the argument words it needs. No allocation, no BigInt, no Map.
 */
import * as layer from './layer.ts';
import * as state from './state.ts';
import type { SeccompState } from './state.ts';
import * as task from './task.ts';
import type { SeccompTask } from './task.ts';

// Local copies of imported constants: an imported binding is a live module
// cell that V8 loads and TDZ-checks on every call; a local const folds.
const PENDING_BIT = 2;
const KIND_NONE = 0;
const KIND_ALLOW = 1;
const ALLOW_CODE = 8 << 16;
const KILL_CODE = 0;
if (
  PENDING_BIT !== task.PENDING_BIT ||
  KIND_NONE !== state.KIND_NONE ||
  KIND_ALLOW !== state.KIND_ALLOW ||
  ALLOW_CODE !== layer.ALLOW_CODE ||
  KILL_CODE !== layer.KILL_CODE
) {
  throw new Error('secure.ts constants disagree with their definitions');
}

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
 * secure_computing(nr) for a task with TIF_SECCOMP (S6.2), as an action
 * code (layer.ts: A3 rank << 16 | data; ALLOW_CODE lets the call run):
 * strict mode's set (S6.3), or filter mode in order (S6.4, A6): a pending
 * grant allows and is spent; then the 2011 map alone: the ABI must
 * match (the state's match flags, which carry the S10-pluggable rule); nr
 * must be in range of the state's ABI; the entry must allow, else the 2011
 * kill. A stacked state's match flags are false, so its calls leave here
 * with the kill code at once and the caller decides over the stack
 * (decideStack) on its slow path: the 2011 path stays as short as it was. `t` holds the task's seccomp fields (task.ts) and `st` is its
 * state, which the caller has read already; arguments come from the
 * pt_regs row at `w[b]` (S3.2). One flat function, so the entry path
 * inlines it.
 */
export function secureComputing(
  t: SeccompTask,
  st: SeccompState,
  callAbi: number,
  nr: number,
  w: Uint32Array,
  b: number,
): number {
  if (st.mode === 1) return strictAllows(callAbi, nr) ? ALLOW_CODE : KILL_CODE;
  const flags = t.flags;
  if ((flags & PENDING_BIT) !== 0) {
    t.flags = flags & ~PENDING_BIT;
    return ALLOW_CODE;
  }
  // `!== true` (as below) is one pointer compare, where `!` on a value of unknown type is a generic ToBoolean.
  if ((callAbi === 0 ? st.nativeMatches : st.compatMatches) !== true) return KILL_CODE;
  const kinds = st.kinds;
  // One unsigned compare: negative numbers become huge and fall out of range.
  if (nr >>> 0 >= kinds.length) return KILL_CODE;
  const k = kinds[nr];
  if (k === KIND_ALLOW) return ALLOW_CODE;
  if (k === KIND_NONE) return KILL_CODE;
  return (callAbi === 0 ? st.nativeRegs(nr, w, b) : st.compatRegs(nr, w, b)) === true ? ALLOW_CODE : KILL_CODE;
}

/** S6.4 the 2011 map's answer, as a code, for arguments in a pt_regs row (`fromRegs`) or 12 words. */
function decide2011(
  st: SeccompState,
  callAbi: number,
  nr: number,
  w: ArrayLike<number>,
  b: number,
  fromRegs: boolean,
): number {
  if ((callAbi === 0 ? st.map2011Native : st.map2011Compat) !== true) return KILL_CODE;
  const kinds = st.kinds;
  if (nr >>> 0 >= kinds.length) return KILL_CODE;
  const k = kinds[nr];
  if (k === KIND_ALLOW) return ALLOW_CODE;
  if (k === KIND_NONE) return KILL_CODE;
  const test = fromRegs
    ? callAbi === 0
      ? st.nativeRegs
      : st.compatRegs
    : callAbi === 0
      ? st.nativeArgs
      : st.compatArgs;
  return test(nr, w, b) === true ? ALLOW_CODE : KILL_CODE;
}

/**
 * A6 the answer of a stack (the 2011 map in mode 2, and every stacked rule
 * set, newest first) as a code: the lowest rank wins (A3); of equal ranks
 * the first seen, which is the newest filter (the 2011 map's answers carry
 * no data, so where it sits changes nothing). Nothing outranks the 2011 kill.
 */
export function decideStack(
  st: SeccompState,
  callAbi: number,
  nr: number,
  w: ArrayLike<number>,
  b: number,
  fromRegs: boolean,
): number {
  let best = st.mode === 2 ? decide2011(st, callAbi, nr, w, b, fromRegs) : ALLOW_CODE;
  const layers = st.layers;
  for (let i = 0; i < layers.length && best !== KILL_CODE; i++) {
    const c = layers[i]!.code(callAbi, nr, w, b, fromRegs);
    if (c >>> 16 < best >>> 16) best = c;
  }
  return best;
}

/**
 * A6 the same decision as secureComputing for a task in mode 2 or with a
 * stack and no pending grant, for arguments given as 12 uint32 words
 * `[lo0, hi0, ..., lo5, hi5]`; compat high halves are ignored (S3.2).
 */
export function decideArgs(st: SeccompState, callAbi: number, nr: number, a: ArrayLike<number>): number {
  return st.stacked === true ? decideStack(st, callAbi, nr, a, 0, false) : decide2011(st, callAbi, nr, a, 0, false);
}

/**
 * S6.4 the same decision for arguments given as 12 uint32 words
 * `[lo0, hi0, ..., lo5, hi5]`; compat high halves are ignored (S3.2).
 */
export function filterAllowsArgs(st: SeccompState, callAbi: number, nr: number, a: ArrayLike<number>): boolean {
  if ((callAbi === 0 ? st.nativeMatches : st.compatMatches) !== true) return false;
  const kinds = st.kinds;
  if (nr < 0 || nr >= kinds.length) return false;
  const k = kinds[nr];
  if (k === KIND_ALLOW) return true;
  if (k === KIND_NONE) return false;
  return (callAbi === 0 ? st.nativeArgs(nr, a, 0) : st.compatArgs(nr, a, 0)) === true;
}
