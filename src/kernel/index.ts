/**
 * The fast engine's public face: `Kernel`, a mutable simulated
 * x86_64 kernel (the entry path, tasks, prctl, /proc) on top of the
 * seccomp core of src/seccomp, whose filters are compiled once at prctl time
 * into per-ABI decision tables. This file is the whole public face of
 * src/kernel (`seccomp-spec/kernel`; the package root re-exports it).
 */
export { CORRECT_RULES, type EngineRules } from '../seccomp/index.ts';
export type { InstallResult } from './install.ts';
export { R, ROW_WORDS, type RegRow } from '../x86/regs.ts';
export { STATUS, type Status } from './core.ts';
export { Kernel, SCRATCH_ADDR, VERDICT, type EngineOptions, type Verdict } from './kernel.ts';
