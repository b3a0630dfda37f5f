/**
 * Dispatch tables (S6.5): for each ABI, a byte per system call number
 * naming its handler. 0 is a not-implemented slot (-ENOSYS), 1 a call the
 * simulation does not implement (the configured default result).
 */
import { syscallTable, type Abi } from '../x86/table.ts';

/** Handler codes. */
export const HANDLER = {
  NI: 0,
  DEFAULT: 1,
  PRCTL: 2,
  FORK: 3,
  VFORK: 4,
  CLONE: 5,
  EXECVE: 6,
  EXIT: 7,
  EXIT_GROUP: 8,
  GETPID: 9,
  GETTID: 10,
} as const;

const BY_NAME: Readonly<Record<string, number>> = {
  prctl: HANDLER.PRCTL,
  fork: HANDLER.FORK,
  vfork: HANDLER.VFORK,
  clone: HANDLER.CLONE,
  execve: HANDLER.EXECVE,
  exit: HANDLER.EXIT,
  exit_group: HANDLER.EXIT_GROUP,
  getpid: HANDLER.GETPID,
  gettid: HANDLER.GETTID,
};

function build(abi: Abi): Uint8Array {
  const t = syscallTable(abi);
  const out = new Uint8Array(t.nrSyscalls);
  for (const c of t.calls) out[c.nr] = BY_NAME[c.name] ?? HANDLER.DEFAULT;
  return out;
}

/** Handler codes by ABI code (0 x86_64, 1 ia32), indexed by nr. */
export const HANDLERS: readonly Uint8Array[] = [build('x86_64'), build('ia32')];
