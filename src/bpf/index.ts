/**
 * Seccomp BPF for today's Linux: the classic BPF vocabulary, a compiler
 * from rule sets (and through them 2011 policies and model states), a kernel-style validator, an emulator
 * with the constant-action cache check, raw encoding and a disassembler.
 * Neither the model nor the engine imports this folder.
 */
export {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  auditArch,
  argWord,
  BPF,
  BPF_MAXINSNS,
  describeAction,
  retAllows,
  SECCOMP_DATA,
  type Program,
  type SeccompData,
  type SockFilter,
} from './insn.ts';
export { validate, SECCOMP_OPCODES } from './validate.ts';
export { constAllowed, dataWord, emulate, type Run } from './emulate.ts';
export {
  compileFilters,
  compilePolicy,
  compileRules,
  compileState,
  expectedInstructions,
  type CompileError,
  type CompileOptions,
  type Compiled,
  type CompiledRules,
  type Frequencies,
  type RuleCompileOptions,
} from './compile.ts';
export type { Faults } from './expr.ts';
export { decodeRaw, encodeRaw } from './raw.ts';
export { describeInstructions, disassemble } from './disasm.ts';
