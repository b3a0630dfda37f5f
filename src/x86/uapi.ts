/**
 * Every integer constant of the kernel's UAPI headers and the `__NR_*`
 * system call names, per ABI (spec/17-minijail.md, M-K1), from data
 * generated from linux-libc-dev (scripts/gen-constants.ts). The table is
 * large (tens of thousands of names), so it loads on first use: the 2011
 * grammar's families (constants.ts) stay in the module every command
 * loads, and only readers of minijail policies pay for this one.
 */
import type { Abi } from './table.ts';
import { constantValue, constantNames } from './constants.ts';

/** One ABI's UAPI names: constants as C `long long` values, system calls by `__NR_` name. */
export interface UapiTable {
  readonly abi: Abi;
  /** The value of `name` as its header defines it (or as the 2011 families' libc headers do), or undefined. */
  constant(name: string): bigint | undefined;
  /** Every constant name, sorted (for suggestions). */
  readonly constantNames: readonly string[];
  /** The number of `__NR_<name>` in the ABI's unistd header, or undefined. */
  syscall(name: string): number | undefined;
  /** Every `__NR_` name without its prefix. */
  readonly syscallNames: readonly string[];
  /** The `__NR_` name of number `nr`, or undefined. */
  syscallName(nr: number): string | undefined;
}

const loaded: Partial<Record<Abi, UapiTable>> = {};

function build(abi: Abi, rows: string, syscalls: string): UapiTable {
  const values = new Map<string, bigint>();
  for (const line of rows.split('\n')) {
    if (line === '') continue;
    const [name = '', a = '', b] = line.split(' ');
    const v = abi === 'x86_64' ? a : (b ?? a);
    if (v !== '-') values.set(name, BigInt(v));
  }
  // The libc-only families of the 2011 tables (AF_*, SOCK_*) fill what the UAPI headers do not define.
  for (const n of constantNames(abi)) if (!values.has(n)) values.set(n, constantValue(abi, n)!);
  const nrs = new Map<string, number>();
  for (const line of syscalls.split('\n')) {
    const [name, nr] = line.split(' ');
    if (name !== undefined && nr !== undefined) nrs.set(name, Number(nr));
  }
  const names = Object.freeze([...values.keys()].sort());
  const byNr = new Map([...nrs].map(([n, nr]) => [nr, n]));
  return Object.freeze({
    abi,
    constant: (name: string) => values.get(name),
    constantNames: names,
    syscall: (name: string) => nrs.get(name),
    syscallNames: Object.freeze([...nrs.keys()]),
    syscallName: (nr: number) => byNr.get(nr),
  });
}

/** The UAPI table of `abi`, loading it on first use. */
export async function loadUapi(abi: Abi): Promise<UapiTable> {
  const have = loaded[abi];
  if (have !== undefined) return have;
  const m = await import('./tables/uapi.ts');
  const table = build(abi, m.UAPI_CONSTANT_ROWS, abi === 'x86_64' ? m.UAPI_SYSCALLS_X86_64 : m.UAPI_SYSCALLS_IA32);
  loaded[abi] = table;
  return table;
}

/** The UAPI table of `abi` if loadUapi has loaded it, else undefined. */
export const uapiIfLoaded = (abi: Abi): UapiTable | undefined => loaded[abi];
