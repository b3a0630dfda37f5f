/** x86 facts: ABIs, system call tables, registers, vectors, shared observables. */
export * from './table.ts';
export * from './config.ts';
export * from './errno.ts';
export * from './outcome.ts';
export * from './prctl.ts';
export * from './registers.ts';
export * from './task.ts';
export * from './vectors.ts';
export * from './views.ts';
export { constantNames, constantValue, decodeArg, isNarrowType } from './constants.ts';
export { X32_SYSCALL_BIT, x32Table, type X32Table } from './x32.ts';
export * from './errno-names.ts';
