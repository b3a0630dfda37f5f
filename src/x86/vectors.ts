/** The entry vectors of a system call and the ABI each gives a call (S6.1). */
import type { Abi } from './table.ts';

/**
 * How a system call enters the kernel (S6.1). `syscall` is native from a
 * 64-bit task and compat from a 32-bit one; `int80` and `sysenter` are
 * always compat (TS_COMPAT), from 64-bit tasks too.
 */
export type Vector = 'syscall' | 'int80' | 'sysenter';

/** Every entry vector. */
export const VECTORS: readonly Vector[] = ['syscall', 'int80', 'sysenter'];

/** The ABI a call through `vector` uses, for a task whose code is `taskAbi` (S6.1). */
export const callAbi = (taskAbi: Abi, vector: Vector): Abi => (vector === 'syscall' ? taskAbi : 'ia32');
