/**
 * libseccomp's x86 architectures (x86_64, x86, x32): their names in a
 * profile and in a RuleSet, the bad-architecture action, and which system
 * call names each knows, with x86's socketcall and ipc subcalls.
 */
import { KILL_THREAD, type Action } from '../action/index.ts';
import type { RuleArch } from '../ruleset/index.ts';
import { syscallTable, x32Table } from '../x86/index.ts';
import type { ArchName } from './profile.ts';
import { RETIRED } from './retired.ts';

/** The architectures of this project's RuleSet, as libseccomp names them. */
export type SeccompArch = 'x86_64' | 'x86' | 'x32';

/** The RuleSet architecture of a libseccomp x86 architecture. */
export const RULE_ARCH: Readonly<Record<SeccompArch, RuleArch>> = { x86_64: 'x86_64', x86: 'ia32', x32: 'x32' };

/** The profile's name of each x86 architecture. */
export const SCMP_ARCH: Readonly<Record<SeccompArch, ArchName>> = {
  x86_64: 'SCMP_ARCH_X86_64',
  x86: 'SCMP_ARCH_X86',
  x32: 'SCMP_ARCH_X32',
};

/** libseccomp's default bad-architecture action (SCMP_ACT_KILL, kill-thread), which runc keeps. */
export const BAD_ARCH: Action = KILL_THREAD;

/** socketcall(2)'s subcalls (linux/net.h SYS_*): the x86 calls libseccomp also adds to socketcall. */
export const SOCKET_SUBCALLS: ReadonlyMap<string, number> = new Map([
  ['socket', 1],
  ['bind', 2],
  ['connect', 3],
  ['listen', 4],
  ['accept', 5],
  ['getsockname', 6],
  ['getpeername', 7],
  ['socketpair', 8],
  ['send', 9],
  ['recv', 10],
  ['sendto', 11],
  ['recvfrom', 12],
  ['shutdown', 13],
  ['setsockopt', 14],
  ['getsockopt', 15],
  ['sendmsg', 16],
  ['recvmsg', 17],
  ['accept4', 18],
  ['recvmmsg', 19],
  ['sendmmsg', 20],
]);

/** ipc(2)'s subcalls (linux/ipc.h): the x86 calls libseccomp also adds to ipc. */
export const IPC_SUBCALLS: ReadonlyMap<string, number> = new Map([
  ['semop', 1],
  ['semget', 2],
  ['semctl', 3],
  ['semtimedop', 4],
  ['msgsnd', 11],
  ['msgrcv', 12],
  ['msgget', 13],
  ['msgctl', 14],
  ['shmat', 21],
  ['shmdt', 22],
  ['shmget', 23],
  ['shmctl', 24],
]);

/** x86's socketcall and ipc numbers. */
export const X86_SOCKETCALL = 102;
export const X86_IPC = 117;

const unistd = (abi: 'x86_64' | 'ia32', retired: ReadonlyMap<string, number>): ReadonlyMap<string, number> =>
  new Map([...retired, ...syscallTable(abi).calls.map((c) => [c.name, c.nr] as const)]);
const NAMES: Readonly<Record<SeccompArch, ReadonlyMap<string, number>>> = {
  x86_64: unistd('x86_64', RETIRED.x86_64),
  x86: unistd('ia32', RETIRED.x86),
  x32: new Map(x32Table.calls.map((c) => [c.name, c.nr] as const)),
};

/** The number of unistd name `name` on `arch` (x32 numbers with bit 30), if it has one. */
export const numberOn = (arch: SeccompArch, name: string): number | undefined => NAMES[arch].get(name);

const NUMBERS: Readonly<Record<SeccompArch, ReadonlyMap<number, string>>> = {
  x86_64: new Map([...NAMES.x86_64].map(([n, nr]) => [nr, n] as const).reverse()),
  x86: new Map([...NAMES.x86].map(([n, nr]) => [nr, n] as const).reverse()),
  x32: new Map([...NAMES.x32].map(([n, nr]) => [nr, n] as const).reverse()),
};

/** A name libseccomp knows for number `nr` on `arch` (x32 numbers with bit 30), if any. */
export const nameOn = (arch: SeccompArch, nr: number): string | undefined => NUMBERS[arch].get(nr);

/** Whether any x86 architecture knows `name` (directly, or on x86 through socketcall or ipc). */
export const knownName = (name: string): boolean =>
  numberOn('x86_64', name) !== undefined ||
  numberOn('x86', name) !== undefined ||
  numberOn('x32', name) !== undefined ||
  SOCKET_SUBCALLS.has(name) ||
  IPC_SUBCALLS.has(name);
