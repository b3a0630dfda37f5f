/**
 * The seccomp prctl options (S5, C10 to C17) as pure functions of the
 * caller's state, memory and argument values. Each returns the new state and
 * memory with the result, or the errno with nothing changed (S5.5).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { parseFilter } from '../grammar/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { ERRNO } from '../x86/errno.ts';
import { PR } from '../x86/prctl.ts';
import { readCString, writeBytes, type Memory } from './memory.ts';
import { CORRECT_RULES, type Rules } from './rules.ts';
import { abiAllowsSet, applyPolicy, clearEntry, filterText, setEntry, type Errno, type SeccompState } from './state.ts';

/** What a successful prctl leaves behind. */
export interface PrctlEffect {
  readonly state: SeccompState;
  readonly memory: Memory;
  /** The value returned in rax (non-negative). */
  readonly result: bigint;
}

/** The caller of a prctl: its seccomp state, its memory and the call's ABI. */
export interface PrctlCaller {
  readonly state: SeccompState;
  readonly memory: Memory;
  readonly abi: Abi;
}

type Result = E.Either<Errno, PrctlEffect>;

/** S5.7, A5 the mode PR_GET_SECCOMP reads: 2 (SECCOMP_MODE_FILTER) for a task filtering by stacked rule sets alone. */
export const effectiveMode = (s: SeccompState): number => (s.mode === 0 && s.stack.length > 0 ? 2 : s.mode);

const done = (c: PrctlCaller, state: SeccompState, result = 0n): Result => E.right({ state, memory: c.memory, result });

// S5.3 per-call options name a number of the call's ABI; others are -EINVAL.
const inRange = (nr: bigint, abi: Abi): boolean => nr >= 0n && nr < BigInt(syscallTable(abi).nrSyscalls);

/** S5.1/S5.2 PR_SET_SECCOMP: mode 1 from mode 0 only; mode 2 with a policy text from mode 0 or 2. */
export function setSeccomp(c: PrctlCaller, mode: bigint, textPtr: bigint, rules: Rules = CORRECT_RULES): Result {
  if (mode !== 1n && mode !== 2n) return E.left(ERRNO.EINVAL); // C10
  // A5 a task with stacked rule sets is filtering: strict mode is refused as from mode 2.
  if (mode === 1n)
    return c.state.mode === 0 && c.state.stack.length === 0 ? done(c, { ...c.state, mode: 1 }) : E.left(ERRNO.EPERM);
  if (c.state.mode === 1) return E.left(ERRNO.EPERM);
  return pipe(
    readCString(c.memory, textPtr),
    E.chain((text) => applyPolicy(c.state, text, c.abi, rules)),
    E.chain((state) => done(c, state)),
  );
}

/** S5.3/C17 PR_GET_SECCOMP_FILTER: copy the entry's text and NUL to `buf`; checks in C17's order. */
export function getFilter(c: PrctlCaller, nr: bigint, buf: bigint, size: bigint): Result {
  if (!inRange(nr, c.abi)) return E.left(ERRNO.EINVAL);
  const filter = c.state.filters.get(Number(nr));
  if (filter === undefined) return E.left(ERRNO.ENOENT);
  const bytes = [...filterText(filter)].map((ch) => ch.charCodeAt(0) & 0xff).concat([0]);
  if (size === 0n) return E.left(ERRNO.EINVAL);
  if (size < BigInt(bytes.length)) return E.left(ERRNO.ENOSPC);
  // C16 the kernel writes only bytes that are already mapped.
  const mapped = bytes.every((_, i) => c.memory.has(buf + BigInt(i)));
  if (!mapped) return E.left(ERRNO.EFAULT);
  return pipe(
    writeBytes(c.memory, buf, bytes),
    E.mapLeft((): Errno => ERRNO.EFAULT),
    E.map((memory) => ({ state: c.state, memory, result: BigInt(bytes.length) })),
  );
}

/**
 * S5.3/C13 PR_SET_SECCOMP_FILTER: one entry, as a mode-0 SET or a mode-2
 * reduction (S5.4), bound by ABI (S5.6); in mode 1 -EPERM, as for
 * PR_SET_SECCOMP (C25).
 */
export function setFilter(c: PrctlCaller, nr: bigint, filterPtr: bigint, rules: Rules = CORRECT_RULES): Result {
  if (!inRange(nr, c.abi)) return E.left(ERRNO.EINVAL);
  if (c.state.mode === 1) return E.left(ERRNO.EPERM);
  const n = Number(nr);
  return pipe(
    readCString(c.memory, filterPtr),
    E.chain((text) => (abiAllowsSet(c.state, c.abi, rules) ? E.right(text) : E.left(ERRNO.EACCES))),
    E.chain((text) => {
      const parsed = parseFilter(text, syscallTable(c.abi).byNr(n)?.args ?? [], { abi: c.abi });
      return parsed.ok ? E.right(parsed.filter) : E.left(ERRNO.EINVAL);
    }),
    E.chain((filter) => setEntry(c.state, n, filter, c.abi, rules)),
    E.chain((state) => done(c, state)),
  );
}

/** S5.3/C12 PR_CLEAR_SECCOMP_FILTER: drop the entry in any mode, from either ABI. */
export const clearFilter = (c: PrctlCaller, nr: bigint): Result =>
  inRange(nr, c.abi) ? done(c, clearEntry(c.state, Number(nr), c.abi)) : E.left(ERRNO.EINVAL);

/**
 * S5 prctl(option, a1, a2, a3): the option is the low 32 bits of the first
 * argument (C10), the rest are used at full width; unknown options -EINVAL.
 */
export function prctl(c: PrctlCaller, args: readonly bigint[], rules: Rules = CORRECT_RULES): Result {
  const [a1, a2, a3] = [args[1] ?? 0n, args[2] ?? 0n, args[3] ?? 0n];
  switch (Number(BigInt.asIntN(32, args[0] ?? 0n))) {
    case PR.GET_SECCOMP:
      return done(c, c.state, BigInt(effectiveMode(c.state))); // S5.7, A5
    case PR.SET_SECCOMP:
      return setSeccomp(c, a1, a2, rules);
    case PR.GET_SECCOMP_FILTER:
      return getFilter(c, a1, a2, a3);
    case PR.SET_SECCOMP_FILTER:
      return setFilter(c, a1, a2, rules);
    case PR.CLEAR_SECCOMP_FILTER:
      return clearFilter(c, a1);
    default:
      return E.left(ERRNO.EINVAL);
  }
}
