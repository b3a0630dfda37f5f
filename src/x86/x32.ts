/**
 * The x32 ABI's system call numbers (x86_64 registers and calling
 * convention, 32-bit pointers): a call arrives with AUDIT_ARCH_X86_64 and
 * bit 30 (__X32_SYSCALL_BIT) set in its number. This project simulates no
 * x32 task; the table names x32 calls in policies that list the ABI (OCI
 * profiles' SCMP_ARCH_X32) and in explanations.
 */
import { X32_ROWS } from './tables/x32.ts';

/** __X32_SYSCALL_BIT: bit 30 of an x32 call's number. */
export const X32_SYSCALL_BIT = 0x40000000;

/** Names and numbers (bit 30 included) of the x32 ABI's system calls. */
export interface X32Table {
  /** Every x32 call, ascending by number. */
  readonly calls: readonly { readonly nr: number; readonly name: string }[];
  /** The unistd name of x32 number `nr` (bit 30 included), if it is one. */
  byNr(nr: number): string | undefined;
  /** The x32 number (bit 30 included) of unistd name `name`, if x32 has it. */
  resolve(name: string): number | undefined;
}

const byName = new Map<string, number>(X32_ROWS.map(([nr, name]) => [name, nr]));
const byNumber = new Map<number, string>(X32_ROWS.map(([nr, name]) => [nr, name]));

/** The x32 system call table (numbers as of the kernel the x86 tables follow). */
export const x32Table: X32Table = Object.freeze({
  calls: Object.freeze(X32_ROWS.map(([nr, name]) => Object.freeze({ nr, name }))),
  byNr: (nr: number) => byNumber.get(nr),
  resolve: (name: string) => byName.get(name),
});
