/**
 * The x86_64 registers the simulation keeps (S6.1), by name, and register
 * files as values: the model's and the public API's view of pt_regs.
 */
/** The pt_regs fields the simulation keeps (S6.1), each a 64-bit value. */
export const REG_NAMES = [
  'rax',
  'orig_rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'rsp',
  'eflags',
  'cs',
] as const;

/** A pt_regs field name. */
export type RegName = (typeof REG_NAMES)[number];

/** A full register file: every field an unsigned 64-bit bigint in [0, 2^64). */
export type Regs = Readonly<Record<RegName, bigint>>;

/** Registers given to a system call: unspecified fields keep the task's values. */
export type RegsInput = Partial<Regs>;
