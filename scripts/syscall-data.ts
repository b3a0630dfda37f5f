/**
 * The system call data kept in data/syscalls (S1.1), read and turned into
 * table rows: shared by scripts/gen-tables.ts, which writes
 * src/x86/tables/{x86_64,ia32}.ts, and the test that checks those files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface RawArg {
  readonly name: string;
  readonly type: string;
}
interface RawCall {
  readonly nr: number;
  readonly name: string;
  readonly entry: string;
  readonly args: readonly RawArg[];
}
/** One ABI's file, syscalls-ABI.json. */
export interface RawTable {
  readonly abi: string;
  readonly kernel: string;
  readonly registers: readonly string[];
  readonly syscalls: readonly RawCall[];
}

/** A generated row: [nr, unistd name, SYSCALL_DEFINE entry name, "arg:type,arg:type,..."]. */
export type TableRow = readonly [number, string, string, string];

/** syscalls-ABI.json of `dir`, checked to be of `abi`. */
export function readSyscallData(dir: string, abi: 'x86_64' | 'ia32'): RawTable {
  const src = join(dir, `syscalls-${abi}.json`);
  const raw = JSON.parse(readFileSync(src, 'utf8')) as RawTable;
  if (raw.abi !== abi) throw new Error(`${src}: abi is ${raw.abi}, expected ${abi}`);
  return raw;
}

/** The table's rows in number order. */
export const tableRows = (raw: RawTable): readonly TableRow[] =>
  [...raw.syscalls]
    .sort((a, b) => a.nr - b.nr)
    .map((c) => [c.nr, c.name, c.entry, c.args.map((a) => `${a.name}:${a.type}`).join(',')] as const);
