/**
 * Writes data/syscalls/syscalls-x32.json: the x32 ABI's system calls, by
 * unistd name and number (bit 30, __X32_SYSCALL_BIT, included). The numbers
 * come from the kernel's uapi header asm/unistd_x32.h (Debian's
 * linux-libc-dev, generated from arch/x86/entry/syscalls/syscall_64.tbl's
 * `common` and `x32` rows), completed with the `common` rows of the
 * x86_64 table that are newer than that header: every row added to
 * syscall_64.tbl after the header's kernel and up to syscalls-x86_64.json's
 * is `common` (uretprobe, 335, is `64` and older than that range).
 * Usage: node --import tsx scripts/gen-x32-data.ts [UNISTD_X32_H]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const header = process.argv[2] ?? '/usr/include/x86_64-linux-gnu/asm/unistd_x32.h';
const X32_BIT = 0x40000000;

const calls = new Map<string, number>();
for (const m of readFileSync(header, 'utf8').matchAll(/^#define __NR_(\w+)\s+\(__X32_SYSCALL_BIT \+ (\d+)\)/gm))
  calls.set(m[1]!, X32_BIT + Number(m[2]));
if (calls.size === 0) throw new Error(`${header}: no __NR_ definitions`);
const newest = Math.max(...[...calls.values()].filter((n) => n - X32_BIT < 512)) - X32_BIT;
const x86_64 = JSON.parse(readFileSync(join(root, 'data', 'syscalls', 'syscalls-x86_64.json'), 'utf8')) as {
  kernel: string;
  syscalls: { nr: number; name: string }[];
};
for (const c of x86_64.syscalls) if (c.nr > newest && !calls.has(c.name)) calls.set(c.name, X32_BIT + c.nr);
const syscalls = [...calls].map(([name, nr]) => ({ nr, name })).sort((a, b) => a.nr - b.nr);
const out = {
  abi: 'x32',
  kernel: x86_64.kernel,
  note: `x32 system calls (numbers include __X32_SYSCALL_BIT): asm/unistd_x32.h up to ${newest}, then the common rows of syscall_64.tbl (${x86_64.kernel})`,
  syscalls,
};
writeFileSync(join(root, 'data', 'syscalls', 'syscalls-x32.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote data/syscalls/syscalls-x32.json: ${syscalls.length} system calls`);
