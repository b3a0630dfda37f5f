/** The errno values of S5.7, and rax read as an errno. */
/** errno values (S5.7). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EACCES: 13,
  EFAULT: 14,
  EINVAL: 22,
  ENOSPC: 28,
  ENOSYS: 38,
} as const;

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(ERRNO).map(([name, n]) => [n, name]));

/** An errno value by name and number (S5.7), e.g. `{ name: 'EINVAL', number: 22 }`. */
export interface ErrnoInfo {
  /** The errno's name, e.g. `EINVAL`; `E<number>` for one S5.7 does not list. */
  readonly name: string;
  readonly number: number;
}

/** The errno of a -errno rax (-4095 to -1), or null when rax is not one. */
export function errnoOf(rax: bigint): ErrnoInfo | null {
  const v = BigInt.asIntN(64, rax);
  if (v >= 0n || v <= -4096n) return null;
  const number = Number(-v);
  return { name: ERRNO_NAMES.get(number) ?? `E${number}`, number };
}

/** rax as a result: `-ENAME` for the S5.7 errno values, else the signed decimal value. */
export function resultText(rax: bigint): string {
  const e = errnoOf(rax);
  return e === null || !ERRNO_NAMES.has(e.number) ? BigInt.asIntN(64, rax).toString() : `-${e.name}`;
}
