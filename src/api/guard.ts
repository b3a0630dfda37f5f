/**
 * Runtime checks of the public API's arguments, for JavaScript callers
 * whose mistakes TypeScript cannot stop at compile time (U1): a number
 * where a bigint is expected, an unknown ABI, vector or register, a pid
 * that is not a pid. Each throws a TypeError in the project's words,
 * naming the method and the argument; a well-typed call's results stay
 * values (an unknown but well-formed pid is `no_task`, not an error).
 */
import type { Abi } from '../x86/table.ts';
import { REG_NAMES, type RegsInput } from '../x86/registers.ts';
import { VECTORS, type Vector } from '../x86/vectors.ts';

const ABI_LIST: readonly string[] = ['x86_64', 'ia32'];
const REGS: ReadonlySet<string> = new Set(REG_NAMES);

/** An unknown name as the message shows it: quoted when it is a string, else its type. */
const named = (v: unknown): string => (typeof v === 'string' ? `'${v.slice(0, 40)}'` : shown(v));

/** `v` as the message shows it: its type and, for short values, the value. */
function shown(v: unknown): string {
  if (typeof v === 'string') return `the string '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (typeof v === 'number') return `the number ${v}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

const fail = (where: string, what: string): never => {
  throw new TypeError(`${where}: ${what}`);
};

/** `abi` is 'x86_64' or 'ia32'. */
export function checkAbi(where: string, abi: unknown): asserts abi is Abi {
  if (typeof abi !== 'string' || !ABI_LIST.includes(abi))
    fail(where, `unknown ABI ${named(abi)} (valid: ${ABI_LIST.join(', ')})`);
}

/** `vector` is 'syscall', 'int80' or 'sysenter' (S6.1). */
export function checkVector(where: string, vector: unknown): asserts vector is Vector {
  if (vector !== 'syscall' && vector !== 'int80' && vector !== 'sysenter') {
    fail(where, `unknown entry vector ${named(vector)} (valid: ${VECTORS.join(', ')})`);
  }
}

/** `pid` is a non-negative safe integer (whether a task has it is the method's answer, not an error). */
export function checkPid(where: string, pid: unknown): asserts pid is number {
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid < 0)
    fail(where, `pid must be a non-negative integer, got ${shown(pid)}`);
}

/** `v` is a bigint (`name` says which argument). */
export function checkBigint(where: string, name: string, v: unknown): asserts v is bigint {
  if (typeof v !== 'bigint') {
    const hint = typeof v === 'number' && Number.isSafeInteger(v) ? ` (write ${v}n)` : '';
    fail(where, `${name} must be a bigint, got ${shown(v)}${hint}`);
  }
}

/** `v` is a string (`name` says which argument). */
export function checkString(where: string, name: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') fail(where, `${name} must be a string, got ${shown(v)}`);
}

/** `regs` is an object of pt_regs names (S6.1) to bigints. */
export function checkRegs(where: string, regs: unknown): asserts regs is RegsInput {
  if (typeof regs !== 'object' || regs === null || Array.isArray(regs))
    fail(where, `regs must be an object such as { rax: 1n, rdi: 2n }, got ${shown(regs)}`);
  for (const [name, v] of Object.entries(regs as object)) {
    if (!REGS.has(name)) fail(where, `unknown register '${name}' (the pt_regs fields are ${REG_NAMES.join(', ')})`);
    if (v !== undefined) checkBigint(where, `regs.${name}`, v);
  }
}
