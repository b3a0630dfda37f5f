/**
 * Actions as the command line takes them: formatAction's spellings
 * (`errno:1`, `trap:7`, `kill-process`), and an errno by its name
 * (`errno:EPERM`), from Linux's asm-generic errno-base.h and errno.h.
 */
import { ACTION_SPELLINGS, isActionError, parseAction, type Action, type ActionError } from '../action/index.ts';

/** errno names and values on x86 Linux (asm-generic/errno-base.h, errno.h), for `errno:NAME`. */
export const ERRNO_NAMES: Readonly<Record<string, number>> = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
};

/** An action flag's value: a spelling of ACTION_SPELLINGS, or `errno:NAME`; an error says what is valid. */
export function parseActionFlag(text: string): Action | ActionError {
  const named = /^errno:([A-Z][A-Z0-9]*)$/.exec(text);
  if (named !== null) {
    const n = Object.hasOwn(ERRNO_NAMES, named[1]!) ? ERRNO_NAMES[named[1]!] : undefined;
    return n === undefined
      ? { text, message: `unknown errno name '${named[1]!.slice(0, 20)}' (e.g. EPERM, EACCES, ENOSYS; or a number)` }
      : { kind: 'errno', errno: n };
  }
  const a = parseAction(text);
  return isActionError(a)
    ? { text, message: `${a.message.replace(ACTION_SPELLINGS, `${ACTION_SPELLINGS} (errno:NAME too)`)}` }
    : a;
}
