/** prctl's seccomp options (S5) and the limits of the text it reads from user memory (S5.2). */
/** prctl options (S5). */
export const PR = {
  GET_SECCOMP: 21,
  SET_SECCOMP: 22,
  GET_SECCOMP_FILTER: 35,
  SET_SECCOMP_FILTER: 36,
  CLEAR_SECCOMP_FILTER: 37,
} as const;

/** Longest policy or filter text read from user memory, NUL excluded (S5.2). */
export const MAX_USER_TEXT = 64 * 1024;

const UTF8 = new TextEncoder();
/** The length of `s` in UTF-8 bytes, as user memory holds it (Node and browsers alike). */
export const utf8Length = (s: string): number => UTF8.encode(s).length;
