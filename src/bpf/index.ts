/**
 * Seccomp BPF for today's Linux: the classic BPF vocabulary, a compiler
 * from policies and model states, a kernel-style validator, an emulator
 * with the constant-action cache check, raw encoding and a disassembler.
 * Neither the model nor the engine imports this folder.
 */
export {
  ACTION_SPELLINGS,
  actionValue,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  auditArch,
  argWord,
  BPF,
  BPF_MAXINSNS,
  describeAction,
  parseAction,
  RET_ACTION_FULL,
  RET_DATA,
  retAllows,
  SECCOMP_DATA,
  SECCOMP_RET,
  type Action,
  type Program,
  type SeccompData,
  type SockFilter,
} from './insn.ts';
export { validate, SECCOMP_OPCODES } from './validate.ts';
export { constAllowed, dataWord, emulate, type Run } from './emulate.ts';
export {
  compileFilters,
  compilePolicy,
  compileState,
  type CompileError,
  type CompileOptions,
  type Compiled,
} from './compile.ts';
export type { Faults } from './expr.ts';
export { decodeRaw, encodeRaw } from './raw.ts';
export { describeInstructions, disassemble } from './disasm.ts';
