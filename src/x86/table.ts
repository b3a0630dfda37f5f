/**
 * System call tables of the two x86 ABIs (S1): lookups by number, by unistd
 * name and by `sys_<entry>` name, with argument names and C types.
 */
import { X86_64_ROWS } from './tables/x86_64.ts';
import { IA32_ROWS } from './tables/ia32.ts';

/** The two system call ABIs of an x86_64 kernel with IA32 emulation (S1.1). */
export type Abi = 'x86_64' | 'ia32';

/** Both ABIs, native first. */
export const ABIS: readonly Abi[] = ['x86_64', 'ia32'];

/** One generated table row: number, unistd name, entry name, "arg:type,...". */
export type RawRow = readonly [number, string, string, string];

/** One argument of a system call, as SYSCALL_DEFINE declares it. */
export interface ArgInfo {
  readonly name: string;
  readonly type: string;
}

/** The facts of one system call of one ABI (S1.1). */
export interface SyscallInfo {
  readonly abi: Abi;
  readonly nr: number;
  /** unistd name, e.g. `stat`. */
  readonly name: string;
  /** kernel entry name without `sys_`, e.g. `newstat`. */
  readonly entry: string;
  /** ftrace metadata name, `sys_<entry>`. */
  readonly sysName: string;
  readonly args: readonly ArgInfo[];
}

/** Lookups over one ABI's table. Built once; immutable. */
export interface SyscallTable {
  readonly abi: Abi;
  /** Highest listed number + 1 (S1.2). */
  readonly nrSyscalls: number;
  /** Listed system calls in ascending number. */
  readonly calls: readonly SyscallInfo[];
  /** The call at `nr`, or undefined for an unlisted (sys_ni_syscall) or out-of-range number. */
  byNr(nr: number): SyscallInfo | undefined;
  /** Resolve a policy name (S1.3): `sys_<entry>`, unistd name, decimal or 0x-hex number. */
  resolve(name: string): number | undefined;
  /** Every name a policy may use for this ABI (for suggestions). */
  readonly names: readonly string[];
}

const parseArgs = (spec: string): readonly ArgInfo[] =>
  spec === ''
    ? []
    : spec.split(',').map((a) => {
        const i = a.indexOf(':');
        return Object.freeze({ name: a.slice(0, i), type: a.slice(i + 1) });
      });

const NUMBER = /^(?:0x[0-9a-fA-F]+|[0-9]+)$/;

function buildTable(abi: Abi, rows: readonly RawRow[]): SyscallTable {
  const calls = rows.map(([nr, name, entry, args]) =>
    Object.freeze({ abi, nr, name, entry, sysName: `sys_${entry}`, args: Object.freeze(parseArgs(args)) }),
  );
  const nrSyscalls = calls.reduce((m, c) => Math.max(m, c.nr + 1), 0);
  const byNumber: (SyscallInfo | undefined)[] = new Array<SyscallInfo | undefined>(nrSyscalls).fill(undefined);
  const byName = new Map<string, number>();
  // S1.3: an entry name shared by two numbers names the lowest; rows are ascending,
  // so the first one set wins. sys_ names win over unistd names on a clash.
  for (const c of calls) {
    byNumber[c.nr] = c;
    if (!byName.has(c.sysName)) byName.set(c.sysName, c.nr);
  }
  for (const c of calls) if (!byName.has(c.name)) byName.set(c.name, c.nr);
  const table: SyscallTable = {
    abi,
    nrSyscalls,
    calls: Object.freeze(calls),
    byNr: (nr) => (Number.isInteger(nr) && nr >= 0 && nr < nrSyscalls ? byNumber[nr] : undefined),
    resolve: (name) => {
      const named = byName.get(name);
      if (named !== undefined) return named;
      if (!NUMBER.test(name)) return undefined;
      const n = Number(name);
      return n < nrSyscalls ? n : undefined;
    },
    names: Object.freeze([...byName.keys()]),
  };
  return Object.freeze(table);
}

// Each ABI's table is built on its first use: a command that never looks at ia32 does not pay for it at start.
const TABLES: Partial<Record<Abi, SyscallTable>> = {};

/** The system call table of `abi`. */
export const syscallTable = (abi: Abi): SyscallTable =>
  (TABLES[abi] ??= buildTable(abi, abi === 'x86_64' ? X86_64_ROWS : IA32_ROWS));

/** Levenshtein distance, bounded work: both inputs are short names. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Up to `max` of `candidates` nearest to an unknown `name` by edit distance, nearest first. */
export function nearestNames(candidates: readonly string[], name: string, max = 3): readonly string[] {
  const probe = name.slice(0, 64);
  return candidates
    .map((n) => ({ n, d: distance(probe, n) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)))
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n))
    .slice(0, max)
    .map(({ n }) => n);
}

/** Up to `max` names of `abi` nearest to an unknown `name` (S1.3 suggestions). */
export function suggestNames(abi: Abi, name: string, max = 3): readonly string[] {
  const probe = name.slice(0, 64);
  const bare = probe.startsWith('sys_') ? probe.slice(4) : probe;
  return syscallTable(abi)
    .names.map((n) => ({
      n,
      d: Math.min(distance(probe, n), distance(bare, n.startsWith('sys_') ? n.slice(4) : n) + 1),
    }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)))
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n))
    .slice(0, max)
    .map(({ n }) => n);
}
