/** Helpers for the engine example tests: calls by name, errno results, text in memory. */
import { Kernel } from '../../src/kernel/index.ts';
import { syscallTable, type Abi } from '../../src/x86/table.ts';
import type { Outcome } from '../../src/x86/outcome.ts';
import type { RegsInput } from '../../src/x86/registers.ts';
import { callAbi, type Vector } from '../../src/x86/vectors.ts';

/** rax of a -errno result (C11). */
export const err = (e: number): bigint => (1n << 64n) - BigInt(e);

const ARG_REGS: Readonly<Record<Abi, readonly (keyof RegsInput)[]>> = {
  x86_64: ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'],
  ia32: ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'],
};

/** Call `name` of the vector's ABI with positional arguments. */
export function call(k: Kernel, pid: number, vector: Vector, name: string, ...args: bigint[]): Outcome {
  const code = k.view().tasks.find((t) => t.pid === pid)?.abi ?? 'x86_64';
  const abi = callAbi(code, vector);
  const nr = syscallTable(abi).resolve(name);
  if (nr === undefined) throw new Error(`no ${name} in ${abi}`);
  const regs: Record<string, bigint> = { rax: BigInt(nr) };
  args.forEach((a, i) => (regs[ARG_REGS[abi][i]!] = a));
  return k.syscall(pid, vector, regs);
}

/** Write `text` and a NUL at `addr`. */
export function putText(k: Kernel, pid: number, addr: bigint, text: string): void {
  if (!k.writeMemory(pid, addr, [...text].map((c) => c.charCodeAt(0)).concat([0]))) throw new Error('write failed');
}

/** The outcome of a plain return of `rax`. */
export const ret = (rax: bigint): Outcome => ({ kind: 'return', rax });

/** A kernel with one task of `abi`; returns both. */
export function oneTask(abi: Abi = 'x86_64', comm = 'prog'): readonly [Kernel, number] {
  const k = new Kernel();
  return [k, k.spawn(abi, comm)];
}
