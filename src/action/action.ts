/**
 * What a filter answers (A1 to A4 of spec/16-actions.md): the actions of
 * today's seccomp, the 2011 kill, their 32-bit SECCOMP_RET_* values, their
 * spellings, and the precedence the kernel applies when a task's stacked
 * filters answer differently. Imports nothing: every layer may use it.
 */

/**
 * A filter's answer for one call. `kill` is the 2011 proposal's kill
 * (do_exit with SIGKILL); the others are today's SECCOMP_RET_* actions.
 * `errno` carries 0..4095, `trap` and `trace` 16 bits of data.
 */
export type Action =
  | { readonly kind: 'kill' }
  | { readonly kind: 'kill-process' }
  | { readonly kind: 'kill-thread' }
  | { readonly kind: 'trap'; readonly data: number }
  | { readonly kind: 'errno'; readonly errno: number }
  | { readonly kind: 'user-notif' }
  | { readonly kind: 'trace'; readonly data: number }
  | { readonly kind: 'log' }
  | { readonly kind: 'allow' };

/** The kind of an action, without its data. */
export type ActionKind = Action['kind'];

/** Shared constants for the actions that carry no data. */
export const ALLOW: Action = Object.freeze({ kind: 'allow' });
export const LOG: Action = Object.freeze({ kind: 'log' });
export const KILL_2011: Action = Object.freeze({ kind: 'kill' });
export const KILL_PROCESS: Action = Object.freeze({ kind: 'kill-process' });
export const KILL_THREAD: Action = Object.freeze({ kind: 'kill-thread' });
export const USER_NOTIF: Action = Object.freeze({ kind: 'user-notif' });

/** MAX_ERRNO: the largest errno a filter can return. */
export const MAX_ERRNO = 4095;
/** SECCOMP_RET_DATA: the largest trap or trace data. */
export const MAX_DATA = 0xffff;

/** An errno action; throws RangeError outside 0..4095 (callers validate input first). */
export function errno(n: number): Action {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ERRNO) throw new RangeError(`errno ${n} is outside 0..${MAX_ERRNO}`);
  return { kind: 'errno', errno: n };
}

/** A trap action with its data; throws RangeError outside 0..65535. */
export function trap(data = 0): Action {
  if (!Number.isInteger(data) || data < 0 || data > MAX_DATA)
    throw new RangeError(`trap data ${data} is outside 0..65535`);
  return { kind: 'trap', data };
}

/** A trace action with its data; throws RangeError outside 0..65535. */
export function trace(data = 0): Action {
  if (!Number.isInteger(data) || data < 0 || data > MAX_DATA)
    throw new RangeError(`trace data ${data} is outside 0..65535`);
  return { kind: 'trace', data };
}

/** SECCOMP_RET_* action values (the top 16 bits of a filter's result). */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** SECCOMP_RET_ACTION_FULL and SECCOMP_RET_DATA masks. */
export const RET_ACTION_FULL = 0xffff0000;
export const RET_DATA = 0x0000ffff;

/**
 * A2 the 32-bit value a BPF filter returns for `a`. The 2011 kill has no
 * value of its own: it is returned as `kill2011` says (KILL_PROCESS by default).
 */
export function actionRet(a: Action, kill2011: number = SECCOMP_RET.KILL_PROCESS): number {
  switch (a.kind) {
    case 'kill':
      return kill2011 >>> 0;
    case 'kill-process':
      return SECCOMP_RET.KILL_PROCESS;
    case 'kill-thread':
      return SECCOMP_RET.KILL_THREAD;
    case 'trap':
      return (SECCOMP_RET.TRAP | a.data) >>> 0;
    case 'errno':
      return (SECCOMP_RET.ERRNO | a.errno) >>> 0;
    case 'user-notif':
      return SECCOMP_RET.USER_NOTIF;
    case 'trace':
      return (SECCOMP_RET.TRACE | a.data) >>> 0;
    case 'log':
      return SECCOMP_RET.LOG;
    case 'allow':
      return SECCOMP_RET.ALLOW;
  }
}

/**
 * A2 the action of a 32-bit filter result, as the kernel reads it: the
 * action bits select the action (an unknown value acts as KILL_PROCESS,
 * as seccomp_run_filters' callers treat it), the low 16 bits are its
 * data; errno data above MAX_ERRNO is clamped as the kernel clamps it.
 */
export function retAction(ret: number): Action {
  const action = (ret & RET_ACTION_FULL) >>> 0;
  const data = ret & RET_DATA;
  switch (action) {
    case SECCOMP_RET.KILL_THREAD:
      return KILL_THREAD;
    case SECCOMP_RET.TRAP:
      return { kind: 'trap', data };
    case SECCOMP_RET.ERRNO:
      return { kind: 'errno', errno: Math.min(data, MAX_ERRNO) };
    case SECCOMP_RET.USER_NOTIF:
      return USER_NOTIF;
    case SECCOMP_RET.TRACE:
      return { kind: 'trace', data };
    case SECCOMP_RET.LOG:
      return LOG;
    case SECCOMP_RET.ALLOW:
      return ALLOW;
    default:
      return KILL_PROCESS;
  }
}

// A3 rank by kind: lower wins. The kernel compares (s32)(ret & ACTION_FULL),
// so KILL_PROCESS (negative) comes first; the 2011 kill ranks above it.
const RANK: Readonly<Record<ActionKind, number>> = {
  kill: 0,
  'kill-process': 1,
  'kill-thread': 2,
  trap: 3,
  errno: 4,
  'user-notif': 5,
  trace: 6,
  log: 7,
  allow: 8,
};

/** A3 the precedence rank of an action's kind: 0 (the 2011 kill) is the strongest, 8 (allow) the weakest. */
export const actionRank = (a: Action): number => RANK[a.kind];

/**
 * A3 the answer of a stack of filters, listed newest first (as the kernel
 * walks current->seccomp.filter): the strongest kind wins; of two answers
 * of the same kind, the newer one's data wins. An empty stack allows.
 */
export function combine(newestFirst: Iterable<Action>): Action {
  let best: Action = ALLOW;
  let bestRank = RANK.allow + 1;
  for (const a of newestFirst) {
    const r = RANK[a.kind];
    if (r < bestRank) {
      best = a;
      bestRank = r;
    }
  }
  return best;
}

/** Whether an action lets the call run (allow, log). */
export const actionRuns = (a: Action): boolean => a.kind === 'allow' || a.kind === 'log';

/** Whether two actions are the same answer, data included. */
export const sameAction = (a: Action, b: Action): boolean => formatAction(a) === formatAction(b);

/**
 * A4 the protocol's spelling of an action: `allow`, `log`, `errno:N`,
 * `trap:N`, `trace:N`, `user-notif`, `kill-thread`, `kill-process`, and
 * `kill` for the 2011 kill.
 */
export function formatAction(a: Action): string {
  switch (a.kind) {
    case 'errno':
      return `errno:${a.errno}`;
    case 'trap':
    case 'trace':
      return `${a.kind}:${a.data}`;
    default:
      return a.kind;
  }
}

const SIMPLE: Readonly<Record<string, Action>> = {
  kill: KILL_2011,
  'kill-process': KILL_PROCESS,
  'kill-thread': KILL_THREAD,
  'user-notif': USER_NOTIF,
  log: LOG,
  allow: ALLOW,
  trap: { kind: 'trap', data: 0 },
  trace: { kind: 'trace', data: 0 },
};

/** The spellings parseAction accepts, for messages. */
export const ACTION_SPELLINGS = 'allow, log, errno:N, trap[:N], trace[:N], user-notif, kill-thread, kill-process, kill';

/** An action's spelling that parseAction refused, and why. */
export interface ActionError {
  readonly text: string;
  readonly message: string;
}

/**
 * A4 parse an action spelling (formatAction's, plus `trap` and `trace`
 * for data 0). Returns the action, or an error saying what is valid.
 */
export function parseAction(text: string): Action | ActionError {
  const simple = Object.hasOwn(SIMPLE, text) ? SIMPLE[text] : undefined;
  if (simple !== undefined) return simple;
  const m = /^(errno|trap|trace):(\d{1,5})$/.exec(text);
  if (m !== null) {
    const n = Number(m[2]);
    if (m[1] === 'errno')
      return n <= MAX_ERRNO
        ? { kind: 'errno', errno: n }
        : { text, message: `errno:${m[2]}: an errno is at most ${MAX_ERRNO} (MAX_ERRNO)` };
    return n <= MAX_DATA
      ? { kind: m[1] as 'trap' | 'trace', data: n }
      : { text, message: `${m[1]}:${m[2]}: ${m[1]} data is at most 65535 (16 bits)` };
  }
  return { text, message: `unknown action '${text.slice(0, 40)}': expected one of ${ACTION_SPELLINGS}` };
}

/** Whether parseAction's result is an error. */
export const isActionError = (r: Action | ActionError): r is ActionError => 'message' in r;
