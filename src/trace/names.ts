/**
 * System call names as tracers print them, resolved against one ABI's
 * table (S1.1): unistd names, strace's `syscall_0x1b6` for numbers it has
 * no name for, numbers given by `strace -n`, and `sys_<entry>` names (S1.3).
 */
import { suggestNames, syscallTable, type Abi } from '../x86/table.ts';

/** A resolved name: number and the table's unistd name (or the name as written for an unlisted slot). */
export interface ResolvedName {
  readonly nr: number;
  readonly name: string;
}

const byName = new Map<Abi, ReadonlyMap<string, number>>();

function namesOf(abi: Abi): ReadonlyMap<string, number> {
  let m = byName.get(abi);
  if (m === undefined) {
    const built = new Map<string, number>();
    for (const c of syscallTable(abi).calls) if (!built.has(c.name)) built.set(c.name, c.nr);
    m = built;
    byName.set(abi, m);
  }
  return m;
}

const UNNAMED = /^syscall_0x[0-9a-f]{1,8}$/;

/**
 * Resolve `name` for `abi`; `nrHint` is the number strace printed with `-n`.
 * Returns an error message when the name is unknown or contradicts the hint.
 */
export function resolveTraceName(abi: Abi, name: string, nrHint: number | null): ResolvedName | string {
  const table = syscallTable(abi);
  const known =
    namesOf(abi).get(name) ??
    (UNNAMED.test(name)
      ? Number.parseInt(name.slice(10), 16)
      : name.startsWith('sys_')
        ? table.resolve(name)
        : undefined);
  if (nrHint !== null) {
    if (known !== undefined && known !== nrHint) {
      return `'${name}' is system call ${known} of ${abi}, but the line says [${nrHint}]`;
    }
    return { nr: nrHint, name: table.byNr(nrHint)?.name ?? name };
  }
  if (known === undefined) {
    const near = suggestNames(abi, name);
    const hint = near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
    return `unknown system call '${name}' for ${abi}${hint}`;
  }
  return { nr: known, name: table.byNr(known)?.name ?? name };
}

/** The unistd name of `nr` in `abi`, or `syscall_0x<nr>` as strace prints unlisted numbers. */
export function traceName(abi: Abi, nr: number): string {
  return syscallTable(abi).byNr(nr)?.name ?? `syscall_0x${(nr >>> 0).toString(16)}`;
}

/** A named argument of a reported call. */
export interface NamedArg {
  readonly name: string;
  /** The argument's C type from the table (`unsigned long` for one the table does not list). */
  readonly type: string;
  readonly value: bigint;
}

/** Argument names from the table of the call's ABI; `a<k>` beyond them. */
export function namedArgs(abi: Abi, nr: number, args: readonly bigint[]): readonly NamedArg[] {
  const info = syscallTable(abi).byNr(nr)?.args ?? [];
  return args.map((value, k) => ({ name: info[k]?.name ?? `a${k}`, type: info[k]?.type ?? 'unsigned long', value }));
}
