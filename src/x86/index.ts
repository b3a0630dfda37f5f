/** x86 facts: ABIs, system call tables, registers, vectors, shared observables. */
export * from './table.ts';
export * from './types.ts';
export { constantNames, constantValue, decodeArg, isNarrowType } from './constants.ts';
export { X32_SYSCALL_BIT, x32Table, type X32Table } from './x32.ts';
